"""Periodic work: warning and breach events of the clocks, every minute (idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def check_sla_clocks():
    from .clocks import raise_due_events

    return raise_due_events()
