"""The DPOs who may read a data-subject request are told by e-mail (outbox rows, delivered by the
worker) when its answer / forwarding clock starts, at its warning and at its deadline."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from directory.choices import Role
from directory.models import Membership, User
from privacy.models import Party, Right, StepKind
from privacy.requests import record_request, record_step
from sla.clocks import raise_due_events
from tickets.models import OutboxMessage
from tickets.outbox import deliver_pending

D = timedelta(days=1)


def _mails(name):
    return list(OutboxMessage.objects.filter(channel="email", event_name=name).order_by("pk"))


def _setup(convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    user.email = "dpd@example.org"
    user.save(update_fields=["email"])
    stranger = User.objects.create_user("autre", email="autre@example.org")
    Membership.objects.create(user=stranger, role=Role.DPO, academie=convention("occitanie").schools.first().academie)
    return c, user


def _request(c, actor, at):
    # Received by the collectivité, the DSDEN's module: misdirected, the 8-day forwarding clock runs.
    return record_request(actor=actor, convention=c, school=c.schools.order_by("pk").first(), person_name="Camille Parent",
                          person_contact="camille@example.org", right=Right.ERASURE, received_by=Party.COLLECTIVITE,
                          module="messagerie", received_at=at)


def test_started_alert_for_both_clocks_to_the_dpo_only(convention, dpo):
    c, user = _setup(convention, dpo)
    req = _request(c, user, timezone.now() - timedelta(hours=1))
    rows = _mails("privacy.clock_started")
    assert len(rows) == 2 and all(r.payload["to"] == ["dpd@example.org"] and r.ticket_id is None for r in rows)
    subjects = " ".join(r.payload["subject"] for r in rows)
    assert "Transmission" in subjects and "Réponse" in subjects and f"demande n° {req.pk}" in subjects
    assert "Camille" not in subjects + rows[0].payload["body"]  # no person's name in a mail
    assert f"/demandes-de-droits/{req.pk}/" in rows[0].payload["body"]
    deliver_pending()
    assert len(mail.outbox) == 2 and all(m.to == ["dpd@example.org"] for m in mail.outbox)
    assert not OutboxMessage.objects.filter(event_name="privacy.clock_started").exclude(status="sent").exists()


def test_extension_starts_a_new_clock_with_its_alert(convention, dpo):
    c, user = _setup(convention, dpo)
    req = _request(c, user, timezone.now() - 2 * D)
    record_step(req, kind=StepKind.EXTENDED, actor=user, detail="Nombreuses demandes")
    rows = _mails("privacy.clock_started")
    assert len(rows) == 3 and "prolongé" not in rows[-1].payload["subject"]  # the clock's kind, not its note
    assert rows[-1].payload["clock"] == req.__class__.objects.get(pk=req.pk).extended_clock_id


def test_warning_and_deadline_alerts(convention, dpo):
    c, user = _setup(convention, dpo)
    received = timezone.now() - 40 * D
    req = _request(c, user, received)
    raise_due_events(received + 7 * D)  # 75 % of the 8-day forwarding clock
    warnings = _mails("sla.warning")
    assert len(warnings) == 1 and "Transmission" in warnings[0].payload["subject"]
    raise_due_events(received + 9 * D)
    deadlines = _mails("sla.breach")
    assert len(deadlines) == 1 and "dépassé" in deadlines[0].payload["subject"]
    assert deadlines[0].payload["to"] == ["dpd@example.org"] and deadlines[0].payload["request"] == req.pk


def test_no_deadline_alert_once_the_step_is_recorded(convention, dpo):
    c, user = _setup(convention, dpo)
    received = timezone.now() - 40 * D
    req = _request(c, user, received)
    record_step(req, kind=StepKind.FORWARDED, actor=user, at=received + D)
    raise_due_events(received + 9 * D)
    assert not [r for r in _mails("sla.breach") if "Transmission" in r.payload["subject"]]
