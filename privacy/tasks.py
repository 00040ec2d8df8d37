"""Periodic anonymisation of closed tickets past their convention's retention (daily, idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="37", hour="3"), verbose_name="Anonymisation des demandes closes au terme de leur conservation")
def anonymise_expired_tickets():
    from .services import anonymise_expired

    return anonymise_expired()
