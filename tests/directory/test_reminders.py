"""Reminders before a convention's deadlines (directory/reminders.py, task directory.tasks,
command convention_reminders): 30 days before, to the parties' contacts, once per deadline."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from directory.choices import Role
from directory.importers.conventions import import_convention
from directory.models import Convention, ConventionReminder, Membership, User
from directory.reminders import send_reminders

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"


@pytest.fixture
def sete():
    """Montpellier 2020 model: 1 September 2020 → 31 October 2021 (article 3), avenant window 1 Sept – 15 Oct."""
    import_convention(EXAMPLES / "montpellier-ent-ecole.json")
    c = Convention.objects.get(reference="MONTPELLIER-ENT-ECOLE-SETE-2020")
    mairie = User.objects.create_user("mairie-sete", email="mairie@example.org")
    rectorat = User.objects.create_user("rectorat", email="rectorat@example.org")
    teacher = User.objects.create_user("prof", email="prof@example.org")
    Membership.objects.create(user=mairie, role=Role.AGENT, collectivite=c.collectivites.get())
    Membership.objects.create(user=rectorat, role=Role.MANAGER, academie=c.academie)
    Membership.objects.create(user=teacher, role=Role.REQUESTER, school=c.schools.get())
    return c


def test_the_avenant_window_is_reminded_once_to_both_parties(sete):
    from tickets import outbox
    from tickets.models import OutboxMessage

    sent = send_reminders(date(2020, 9, 20), days=30)  # 15 October 2020 is 25 days ahead; the end (31/10/2021) is not
    assert [(r.kind, r.due_on) for r in sent] == [("amendment_window", date(2020, 10, 15))]
    assert mail.outbox == []  # not sent directly: through the outbox, after commit, with retries
    rows = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, event_name="convention.reminder")
    assert sorted(r.payload["to"] for r in rows) == [["mairie@example.org"], ["rectorat@example.org"]]  # not the teacher
    assert outbox.deliver_pending()["sent"] >= 2
    assert sorted(m.to for m in mail.outbox) == [["mairie@example.org"], ["rectorat@example.org"]]  # one each: no one sees the other
    message = mail.outbox[0]
    assert message.bcc == [] and message.subject.startswith(f"[{sete.reference}] ")
    assert "Avenant 2020-2021 (liste des écoles) : transmission au plus tard : 15 octobre 2020" in message.body
    assert f"/conventions/{sete.pk}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f"/conventions/{sete.pk}/" in html
    assert send_reminders(date(2020, 9, 21), days=30) == [] and rows.count() == 2  # once per deadline
    outbox.deliver_pending()
    assert len(mail.outbox) == 2


def test_a_reminder_recorded_by_another_run_leaves_no_mail(sete, monkeypatch):
    """The run is idempotent: a deadline another run recorded meanwhile rolls back with its mails."""
    from directory import reminders
    from tickets.models import Notification, OutboxMessage

    pending = list(reminders.due(date(2020, 9, 20), 30))
    send_reminders(date(2020, 9, 20), days=30)
    monkeypatch.setattr(reminders, "due", lambda now, days=None: iter(pending))  # the stale list of a concurrent run
    assert send_reminders(date(2020, 9, 20), days=30) == []
    assert OutboxMessage.objects.filter(event_name="convention.reminder").count() == 2
    assert Notification.objects.filter(verb="convention_reminder").count() == 2


def test_end_and_next_window_command(sete):
    out = io.StringIO()
    call_command("convention_reminders", "--now", "2021-10-05", stdout=out)  # default 30 days
    text = out.getvalue()
    assert "Avenant 2021-2022 (liste des écoles) : transmission au plus tard : 15/10/2021" in text
    assert "Fin de la convention : 31/10/2021" in text and "2 rappel(s) envoyé(s)." in text
    assert ConventionReminder.objects.count() == 2
    call_command("convention_reminders", "--now", "2021-10-06", stdout=io.StringIO())
    from tickets.models import OutboxMessage

    assert ConventionReminder.objects.count() == 2
    assert OutboxMessage.objects.filter(event_name="convention.reminder").count() == 4  # 2 deadlines × 2 parties
    with pytest.raises(CommandError, match="--now : « demain »"):
        call_command("convention_reminders", "--now", "demain")


def test_periodic_task_runs_the_reminders(sete, settings, monkeypatch):
    import time_machine

    from directory.tasks import convention_reminders

    with time_machine.travel(date(2020, 9, 20), tick=False):
        assert convention_reminders.call_local() == 1


def test_the_reminder_also_rings_each_partys_bell(sete, client):
    from tickets.models import Notification

    send_reminders(date(2020, 9, 20), days=30)
    rung = Notification.objects.filter(verb="convention_reminder")
    assert sorted(rung.values_list("user__username", flat=True)) == ["mairie-sete", "rectorat"]  # not the teacher
    n = rung.get(user__username="rectorat")
    assert n.link == f"/conventions/{sete.pk}/" and "15 octobre 2020" in n.message and sete.reference in n.message
    client.force_login(n.user)
    assert client.get(f"/notifications/{n.pk}/").headers["Location"] == n.link
    send_reminders(date(2020, 9, 21), days=30)
    assert rung.count() == 2  # once per deadline
