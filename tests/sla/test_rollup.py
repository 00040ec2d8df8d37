"""The dashboards' daily counts follow every ticket change exactly, in the change's transaction."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from directory.choices import Category
from sla import rollup
from sla.models import DayCount
from sla.services import publish_policy
from tickets import services
from tickets.exceptions import GuardFailed
from tickets.signals import ticket_transitioned

from ..tickets.conftest import QUALIF, bouissinet, huey_immediate, open_mtp, u  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
M = DayCount.Measure


TICKET_MEASURES = [M.OPENED, M.OPEN, M.RESOLVED_LOW, M.RESOLVED_HIGH]


def totals(measures=TICKET_MEASURES, **filters):
    out = {}
    for measure, n in DayCount.objects.filter(measure__in=measures, **filters).values_list("measure", "count"):
        out[measure] = out.get(measure, 0) + n
    return {k: v for k, v in out.items() if v}


def sla_totals(**filters):
    return totals([M.SLA_MET, M.SLA_LATE], **filters)


def assert_in_step():
    assert rollup.stored() == rollup.compute()


def test_counts_follow_a_ticket_through_its_life(open_mtp, u, world):
    t = open_mtp(service="Cahier de textes")
    assert totals() == {M.OPENED: 1, M.OPEN: 1}
    row = DayCount.objects.get(measure=M.OPENED)
    assert (row.day, row.school, row.desk_key, row.level, row.category, row.service) == (
        timezone.localdate(), world.schools["0341255E"], world.desks["n0-0341255E"].pk, 0, Category.MALFUNCTION, "Cahier de textes")
    t = services.take(t, actor=u["directeur"])
    t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
    # Still one ticket opened today, now counted at the ERUN desk (level 1).
    assert totals() == {M.OPENED: 1, M.OPEN: 1}
    assert totals(desk_key=world.desks["erun-lattes"].pk) == {M.OPENED: 1, M.OPEN: 1}
    assert totals(desk_key=world.desks["n0-0341255E"].pk) == {}
    t = services.take(t, actor=u["erun"])
    t = services.update_qualification(t, actor=u["erun"], service="Messagerie")
    assert totals(service="Messagerie") == {M.OPENED: 1, M.OPEN: 1}
    t = services.resolve(t, actor=u["erun"], summary="Cache du navigateur vidé")
    assert totals() == {M.OPENED: 1, M.RESOLVED_LOW: 1}
    t = services.reopen(t, actor=u["enseignant"], reason="Le problème est revenu")
    assert totals() == {M.OPENED: 1, M.OPEN: 1}
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")
    t = services.take(t, actor=u["dsi"])
    t = services.escalate(t, actor=u["dsi"], malfunction_proven=True, **QUALIF)
    t = services.resolve(t, actor=u["editeur"], summary="Correctif déployé")
    # Resolved with the vendor: counted on the other side of the "levels 0–1" share.
    assert totals() == {M.OPENED: 1, M.RESOLVED_HIGH: 1}
    services.confirm(t, actor=u["enseignant"])
    assert totals() == {M.OPENED: 1, M.RESOLVED_HIGH: 1}
    assert_in_step()


def test_days_are_paris_days_and_resolution_counts_on_its_own_day(open_mtp, u):
    with time_machine.travel("2026-03-02 23:30:00+00:00", tick=False):  # 00:30 on 3 March in Paris
        t = open_mtp()
    with time_machine.travel("2026-03-05 10:00:00+01:00", tick=False):
        services.resolve(services.take(t, actor=u["directeur"]), actor=u["directeur"], summary="Réglé")
    days = dict(DayCount.objects.filter(count__gt=0).values_list("measure", "day"))
    assert str(days[M.OPENED]) == "2026-03-03" and str(days[M.RESOLVED_LOW]) == "2026-03-05"
    assert M.OPEN not in days


def test_cancel_leaves_the_backlog_and_a_failed_change_leaves_no_trace(open_mtp, u):
    t = services.take(open_mtp(), actor=u["directeur"])
    before = rollup.stored()

    def fail(**kwargs):  # a receiver failing after the counts moved: the whole change rolls back
        raise GuardFailed("refusé")

    ticket_transitioned.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(GuardFailed):
            services.resolve(t, actor=u["directeur"], summary="Réglé")
    finally:
        ticket_transitioned.disconnect(dispatch_uid="test-fail")
    assert rollup.stored() == before
    services.cancel(t, actor=u["directeur"], reason="Doublon d'une autre demande")
    assert totals() == {M.OPENED: 1}
    assert_in_step()


def test_rebuild_and_check_command(open_mtp, u, capsys):
    for _ in range(3):
        open_mtp(category=Category.USAGE)
    call_command("rebuild_day_counts", "--check")
    assert "conformes" in capsys.readouterr().out
    DayCount.objects.filter(measure=M.OPEN).update(count=7)
    with pytest.raises(CommandError, match="diffèrent"):
        call_command("rebuild_day_counts", "--check")
    call_command("rebuild_day_counts")
    assert totals() == {M.OPENED: 3, M.OPEN: 3}
    assert_in_step()


def test_backfill_of_tickets_written_before_the_counts(open_mtp):
    for days in (0, 1, 40):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            open_mtp()
    DayCount.objects.all().delete()  # as before migration 0008
    rollup.rebuild()
    assert totals() == {M.OPENED: 3, M.OPEN: 3}
    assert DayCount.objects.filter(measure=M.OPENED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_add_up(world, u, bouissinet):
    """Same school, category, desk and day from four connections at once: every opening counts."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (make test-postgres)")
    barrier = threading.Barrier(4)
    errors = []

    def run(i):
        try:
            barrier.wait()
            services.open_ticket(actor=u["enseignant"], school=bouissinet, title=f"Panne {i}", description="x",
                                 category=Category.MALFUNCTION, impact=2, urgency=2)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    close_old_connections()
    assert not errors
    assert totals() == {M.OPENED: 4, M.OPEN: 4}
    assert DayCount.objects.filter(measure=M.OPENED).count() == 1


def test_clock_results_count_on_their_day_at_the_tickets_desk(open_mtp, u, world):
    h = 3600
    publish_policy(world.conventions["montpellier"], targets=[
        {"kind": "first_response", "seconds": 4 * h}, {"kind": "resolution", "seconds": 40 * h}])
    with time_machine.travel("2026-03-02 09:00:00+01:00", tick=False):
        t = open_mtp()
        assert sla_totals() == {}
    with time_machine.travel("2026-03-02 10:00:00+01:00", tick=False):
        t = services.comment(services.take(t, actor=u["directeur"]), actor=u["directeur"], body="Nous regardons.")
    assert sla_totals() == {M.SLA_MET: 1}  # first response within 4 business hours
    assert_in_step()
    with time_machine.travel("2026-03-20 10:00:00+01:00", tick=False):  # far past the 40 business hours
        t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
        assert sla_totals(desk_key=world.desks["erun-lattes"].pk) == {M.SLA_MET: 1}  # follows the ticket
        t = services.resolve(services.take(t, actor=u["erun"]), actor=u["erun"], summary="Réglé")
    assert sla_totals() == {M.SLA_MET: 1, M.SLA_LATE: 1}
    assert str(DayCount.objects.get(measure=M.SLA_LATE).day) == "2026-03-20"
    assert_in_step()
    with time_machine.travel("2026-03-21 10:00:00+01:00", tick=False):
        services.reopen(t, actor=u["enseignant"], reason="Toujours en panne")
    assert sla_totals() == {M.SLA_MET: 1}  # the resolution clock runs again
    assert_in_step()
