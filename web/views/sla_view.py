"""SLA figures shown in pages, read from the sla app (clocks are computed there, never here)."""

from sla.models import Clock, ClockState


def ticket_clocks(ticket):
    return list(Clock.objects.filter(ticket=ticket).exclude(state=ClockState.CANCELLED).order_by("kind", "level", "pk"))
