"""What happens when a clock event is raised: the ticket's timeline and the desk's notifications.

The ticket side lives in the tickets app (its timeline and outbox); this module is the one place
that talks to it, so that the clock engine stays independent of the ticket workflow."""

from __future__ import annotations

import logging

log = logging.getLogger("sla.events")


def clock_event_raised(clock, event):
    log.debug("sla clock %s %s run %s at %s", clock.pk, event.kind, event.run, event.at.isoformat())
    ticket_id = getattr(clock, "ticket_id", None)
    # "met" is already on the timeline (the resolution, or the legal notice recorded by its service);
    # writing here would bump the ticket's version in the middle of its own transition.
    if ticket_id and event.kind != "met":
        from .ticket_bridge import write_timeline

        write_timeline(clock, event)
