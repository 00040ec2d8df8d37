"""Security incidents: the steps that stop the legal clocks, and the DPOs' alerts on those clocks.

- `record_breach_step(ticket, actor=, kind=, done_at=, evidence=, reference=)`: "autre partie
  notifiée" stops the 48 h clock (conventions: "sans délai, et au maximum sous 48 heures"), "CNIL
  notifiée" the 72 h one (GDPR art. 33), "personnes concernées informées" (art. 34) has no clock.
  The clock stops at `done_at`: in time or late is computed from it, and a late step stays late
  (the clock's target, due time and breach flag are never rewritten). One timeline line per step.
- `alert_dpos(clock, what)`: the DPOs covering the school are told, in the app and by e-mail, when
  a breach clock starts, reaches its warning and its deadline — outbox rows, delivered by the
  outbox worker like every other notification (no second mailer). Wired in `apps.py`.
- `alert_request_dpos(req, clock, what)`: the same for a data-subject request's clocks (answer,
  extended answer, forwarding), to the DPOs who may read the request.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory.choices import Category, Role
from sla.models import Clock, ClockKind, ClockState

from .models import BreachStep, BreachStepKind
from .services import may_manage_breach

STEP_CLOCKS = {BreachStepKind.OTHER_PARTY: ClockKind.BREACH_NOTICE, BreachStepKind.CNIL: ClockKind.CNIL_NOTICE}
RECIPIENTS = {BreachStepKind.OTHER_PARTY: "l'autre partie de la convention", BreachStepKind.CNIL: "CNIL",
              BreachStepKind.PERSONS: "les personnes concernées"}
BREACH_CLOCKS = (ClockKind.BREACH_NOTICE, ClockKind.CNIL_NOTICE)
FUTURE_TOLERANCE = timedelta(minutes=5)  # a clock a little ahead on the DPO's computer


def _local(value) -> str:
    return date_format(timezone.localtime(value), "d/m/Y H:i")


def breach_clocks(ticket) -> dict[str, Clock]:
    """kind → the ticket's breach clock (48 h, 72 h)."""
    return {c.kind: c for c in Clock.objects.filter(ticket=ticket, kind__in=BREACH_CLOCKS)}


@transaction.atomic
def record_breach_step(ticket, *, actor, kind, done_at=None, evidence="", reference="", now=None) -> BreachStep:
    """Record one step (once per kind), stop its clock at `done_at`, write its timeline line."""
    from sla.services import record_legal_notice
    from tickets.annotations import annotate
    from tickets.models import EventKind, Ticket

    now = now or timezone.now()
    if ticket.category != Category.SECURITY:
        raise ValidationError({"ticket": "Seul un ticket « Incident de sécurité » porte ces étapes."})
    if not may_manage_breach(actor, ticket):
        raise PermissionDenied("Seul le délégué à la protection des données compétent enregistre les étapes de l'incident.")
    errors = {}
    if kind not in BreachStepKind.values:
        errors["kind"] = f"étape inconnue ({', '.join(BreachStepKind.values)})"
    evidence, reference = (evidence or "").strip(), (reference or "").strip()
    if not evidence:
        errors["evidence"] = "Indiquer la preuve de l'étape (courriel envoyé, accusé de réception…)."
    if kind == BreachStepKind.CNIL and not reference:
        errors["reference"] = "Indiquer la référence de la notification à la CNIL."
    if len(reference) > 120:
        errors["reference"] = "120 caractères au plus."
    done_at = done_at or now
    if timezone.is_naive(done_at):
        errors["done_at"] = "Date sans fuseau horaire."
    elif done_at > now + FUTURE_TOLERANCE:
        errors["done_at"] = "La date ne peut pas être dans le futur."
    elif done_at < ticket.created_at - timedelta(minutes=1):
        errors["done_at"] = f"La date précède le signalement de l'incident ({_local(ticket.created_at)})."
    elif done_at < ticket.created_at:
        done_at = ticket.created_at  # a form's minute precision, in the minute of the report itself
    if errors:
        raise ValidationError(errors)
    Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket.pk).first()  # one step of a kind at a time
    existing = BreachStep.objects.filter(ticket=ticket, kind=kind).first()
    if existing is not None:
        raise ValidationError({"kind": f"Étape déjà enregistrée (faite le {_local(existing.done_at)})."})
    clock = Clock.objects.filter(ticket=ticket, kind=STEP_CLOCKS.get(kind)).first() if kind in STEP_CLOCKS else None
    if clock is not None and done_at < clock.started_at:
        if clock.started_at - done_at >= timedelta(minutes=1):
            raise ValidationError({"done_at": f"La date précède le début du délai ({_local(clock.started_at)})."})
        done_at = clock.started_at  # same minute (see above): the clock cannot stop before it started
    step = BreachStep.objects.create(ticket=ticket, kind=kind, done_at=done_at, recorded_by=actor, evidence=evidence,
                                     reference=reference, clock=clock, recorded_at=now)
    label = str(BreachStepKind(kind).label)
    if clock is not None and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        # The clock's own service: stops it at done_at and writes the one timeline line.
        record_legal_notice(clock, actor=actor, at=done_at, recipient=RECIPIENTS[kind], reference=reference)
    else:
        # No clock (persons informed), or one already stopped: the line says so, nothing moves.
        annotate(ticket.pk, EventKind.LEGAL_NOTICE, at=done_at, actor=actor, notify=False, payload={
            "step": kind, "recipient": RECIPIENTS[kind], "reference": reference,
            "message": f"Étape enregistrée — {label}",
        })
    return step


