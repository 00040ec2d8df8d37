"""Periodic retention jobs (daily, idempotent): anonymisation of closed tickets past their
convention's retention, the same for data-subject requests, purge of delivered outbox messages and webhook deliveries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="37", hour="3"), verbose_name="Anonymisation des demandes closes au terme de leur conservation")
def anonymise_expired_tickets():
    from .services import anonymise_expired

    return anonymise_expired()


@db_periodic_task(crontab(minute="42", hour="3"), verbose_name="Anonymisation des demandes d'exercice de droits au terme de leur conservation")
def anonymise_expired_requests():
    from .requests import anonymise_expired_requests as run

    return run()


@db_periodic_task(crontab(minute="47", hour="3"), verbose_name="Purge des messages envoyés au terme de leur conservation")
def purge_delivered_messages():
    from .services import purge_delivered_expired

    return purge_delivered_expired()
