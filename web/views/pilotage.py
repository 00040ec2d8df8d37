"""Major incidents and their reviews (pilotage): the list of reviews and open improvement actions,
a review's page (timeline, impact, cause and minutes, parties, actions) and the "Déclarer incident
majeur" buttons of the outage and ticket pages. Rights, effects and the one access rule are
`pilotage.services` and `pilotage.selectors`; these views bind forms and call them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from evolutions import selectors as evolution_selectors
from journal.middleware import register as journal_route
from journal.middleware import ticket_by_reference
from journal.models import ObjectType
from pilotage import selectors, services
from pilotage.models import ActionStatus, ImprovementAction, Review, ReviewStatus
from sla.selectors import visible_outages
from tickets.markdown import render_markdown
from tickets.selectors import visible_ticket



def review_by_pk(kwargs):
    """What the access journal writes for a review's pages (granted or refused)."""
    return ObjectType.OTHER, str(kwargs.get("pk", "")), _("revue d'incident"), None


# Every access to a review (the page, an action, a declaration) is journaled, refusals included.
for _name in ("web:pilotage_review", "web:pilotage_action", "web:pilotage_declare_outage"):
    journal_route(_name, review_by_pk)
journal_route("web:pilotage_declare_ticket", ticket_by_reference)

_INPUT = {"class": "fr-input"}
_SELECT = {"class": "fr-select"}


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=_lazy("Statut de la revue"), choices=ReviewStatus.choices, widget=forms.Select(attrs=_SELECT))
    meeting_at = forms.DateTimeField(
        label=_lazy("Date de la réunion"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", **_INPUT}, format="%Y-%m-%dT%H:%M"))
    cause = forms.CharField(label=_lazy("Cause"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 3, **_INPUT}))
    minutes = forms.CharField(label=_lazy("Compte rendu de la réunion"), required=False, max_length=50000,
                              help_text=_lazy("Markdown : titres, listes, gras ; le HTML est retiré à l'affichage."),
                              widget=forms.Textarea(attrs={"rows": 8, **_INPUT}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class PartyForm(forms.Form):
    organisation = forms.ChoiceField(label=_lazy("Organisation à inviter"), widget=forms.Select(attrs=_SELECT))


class ActionForm(forms.Form):
    title = forms.CharField(label=_lazy("Action d'amélioration"), max_length=200, widget=forms.TextInput(attrs=_INPUT))
    owner = forms.ChoiceField(label=_lazy("Organisation responsable"), widget=forms.Select(attrs=_SELECT))
    due_on = forms.DateField(label=_lazy("Échéance"), required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                             widget=forms.DateInput(attrs={"type": "date", **_INPUT}, format="%Y-%m-%d"))
    description = forms.CharField(label=_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2, **_INPUT}))
    tickets = forms.CharField(label=_lazy("Demandes liées"), required=False, help_text=_lazy("Références séparées par des virgules."),
                              widget=forms.TextInput(attrs=_INPUT))
    evolution_ref = forms.CharField(label=_lazy("Demande d'évolution liée"), required=False, max_length=120,
                                    widget=forms.TextInput(attrs=_INPUT))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_lazy("Statut"), choices=ActionStatus.choices, widget=forms.Select(attrs=_SELECT))
    abandon_reason = forms.CharField(label=_lazy("Motif (si abandonnée)"), required=False, widget=forms.TextInput(attrs=_INPUT))
    version = forms.IntegerField(widget=forms.HiddenInput)


def _refs(text):
    return [r.strip() for r in (text or "").replace(";", ",").split(",") if r.strip()]


@login_required
def reviews(request):
    rows = list(selectors.visible_reviews(request.user).order_by("-created_at")[:100])
    actions = list(selectors.open_actions(request.user)[:200])
    return render(request, "pilotage/reviews.html", {"reviews": rows, "actions": actions})


def _review_or_404(user, pk):
    try:
        return selectors.review_for(user, pk)
    except Review.DoesNotExist:
        raise Http404 from None


