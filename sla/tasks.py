"""Periodic work: warning and breach events of the clocks, every minute (idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import single_run, tick


@db_periodic_task(crontab(minute="*"), verbose_name="Délais : alertes et dépassements (chaque minute)")
def check_sla_clocks():
    from .clocks import raise_due_events

    # Every worker enqueues this each minute: one sweep per tick (docs/deploy.md). Not released, so
    # a copy picked up late in the same minute does not sweep again.
    with single_run(f"sla-sweep:{tick(60)}", ttl=300, release=False) as acquired:
        if not acquired:
            return None
        return raise_due_events()
