from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation
import time_machine
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from tickets import outbox, services
from tickets.models import OutboxMessage

from .factories import vendor_ticket


def subscribe(http, events=("ticket.escalated", "ticket.commented", "ticket.resolved"), url="https://vendor.example/hook"):
    response = http.post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def run_outbox():
    with translation.override(settings.LANGUAGE_CODE):  # the worker's thread: no request's language
        outbox.deliver_pending()


def run_due():
    with translation.override(settings.LANGUAGE_CODE):
        for pk in webhooks.due_ids():
            webhooks.attempt(pk)


def test_subscription_crud_and_validation(make_client):
    _c, http = make_client(vendor="ode")
    sub = subscribe(http)
    assert sub["secret"].startswith("whsec_")
    bad = http.post("/api/v1/webhooks/", {"url": "ftp://x", "events": ["ticket.exploded"]}, format="json")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} >= {"url", "events[0]"} - {"events[0]"}
    assert http.patch(f"/api/v1/webhooks/{sub['id']}/", {"events": ["ticket.closed"]}, format="json").json()["events"] == ["ticket.closed"]
    rotated = http.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret/").json()
    assert rotated["secret"] != sub["secret"]
    _c, other = make_client(vendor="kosmos")
    assert other.get(f"/api/v1/webhooks/{sub['id']}/").status_code == 404
    assert other.get("/api/v1/webhooks/").json() == []
    assert http.delete(f"/api/v1/webhooks/{sub['id']}/").status_code == 204


def test_events_are_signed_per_standard_webhooks_and_sent_by_the_worker(world, make_client, captured):
    _c, ode = make_client(vendor="ode")
    _c, kosmos = make_client(vendor="kosmos")
    sub = subscribe(ode)
    subscribe(kosmos)
    ticket = vendor_ticket(world)   # escalations happen now; nothing is sent inside the request/transaction
    assert captured.sent == []
    run_outbox()
    run_due()
    assert captured.sent, "the worker sends the escalation to the vendor's endpoint"
    for request in captured.sent:
        assert request["url"] == "https://vendor.example/hook"
        payload = Webhook(sub["secret"]).verify(request["body"], request["headers"])
        assert payload["data"]["ticket"]["reference"] == ticket.reference
    types = [Webhook(sub["secret"]).verify(r["body"], r["headers"])["type"] for r in captured.sent]
    # The three escalations (N0→N1→N2→N3), as in the ticket's timeline, which ODE may read now.
    assert types == ["ticket.escalated"] * 3
    tampered = dict(captured.sent[0]["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(captured.sent[0]["body"].replace("escalated", "resolved"), tampered)
    # Kosmos never hears about an ODE ticket.
    assert not WebhookDelivery.objects.filter(subscription__client__vendor=world.vendors["kosmos"]).exists()


def test_retries_keep_the_webhook_id_with_exponential_backoff(world, make_client, captured):
    _c, ode = make_client(vendor="ode")
    subscribe(ode, events=["ticket.resolved"])
    services.resolve(vendor_ticket(world), actor=world.users["admin"], summary="Corrigé en 4.2.1")
    captured.answers.extend([500, 503, None, 200])
    run_outbox()
    start = timezone.now()
    run_due()
    delivery = WebhookDelivery.objects.get()
    delays = []
    for _ in range(3):
        assert delivery.status == "pending"
        delays.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
            run_due()
        delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 4
    assert len({r["headers"]["webhook-id"] for r in captured.sent}) == 1
    assert delays[0] < delays[1] < delays[2]
    assert [entry["status"] for entry in delivery.log] == [500, 503, None, 200]
    assert WebhookSubscription.objects.get().consecutive_failures == 0
    assert start


def test_a_delivery_is_abandoned_after_24_hours_and_the_subscription_disabled(world, make_client, captured, settings):
    settings.API_WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    _c, ode = make_client(vendor="ode")
    subscribe(ode, events=["ticket.resolved"])
    services.resolve(vendor_ticket(world), actor=world.users["admin"], summary="Corrigé en 4.2.1")
    run_outbox()
    captured.answers.extend([500] * 100)
    run_due()
    delivery = WebhookDelivery.objects.get()
    while delivery.status == "pending":
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
            run_due()
        delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.log[-1]["at"] <= (delivery.created_at + timedelta(hours=24)).isoformat()
    assert (delivery.created_at + timedelta(hours=12)).isoformat() < delivery.log[-1]["at"]
    sub = WebhookSubscription.objects.get()
    assert not sub.is_active and sub.disabled_at
    notices = [m for m in mail.outbox if "Webhook désactivé" in m.subject]
    assert len(notices) == 1 and notices[0].to == ["owner@example.org"]


def test_repeated_failures_disable_the_subscription_with_a_notice(world, make_client, captured, settings):
    settings.API_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    _c, ode = make_client(vendor="ode")
    sub = subscribe(ode, events=["ticket.escalated", "ticket.commented"])
    ticket = vendor_ticket(world)
    for i in range(3):
        services.comment(ticket, actor=world.users["admin"], body=f"relance {i}")
    captured.answers.extend([500] * 10)
    run_outbox()
    run_due()
    subscription = WebhookSubscription.objects.get()
    assert not subscription.is_active and "échecs" in subscription.disabled_reason
    assert [m.to for m in mail.outbox if "Webhook désactivé" in m.subject] == [["owner@example.org"]]
    assert not WebhookDelivery.objects.filter(status="pending").exists()
    # The client sees why and re-enables it.
    detail = ode.get(f"/api/v1/webhooks/{sub['id']}/").json()
    assert detail["is_active"] is False and detail["disabled_reason"]
    assert ode.patch(f"/api/v1/webhooks/{sub['id']}/", {"is_active": True}, format="json").json()["is_active"] is True
    log = ode.get(f"/api/v1/webhooks/{sub['id']}/deliveries/").json()
    assert log["results"] and {d["status"] for d in log["results"]} == {"failed"}


def test_replayed_outbox_message_does_not_duplicate_deliveries(world, make_client, captured):
    _c, ode = make_client(vendor="ode")
    subscribe(ode, events=["ticket.resolved"])
    services.resolve(vendor_ticket(world), actor=world.users["admin"], summary="Corrigé")
    message = OutboxMessage.objects.filter(channel="webhook", event_name="ticket.resolved").last()
    from api.signals import deliver_outbox_message

    deliver_outbox_message(message)
    deliver_outbox_message(message)
    assert WebhookDelivery.objects.count() == 1
