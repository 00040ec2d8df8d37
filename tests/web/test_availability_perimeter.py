"""The manager dashboard's availability table and the outages page stay inside the perimeter."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sla.availability import declare_outage
from sla.models import Service

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(world):
    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    declare_outage(ent, actor=world.users["admin"], scope="academie", academie=world.academies["nancy"],
                   started_at=datetime(2025, 3, 5, 9, tzinfo=PARIS), cause="Panne annuaire Nancy-Metz")
    return ent


def test_montpellier_manager_gets_no_nancy_metz_availability(world, login, ent):
    client = login("manager")
    nancy = world.academies["nancy"].pk
    csv = client.get(f"/pilotage/export/disponibilite.csv?academie={nancy}&du=2025-03-01&au=2025-03-31")
    assert csv.status_code == 200
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert lines == [lines[0]]  # the header only: no figure for Nancy-Metz
    page = client.get(f"/pilotage/?academie={nancy}")
    assert "pas dans votre périmètre" in page.content.decode()
    own = client.get(f"/pilotage/export/disponibilite.csv?academie={world.academies['montpellier'].pk}").content.decode("utf-8-sig")
    assert "Accès à l'ENT" in own


def test_outages_page_hides_other_academies(world, login, ent):
    assert "Panne annuaire Nancy-Metz" not in login("manager").get("/interruptions/").content.decode()
    assert "Panne annuaire Nancy-Metz" in login("admin").get("/interruptions/").content.decode()
