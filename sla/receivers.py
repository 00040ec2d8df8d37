"""Thin wiring: the ticket workflow drives the clocks (see services.on_ticket_event), then the
dashboard's daily counts follow the ticket and its clock results (rollup.apply)."""

from django.dispatch import receiver

from tickets.signals import ticket_transitioned

from . import rollup
from .clocks import batched_ticket_due
from .services import on_ticket_event


@receiver(ticket_transitioned, dispatch_uid="sla.on_ticket_transitioned")
def on_ticket_transitioned(sender, ticket, event, before=None, **kwargs):
    results_before = rollup.clock_results(ticket.pk) if before is not None else []
    with batched_ticket_due():  # several clocks move: the ticket's due time is written once
        on_ticket_event(ticket, event)
    results_after = rollup.clock_results(ticket.pk) if before is not None else []  # none met at opening
    rollup.apply(before, results_before, rollup.snapshot(ticket), results_after)
