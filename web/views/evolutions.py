"""Evolution requests ("demandes d'évolution"): the list (filter by status, counters), the submit
form, a request's page with its history, the "Moi aussi" button, the transition buttons of those
who hold the right, and the links to improvement actions of incident reviews (made and removed). Rights, effects and
the one access rule are `evolutions.services` and `evolutions.selectors`; these views bind forms
and call them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from evolutions import selectors, services, workflow
from evolutions.models import EvolutionRequest
from evolutions.workflow import Status
from journal.middleware import register as journal_route
from journal.models import ObjectType
from tickets.markdown import render_markdown


def evolution_by_pk(kwargs):
    """What the access journal writes for a request's pages (granted or refused)."""
    return ObjectType.OTHER, str(kwargs.get("pk", "")), _("demande d'évolution"), None


for _name in ("web:evolution", "web:evolution_support", "web:evolution_action", "web:evolution_link", "web:evolution_unlink"):
    journal_route(_name, evolution_by_pk)

_INPUT = {"class": "fr-input"}
_SELECT = {"class": "fr-select"}
SERVICES = ("Messagerie", "Cahier de textes", "Blog", "Espace documentaire", "Actualités", "Agenda", "Vie scolaire",
            "Authentification", "Application mobile", "Autre")


class SubmitForm(forms.Form):
    school = forms.TypedChoiceField(label=_lazy("École"), coerce=int, widget=forms.Select(attrs=_SELECT))
    service = forms.CharField(label=_lazy("Service ou module ENT concerné"), max_length=120,
                              help_text=_lazy("Ex. Messagerie, Cahier de textes, Blog."),
                              widget=forms.TextInput(attrs={"list": "evolution-services", **_INPUT}))
    title = forms.CharField(label=_lazy("Titre"), max_length=200, widget=forms.TextInput(attrs=_INPUT))
    description = forms.CharField(label=_lazy("Description"), max_length=services.MAX_TEXT,
                                  help_text=_lazy("Ce qui manque, pour qui, et ce que cela changerait. Markdown ; le HTML est retiré à l'affichage."),
                                  widget=forms.Textarea(attrs={"rows": 6, **_INPUT}))


class LinkForm(forms.Form):
    action = forms.TypedChoiceField(label=_lazy("Action d'amélioration d'une revue d'incident"), coerce=int,
                                    widget=forms.Select(attrs=_SELECT))


