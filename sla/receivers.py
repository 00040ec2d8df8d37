"""Thin wiring: the ticket workflow drives the clocks (see services.on_ticket_event)."""

from django.dispatch import receiver

from tickets.signals import ticket_transitioned

from .clocks import batched_ticket_due
from .services import on_ticket_event


@receiver(ticket_transitioned, dispatch_uid="sla.on_ticket_transitioned")
def on_ticket_transitioned(sender, ticket, event, **kwargs):
    with batched_ticket_due():  # several clocks move: the ticket's due time is written once
        on_ticket_event(ticket, event)
