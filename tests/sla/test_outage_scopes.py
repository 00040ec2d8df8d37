"""Outages of a collectivité and planned maintenance, declared from the web page and the API, and
seen where they apply (the outages page, the report form, the API list)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import School
from sla.models import Outage, OutageScope, Service
from sla.selectors import current_outages, visible_outages

MAGUELONE_SIRET = "21340337100015"  # seed 002


@pytest.fixture
def ent(db):
    return Service.objects.get_or_create(slug="ent", defaults={"name": "Accès à l'ENT"})[0]


def _maguelone(world):
    return world.schools["0341255E"].collectivite


def test_a_collectivite_outage_is_seen_by_its_schools_and_not_by_others(world, ent):
    moselle = world.desks["moselle-tech"].collectivite
    outage = Outage.objects.create(service=ent, scope=OutageScope.COLLECTIVITE, collectivite=moselle,
                                   started_at=timezone.now() - timedelta(minutes=5))
    assert outage in visible_outages(world.users["collectivite"])  # Moselle's technicians
    assert outage not in visible_outages(world.users["erun"])  # Lattes holds no Moselle school
    metz = School.objects.filter(collectivite=moselle).first()
    assert [o.pk for o in current_outages(metz.pk)] == [outage.pk]
    assert current_outages(world.schools["0341255E"].pk) == []


def test_a_planned_maintenance_in_the_future_is_announced_not_current(world, client, ent):
    client.force_login(world.users["erun"])
    start = timezone.localtime() + timedelta(days=3)
    response = client.post(reverse("web:outages"), {
        "service": ent.pk, "scope": "collectivite", "collectivite": _maguelone(world).pk,
        "started_at": start.strftime("%Y-%m-%dT%H:%M"), "ended_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "planned": "on", "cause": "Montée de version (maintenance planifiée)",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    outage = Outage.objects.get()
    assert outage.planned and outage.announced_at is not None and outage.scope == OutageScope.COLLECTIVITE
    page = client.get(reverse("web:outages")).content.decode()
    upcoming = page.split("Maintenances planifiées à venir")[1].split("</section>")[0]
    assert "Montée de version" in upcoming
    assert "Montée de version" not in page.split('id="past-title"')[1]
    assert current_outages(world.schools["0341255E"].pk) == []  # not yet


def test_the_web_form_refuses_a_collectivite_scope_without_one(world, client, ent):
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:outages"), {"service": ent.pk, "scope": "collectivite",
                                                     "started_at": "2026-03-02T08:00"})
    assert response.status_code == 200
    assert "collectivité doit la nommer" in response.content.decode()
    assert not Outage.objects.exists()
