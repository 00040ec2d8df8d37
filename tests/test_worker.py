"""The worker's registry and what the administrator sees of it."""

import logging

import pytest
from huey.contrib.djhuey import HUEY

from helpdesk import worker
from helpdesk.models import BackgroundTask

pytestmark = pytest.mark.django_db

PERIODIC = {
    "api.tasks.purge_idempotency_keys", "api.tasks.retry_due_webhooks", "journal.tasks.purge_access_journal",
    "privacy.tasks.anonymise_expired_tickets", "sla.tasks.check_sla_clocks", "tickets.tasks.auto_close_resolved",
    "tickets.tasks.retry_outbox",
}


def test_every_apps_periodic_tasks_are_registered_before_the_consumer_starts():
    assert PERIODIC <= set(worker.register_tasks())
    rows = BackgroundTask.objects.filter(periodic=True, registered=True)
    assert PERIODIC <= set(rows.values_list("name", flat=True))
    assert all(row.label and str(row) == row.label for row in rows)  # the admin reads what each does, in French


def test_a_periodic_task_that_vanished_is_flagged_and_logged(caplog):
    BackgroundTask.objects.create(name="sla.tasks.old_sweep", periodic=True)
    with caplog.at_level(logging.ERROR, logger="helpdesk.worker"):
        worker.register_tasks()
    assert "sla.tasks.old_sweep" in caplog.text
    row = BackgroundTask.objects.get(name="sla.tasks.old_sweep")
    assert not row.registered and "ne tourne plus" in str(row.status)


@pytest.fixture
def immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def test_a_failing_periodic_task_is_shown_to_the_administrator(immediate, monkeypatch, admin_client):
    from tickets import services, tasks

    def broken(now=None):
        raise RuntimeError("calendrier introuvable")

    monkeypatch.setattr(services, "auto_close_due", broken)
    tasks.auto_close_resolved()
    tasks.auto_close_resolved()
    row = BackgroundTask.objects.get(name="tickets.tasks.auto_close_resolved")
    assert row.consecutive_failures == 2 and "calendrier introuvable" in row.last_error
    page = admin_client.get("/admin/helpdesk/backgroundtask/").content.decode()
    assert "en échec" in page
    home = admin_client.get("/admin/").content.decode()
    assert "Traitement de fond : tâches à surveiller" in home and "2 échecs consécutifs" in home

    monkeypatch.undo()
    tasks.auto_close_resolved()
    row.refresh_from_db()
    assert row.consecutive_failures == 0 and row.last_succeeded_at is not None
    assert "en service" in admin_client.get("/admin/helpdesk/backgroundtask/").content.decode()
    assert "tâches à surveiller" not in admin_client.get("/admin/").content.decode()


def test_production_workers_record_the_periodic_tasks_before_consuming(monkeypatch):
    from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey
    from django.core.management import call_command

    started = []
    monkeypatch.setattr(RunHuey, "handle", lambda self, *a, **o: started.append(BackgroundTask.objects.count()))
    call_command("run_worker")
    assert started and started[0] >= len(PERIODIC)  # recorded before the consumer ran
