"""Keeps `TicketVendorReach` (what a vendor may read, see tickets.access) in the transition's
transaction: every event records the desk the ticket is at, so a new vendor desk is seen here
whichever action moved it (open, route, escalate, send back…)."""

from __future__ import annotations

from django.dispatch import receiver

from directory.signals import convention_reminder_sent

from .models import Notification, OutboxMessage, TicketVendorReach
from .signals import ticket_transitioned

CONVENTION_REMINDER = "convention.reminder"  # the outbox row's event name


@receiver(ticket_transitioned, dispatch_uid="tickets.vendor_reach")
def record_vendor_reach(sender, ticket, event, before, **kwargs):
    desk_id = event.to_desk_id
    if not desk_id or (before is not None and before.get("desk_id") == desk_id):
        return  # no move: the desk, if a vendor's, was recorded when the ticket arrived
    desk = ticket.desk if ticket.desk_id == desk_id else event.to_desk
    if desk.vendor_id is not None:
        # Not in the column (Ticket.vendor: the first vendor) → a handover the access rule adds.
        row = TicketVendorReach(ticket_id=ticket.pk, vendor_id=desk.vendor_id,
                                in_vendor_column=ticket.vendor_id == desk.vendor_id)
        TicketVendorReach.objects.bulk_create([row], ignore_conflicts=True)


@receiver(convention_reminder_sent, dispatch_uid="tickets.convention_reminder_bell")
def ring_convention_reminder(sender, reminder, user_ids, message, link, subject="", body="", addresses=(), **kwargs):
    """A convention's deadline reminder rings each party's bell and mails each party through the
    outbox: one row per address (no one sees the others'), in the reminder's transaction."""
    from . import outbox

    Notification.objects.bulk_create(
        Notification(user_id=uid, verb="convention_reminder", message=message, link=link) for uid in user_ids)
    rows = [OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=CONVENTION_REMINDER,
                          payload={"to": [address], "subject": subject[:200], "body": body,
                                   "convention_reminder": reminder.pk})
            for address in sorted(set(addresses)) if address]
    if rows:
        OutboxMessage.objects.bulk_create(rows)
        outbox.schedule_delivery()
