import pytest

from api.models import WebhookDelivery
from sla.models import Outage, Service


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent", name="Accès à l'ENT", alert_name="EntDown")


@pytest.fixture
def huey_immediate():
    from huey.contrib.djhuey import HUEY

    previous, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = previous


def test_declare_close_and_report(world, make_client, ent, captured, huey_immediate, django_capture_on_commit_callbacks):
    _c, http = make_client(vendor="ode", scopes="outages:write tickets:read")
    http.post("/api/v1/webhooks/", {"url": "https://v.example/h", "events": ["outage.opened", "outage.closed"]}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post("/api/v1/outages/", {"service": "ent", "started_at": "2025-03-03T09:00:00+01:00",
                                               "scope": "academie", "academie": "11", "cause": "Base saturée"}, format="json")
    assert response.status_code == 201, response.content
    outage = response.json()
    with django_capture_on_commit_callbacks(execute=True):
        closed = http.post(f"/api/v1/outages/{outage['id']}/close/", {"ended_at": "2025-03-03T10:00:00+01:00"}, format="json")
    assert closed.status_code == 200 and closed.json()["ended_at"]
    assert set(WebhookDelivery.objects.values_list("event_type", flat=True)) == {"outage.opened", "outage.closed"}
    report = http.get("/api/v1/availability/", {"service": "ent", "start": "2025-03-01T00:00:00+01:00",
                                                 "end": "2025-04-01T00:00:00+02:00", "academie": "11"})
    assert report.status_code == 200, report.content
    assert "3600" in report.content.decode() or report.json()
    assert http.get("/api/v1/outages/").json()["results"][0]["id"] == outage["id"]


@pytest.mark.parametrize("payload, field", [
    ({"service": "nope", "started_at": "2025-03-03T09:00:00+01:00"}, "service"),
    ({"service": "ent", "started_at": "hier"}, "started_at"),
    ({"service": "ent", "started_at": "2025-03-03T09:00:00+01:00", "scope": "schools", "schools": ["0341255A"]}, "schools.0"),
])
def test_bad_outages_are_400(world, make_client, ent, payload, field):
    _c, http = make_client(vendor="ode", scopes="outages:write")
    response = http.post("/api/v1/outages/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Outage.objects.exists()


def test_outages_need_the_scope(world, make_client, ent):
    _c, http = make_client(vendor="ode", scopes="tickets:read")
    assert http.post("/api/v1/outages/", {"service": "ent", "started_at": "2025-03-03T09:00:00Z"}, format="json").status_code == 403
    assert http.post("/api/v1/alertmanager/", {}, format="json").status_code == 403


def test_alertmanager_firing_twice_opens_one_outage_and_resolved_closes_it(world, make_client, ent):
    _c, http = make_client(desk="guichet-nancy", scopes="outages:write")
    alert = {"status": "firing", "labels": {"alertname": "EntDown", "service": "ent"},
             "startsAt": "2025-03-03T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "abc123"}
    payload = {"version": "4", "status": "firing", "receiver": "helpdesk", "groupKey": "k", "alerts": [alert]}
    assert http.post("/api/v1/alertmanager/", payload, format="json").status_code == 200
    assert http.post("/api/v1/alertmanager/", payload, format="json").status_code == 200
    assert Outage.objects.filter(ended_at__isnull=True).count() == 1
    resolved = {**payload, "status": "resolved", "alerts": [{**alert, "status": "resolved", "endsAt": "2025-03-03T09:30:00Z"}]}
    assert http.post("/api/v1/alertmanager/", resolved, format="json").status_code == 200
    assert Outage.objects.get().ended_at is not None
    bad = http.post("/api/v1/alertmanager/", {"alerts": "nope"}, format="json")
    assert bad.status_code == 400


MAGUELONE_SIRET = "21340337100015"  # seed 002


def test_the_api_declares_a_collectivite_maintenance_by_siret(world, make_client, ent):
    _c, http = make_client(desk="erun-lattes", scopes="outages:write")
    response = http.post("/api/v1/outages/", {
        "service": "ent", "scope": "collectivite", "collectivite": MAGUELONE_SIRET, "planned": True,
        "started_at": "2027-01-05T20:00:00+01:00", "ended_at": "2027-01-05T22:00:00+01:00",
        "announced_at": "2026-12-20T09:00:00+01:00",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["planned"] is True and body["scope"] == "collectivite"
    assert body["collectivite"] == "Commune de Villeneuve-lès-Maguelone" and body["announced_at"].startswith("2026-12-20")


def test_the_api_names_an_unknown_collectivite(world, make_client, ent):
    _c, http = make_client(desk="erun-lattes", scopes="outages:write")
    response = http.post("/api/v1/outages/", {"service": "ent", "scope": "collectivite", "collectivite": "00000000000000",
                                              "started_at": "2027-01-05T20:00:00+01:00"}, format="json")
    assert response.status_code == 400
    assert "collectivite" in {e["field"] for e in response.json()["errors"]}
    assert not Outage.objects.exists()