def steps_of(ticket) -> list[BreachStep]:
    return list(BreachStep.objects.filter(ticket=ticket).select_related("recorded_by", "clock"))


# --- how a clock reads (board, breach page, API) -------------------------------------------------
def clock_status(clock: Clock | None, now=None) -> dict:
    """The reading of a breach clock: state (running / warning / overdue / met / late), due time and
    remaining seconds, or when it was met. From the clock's figures only (its log decides)."""
    if clock is None:
        return {"state": "none", "text": _("Aucun délai"), "due_at": None}
    now = now or timezone.now()
    due = clock.due_at
    if clock.state == ClockState.MET:
        late = not clock.met_within_target
        text = (_("Tenu en retard le %(at)s") if late else _("Tenu dans le délai le %(at)s")) % {"at": _local(clock.met_at)}
        return {"state": "late" if late else "met", "text": text, "due_at": due, "met_at": clock.met_at,
                "within_target": clock.met_within_target}
    if clock.state == ClockState.CANCELLED:
        return {"state": "cancelled", "text": _("Annulé"), "due_at": due}
    remaining = clock.remaining_at(now)
    if remaining < 0:
        return {"state": "overdue", "text": _("En retard de %(d)s") % {"d": _duration(-remaining)}, "due_at": due, "remaining_seconds": remaining}
    warned = clock.warning_at is not None and clock.warning_at <= now
    return {"state": "warning" if warned else "running", "text": _("Reste %(d)s") % {"d": _duration(remaining)}, "due_at": due,
            "remaining_seconds": remaining}


def _duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    if hours >= 96:  # a request's month reads in days
        return f"{hours // 24} j {hours % 24:02d} h"
    return f"{hours} h {rest // 60:02d}"


# --- alerts to the DPOs --------------------------------------------------------------------------
ALERTS = {
    "started": ("privacy.clock_started", "Délai légal démarré"),
    "warning": ("sla.warning", "Alerte : délai légal bientôt échu"),
    "breach": ("sla.breach", "Délai légal dépassé"),
}


def dpo_ids(ticket) -> set[int]:
    """The DPOs whose perimeter covers the ticket's school and who may read it (the access rule)."""
    from directory.selectors import people_covering
    from tickets.access import readers_among

    return readers_among(ticket, people_covering(ticket.school, Role.DPO))


def alert_dpos(clock: Clock, what: str):
    """In-app and e-mail rows for the DPOs covering the school, in the caller's transaction."""
    from django.contrib.auth import get_user_model

    from tickets.models import OutboxMessage, Ticket
    from tickets.outbox import base_url, schedule_delivery

    ticket = Ticket.objects.select_related("school__academie").filter(pk=clock.ticket_id).first()
    if ticket is None or ticket.category != Category.SECURITY:
        return []
    ids = dpo_ids(ticket)
    if not ids:
        return []
    name, lead = ALERTS[what]
    due = f" : échéance le {_local(clock.due_at)}" if clock.due_at else ""
    text = f"{lead} — {clock.get_kind_display()}{due} — [{ticket.reference}] {ticket.title}"[:300]
    link = base_url() + reverse("privacy:breach", args=[ticket.reference])
    body = "\n\n".join((
        "Bonjour,", text, f"Établissement : {ticket.school}",
        "Enregistrer la notification (qui, quand, preuve) arrête le délai : " + link,
        "— L'assistance ENT",
    ))
    addresses = sorted(set(get_user_model().objects.filter(pk__in=sorted(ids)).exclude(email="").values_list("email", flat=True)))
    rows = [OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name=name, ticket=ticket, payload={
        "user_ids": sorted(ids), "verb": f"legal_{what}", "message": text, "clock": clock.pk,
        "link": reverse("privacy:breach", args=[ticket.reference])})]
    if addresses:
        rows.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=name, ticket=ticket,
                                  payload={"to": addresses, "subject": text[:200], "body": body, "clock": clock.pk}))
    created = OutboxMessage.objects.bulk_create(rows)
    schedule_delivery()
    return created


