"""Periodic work of the directory: reminders before the conventions' deadlines (directory/reminders.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import single_run, tick


@db_periodic_task(crontab(minute="15", hour="6"), verbose_name="Conventions : rappels avant les échéances (chaque jour à 6 h 15)")
def convention_reminders():
    from django.utils import timezone

    from .reminders import send_reminders

    with single_run(f"convention-reminders:{tick(86400)}", ttl=7200, release=False) as acquired:
        if not acquired:
            return None
        return len(send_reminders(timezone.localdate()))
