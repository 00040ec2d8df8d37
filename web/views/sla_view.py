"""SLA figures shown in pages, read from the sla app (clocks are computed there, never here)."""

from django.core.exceptions import FieldDoesNotExist


def _clock_model():
    from sla.models import Clock

    try:
        Clock._meta.get_field("ticket")
    except FieldDoesNotExist:
        return None
    return Clock


def ticket_clocks(ticket):
    Clock = _clock_model()
    if Clock is None:
        return []
    return list(Clock.objects.filter(ticket=ticket).exclude(state="cancelled").order_by("kind", "level", "pk"))
