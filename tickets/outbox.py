"""Durable outbox: notifications are rows written in the transition's transaction, delivered after
commit by Huey (`tasks.deliver_outbox`), retried by a periodic task until they succeed.

A rolled-back transition leaves no row, hence sends nothing; a stopped worker leaves rows pending,
picked up at the next run. Delivery channels are pluggable: `register_handler(channel, fn)` — the
API app adds webhook fan-out this way. Handlers must be idempotent (a crash after sending and
before marking the row sent means one more delivery).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from directory.choices import Role
from directory.models import Membership

from .models import EventKind, Notification, OutboxMessage, Ticket, TicketEvent

logger = logging.getLogger(__name__)

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)

EVENT_NAMES = {
    EventKind.OPENED: "ticket.opened",
    EventKind.ESCALATED: "ticket.escalated",
    EventKind.COMMENTED: "ticket.commented",
    EventKind.NOTE: "ticket.noted",
    EventKind.ANSWERED: "ticket.commented",
    EventKind.INFO_REQUESTED: "ticket.info_requested",
    EventKind.SENT_BACK: "ticket.sent_back",
    EventKind.RESOLVED: "ticket.resolved",
    EventKind.CONFIRMED: "ticket.closed",
    EventKind.AUTO_CLOSED: "ticket.closed",
    EventKind.REOPENED: "ticket.reopened",
    EventKind.CANCELLED: "ticket.cancelled",
}
# Requester is told about these public events (when someone else did them).
REQUESTER_KINDS = {
    EventKind.OPENED, EventKind.COMMENTED, EventKind.INFO_REQUESTED, EventKind.ESCALATED,
    EventKind.RESOLVED, EventKind.AUTO_CLOSED, EventKind.CANCELLED,
}
# New work for the desk the ticket lands on.
DESK_KINDS = {EventKind.OPENED, EventKind.ROUTED, EventKind.ESCALATED, EventKind.SENT_BACK, EventKind.REOPENED}
# The agent in charge is told when the requester speaks.
ASSIGNEE_KINDS = {EventKind.ANSWERED, EventKind.COMMENTED}

_handlers: dict[str, list] = defaultdict(list)


def register_handler(channel: str, fn) -> None:
    """Add a delivery function `fn(message: OutboxMessage)` for a channel (raise to retry)."""
    if fn not in _handlers[channel]:
        _handlers[channel].append(fn)


def unregister_handler(channel: str, fn) -> None:
    if fn in _handlers[channel]:
        _handlers[channel].remove(fn)


def event_name(event: TicketEvent) -> str:
    return EVENT_NAMES.get(event.kind, "ticket.updated")


def live_message(ticket: Ticket) -> dict:
    return {
        "type": "ticket.changed",
        "reference": ticket.reference,
        "state": ticket.state,
        "level": ticket.level,
        "desk": ticket.desk_id,
        "version": ticket.version,
    }


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "title": ticket.title,
        "state": ticket.state,
        "level": ticket.level,
        "desk": ticket.desk_id,
        "school": ticket.school_id,
        "category": ticket.category,
        "priority": ticket.priority,
        "version": ticket.version,
        "vendor_reference": ticket.vendor_reference,
    }


def _desk_recipients(desk_id) -> tuple[list[int], list[str]]:
    members = list(
        Membership.objects.filter(desk_id=desk_id, role=Role.AGENT).values_list("user_id", "user__email")
    )
    return [m[0] for m in members], [m[1] for m in members if m[1]]


def enqueue(ticket: Ticket, event: TicketEvent, actor=None) -> list[OutboxMessage]:
    """Write the outbox rows of one event (call inside the transition's transaction)."""
    name = event_name(event)
    actor_id = getattr(actor, "pk", None)
    subject_ref = f"[{ticket.reference}] {ticket.title}"
    label = EventKind(event.kind).label
    rows = [
        OutboxMessage(
            channel=Channel.WEBSOCKET, event_name=name, ticket=ticket, event=event,
            payload={
                "groups": sorted({f"desk-{d}" for d in (event.from_desk_id, event.to_desk_id, ticket.desk_id) if d}
                                 | {f"ticket-{ticket.pk}"}),
                "message": live_message(ticket),
            },
        ),
        OutboxMessage(
            channel=Channel.WEBHOOK, event_name=name, ticket=ticket, event=event,
            payload={
                "event": name, "kind": event.kind, "at": event.at.isoformat(), "public": event.public,
                "actor": actor_id, "ticket": ticket_payload(ticket), "data": event.payload,
                "from_state": event.from_state, "to_state": event.to_state,
                "from_level": event.from_level, "to_level": event.to_level,
            },
        ),
    ]
    in_app: dict[str, set[int]] = defaultdict(set)
    emails: dict[str, set[str]] = defaultdict(set)
    if event.public and event.kind in REQUESTER_KINDS and (actor_id != ticket.requester_id or event.kind == EventKind.OPENED):
        in_app["requester"].add(ticket.requester_id)
        if ticket.requester.email:
            emails["requester"].add(ticket.requester.email)
    if event.kind in DESK_KINDS and ticket.desk_id:
        user_ids, addresses = _desk_recipients(ticket.desk_id)
        in_app["desk"].update(u for u in user_ids if u != actor_id)
        if ticket.desk.email:
            emails["desk"].add(ticket.desk.email)
        else:
            emails["desk"].update(addresses)
    if event.kind in ASSIGNEE_KINDS and ticket.assignee_id and actor_id == ticket.requester_id:
        in_app["assignee"].add(ticket.assignee_id)
        if ticket.assignee.email:
            emails["assignee"].add(ticket.assignee.email)
    texts = {
        "requester": f"{label} — {subject_ref}",
        "desk": f"Nouveau travail pour votre guichet ({label}) — {subject_ref}",
        "assignee": f"{label} — {subject_ref}",
    }
    body_extra = event.payload.get("body") or event.payload.get("reason") or event.payload.get("summary") or ""
    for audience, user_ids in in_app.items():
        user_ids.discard(None)
        if user_ids:
            rows.append(OutboxMessage(
                channel=Channel.IN_APP, event_name=name, ticket=ticket, event=event,
                payload={"user_ids": sorted(user_ids), "verb": event.kind, "message": texts[audience][:300]},
            ))
    for audience, addresses in emails.items():
        if addresses:
            rows.append(OutboxMessage(
                channel=Channel.EMAIL, event_name=name, ticket=ticket, event=event,
                payload={
                    "to": sorted(addresses), "subject": texts[audience][:200],
                    "body": f"{texts[audience]}\n\nÉtat : {ticket.get_state_display()} — niveau {ticket.level}\n\n{body_extra}".strip(),
                },
            ))
    created = OutboxMessage.objects.bulk_create(rows)
    schedule_delivery()
    return created


def schedule_delivery() -> None:
    """After commit, ask the worker to deliver. Nothing runs if the transaction rolls back."""

    def kick():
        try:
            from .tasks import deliver_outbox

            deliver_outbox()
        except Exception:  # broker down: the periodic retry will deliver
            logger.exception("Could not schedule outbox delivery")

    transaction.on_commit(kick)


# --- Delivery -----------------------------------------------------------------------------------

def _due(now):
    return Q(status=Status.PENDING, next_attempt_at__lte=now) & (Q(locked_until__isnull=True) | Q(locked_until__lt=now))


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Deliver due messages; returns counts by outcome. Safe to run in several workers at once."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    now = timezone.now()
    for pk in list(OutboxMessage.objects.filter(_due(now)).order_by("id").values_list("pk", flat=True)[:limit]):
        # Claim with a lease so that two workers never deliver the same row at the same time.
        if not OutboxMessage.objects.filter(_due(now), pk=pk).update(locked_until=now + LEASE):
            continue
        message = OutboxMessage.objects.select_related("ticket", "event").get(pk=pk)
        counts[deliver(message)] += 1
    return counts


def deliver(message: OutboxMessage) -> str:
    handlers = list(_handlers.get(message.channel, ()))
    if not handlers:
        OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SKIPPED, locked_until=None, sent_at=timezone.now())
        return "skipped"
    try:
        for fn in handlers:
            fn(message)
    except Exception as exc:  # noqa: BLE001 — any failure means "retry later"
        attempts = message.attempts + 1
        delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            status=Status.DEAD if attempts >= MAX_ATTEMPTS else Status.PENDING,
            next_attempt_at=timezone.now() + delay,
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Outbox message %s (%s) failed, attempt %s: %s", message.pk, message.channel, attempts, exc)
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT, sent_at=timezone.now(), locked_until=None, attempts=message.attempts + 1
    )
    return "sent"


def send_email(message: OutboxMessage) -> None:
    from django.core.mail import send_mail

    p = message.payload
    send_mail(p["subject"], p["body"], settings.DEFAULT_FROM_EMAIL, p["to"], fail_silently=False)


def create_notifications(message: OutboxMessage) -> None:
    p = message.payload
    existing = set(Notification.objects.filter(outbox=message).values_list("user_id", flat=True))
    Notification.objects.bulk_create(
        Notification(
            user_id=uid, ticket_id=message.ticket_id, event_id=message.event_id, outbox=message,
            verb=p.get("verb", ""), message=p.get("message", "")[:300],
        )
        for uid in p.get("user_ids", ()) if uid not in existing
    )


def broadcast(message: OutboxMessage) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    for group in message.payload.get("groups", ()):
        async_to_sync(layer.group_send)(group, message.payload["message"])


register_handler(Channel.EMAIL, send_email)
register_handler(Channel.IN_APP, create_notifications)
register_handler(Channel.WEBSOCKET, broadcast)
