"""The communication charter (Grand Est annex): a collectivité's communications to pupils and
families, submitted to the chefs d'établissement beforehand. Rights, delays and effects are
`charter.services` and `charter.selectors`; these views bind forms and call them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from charter import selectors, services
from charter.models import Arbiter, Kind, Outcome
from core.forms import add_service_errors
from directory.models import Collectivite
from journal.middleware import register as journal_route
from journal.models import ObjectType
from tickets.markdown import render_markdown


def communication_by_pk(kwargs):
    return ObjectType.OTHER, str(kwargs.get("pk", "")), _("communication d'une collectivité"), None


for _name in ("web:charter_detail", "web:charter_action"):
    journal_route(_name, communication_by_pk)

_INPUT = {"class": "fr-input"}
_SELECT = {"class": "fr-select"}


class SubmitForm(forms.Form):
    collectivite = forms.TypedChoiceField(label=_lazy("Collectivité"), coerce=int, widget=forms.Select(attrs=_SELECT))
    kind = forms.ChoiceField(label=_lazy("Type de communication"), choices=Kind.choices, widget=forms.Select(attrs=_SELECT),
                             help_text=_lazy("Ponctuelle : accord tacite après 3 jours ouvrables ; récurrente : 5 jours ouvrables "
                                             "d'analyse par les autorités académiques ; urgente : publiée tout de suite, copie par courriel."))
    title = forms.CharField(label=_lazy("Titre"), max_length=200, widget=forms.TextInput(attrs=_INPUT))
    content = forms.CharField(label=_lazy("Contenu exhaustif de la diffusion"), max_length=services.MAX_CONTENT,
                              help_text=_lazy("Markdown : titres, listes, gras ; le HTML est retiré à l'affichage."),
                              widget=forms.Textarea(attrs={"rows": 8, **_INPUT}))
    schools = forms.TypedMultipleChoiceField(label=_lazy("Établissements concernés"), coerce=int,
                                             widget=forms.CheckboxSelectMultiple)


def _reason(label, required_message, rows=3):
    return forms.CharField(label=label, error_messages={"required": required_message},
                           widget=forms.Textarea(attrs={"rows": rows, **_INPUT}))


class RefuseForm(forms.Form):
    reason = _reason(_lazy("Motif du refus"), _lazy("Le motif du refus est obligatoire : un refus doit être motivé."))


class DoubtForm(forms.Form):
    reason = _reason(_lazy("Éléments à rectifier (fond ou forme)"), _lazy("Indiquez les éléments à rectifier (fond ou forme)."))


class RectifyForm(forms.Form):
    title = forms.CharField(label=_lazy("Titre"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT))
    content = _reason(_lazy("Contenu rectifié"), _lazy("Le contenu rectifié est obligatoire."), rows=8)


class ArbitrationForm(forms.Form):
    arbiter = forms.ChoiceField(label=_lazy("Autorité saisie"), choices=Arbiter.choices, widget=forms.Select(attrs=_SELECT))
    reason = _reason(_lazy("Exposé du désaccord persistant"), _lazy("Exposez le désaccord persistant."))


class ArbitrateForm(forms.Form):
    outcome = forms.ChoiceField(label=_lazy("Décision"), choices=Outcome.choices, widget=forms.Select(attrs=_SELECT))
    reason = _reason(_lazy("Motif de la décision"), _lazy("La décision d'arbitrage doit être motivée."))


ACTION_FORMS = {"approve": None, "refuse": RefuseForm, "doubt": DoubtForm, "rectify": RectifyForm,
                "arbitration": ArbitrationForm, "arbitrate": ArbitrateForm}
ACTION_LABELS = {
    "approve": _lazy("Approuver la diffusion"),
    "refuse": _lazy("Refuser (motif obligatoire)"),
    "doubt": _lazy("Exprimer un doute : saisir le président de la collectivité"),
    "rectify": _lazy("Soumettre une version rectifiée"),
    "arbitration": _lazy("Saisir le recteur ou le DRAAF pour arbitrage"),
    "arbitrate": _lazy("Rendre l'arbitrage"),
}


def _run(action, user, c, data):
    if action == "approve":
        return services.approve(user, c)
    if action == "refuse":
        return services.refuse(user, c, reason=data.get("reason", ""))
    if action == "doubt":
        return services.doubt(user, c, reason=data.get("reason", ""))
    if action == "rectify":
        return services.rectify(user, c, content=data.get("content", ""), title=data.get("title", ""))
    if action == "arbitration":
        return services.refer_to_arbitration(user, c, arbiter=data.get("arbiter", ""), reason=data.get("reason", ""))
    return services.arbitrate(user, c, outcome=data.get("outcome", ""), reason=data.get("reason", ""))


def _submit_form(user, data=None):
    form = SubmitForm(data)
    ids = sorted(selectors.collectivite_ids(user))
    colls = list(Collectivite.objects.filter(pk__in=ids).order_by("name"))
    form.fields["collectivite"].choices = [(c.pk, c.name) for c in colls]
    schools = []
    for c in colls:
        schools += [(s.pk, f"{s.name} ({s.uai})") for s in selectors.submittable_schools(user, c.pk)]
    form.fields["schools"].choices = schools
    return form, colls


@login_required
def communications(request):
    rows = list(selectors.visible_communications(request.user)[:200])
    return render(request, "charter/list.html", {"communications": rows,
                                                 "may_submit": bool(selectors.collectivite_ids(request.user))})


@login_required
def submit(request):
    form, colls = _submit_form(request.user, request.POST if request.method == "POST" else None)
    if not colls:
        raise PermissionDenied(_("Seuls les agents d'une collectivité soumettent une communication."))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                c = services.submit(request.user, collectivite_id=d["collectivite"], kind=d["kind"], title=d["title"],
                                    content=d["content"], schools=d["schools"])
            except ValidationError as exc:
                add_service_errors(form, exc, lambda name: "collectivite" if name == "collectivite_id" else name)
            else:
                messages.success(request, _("Communication publiée en urgence ; copie adressée par courriel aux chefs d'établissement.")
                                 if d["kind"] == Kind.EMERGENCY else _("Communication soumise aux chefs d'établissement."))
                return redirect("web:charter_detail", pk=c.pk)
    return render(request, "charter/submit.html", {"form": form}, status=status)


def _communication_or_404(user, pk):
    c = selectors.visible_communication(user, pk)
    if c is None:
        raise Http404
    return c


def _detail(request, c, forms_by_action=None, status=200):
    allowed = selectors.allowed_actions(request.user, c)
    forms_by_action = forms_by_action or {}
    actions = []
    for name in allowed:
        cls = ACTION_FORMS[name]
        form = forms_by_action.get(name) or (cls(prefix=name, initial={"content": c.content, "title": c.title}
                                                 if name == "rectify" else None) if cls else None)
        actions.append({"name": name, "label": ACTION_LABELS[name], "form": form})
    return render(request, "charter/detail.html", {
        "c": c, "content_html": render_markdown(c.content), "events": list(c.events.select_related("actor", "school")),
        "actions": actions, "schools": list(c.schools.order_by("name")),
    }, status=status)


@login_required
def detail(request, pk):
    return _detail(request, _communication_or_404(request.user, pk))


@login_required
@require_POST
def action(request, pk, action):
    c = _communication_or_404(request.user, pk)
    if action not in ACTION_FORMS:
        raise Http404
    cls = ACTION_FORMS[action]
    form = cls(request.POST, prefix=action) if cls else None
    if form is not None and not form.is_valid():
        return _detail(request, c, {action: form}, status=400)
    try:
        _run(action, request.user, c, form.cleaned_data if form is not None else {})
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except ValidationError as exc:
        form = form or forms.Form()
        add_service_errors(form, exc)
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return _detail(request, c, {action: form}, status=400)
    messages.success(request, _("Étape enregistrée au registre."))
    return redirect("web:charter_detail", pk=c.pk)