@login_required
def review(request, pk):
    r = _review_or_404(request.user, pk)
    lead = selectors.may_lead(request.user, r)
    choices = selectors.party_choices(r) if lead else []
    review_form = ReviewForm(initial={"status": r.status, "meeting_at": r.meeting_at, "cause": r.cause,
                                      "minutes": r.minutes, "version": r.version}, prefix="review")
    party_form = PartyForm(prefix="party")
    action_form = ActionForm(prefix="action")
    invited = {p.organisation for p in r.parties.all()}
    party_form.fields["organisation"].choices = [c for c in choices if c[0] not in invited]
    action_form.fields["owner"].choices = [("", _("— choisir —")), *choices]
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "review":
                review_form = ReviewForm(request.POST, prefix="review")
                if review_form.is_valid():
                    d = review_form.cleaned_data
                    services.update_review(r, actor=request.user, version=d.pop("version"), **d)
                    messages.success(request, _("Revue enregistrée."))
                    return redirect("web:pilotage_review", pk=r.pk)
            elif which == "party":
                party_form = PartyForm(request.POST, prefix="party")
                party_form.fields["organisation"].choices = choices
                if party_form.is_valid():
                    services.invite_party(r, party_form.cleaned_data["organisation"], actor=request.user)
                    messages.success(request, _("Organisation invitée."))
                    return redirect("web:pilotage_review", pk=r.pk)
            elif which == "uninvite":
                services.remove_party(r, request.POST.get("organisation", ""), actor=request.user)
                messages.success(request, _("Invitation retirée."))
                return redirect("web:pilotage_review", pk=r.pk)
            elif which == "action":
                action_form = ActionForm(request.POST, prefix="action")
                action_form.fields["owner"].choices = choices
                if action_form.is_valid():
                    d = action_form.cleaned_data
                    services.add_action(r, actor=request.user, title=d["title"], owner=d["owner"], due_on=d["due_on"],
                                        description=d["description"], tickets=_refs(d["tickets"]), evolution_ref=d["evolution_ref"])
                    messages.success(request, _("Action d'amélioration ajoutée."))
                    return redirect("web:pilotage_review", pk=r.pk)
            else:
                raise ValidationError({"form": _("formulaire inconnu")})
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except ValidationError as exc:
            target = {"review": review_form, "party": party_form, "action": action_form}.get(which, review_form)
            add_service_errors(target, exc, lambda name: None if name == "version" else name)
    actions = list(selectors.actions_of(r))
    linked = evolution_selectors.linked_evolutions(request.user, [a.pk for a in actions])
    for a in actions:
        a.linked_evolutions = linked.get(a.pk, [])  # (request, readable): a link to its page, or its reference
        a.may_update = lead or selectors.may_update_action(request.user, a)
        a.form = ActionStatusForm(initial={"status": a.status, "abandon_reason": a.abandon_reason, "version": a.version},
                                  prefix=f"a{a.pk}")
    status = 400 if request.method == "POST" else 200
    return render(request, "pilotage/review.html", {
        "review": r, "incident": r.incident, "lead": lead, "timeline": selectors.timeline(request.user, r),
        "impact": selectors.impact(r), "minutes_html": render_markdown(r.minutes), "actions": actions,
        "review_form": review_form, "party_form": party_form, "action_form": action_form,
    }, status=status)


@login_required
@require_POST
def action_update(request, pk):
    action = get_object_or_404(ImprovementAction.objects.select_related("review"), pk=pk)
    _review_or_404(request.user, action.review_id)  # 404 for who does not read the review
    form = ActionStatusForm(request.POST, prefix=f"a{action.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[f].label} : {' '.join(e)}" if f in form.fields else " ".join(e)
                                         for f, e in form.errors.items()))
        return redirect("web:pilotage_review", pk=action.review_id)
    d = form.cleaned_data
    try:
        services.update_action(action, actor=request.user, status=d["status"], abandon_reason=d["abandon_reason"], version=d["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Action « %(title)s » : %(status)s.") % {"title": action.title, "status": ActionStatus(d["status"]).label})
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt == "/pilotage/" else "web:pilotage_review", **({} if nxt == "/pilotage/" else {"pk": action.review_id}))


@login_required
@require_POST
def declare_outage(request, pk):
    outage = get_object_or_404(visible_outages(request.user), pk=pk)
    review = services.declare_major_incident(outage, actor=request.user)
    messages.success(request, _("Interruption déclarée incident majeur : sa revue est ouverte."))
    return redirect("web:pilotage_review", pk=review.pk)


@login_required
@require_POST
def declare_ticket(request, reference):
    ticket = visible_ticket(request.user, reference)
    if ticket is None:
        raise Http404
    try:
        review = services.declare_major_incident(ticket, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:ticket", reference=reference)
    messages.success(request, _("Demande déclarée incident majeur : sa revue est ouverte."))
    return redirect("web:pilotage_review", pk=review.pk)