def transition_form(row, data=None):
    """The form of one row of the workflow table (its inputs, with their French labels)."""
    fields = {}
    for f in row.fields:
        if f.choices:
            fields[f.name] = forms.ChoiceField(label=f.label, required=f.required, choices=[("", "—"), *f.choices],
                                               error_messages={"required": f.required_message or _lazy("Ce champ est obligatoire.")},
                                               widget=forms.Select(attrs=_SELECT))
        else:
            fields[f.name] = forms.CharField(label=f.label, required=f.required, max_length=services.MAX_TEXT,
                                             error_messages={"required": f.required_message or _lazy("Ce champ est obligatoire.")},
                                             widget=forms.Textarea(attrs={"rows": 2, **_INPUT}))
    fields["version"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
    return type(f"{row.name.title()}Form", (forms.Form,), fields)(data, prefix=row.name)


@login_required
def evolutions(request):
    visible = selectors.visible_evolutions(request.user)
    counters = selectors.counters(visible)
    status = request.GET.get("statut", "")
    if status and status not in Status.values:
        status = ""
    rows = list((visible.filter(status=status) if status else visible)[:200])
    return render(request, "evolutions/list.html", {
        "rows": rows, "status": status, "total": sum(counters.values()),
        "counters": [{"value": v, "label": label, "count": counters[v]} for v, label in Status.choices],
        "may_submit": selectors.may_submit_somewhere(request.user),
    })


@login_required
def submit(request):
    schools = list(selectors.submittable_schools(request.user))
    if not schools:
        raise PermissionDenied(_("Seules les personnes d'une école (enseignants, directeurs) et les agents de son "
                                 "périmètre proposent une évolution."))
    form = SubmitForm(request.POST if request.method == "POST" else None)
    form.fields["school"].choices = [(s.pk, f"{s.name} ({s.uai})") for s in schools]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                e = services.submit(request.user, school=d["school"], title=d["title"], description=d["description"],
                                    service=d["service"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Votre demande d'évolution est proposée : l'instance qui priorise les demandes "
                                            "de votre école l'instruira."))
                return redirect("web:evolution", pk=e.pk)
    return render(request, "evolutions/submit.html", {"form": form, "services": SERVICES}, status=status)


def _evolution_or_404(user, pk) -> EvolutionRequest:
    e = selectors.evolution_for(user, pk)
    if e is None:
        raise Http404
    return e


def _detail(request, e, bound=None, status=200):
    bound = bound or {}
    actions = [{"row": row, "form": bound.get(row.name) or transition_form(row)}
               for row in selectors.allowed_transitions(request.user, e)]
    for a in actions:
        a["form"].initial.setdefault("version", e.version)
    may_link = selectors.may_link_actions(request.user, e)
    link_form = None
    if may_link:
        link_form = bound.get("link") or LinkForm()
        link_form.fields["action"].choices = [(a.pk, f"{a.title} — {a.review.incident.title}")
                                              for a in selectors.linkable_actions(request.user, e)[:100]]
    return render(request, "evolutions/detail.html", {
        "e": e, "description_html": render_markdown(e.description), "history": list(selectors.history(e)),
        "actions": actions, "may_support": selectors.may_support(request.user, e),
        "supported": bool(getattr(e, "supported_by_me", False)), "body": selectors.body_label(e),
        "links": selectors.linked_actions(e), "link_form": link_form if link_form and link_form.fields["action"].choices else None,
        "may_unlink": may_link,
    }, status=status)


@login_required
def detail(request, pk):
    return _detail(request, _evolution_or_404(request.user, pk))


@login_required
@require_POST
def support(request, pk):
    e = _evolution_or_404(request.user, pk)
    wanted = request.POST.get("soutien", "1") != "0"
    try:
        e, changed = services.set_support(request.user, e, wanted)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    if changed:
        messages.success(request, _("« Moi aussi » enregistré.") if wanted else _("Votre « Moi aussi » est retiré."))
    return redirect("web:evolution", pk=e.pk)


@login_required
@require_POST
def action(request, pk, action):
    e = _evolution_or_404(request.user, pk)
    row = workflow.BY_NAME.get(action)
    if row is None:
        raise Http404
    form = transition_form(row, request.POST)
    if not form.is_valid():
        return _detail(request, e, {row.name: form}, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "version" and v not in (None, "")}
    try:
        services.apply(request.user, e, row.name, version=form.cleaned_data.get("version"), **data)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, e, {row.name: form}, status=400)
    messages.success(request, row.done)
    return redirect("web:evolution", pk=e.pk)


@login_required
@require_POST
def link(request, pk):
    e = _evolution_or_404(request.user, pk)
    form = LinkForm(request.POST)
    form.fields["action"].choices = [(a.pk, a.title) for a in selectors.linkable_actions(request.user, e)[:100]]
    try:
        if not selectors.may_link_actions(request.user, e):
            raise PermissionDenied(_("Seuls l'instance qui priorise la demande et les agents de l'académie de l'école lient "
                                     "une action d'amélioration."))
        if not form.is_valid():
            return _detail(request, e, {"link": form}, status=400)
        services.link_action(request.user, e, form.cleaned_data["action"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, e, {"link": form}, status=400)
    messages.success(request, _("L'action d'amélioration est liée à la demande ; elle la mentionne désormais."))
    return redirect("web:evolution", pk=e.pk)


@login_required
@require_POST
def unlink(request, pk, action_pk):
    e = _evolution_or_404(request.user, pk)
    try:
        services.unlink_action(request.user, e, action_pk)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except ValidationError as exc:
        for text in (exc.message_dict.get("action") or exc.messages):
            messages.error(request, text)
    else:
        messages.success(request, _("Le lien avec l'action d'amélioration est retiré ; elle ne mentionne plus la demande."))
    return redirect("web:evolution", pk=e.pk)


URLS = [
    path("evolutions/", evolutions, name="evolutions"),
    path("evolutions/nouvelle/", submit, name="evolution_new"),
    path("evolutions/<int:pk>/", detail, name="evolution"),
    path("evolutions/<int:pk>/moi-aussi/", support, name="evolution_support"),
    path("evolutions/<int:pk>/action/<str:action>/", action, name="evolution_action"),
    path("evolutions/<int:pk>/actions-amelioration/", link, name="evolution_link"),
    path("evolutions/<int:pk>/actions-amelioration/<int:action_pk>/retirer/", unlink, name="evolution_unlink"),
]
