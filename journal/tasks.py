"""Periodic retention purge of the access journal (daily, idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17", hour="3"), verbose_name="Journal des accès : purge après la durée de conservation")
def purge_access_journal():
    from .services import purge_expired

    return purge_expired()
