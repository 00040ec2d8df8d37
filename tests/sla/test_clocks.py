"""The clock engine with explicit instants (independent of the ticket workflow)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import NaiveDatetimeError
from sla.clocks import pause_clock, raise_due_events, restart_clock, resume_clock, start_clock, stop_clock
from sla.models import Clock, ClockEvent, ClockKind, ClockState, TimeBasis

PARIS = ZoneInfo("Europe/Paris")
H = 3600
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def clock(at, target=4 * H, zone="B", sub="", basis=TimeBasis.BUSINESS, **kw):
    return start_clock(kind=ClockKind.RESOLUTION, target_seconds=target, at=at, calendar_zone=zone,
                       calendar_subdivision=sub, time_basis=basis, **kw)


def test_friday_2100_due_monday_morning():
    c = clock(paris(2025, 3, 14, 21), target=2 * H)
    assert c.due_at == paris(2025, 3, 17, 9)
    assert c.warning_at == paris(2025, 3, 17, 8, 30)  # 75 % of 2 h = 1 h 30


def test_pause_over_a_weekend_moves_the_due_time_by_nothing_more_than_the_pause():
    c = clock(paris(2025, 3, 13, 20), target=4 * H)  # Thursday 20:00, due Friday 10:00
    assert c.due_at == paris(2025, 3, 14, 10)
    c = pause_clock(c, paris(2025, 3, 13, 21))  # 1 h counted
    assert (c.state, c.elapsed_seconds, c.due_at) == (ClockState.PAUSED, H, None)
    c = resume_clock(c, paris(2025, 3, 17, 14))  # Monday 14:00: 3 h left
    assert c.due_at == paris(2025, 3, 17, 17)
    assert [s.state for s in c.segments.all()] == ["running", "paused", "running"]


def test_pausing_while_closed_counts_nothing_and_due_never_drifts():
    c = clock(paris(2025, 3, 17, 9), target=20 * H)
    due = c.due_at
    for day in range(5):  # many pause/resume cycles outside opening hours
        c = pause_clock(c, paris(2025, 3, 17, 22, 2 * day))
        c = resume_clock(c, paris(2025, 3, 17, 22, 2 * day + 1))
    assert c.due_at == due == paris(2025, 3, 18, 15)


def test_resolved_exactly_at_the_due_second_is_within_target():
    c = clock(paris(2025, 3, 17, 9), target=2 * H)
    c = stop_clock(c, c.due_at)
    assert c.met_within_target is True and c.elapsed_seconds == c.target_seconds
    assert raise_due_events(paris(2025, 3, 17, 12)) == {"warning": 0, "breach": 0}


def test_one_second_late_is_a_breach():
    c = clock(paris(2025, 3, 17, 9), target=2 * H)
    c = stop_clock(c, c.due_at + timedelta(seconds=1))
    assert c.met_within_target is False


def test_warning_and_breach_raised_exactly_once():
    c = clock(paris(2025, 3, 17, 9), target=4 * H)
    assert raise_due_events(paris(2025, 3, 17, 11, 59)) == {"warning": 0, "breach": 0}
    assert raise_due_events(paris(2025, 3, 17, 12)) == {"warning": 1, "breach": 0}
    assert raise_due_events(paris(2025, 3, 17, 12, 1)) == {"warning": 0, "breach": 0}
    assert raise_due_events(paris(2025, 3, 17, 13)) == {"warning": 0, "breach": 0}  # due second itself
    assert raise_due_events(paris(2025, 3, 17, 13, 0, 1)) == {"warning": 0, "breach": 1}
    assert raise_due_events(paris(2025, 3, 18, 13)) == {"warning": 0, "breach": 0}
    assert list(ClockEvent.objects.filter(clock=c).values_list("kind", "at")) == [
        ("warning", paris(2025, 3, 17, 12)), ("breach", paris(2025, 3, 17, 13)),
    ]


def test_breach_crossed_then_paused_between_two_runs_still_raised():
    c = clock(paris(2025, 3, 17, 9), target=H)
    pause_clock(c, paris(2025, 3, 17, 11))
    assert raise_due_events(paris(2025, 3, 17, 11, 1))["breach"] == 1
    assert raise_due_events(paris(2025, 3, 17, 11, 2))["breach"] == 0


def test_reopen_restarts_a_new_run_and_keeps_the_first_result():
    c = clock(paris(2025, 3, 17, 9), target=2 * H)
    c = stop_clock(c, paris(2025, 3, 17, 10))
    c = restart_clock(c, paris(2025, 3, 18, 9))
    assert (c.run, c.elapsed_seconds, c.state, c.due_at) == (2, 0, ClockState.RUNNING, paris(2025, 3, 18, 11))
    assert ClockEvent.objects.filter(clock=c, kind="met", run=1).exists()
    # counting on instead of restarting (policy option)
    d = clock(paris(2025, 3, 17, 9), target=2 * H)
    d = stop_clock(d, paris(2025, 3, 17, 10))
    d = restart_clock(d, paris(2025, 3, 18, 9), reset=False)
    assert (d.run, d.elapsed_seconds, d.due_at) == (1, H, paris(2025, 3, 18, 10))


def test_dst_sundays_on_calendar_time():
    # 24/7 target of 24 h started Saturday 29 March 2025 12:00: Sunday has 23 h.
    c = clock(paris(2025, 3, 29, 12), target=24 * H, basis=TimeBasis.CALENDAR)
    assert c.due_at == paris(2025, 3, 30, 13)
    c = clock(paris(2025, 10, 25, 12), target=24 * H, basis=TimeBasis.CALENDAR)
    assert c.due_at == paris(2025, 10, 26, 11)


def test_dst_on_the_contract_calendar():
    c = clock(paris(2025, 3, 28, 21), target=2 * H, zone="")
    assert c.due_at == paris(2025, 3, 31, 9)
    assert c.due_at.utcoffset() == timedelta(hours=2)


def test_good_friday_in_moselle_not_in_paris():
    moselle = clock(paris(2026, 4, 2, 21), target=2 * H, zone="B", sub="57")
    paris_c = clock(paris(2026, 4, 2, 21), target=2 * H, zone="C")
    assert moselle.due_at == paris(2026, 4, 7, 9)  # Fri Good Friday, Mon Easter Monday
    assert paris_c.due_at == paris(2026, 4, 3, 9)


def test_holiday_friday():
    c = clock(paris(2026, 4, 30, 21), target=2 * H)
    assert c.due_at == paris(2026, 5, 4, 9)


def test_segments_are_append_only():
    c = clock(paris(2025, 3, 17, 9))
    seg = c.segments.get()
    seg.reason = "changed"
    with pytest.raises(Exception):
        seg.save()


def test_bad_inputs():
    with pytest.raises(NaiveDatetimeError):
        clock(datetime(2025, 3, 17, 9))
    c = clock(paris(2025, 3, 17, 9))
    with pytest.raises(ValueError, match="before the clock's last change"):
        pause_clock(c, paris(2025, 3, 17, 8))


def test_warning_ratio_rounds_up_to_the_second():
    c = clock(paris(2025, 3, 17, 9), target=10, warning_ratio=Decimal("0.75"))
    assert c.warning_at == paris(2025, 3, 17, 9, 0, 8)
    assert Clock.objects.get(pk=c.pk).due_at == paris(2025, 3, 17, 9, 0, 10)
