"""Notifications: written with the transition, delivered after commit, retried, never for a rollback."""

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tickets import outbox, services
from tickets.models import Notification, OutboxMessage
from tickets.signals import ticket_transitioned

pytestmark = pytest.mark.django_db


def flush():
    """Deliver what the fixtures left pending (their commits were not run), then forget it."""
    outbox.deliver_pending()
    mail.outbox.clear()


def test_open_notifies_requester_and_desk_after_commit(open_mtp, u, world, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    desk = world.desks["n0-0341255E"]
    async_to_sync(layer.group_add)(f"desk-{desk.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        t = open_mtp()
    assert not OutboxMessage.objects.filter(status="pending").exists()
    recipients = sorted(addr for m in mail.outbox for addr in m.to)
    assert u["enseignant"].email in recipients  # acknowledgement to the requester
    assert u["directeur"].email in recipients  # new work for the school's level-0 desk
    assert Notification.objects.filter(user=u["directeur"], ticket=t).exists()
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "ticket.changed", "reference": t.reference, "state": "new", "level": 0,
                       "desk": desk.pk, "version": 1}
    names = set(OutboxMessage.objects.values_list("event_name", flat=True))
    assert names == {"ticket.opened"}
    assert set(OutboxMessage.objects.values_list("channel", flat=True)) == {"email", "in_app", "websocket", "webhook"}


def test_public_reply_mails_the_requester_internal_note_does_not(at_n1, u, django_capture_on_commit_callbacks):
    flush()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(at_n1, actor=u["erun"], body="Note pour l'équipe", internal=True)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(at_n1, actor=u["erun"], body="Avez-vous vidé le cache ?")
    assert [m.to for m in mail.outbox] == [[u["enseignant"].email]]
    assert "Avez-vous vidé le cache" in mail.outbox[0].body


def test_requester_answer_notifies_the_assignee(at_n1, u, django_capture_on_commit_callbacks):
    t = services.take(at_n1, actor=u["erun"])
    t = services.request_info(t, actor=u["erun"], body="Quel navigateur ?")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer(t, actor=u["enseignant"], body="Edge")
    assert Notification.objects.filter(user=u["erun"], verb="answered").exists()


def test_rolled_back_transition_sends_nothing(at_n1, u, django_capture_on_commit_callbacks):
    flush()
    before = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.comment(at_n1, actor=u["erun"], body="Réponse")
                raise RuntimeError("the caller failed after the transition")
    assert OutboxMessage.objects.count() == before
    assert callbacks == [] and mail.outbox == []
    assert at_n1.events.count() == type(at_n1).objects.get(pk=at_n1.pk).events.count()


def test_a_failing_signal_receiver_rolls_the_transition_back(at_n1, u):
    def boom(sender, ticket, event, **kw):
        raise RuntimeError("clock failure")

    version = at_n1.version
    ticket_transitioned.connect(boom)
    try:
        with pytest.raises(RuntimeError):
            services.take(at_n1, actor=u["erun"])
    finally:
        ticket_transitioned.disconnect(boom)
    at_n1.refresh_from_db()
    assert at_n1.version == version and at_n1.assignee is None
    assert not at_n1.events.filter(kind="taken", version__gt=version).exists()


def test_signal_is_sent_inside_the_transaction_for_open_and_transitions(open_mtp, u):
    seen = []

    def receiver(sender, ticket, event, **kw):
        seen.append((event.kind, ticket.version, transaction.get_connection().in_atomic_block))

    ticket_transitioned.connect(receiver)
    try:
        t = open_mtp()
        services.take(t, actor=u["directeur"])
    finally:
        ticket_transitioned.disconnect(receiver)
    assert seen == [("opened", 1, True), ("taken", 2, True)]


def test_failed_delivery_is_retried_later(at_n1, u):
    calls = []

    def flaky(message):
        calls.append(message.pk)
        if len(calls) == 1:
            raise ConnectionError("receiver down")

    outbox.register_handler("webhook", flaky)
    try:
        outbox.deliver_pending()  # deliver everything already pending
        calls.clear()
        services.comment(at_n1, actor=u["erun"], body="x")
        first = outbox.deliver_pending()
        assert first["failed"] == 1
        msg = OutboxMessage.objects.get(channel="webhook", event_name="ticket.commented")
        assert (msg.status, msg.attempts) == ("pending", 1) and "receiver down" in msg.last_error
        assert outbox.deliver_pending()["failed"] == 0  # not due yet: backoff
        with time_machine.travel(timezone.now() + timedelta(minutes=5)):
            assert outbox.deliver_pending()["sent"] >= 1
        msg.refresh_from_db()
        assert msg.status == "sent" and msg.attempts == 2
    finally:
        outbox.unregister_handler("webhook", flaky)


def test_nothing_is_lost_when_the_worker_is_down(at_n1, u, monkeypatch, django_capture_on_commit_callbacks):
    from tickets import tasks

    def broker_down():
        raise ConnectionError("no broker")

    flush()
    monkeypatch.setattr(tasks, "deliver_outbox", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(at_n1, actor=u["erun"], body="Réponse publique")
    assert mail.outbox == []
    pending = OutboxMessage.objects.filter(status="pending", event_name="ticket.commented")
    assert pending.exists()
    tasks.retry_outbox.call_local()  # the periodic task, when the worker is back
    assert not pending.exists()
    assert len(mail.outbox) == 1


def test_registered_handler_receives_webhook_events(at_n1, u):
    got = []
    handler = got.append
    outbox.register_handler("webhook", handler)
    try:
        services.resolve(at_n1, actor=u["erun"], summary="Réglé")
        outbox.deliver_pending()
    finally:
        outbox.unregister_handler("webhook", handler)
    resolved = [m for m in got if m.event_name == "ticket.resolved"]
    assert resolved and resolved[0].payload["ticket"]["reference"] == at_n1.reference
    assert resolved[0].payload["data"] == {"summary": "Réglé"}
