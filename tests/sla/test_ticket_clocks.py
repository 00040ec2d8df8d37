"""Scenario tests: the ticket workflow drives the SLA clocks (Montpellier, zone C; Grand Est, 57)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from sla.clocks import raise_due_events
from sla.models import Clock, ClockKind, ClockState
from sla.services import publish_policy, record_legal_notice
from tickets import services as ts
from tickets.models import OutboxMessage, TicketEvent

PARIS = ZoneInfo("Europe/Paris")
H = 3600
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


POLICY = [
    {"kind": "first_response", "priority": "P3", "seconds": 2 * H},
    {"kind": "resolution", "priority": "P3", "seconds": 8 * H},
    {"kind": "level", "level": 0, "seconds": 4 * H},
    {"kind": "level", "level": 1, "seconds": 6 * H},
]


@pytest.fixture
def policy(world):
    return publish_policy(world.conventions["montpellier"], targets=POLICY, by=world.users["admin"])


def at(moment):
    return time_machine.travel(moment, tick=False)


def open_ticket(world, moment, category="usage"):
    with at(moment):
        return ts.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title="Cahier de textes",
                              description="Le cahier de textes ne s'ouvre plus.", category=category, impact=2, urgency=2)


def clock_of(ticket, kind, level=None):
    qs = Clock.objects.filter(ticket=ticket, kind=kind)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.get()


def test_friday_2100_to_monday_morning(world, policy):
    t = open_ticket(world, paris(2025, 3, 14, 21))
    assert t.priority == 3
    fr = clock_of(t, ClockKind.FIRST_RESPONSE)
    assert fr.due_at == paris(2025, 3, 17, 9) and fr.policy == policy
    assert clock_of(t, ClockKind.RESOLUTION).due_at == paris(2025, 3, 17, 15)
    with at(paris(2025, 3, 17, 8, 10)):
        t = ts.take(t, actor=world.users["directeur"])
    assert clock_of(t, ClockKind.LEVEL, 0).state == ClockState.MET
    with at(paris(2025, 3, 17, 8, 30)):
        ts.comment(t, actor=world.users["directeur"], body="Pouvez-vous vider le cache du navigateur ?")
    fr.refresh_from_db()
    assert (fr.state, fr.elapsed_seconds, fr.met_within_target) == (ClockState.MET, H + 30 * 60, True)


def test_pause_over_a_weekend_while_waiting_on_the_requester(world, policy):
    t = open_ticket(world, paris(2025, 3, 13, 20))  # Thursday 20:00: resolution due Friday 14:00
    assert clock_of(t, ClockKind.RESOLUTION).due_at == paris(2025, 3, 14, 14)
    with at(paris(2025, 3, 13, 20, 30)):
        t = ts.take(t, actor=world.users["directeur"])
    with at(paris(2025, 3, 14, 9)):  # 2 h Thursday + 1 h Friday
        t = ts.request_info(t, actor=world.users["directeur"], body="Quel navigateur ?")
    res = clock_of(t, ClockKind.RESOLUTION)
    assert (res.state, res.elapsed_seconds, res.due_at) == (ClockState.PAUSED, 3 * H, None)
    raise_due_events(paris(2025, 3, 14, 15))
    assert not res.events.filter(kind="breach").exists()  # paused: no breach of the resolution target
    assert clock_of(t, ClockKind.FIRST_RESPONSE).events.filter(kind="breach").exists()  # answered late
    with at(paris(2025, 3, 17, 10)):
        t = ts.answer(t, actor=world.users["enseignant"], body="Firefox")
    res.refresh_from_db()
    assert res.state == ClockState.RUNNING and res.due_at == paris(2025, 3, 17, 15)


def test_pause_then_resume_shifts_due_time_exactly(world, policy):
    t = open_ticket(world, paris(2025, 3, 14, 20))  # Friday 20:00, resolution 8 h → Monday 14:00
    assert clock_of(t, ClockKind.RESOLUTION).due_at == paris(2025, 3, 17, 14)
    with at(paris(2025, 3, 14, 20, 15)):
        t = ts.take(t, actor=world.users["directeur"])
    with at(paris(2025, 3, 14, 21)):
        t = ts.request_info(t, actor=world.users["directeur"], body="Capture d'écran ?")
    with at(paris(2025, 3, 17, 9)):  # paused from Friday 21:00 to Monday 09:00 (1 open hour lost)
        t = ts.answer(t, actor=world.users["enseignant"], body="Voici")
    res = clock_of(t, ClockKind.RESOLUTION)
    assert res.elapsed_seconds == H and res.due_at == paris(2025, 3, 17, 16)
    assert list(res.segments.values_list("state", flat=True)) == ["running", "paused", "running"]


def test_resolved_exactly_at_the_due_second(world, policy):
    t = open_ticket(world, paris(2025, 3, 17, 9))
    res = clock_of(t, ClockKind.RESOLUTION)
    with at(paris(2025, 3, 17, 9, 5)):
        t = ts.take(t, actor=world.users["directeur"])
    with at(res.due_at):
        t = ts.resolve(t, actor=world.users["directeur"], summary="Cache vidé.")
    res.refresh_from_db()
    assert res.state == ClockState.MET and res.met_within_target is True
    raise_due_events(paris(2025, 3, 18, 9))
    assert not res.events.filter(kind="breach").exists()


def test_reopen_from_resolved_restarts_the_resolution_clock(world, policy):
    t = open_ticket(world, paris(2025, 3, 17, 9))
    with at(paris(2025, 3, 17, 9, 5)):
        t = ts.take(t, actor=world.users["directeur"])
    with at(paris(2025, 3, 17, 10)):
        t = ts.resolve(t, actor=world.users["directeur"], summary="Fait.")
    with at(paris(2025, 3, 18, 9)):
        t = ts.reopen(t, actor=world.users["enseignant"], reason="Le problème revient.")
    res = clock_of(t, ClockKind.RESOLUTION)
    assert (res.state, res.run, res.elapsed_seconds, res.due_at) == (ClockState.RUNNING, 2, 0, paris(2025, 3, 18, 17))


def test_policy_changed_while_paused_keeps_the_starting_version(world, policy):
    t = open_ticket(world, paris(2025, 3, 17, 9))
    with at(paris(2025, 3, 17, 9, 30)):
        t = ts.take(t, actor=world.users["directeur"])
    with at(paris(2025, 3, 17, 10)):
        t = ts.request_info(t, actor=world.users["directeur"], body="Précisez ?")
    v2 = publish_policy(world.conventions["montpellier"], targets=[{"kind": "resolution", "priority": "P3", "seconds": H}])
    assert v2.version == 2
    with at(paris(2025, 3, 18, 9)):
        t = ts.answer(t, actor=world.users["enseignant"], body="Voilà")
    res = clock_of(t, ClockKind.RESOLUTION)
    assert res.policy == policy and res.target_seconds == 8 * H
    assert res.due_at == paris(2025, 3, 18, 16)  # 1 h used, 7 h left from Tuesday 09:00
    # a ticket opened now starts under v2
    t2 = open_ticket(world, paris(2025, 3, 18, 9))
    assert clock_of(t2, ClockKind.RESOLUTION).policy == v2


def test_warning_and_breach_go_to_the_timeline_and_the_desk_once(world, policy):
    t = open_ticket(world, paris(2025, 3, 17, 9))
    assert raise_due_events(paris(2025, 3, 17, 10, 30)) == {"warning": 1, "breach": 0}  # FR 75 % of 2 h
    assert raise_due_events(paris(2025, 3, 17, 10, 30)) == {"warning": 0, "breach": 0}
    assert raise_due_events(paris(2025, 3, 17, 11, 0, 1))["breach"] == 1
    lines = TicketEvent.objects.filter(ticket=t, kind__startswith="sla_")
    assert list(lines.values_list("kind", flat=True)) == ["sla_warning", "sla_breach"]
    assert lines[0].payload["target"] == "first_response"
    notified = OutboxMessage.objects.filter(ticket=t, event_name="sla.breach", channel="in_app").get()
    assert world.users["directeur"].pk in notified.payload["user_ids"]
    assert world.users["manager"].pk in notified.payload["user_ids"]  # manager of the académie


def test_good_friday_in_moselle_not_in_paris(world):
    publish_policy(world.conventions["grand_est"], targets=POLICY)
    with at(paris(2026, 4, 2, 21)):
        from directory.models import Membership
        from directory.choices import Role

        school = world.schools["0570098X"]
        Membership.objects.create(user=world.users["enseignant"], role="requester", school=school)
        t = ts.open_ticket(actor=world.users["enseignant"], school=school, title="ENT", description="Lent",
                           category="usage", impact=2, urgency=2)
    assert clock_of(t, ClockKind.FIRST_RESPONSE).due_at == paris(2026, 4, 7, 9)  # Good Friday + Easter Monday


def test_security_incident_legal_clocks(world, policy):
    t = open_ticket(world, paris(2025, 3, 14, 21), category="security_incident")
    notice = clock_of(t, ClockKind.BREACH_NOTICE)
    cnil = clock_of(t, ClockKind.CNIL_NOTICE)
    assert notice.due_at == paris(2025, 3, 16, 21) and cnil.due_at == paris(2025, 3, 17, 21)  # calendar time
    with pytest.raises(PermissionDenied):
        record_legal_notice(notice, actor=world.users["enseignant"], at=paris(2025, 3, 15, 10), recipient="Commune")
    notice = record_legal_notice(notice, actor=world.users["dpo"], at=paris(2025, 3, 15, 10), recipient="Commune de Villeneuve-lès-Maguelone")
    assert notice.state == ClockState.MET and notice.met_within_target and notice.met_by == world.users["dpo"]
    line = TicketEvent.objects.get(ticket=t, kind="legal_notice")
    assert line.payload["recipient"].startswith("Commune")
    # waiting on the requester does not pause legal clocks
    with at(paris(2025, 3, 17, 9)):
        t = ts.take(t, actor=world.users["directeur"])
        t = ts.request_info(t, actor=world.users["directeur"], body="?")
    cnil.refresh_from_db()
    assert cnil.state == ClockState.RUNNING
    assert raise_due_events(paris(2025, 3, 17, 21, 0, 1))["breach"] >= 1


