"""Huey tasks: webhook attempts, the sweep that makes sure nothing is lost if the worker stopped,
and the purge of expired idempotency keys."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import webhooks


@db_task(retries=0)
def deliver_webhook(delivery_id: int):
    webhooks.attempt(delivery_id)


@db_periodic_task(crontab(minute="*"), verbose_name="Webhooks : nouvelles tentatives d'envoi")
def retry_due_webhooks():
    for pk in webhooks.due_ids():
        webhooks.attempt(pk)


@db_periodic_task(crontab(minute="17"), verbose_name="API : purge des clés d'idempotence expirées")
def purge_idempotency_keys():
    from django.utils import timezone

    from .models import IdempotencyKey

    IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
