"""Periodic work of pilotage: tell the followers of outages whose planned end has passed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import single_run, tick


@db_periodic_task(crontab(minute="*/5"), verbose_name="Interruptions : prévenir les personnes concernées de la fin (toutes les 5 minutes)")
def notify_outage_followers():
    from .followers import notify_due_followers

    with single_run(f"pilotage-followers:{tick(300)}", ttl=600, release=False) as acquired:
        if not acquired:
            return None
        return notify_due_followers()
