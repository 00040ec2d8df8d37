"""SLA events on the ticket side: one timeline line per warning / breach / legal notice, written
through the tickets door (`tickets.annotations`), which also tells the ticket's desk, the managers
of its school and the webhook subscribers (see `tickets.events`)."""

from __future__ import annotations

from django.utils import timezone

EVENT_KINDS = {"warning": "sla_warning", "breach": "sla_breach", "met": "sla_met", "legal_notice": "legal_notice"}
NOTIFIED = ("warning", "breach")


def _message(clock, kind) -> str:
    label = {"warning": "Alerte SLA", "breach": "Délai dépassé", "met": "Objectif tenu",
             "legal_notice": "Notification légale enregistrée"}[kind]
    extra = f" (échéance {timezone.localtime(clock.due_at):%d/%m/%Y %H:%M:%S})" if clock.due_at else ""
    return f"{label} — {clock.get_kind_display()}{extra}"


def write_timeline(clock, event, actor=None, payload=None):
    """Append the event to the ticket's timeline; warnings and breaches notify the desk and managers."""
    from tickets.annotations import annotate

    if event.kind == "met" and not clock.is_legal:
        return None  # the resolution itself is already on the timeline
    kind = "legal_notice" if clock.is_legal and event.kind == "met" else event.kind
    data = {
        "clock": clock.pk, "target": clock.kind, "level": clock.level, "run": event.run,
        "due_at": clock.due_at.isoformat() if clock.due_at else None, "target_seconds": clock.target_seconds,
        "policy_version": clock.policy.version if clock.policy_id else None, "message": _message(clock, kind),
    }
    data.update(payload or {})
    return annotate(clock.ticket_id, EVENT_KINDS[kind], at=event.at, actor=actor, payload=data,
                    notify=kind in NOTIFIED)
