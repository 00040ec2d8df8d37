"""SLA events on the ticket side: one timeline line (TicketEvent) per warning / breach / legal
notice, and outbox rows (in-app + mail) for the ticket's desk and the managers of its school."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from directory.choices import Role
from directory.models import Membership

EVENT_KINDS = {"warning": "sla_warning", "breach": "sla_breach", "met": "sla_met", "legal_notice": "legal_notice"}


def manager_ids(ticket) -> list[int]:
    school = ticket.school
    q = Q(school_id=school.pk) | Q(academie_id=school.academie_id)
    if school.circonscription_id:
        q |= Q(circonscription_id=school.circonscription_id)
    if school.collectivite_id:
        q |= Q(collectivite_id=school.collectivite_id)
    if school.academie.region_id:
        q |= Q(region_id=school.academie.region_id)
    return list(Membership.objects.filter(q, role=Role.MANAGER).values_list("user_id", flat=True).distinct())


def _message(clock, kind) -> str:
    from .models import ClockEventKind

    label = {"warning": "Alerte SLA", "breach": "Délai dépassé", "met": "Objectif tenu",
             "legal_notice": "Notification légale enregistrée"}[kind]
    extra = f" (échéance {timezone.localtime(clock.due_at):%d/%m/%Y %H:%M:%S})" if clock.due_at else ""
    return f"{label} — {clock.get_kind_display()}{extra}"


@transaction.atomic
def write_timeline(clock, event, actor=None, payload=None):
    """Append the event to the ticket's timeline; warnings and breaches notify the desk and managers."""
    from tickets.models import OutboxMessage, Ticket, TicketEvent

    if event.kind == "met" and not clock.is_legal:
        return None  # the resolution itself is already on the timeline
    # Locked so the line records the state/version of a settled ticket (not one mid-transition).
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("school__academie", "desk").get(pk=clock.ticket_id)
    # An SLA line annotates the ticket without changing it: it carries the current version and
    # neither `version` nor `updated_at` move, so a client's If-Match (ETag) stays valid and
    # "modified since" syncs (API updated_since, pivot `maj`) are not woken by a clock.
    kind = "legal_notice" if clock.is_legal and event.kind == "met" else event.kind
    data = {
        "clock": clock.pk, "target": clock.kind, "level": clock.level, "run": event.run,
        "due_at": clock.due_at.isoformat() if clock.due_at else None, "target_seconds": clock.target_seconds,
        "policy_version": clock.policy.version if clock.policy_id else None, "message": _message(clock, kind),
    }
    data.update(payload or {})
    line = TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=EVENT_KINDS[kind], at=event.at, from_state=ticket.state,
        to_state=ticket.state, from_level=ticket.level, to_level=ticket.level, from_desk_id=ticket.desk_id,
        to_desk_id=ticket.desk_id, public=False, version=ticket.version, payload=data,
    )
    if kind in ("warning", "breach"):
        recipients = set(manager_ids(ticket))
        if ticket.desk_id:
            recipients.update(Membership.objects.filter(desk_id=ticket.desk_id, role=Role.AGENT).values_list("user_id", flat=True))
        emails = sorted({e for e in (ticket.desk.email if ticket.desk_id else "",) if e})
        text = f"{data['message']} — [{ticket.reference}] {ticket.title}"[:300]
        rows = []
        if recipients:
            rows.append(OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name=f"sla.{kind}", ticket=ticket,
                                      event=line, payload={"user_ids": sorted(recipients), "verb": f"sla_{kind}", "message": text}))
        if emails:
            rows.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=f"sla.{kind}", ticket=ticket,
                                      event=line, payload={"to": emails, "subject": text[:200], "body": text}))
        rows.append(OutboxMessage(channel=OutboxMessage.Channel.WEBHOOK, event_name=f"sla.{kind}", ticket=ticket,
                                  event=line, payload={"event": f"sla.{kind}", "ticket": ticket.reference, "data": data}))
        OutboxMessage.objects.bulk_create(rows)
        from tickets.outbox import schedule_delivery

        schedule_delivery()
    return line
