"""Pilotage reacts to sla without sla knowing it: when an outage ends its followers are told
(`followers.notify_followers`), and when it is declared a major incident they follow the incident."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from sla.models import Outage

from .models import IncidentFollower, MajorIncident


@receiver(post_save, sender=Outage, dispatch_uid="pilotage.outage_followers")
def on_outage_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created or instance.ended_at is None or instance.ended_at > timezone.now():
        return
    if update_fields is not None and "ended_at" not in update_fields:
        return
    from .followers import notify_followers

    notify_followers(instance)


@receiver(post_save, sender=MajorIncident, dispatch_uid="pilotage.incident_followers")
def on_incident_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not created or not instance.outage_id:
        return
    IncidentFollower.objects.filter(outage_id=instance.outage_id, major_incident__isnull=True).update(major_incident=instance)
