"""Outages and availability through the API stay inside the client's perimeter."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sla.availability import declare_outage
from sla.models import Outage, Service

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
PERIOD = {"service": "ent", "start": "2025-03-01T00:00:00+01:00", "end": "2025-04-01T00:00:00+02:00"}


@pytest.fixture
def nancy_outage(world):
    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    return declare_outage(ent, actor=world.users["admin"], scope="academie", academie=world.academies["nancy"],
                          started_at=datetime(2025, 3, 5, 9, tzinfo=PARIS))


def test_montpellier_client_gets_no_nancy_metz_availability_nor_outage(world, make_client, nancy_outage):
    ode = make_client(vendor="ode")[1]  # ODE: Montpellier and Nice
    response = ode.get("/api/v1/availability/", {**PERIOD, "academie": "12"})
    assert response.status_code == 403, response.content
    assert "not in your scope" in response.json()["detail"]  # API clients of make_client speak English
    assert ode.get("/api/v1/availability/", {**PERIOD, "school": "0570098X"}).status_code == 403
    assert ode.get("/api/v1/availability/", {**PERIOD, "academie": "11"}).status_code == 200
    no_scope = ode.get("/api/v1/availability/", PERIOD)  # two académies: choose one
    assert no_scope.status_code == 400 and "academie" in {e["field"] for e in no_scope.json()["errors"]}
    assert nancy_outage.pk not in [o["id"] for o in ode.get("/api/v1/outages/").json()["results"]]
    closed = ode.post(f"/api/v1/outages/{nancy_outage.pk}/close/", {"ended_at": "2025-03-05T10:00:00+01:00"}, format="json")
    assert closed.status_code == 404
    assert Outage.objects.get(pk=nancy_outage.pk).ended_at is None
    declared = ode.post("/api/v1/outages/", {"service": "ent", "started_at": "2025-03-06T09:00:00+01:00",
                                             "scope": "academie", "academie": "12"}, format="json")
    assert declared.status_code == 403 and Outage.objects.count() == 1


def test_the_competent_client_sees_it(world, make_client, nancy_outage):
    kosmos = make_client(vendor="kosmos")[1]  # Grand Est
    assert nancy_outage.pk in [o["id"] for o in kosmos.get("/api/v1/outages/").json()["results"]]
    report = kosmos.get("/api/v1/availability/", {**PERIOD, "academie": "12"})
    assert report.status_code == 200 and report.json()["outages"] == 1
