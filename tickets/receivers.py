"""Keeps `TicketVendorReach` (what a vendor may read, see tickets.access) in the transition's
transaction: every event records the desk the ticket is at, so a new vendor desk is seen here
whichever action moved it (open, route, escalate, send back…)."""

from __future__ import annotations

from django.dispatch import receiver

from .models import TicketVendorReach
from .signals import ticket_transitioned


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
