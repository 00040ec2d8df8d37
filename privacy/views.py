"""Data-subject export (JSON and a readable page) and the breach notification pages.

Each view journals its own access (granted or refused) with the person or ticket concerned."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core.forms import add_service_errors
from directory.choices import ConventionParty
from directory.models import User
from journal.models import Action, ObjectType, Outcome
from journal.services import record
from tickets.models import Ticket
from tickets.selectors import visible_to

from . import breaches, services, steps
from .models import BreachReport, BreachStep, BreachStepKind


def _journal(request, action, obj=None, **kwargs):
    record(request, action, obj, **kwargs)
    request._journal_recorded = True  # the middleware would write a less precise line


def _subject(request, username):
    subject = User.objects.filter(username=username).first() if username else request.user
    if subject is None or not services.may_export(request.user, subject):
        _journal(request, Action.DENIED, outcome=Outcome.DENIED, object_type=ObjectType.PERSON,
                 object_id=str(subject.pk) if subject else "", object_label=username or "", status_code=403)
        raise PermissionDenied
    return subject


@login_required
def export_json(request, username=None):
    subject = _subject(request, username)
    _journal(request, Action.EXPORT, subject, detail={"format": "json"})
    body = json.dumps(services.personal_data(subject), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-{subject.username}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_html(request, username=None):
    subject = _subject(request, username)
    _journal(request, Action.EXPORT, subject, detail={"format": "html"})
    response = render(request, "privacy/export.html", {"subject": subject, "data": services.personal_data(subject),
                                                         "own": subject.pk == request.user.pk})
    response["Cache-Control"] = "private, no-store"
    return response


class BreachForm(forms.ModelForm):
    class Meta:
        model = BreachReport
        fields = list(services.BREACH_FIELDS)
        widgets = {"detected_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}


def _breach_ticket(request, reference):
    ticket = visible_to(request.user).select_related("convention").filter(reference=reference).first()  # the access rule
    if ticket is None or not services.may_manage_breach(request.user, ticket):
        # The refusal is journaled with the ticket's school, for that school's DPO.
        known = ticket or Ticket.objects.filter(reference=reference).only("pk", "school_id").first()
        _journal(request, Action.DENIED, outcome=Outcome.DENIED, object_type=ObjectType.BREACH,
                 object_id=str(known.pk) if known else "", object_label=reference[:20],
                 school_id=known.school_id if known else None, status_code=404)
        raise Http404(_("Incident introuvable ou hors de votre périmètre."))
    return ticket


class BreachStepForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Étape"), choices=BreachStepKind.choices, widget=forms.RadioSelect)
    done_at = forms.DateTimeField(label=_l("Faite le"), help_text=_l("Date et heure de la notification (heure de Paris)."),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"])
    evidence = forms.CharField(label=_l("Preuve"), widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_l("Ce qui l'atteste : courriel envoyé, accusé de réception, destinataires…"))
    reference = forms.CharField(label=_l("Référence"), required=False, max_length=120,
                                help_text=_l("Pour la CNIL : la référence de la notification (obligatoire)."))


def _breach_page(request, ticket, *, form=None, step_form=None, status=200):
    report = BreachReport.objects.filter(ticket=ticket).first()
    clocks = steps.breach_clocks(ticket)
    recorded = steps.steps_of(ticket)
    done = {s.kind for s in recorded}
    if step_form is None:
        from django.utils import timezone

        first = next((k for k in BreachStepKind.values if k not in done), None)
        step_form = BreachStepForm(initial={"kind": first, "done_at": timezone.localtime().replace(second=0, microsecond=0)})
    rows = [{"label": clock.get_kind_display(), "clock": clock, "status": steps.clock_status(clock)}
            for kind in steps.BREACH_CLOCKS if (clock := clocks.get(kind))]
    party = breaches.party_of(request.user, ticket)
    return render(request, "privacy/breach_form.html", {
        "ticket": ticket, "form": form or BreachForm(instance=report), "report": report, "clock_rows": rows,
        "steps": recorded, "step_form": step_form, "all_done": done >= set(BreachStepKind.values),
        "notifier": breaches.cnil_notifier(ticket, report), "joint_draft": breaches.joint_draft(ticket),
        "approvals_pending": breaches.approvals_pending(ticket, report),
        "approvals": [(ConventionParty(p).label, a) for p, a in (report.approvals if report else {}).items()],
        "may_approve": bool(report and party and party not in report.approvals and breaches.joint_draft(ticket)),
    }, status=status)


@login_required
def breach_approve(request, reference):
    """A drafting party's DPO approves the jointly drafted file as it reads now."""
    ticket = _breach_ticket(request, reference)
    if request.method != "POST":
        return redirect("privacy:breach", reference=ticket.reference)
    _journal(request, Action.CHANGE, ticket, object_type=ObjectType.BREACH, detail={"step": "file_approved"})
    try:
        breaches.approve_file(ticket, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Dossier validé pour votre partie."))
    return redirect("privacy:breach", reference=ticket.reference)


@login_required
def breach_edit(request, reference):
    ticket = _breach_ticket(request, reference)
    report = BreachReport.objects.filter(ticket=ticket).first()
    form = BreachForm(request.POST or None, instance=report)
    if request.method == "POST":
        _journal(request, Action.CHANGE, ticket, object_type=ObjectType.BREACH)
        if form.is_valid():
            try:
                services.save_breach_report(ticket, actor=request.user, **{f: form.cleaned_data[f] for f in services.BREACH_FIELDS})
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Notification de violation enregistrée."))
                return redirect("privacy:breach", reference=ticket.reference)
        return _breach_page(request, ticket, form=form, status=400)
    _journal(request, Action.VIEW, ticket, object_type=ObjectType.BREACH)
    return _breach_page(request, ticket, form=form)


@login_required
def breach_step(request, reference):
    """Record a step (other party / CNIL notified, persons informed): stops its legal clock."""
    ticket = _breach_ticket(request, reference)
    if request.method != "POST":
        return redirect("privacy:breach", reference=ticket.reference)
    _journal(request, Action.CHANGE, ticket, object_type=ObjectType.BREACH, detail={"step": request.POST.get("kind", "")[:20]})
    form = BreachStepForm(request.POST)
    if form.is_valid():
        try:
            step = steps.record_breach_step(ticket, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Étape enregistrée : %(step)s.") % {"step": step.get_kind_display()})
            return redirect("privacy:breach", reference=ticket.reference)
    return _breach_page(request, ticket, step_form=form, status=400)


@login_required
def dpo_board(request):
    """The DPO's board: the security incidents of their perimeter with both legal clocks, and the open
    data-subject requests with theirs."""
    from directory.choices import Category, Role
    from directory.selectors import perimeter_for
    from journal.services import record_bulk_read

    p = perimeter_for(request.user)
    if not (p.everything or p.has_role(Role.DPO)):
        _journal(request, Action.DENIED, outcome=Outcome.DENIED, object_type=ObjectType.LIST, object_label="privacy:board", status_code=403)
        raise PermissionDenied
    tickets = list(visible_to(request.user).filter(category=Category.SECURITY).select_related("school")
                   .order_by("-created_at")[:200])
    clocks = {}
    from sla.models import Clock

    for clock in Clock.objects.filter(ticket__in=tickets, kind__in=steps.BREACH_CLOCKS):
        clocks[(clock.ticket_id, clock.kind)] = clock
    done = {}
    for step in BreachStep.objects.filter(ticket__in=tickets):
        done.setdefault(step.ticket_id, []).append(step.get_kind_display())
    rows = [{
        "ticket": t,
        "clocks": [steps.clock_status(clocks.get((t.pk, kind))) for kind in steps.BREACH_CLOCKS],
        "steps": done.get(t.pk, []),
    } for t in tickets]
    # The open data-subject requests (not answered yet) by the requests' own rule; the clocks come
    # with the query (select_related), the competent parties from the row: no query per request.
    from . import requests as dsr
    from .models import StepKind

    open_requests = list(dsr.visible_requests(request.user).exclude(steps__kind=StepKind.ANSWERED)
                         .order_by("received_at", "pk")[:200])
    request_rows = [{
        "req": r,
        "forward": steps.clock_status(r.forward_clock) if r.forward_clock_id else None,
        "answer": steps.clock_status(r.current_answer_clock),
        "extended": r.extended_clock_id is not None,
    } for r in open_requests]
    record_bulk_read(request, "privacy:board", tickets, detail={"requests": len(open_requests), "request_ids": [r.pk for r in open_requests][:50]})
    request._journal_recorded = True
    from sla.models import ClockKind

    return render(request, "privacy/board.html", {
        "rows": rows, "clock_labels": [ClockKind(k).label for k in steps.BREACH_CLOCKS], "request_rows": request_rows,
    })


@login_required
def breach_notification(request, reference):
    """The printable notification file (what the CNIL's form asks, GDPR art. 33-3)."""
    ticket = _breach_ticket(request, reference)
    report = BreachReport.objects.filter(ticket=ticket).select_related("updated_by").first()
    if report is None:
        raise Http404(_("La notification n'est pas encore renseignée."))
    from sla.models import Clock, ClockKind

    clocks = Clock.objects.filter(ticket=ticket, kind__in=[ClockKind.BREACH_NOTICE, ClockKind.CNIL_NOTICE]).order_by("pk")
    _journal(request, Action.VIEW, ticket, object_type=ObjectType.BREACH, detail={"document": "notification"})
    response = render(request, "privacy/breach_notification.html", {"ticket": ticket, "report": report, "clocks": clocks})
    response["Cache-Control"] = "private, no-store"
    return response
