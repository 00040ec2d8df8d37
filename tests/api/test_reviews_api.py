"""/api/v1/reviews/: the vendor reads the reviews it is invited to (timeline, impact, actions) and
moves the status of the actions its organisation owns; another vendor sees nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pilotage import services
from sla import outages
from sla.models import Service

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def review(world):
    service = Service.objects.create(slug="authentification", name="Authentification (fournisseur d'identité)")
    outage = outages.declare_outage(
        service, actor=world.users["dsi"], scope="academie", academie=world.academies["montpellier"],
        started_at=datetime(2026, 3, 17, 9, 5, tzinfo=PARIS), ended_at=datetime(2026, 3, 17, 12, 50, tzinfo=PARIS),
        cause="Certificat expiré (fictif)")
    r = services.declare_major_incident(outage, actor=world.users["manager"])
    services.add_action(r, actor=world.users["manager"], title="Superviser l'expiration des certificats (fictif)",
                        owner=f"vendor:{world.vendors['ode'].pk}")
    services.add_action(r, actor=world.users["manager"], title="Procédure de bascule (fictif)",
                        owner=f"academie:{world.academies['montpellier'].pk}")
    return r


def test_the_invited_vendor_lists_and_reads_the_review(make_client, world, review):
    _c, http = make_client(vendor="ode")
    listing = http.get("/api/v1/reviews/")
    assert listing.status_code == 200, listing.content
    rows = listing.json()["results"]
    assert [r["id"] for r in rows] == [review.pk] and rows[0]["open_actions"] == 2
    assert {"organisation": f"vendor:{world.vendors['ode'].pk}", "label": "Open Digital Education"} in rows[0]["parties"]
    detail = http.get(f"/api/v1/reviews/{review.pk}/").json()
    assert detail["impact"]["minutes_inside"] == 225 and detail["outage"] == review.incident.outage_id
    assert detail["timeline"][0]["label"].startswith("Start of the outage")  # the client asked for English
    assert [a["status"] for a in detail["actions"]] == ["todo", "todo"]


def test_a_vendor_not_invited_sees_nothing(make_client, world, review):
    _c, http = make_client(vendor="kosmos")
    assert http.get("/api/v1/reviews/").json()["results"] == []
    assert http.get(f"/api/v1/reviews/{review.pk}/").status_code == 404


def test_the_owner_marks_its_action_done_not_another_organisations(make_client, world, review):
    ours, theirs = review.actions.order_by("pk")
    _c, http = make_client(vendor="ode")
    url = f"/api/v1/reviews/{review.pk}/actions/{ours.pk}/"
    response = http.patch(url, {"status": "done", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done" and response.json()["done_at"] and response.json()["version"] == 2
    stale = http.patch(url, {"status": "todo", "version": 1}, format="json")
    assert stale.status_code == 400 and "version" in stale.content.decode()
    refused = http.patch(f"/api/v1/reviews/{review.pk}/actions/{theirs.pk}/", {"status": "done"}, format="json")
    assert refused.status_code == 403
    bad = http.patch(url, {"status": "finished"}, format="json")
    assert bad.status_code == 400 and "status" in bad.content.decode()
    unknown = http.patch(url, {"status": "abandoned", "reason": "x"}, format="json")
    assert unknown.status_code == 400  # strict input: `reason` is not a field
    no_reason = http.patch(url, {"status": "abandoned"}, format="json")
    assert no_reason.status_code == 400 and "abandon_reason" in no_reason.content.decode()


def test_writing_needs_the_write_scope(make_client, world, review):
    ours = review.actions.order_by("pk").first()
    _c, http = make_client(vendor="ode", scopes="tickets:read")
    assert http.get(f"/api/v1/reviews/{review.pk}/actions/{ours.pk}/").status_code == 200
    assert http.patch(f"/api/v1/reviews/{review.pk}/actions/{ours.pk}/", {"status": "done"}, format="json").status_code == 403


def test_the_schema_describes_the_reviews(make_client, world):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/reviews/", "/api/v1/reviews/{id}/", "/api/v1/reviews/{id}/actions/{action_pk}/"} <= set(schema["paths"])
    assert "patch" in schema["paths"]["/api/v1/reviews/{id}/actions/{action_pk}/"]
