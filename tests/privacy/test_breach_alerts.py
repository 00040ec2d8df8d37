"""The DPOs covering the school are told, in the app and by e-mail, when a breach clock starts, at
its warning and at its deadline — through the outbox, like every other notification."""

from datetime import timedelta

from django.core import mail

from privacy.models import BreachStepKind
from privacy.steps import record_breach_step
from sla.clocks import raise_due_events
from tickets.models import Notification, OutboxMessage
from tickets.outbox import deliver_pending

from .breach_fixtures import breach, u  # noqa: F401 — fixtures

H = timedelta(hours=1)


def _mails(name):
    return list(OutboxMessage.objects.filter(channel="email", event_name=name))


def test_the_dpo_is_alerted_when_both_clocks_start(breach, u):
    rows = _mails("privacy.clock_started")
    assert len(rows) == 2 and all(r.payload["to"] == ["dpo@example.org"] for r in rows)
    subjects = " ".join(r.payload["subject"] for r in rows)
    assert "CNIL" in subjects and "48 h" in subjects and breach.reference in subjects
    assert f"/vie-privee/violations/{breach.reference}/" in rows[0].payload["body"]
    in_app = OutboxMessage.objects.filter(channel="in_app", event_name="privacy.clock_started")
    assert {tuple(r.payload["user_ids"]) for r in in_app} == {(u["dpo"].pk,)}
    deliver_pending()
    assert any("dpo@example.org" in m.to and breach.reference in m.subject for m in mail.outbox)
    assert Notification.objects.filter(user=u["dpo"], ticket=breach).count() == 2
    # Nobody who may not read the incident hears of it (the manager, the vendor).
    assert not Notification.objects.filter(ticket=breach, user__in=[u["manager"], u["editeur"]]).exists()


def test_no_alert_for_another_perimeter_or_category(world, u):
    from tickets import services

    services.open_ticket(actor=u["enseignant"], school=world.schools["0341255E"], title="Panne", description="x",
                         category="malfunction", impact=3, urgency=3)
    assert not _mails("privacy.clock_started")


def test_the_dpo_is_alerted_at_the_warning_and_at_the_deadline(breach, u):
    raise_due_events(breach.created_at + 36 * H + timedelta(seconds=1))  # 75 % of 48 h
    warnings = _mails("sla.warning")
    assert [r.payload["to"] for r in warnings if "dpo@example.org" in r.payload["to"]]
    raise_due_events(breach.created_at + 73 * H)
    breaches = [r for r in _mails("sla.breach") if "dpo@example.org" in r.payload["to"]]
    assert len(breaches) == 2  # 48 h and 72 h
    assert all("dépassé" in r.payload["subject"] for r in breaches)


def test_no_deadline_alert_for_a_clock_met_in_time(breach, u):
    record_breach_step(breach, actor=u["dpo"], kind=BreachStepKind.OTHER_PARTY, evidence="Courriel",
                       done_at=breach.created_at + H, now=breach.created_at + H)
    raise_due_events(breach.created_at + 50 * H)
    assert not [r for r in _mails("sla.breach") if "48 h" in r.payload["subject"]]
