"""The tickets door for the sla app: lines that annotate a ticket's timeline (SLA warnings, breaches,
targets met, legal notices) and the cached due time of its clocks. The sla app writes no ticket,
timeline or outbox row itself: it calls these two functions."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from . import events, outbox
from .models import Ticket, TicketEvent
from .states import Visibility


@transaction.atomic
def annotate(ticket_id: int, kind, *, at: datetime, actor=None, payload: dict, notify: bool = True) -> TicketEvent:
    """Append one annotation line (`tickets.events`, `annotation=True`) and, with `notify`, the
    outbox rows its vocabulary entry names (for a warning or breach: the desk and the managers,
    the webhook subscribers).

    The line carries the ticket's current version and neither `version` nor `updated_at` move: a
    client's If-Match (ETag) stays valid and "modified since" syncs are not woken by a clock."""
    entry = events.of_kind(kind)
    if not entry.annotation:
        raise ValueError(f"{kind!r} changes the ticket: it is written by its action, not annotated")
    # Locked so the line records the state/version of a settled ticket (not one mid-transition).
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("school__academie", "desk")
              .get(pk=ticket_id))
    line = TicketEvent.objects.create(
        ticket=ticket, actor=actor if getattr(actor, "pk", None) else None, kind=entry.kind, at=at,
        from_state=ticket.state, to_state=ticket.state, from_level=ticket.level, to_level=ticket.level,
        from_desk_id=ticket.desk_id, to_desk_id=ticket.desk_id, visibility=Visibility.PUBLIC if entry.public else Visibility.CHAIN, version=ticket.version,
        payload=payload,
    )
    if notify:
        outbox.enqueue(ticket, line, actor)
    return line


def set_sla_due(ticket_id: int, due_at: datetime | None) -> None:
    """The earliest due time of the ticket's running clocks (the boards' sort key). A cache: it
    neither takes a version nor moves `updated_at`."""
    Ticket.objects.filter(pk=ticket_id).update(sla_due_at=due_at)