def on_clock_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.kind in BREACH_CLOCKS and instance.ticket_id:
        alert_dpos(instance, "started")


def on_clock_event_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw or instance.kind not in ("warning", "breach"):
        return
    clock = instance.clock
    if clock.kind in BREACH_CLOCKS and clock.ticket_id:
        alert_dpos(clock, instance.kind)
    elif clock.kind in REQUEST_CLOCKS and not clock.ticket_id:
        _alert_request_event(clock, instance.kind)


# --- alerts on the data-subject request clocks ------------------------------------------------------
# Same path as the breach alerts (outbox rows delivered by the worker): in the app (a notification
# with no ticket, its link opens the request) and by e-mail.
REQUEST_CLOCKS = (ClockKind.DSR_ANSWER, ClockKind.DSR_FORWARD)


def request_of(clock: Clock):
    from django.db.models import Q

    from .models import DataSubjectRequest

    return (DataSubjectRequest.objects.select_related("convention", "school__academie")
            .filter(Q(answer_clock=clock) | Q(extended_clock=clock) | Q(forward_clock=clock)).first())


def request_dpo_ids(req) -> set[int]:
    """The DPOs who may read the request (privacy.requests.visible_requests decides)."""
    from directory.models import User
    from directory.selectors import people_covering

    from .requests import visible_requests

    schools = [req.school] if req.school_id else list(req.convention.schools.select_related("academie"))
    candidates = set().union(*(people_covering(s, Role.DPO) for s in schools)) if schools else set()
    return {u.pk for u in User.objects.filter(pk__in=sorted(candidates), is_active=True)
            if visible_requests(u).filter(pk=req.pk).exists()}


def alert_request_dpos(req, clock: Clock, what: str):
    """In-app and e-mail rows for the DPOs concerned, in the caller's transaction. No person's name:
    the link opens the request for those who may read it."""
    from django.contrib.auth import get_user_model

    from tickets.models import OutboxMessage
    from tickets.outbox import base_url, schedule_delivery

    ids = request_dpo_ids(req)
    if not ids:
        return []
    addresses = sorted(set(get_user_model().objects.filter(pk__in=sorted(ids)).exclude(email="")
                           .values_list("email", flat=True)))
    name, lead = ALERTS[what]
    due = f" : échéance le {_local(clock.due_at)}" if clock.due_at else ""
    text = f"{lead} — {clock.get_kind_display()}{due} — demande n° {req.pk} ({req.get_right_display()})"[:300]
    link = base_url() + reverse("privacy:request", args=[req.pk])  # the e-mail's absolute link
    where = req.school or f"{req.convention} (au-delà d'une seule école)"
    body = "\n\n".join((
        "Bonjour,", text, f"Établissement : {where}",
        "Enregistrer l'étape (transmission, réponse) arrête le délai : " + link,
        "— L'assistance ENT",
    ))
    path = reverse("privacy:request", args=[req.pk])
    rows = [OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name=name, ticket=None, payload={
        "user_ids": sorted(ids), "verb": f"legal_{what}", "message": text, "link": path, "clock": clock.pk, "request": req.pk})]
    if addresses:
        rows.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=name, ticket=None,
                                  payload={"to": addresses, "subject": text[:200], "body": body, "clock": clock.pk, "request": req.pk}))
    created = OutboxMessage.objects.bulk_create(rows)
    schedule_delivery()
    return created


def on_request_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """A request's clocks are started before it is saved: the "started" alert follows the save (the
    answer and forwarding clocks at intake, the extended answer clock when recorded)."""
    if raw:
        return
    if created:
        started = [c for c in (instance.forward_clock, instance.answer_clock) if c is not None]
    elif update_fields and "extended_clock" in update_fields and instance.extended_clock_id:
        started = [instance.extended_clock]
    else:
        return
    for clock in started:
        alert_request_dpos(instance, clock, "started")


def _alert_request_event(clock: Clock, what: str):
    if clock.state in (ClockState.MET, ClockState.CANCELLED):
        return  # the step is recorded (a late one stays late on the request page): nothing to do
    req = request_of(clock)
    if req is not None:
        alert_request_dpos(req, clock, what)
