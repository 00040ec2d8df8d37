"""Thin wiring: the ticket workflow drives the clocks (see services.on_ticket_event)."""

from django.dispatch import receiver

from tickets.signals import ticket_transitioned

from .services import on_ticket_event


@receiver(ticket_transitioned, dispatch_uid="sla.on_ticket_transitioned")
def on_ticket_transitioned(sender, ticket, event, **kwargs):
    on_ticket_event(ticket, event)
