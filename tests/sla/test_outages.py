"""Outages: one rule for who may declare and close them, and their webhook events written whatever
the entry point (sla.outages, the web page, the API, Alertmanager)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sla import outages
from sla.availability import ingest_alertmanager
from sla.models import Outage, Service
from tickets.models import OutboxMessage

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent", name="Accès à l'ENT", alert_name="EntDown")


def webhook_rows():
    return list(OutboxMessage.objects.filter(channel="webhook", ticket__isnull=True)
                .order_by("pk").values_list("event_name", "payload"))


def test_declare_and_close_write_their_webhook_events(world, ent):
    o = outages.declare_outage(ent, actor=world.users["erun"], scope="academie", academie=world.academies["montpellier"],
                               started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS), cause="Panne SSO")
    outages.close_outage(o, actor=world.users["erun"], ended_at=datetime(2025, 3, 18, 10, tzinfo=PARIS))
    rows = webhook_rows()
    assert [name for name, _p in rows] == ["outage.opened", "outage.closed"]
    opened = rows[0][1]
    assert set(opened) == {"event", *outages.outage_payload(o)}  # the outage as GET /api/v1/outages/ shows it
    assert (opened["event"], opened["id"], opened["scope"], opened["academie"], opened["ended_at"]) == (
        "outage.opened", o.pk, "academie", world.academies["montpellier"].code, None)
    assert rows[1][1]["ended_at"] and rows[1][1]["id"] == o.pk
    # closing again changes nothing and sends nothing
    outages.close_outage(o, actor=world.users["erun"], ended_at=datetime(2025, 3, 18, 11, tzinfo=PARIS))
    assert len(webhook_rows()) == 2


def test_an_outage_declared_already_over_sends_both(world, ent):
    outages.declare_outage(ent, actor=world.users["admin"], started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS),
                           ended_at=datetime(2025, 3, 18, 9, 30, tzinfo=PARIS))
    assert [name for name, _p in webhook_rows()] == ["outage.opened", "outage.closed"]


def test_outages_declared_on_the_web_send_their_webhooks(client, world, ent):
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:outages"), {
        "service": ent.pk, "scope": "academie", "academie": world.academies["montpellier"].pk,
        "started_at": "2026-03-02T08:00", "cause": "Panne d'authentification",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    outage = Outage.objects.get()
    client.post(reverse("web:outage_close", args=[outage.pk]))
    assert [name for name, _p in webhook_rows()] == ["outage.opened", "outage.closed"]


def test_outages_fed_by_alertmanager_send_their_webhooks(world, ent):
    alert = {"status": "firing", "labels": {"service": "ent"}, "startsAt": "2025-03-03T09:00:00Z", "fingerprint": "f1"}
    ingest_alertmanager({"alerts": [alert]})
    ingest_alertmanager({"alerts": [alert]})  # the same alert twice: one outage, one event
    ingest_alertmanager({"alerts": [{**alert, "status": "resolved", "endsAt": "2025-03-03T09:20:00Z"}]})
    assert [name for name, _p in webhook_rows()] == ["outage.opened", "outage.closed"]


def test_rows_are_delivered_to_webhook_subscribers(world, ent, monkeypatch):
    from api import webhooks
    from api.models import WebhookDelivery
    from api.services import create_api_client, subscribe
    from tickets import outbox

    client, _secret = create_api_client(desk=world.desks["guichet-nancy"], scopes="outages:write")
    subscribe(client, url="https://monitoring.example/hook", events=["outage.opened", "outage.closed"])
    outages.declare_outage(ent, started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS), ended_at=datetime(2025, 3, 18, 9, 5, tzinfo=PARIS))
    monkeypatch.setattr(webhooks, "transport", lambda url, body, headers: (200, ""))
    outbox.deliver_pending()
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["outage.closed", "outage.opened"]


@pytest.mark.parametrize("who, allowed", [
    ("admin", True), ("manager", True), ("erun", True), ("dsi", True), ("editeur", True), ("guichet", True),
    ("directeur", False), ("enseignant", False), ("dpo", False), ("formateur", False),
])
def test_one_rule_for_who_may_declare(world, who, allowed):
    from web.views.outages import may_declare

    user = world.users[who]
    assert outages.may_declare_outage(user) is allowed
    assert may_declare(user) is allowed  # the web page asks sla, not a rule of its own


def test_the_scope_stays_inside_the_perimeter(world, ent):
    erun, nancy = world.users["erun"], world.academies["nancy"]
    assert outages.may_declare_outage(erun, "academie", academie=world.academies["montpellier"])
    assert not outages.may_declare_outage(erun, "academie", academie=nancy)
    assert not outages.may_declare_outage(erun, "schools", schools=[world.schools["0570098X"]])
    with pytest.raises(PermissionDenied):
        outages.declare_outage(ent, actor=erun, scope="academie", academie=nancy,
                               started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS))
    with pytest.raises(PermissionDenied):
        outages.declare_outage(ent, actor=world.users["directeur"], started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS))
    nancy_outage = outages.declare_outage(ent, actor=world.users["guichet"], scope="academie", academie=nancy,
                                          started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS))
    with pytest.raises(PermissionDenied):
        outages.close_outage(nancy_outage, actor=erun, ended_at=datetime(2025, 3, 18, 10, tzinfo=PARIS))
    assert Outage.objects.get(pk=nancy_outage.pk).ended_at is None
    assert not OutboxMessage.objects.filter(event_name="outage.closed").exists()


def test_a_refused_scope_on_the_web_is_a_form_error_not_a_crash(client, world, ent):
    client.force_login(world.users["erun"])
    page = client.get(reverse("web:outages")).content.decode()
    assert 'name="scope"' in page
    response = client.post(reverse("web:outages"), {
        "service": ent.pk, "scope": "schools", "schools": [world.schools["0570098X"].pk],
        "started_at": "2026-03-02T08:00", "cause": "x",
    })
    assert response.status_code == 200 and not Outage.objects.exists()
