from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import NaiveDatetimeError, ServiceCalendar
from sla.school_holidays import snapshot_ranges

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


# Built from the shipped snapshot: no database needed for the pure calendar properties.
CAL_B = ServiceCalendar(zone="B", school_holidays=snapshot_ranges("B"))
CAL_B57 = ServiceCalendar(zone="B", holiday_subdivision="57", school_holidays=snapshot_ranges("B"))
CAL_C = ServiceCalendar(zone="C", school_holidays=snapshot_ranges("C"))
CAL_A = ServiceCalendar(zone="A", school_holidays=snapshot_ranges("A"))
SUNDAYS = ServiceCalendar(weekly={6: [("00:00", "24:00")]}, public_holidays=False, school_holidays=[])


class TestBoundaries:
    def test_window_edges_are_exact(self):
        assert not CAL_B.is_open(paris(2025, 3, 17, 7, 59, 59))
        assert CAL_B.is_open(paris(2025, 3, 17, 8, 0, 0))
        assert CAL_B.is_open(paris(2025, 3, 17, 21, 59, 59))
        assert not CAL_B.is_open(paris(2025, 3, 17, 22, 0, 0))

    def test_weekend_closed(self):
        assert not CAL_B.is_open(paris(2025, 3, 15, 12))
        assert not CAL_B.is_open(paris(2025, 3, 16, 12))

    def test_business_seconds_of_one_day(self):
        assert CAL_B.business_seconds(paris(2025, 3, 17), paris(2025, 3, 18)) == 14 * 3600
        assert CAL_B.business_seconds(paris(2025, 3, 17, 7, 59, 59), paris(2025, 3, 17, 8, 0, 1)) == 1

    def test_friday_evening_to_monday_morning(self):
        start = paris(2025, 3, 14, 21)
        due = CAL_B.add_business_seconds(start, 2 * 3600)
        assert due == paris(2025, 3, 17, 9)
        assert CAL_B.business_seconds(start, due) == 7200

    def test_target_reached_at_closing_time_stays_at_closing_time(self):
        assert CAL_B.add_business_seconds(paris(2025, 3, 17, 21), 3600) == paris(2025, 3, 17, 22)

    def test_zero_seconds_is_start_itself(self):
        assert CAL_B.add_business_seconds(paris(2025, 3, 15, 12), 0) == paris(2025, 3, 15, 12)

    def test_other_timezones_are_the_same_instant(self):
        utc = datetime(2025, 3, 17, 7, 0, tzinfo=timezone.utc)  # 08:00 in Paris (UTC+1)
        assert CAL_B.is_open(utc)
        assert not CAL_B.is_open(utc - timedelta(seconds=1))

    def test_naive_datetime_refused(self):
        with pytest.raises(NaiveDatetimeError, match="start: naive datetime"):
            CAL_B.business_seconds(datetime(2025, 3, 17, 8), paris(2025, 3, 17, 9))
        with pytest.raises(NaiveDatetimeError, match="at: naive"):
            CAL_B.is_open(datetime(2025, 3, 17, 8))

    def test_bad_weekly_windows_refused(self):
        with pytest.raises(ValueError, match="weekly"):
            ServiceCalendar(weekly={7: [("08:00", "18:00")]})
        with pytest.raises(ValueError, match="ends before"):
            ServiceCalendar(weekly={0: [("18:00", "08:00")]})
        with pytest.raises(ValueError, match="at least one"):
            ServiceCalendar(weekly={})
        with pytest.raises(ValueError, match="holiday_subdivision"):
            ServiceCalendar(holiday_subdivision="99")

    def test_open_periods(self):
        periods = list(CAL_B.open_periods(paris(2025, 3, 14, 20), paris(2025, 3, 17, 9)))
        assert periods == [(paris(2025, 3, 14, 20), paris(2025, 3, 14, 22)), (paris(2025, 3, 17, 8), paris(2025, 3, 17, 9))]

    def test_custom_weekly_windows(self):
        cal = ServiceCalendar(weekly={0: [("08:00", "12:00"), ("14:00", "18:00")]}, zone=None)
        assert cal.business_seconds(paris(2025, 3, 17), paris(2025, 3, 18)) == 8 * 3600
        assert not cal.is_open(paris(2025, 3, 17, 13))
        assert cal.add_business_seconds(paris(2025, 3, 17, 11), 7200) == paris(2025, 3, 17, 15)


class TestDaylightSaving:
    def test_spring_forward_sunday_has_23_hours(self):
        assert SUNDAYS.business_seconds(paris(2025, 3, 30), paris(2025, 3, 31)) == 23 * 3600

    def test_fall_back_sunday_has_25_hours(self):
        assert SUNDAYS.business_seconds(paris(2025, 10, 26), paris(2025, 10, 27)) == 25 * 3600

    def test_contract_window_keeps_local_hours_across_dst(self):
        # Friday 28 March 21:00 (UTC+1) + 2 h → Monday 31 March 09:00 (UTC+2)
        due = CAL_B.add_business_seconds(paris(2025, 3, 28, 21), 7200)
        assert due == paris(2025, 3, 31, 9)
        assert due.utcoffset() == timedelta(hours=2)
        assert CAL_B.is_open(datetime(2025, 3, 31, 6, 0, tzinfo=timezone.utc))  # 08:00 local

    def test_always_open_counts_real_seconds(self):
        cal = ServiceCalendar.always_open()
        assert cal.business_seconds(paris(2025, 10, 26), paris(2025, 10, 27)) == 25 * 3600
        assert cal.add_business_seconds(paris(2025, 3, 29, 12), 48 * 3600) == paris(2025, 3, 31, 13)


class TestHolidays:
    def test_public_holiday_friday(self):
        # Friday 1 May 2026 (fête du Travail): Thursday 21:00 + 2 h → Monday 09:00
        assert not CAL_B.is_open(paris(2026, 5, 1, 10))
        assert CAL_B.add_business_seconds(paris(2026, 4, 30, 21), 7200) == paris(2026, 5, 4, 9)

    def test_good_friday_closed_in_moselle_not_in_paris(self):
        assert not CAL_B57.is_open(paris(2026, 4, 3, 10))
        assert CAL_C.is_open(paris(2026, 4, 3, 10))
        assert ServiceCalendar(zone=None, holiday_subdivision="67").is_open(paris(2026, 4, 3, 10)) is False

    def test_26_december_in_alsace_moselle_only(self):
        plain = ServiceCalendar(zone=None)
        alsace = ServiceCalendar(zone=None, holiday_subdivision="68")
        assert plain.is_open(paris(2025, 12, 26, 10))
        assert not alsace.is_open(paris(2025, 12, 26, 10))

    def test_school_holidays_start_after_class_and_end_the_morning_of_return(self):
        # Toussaint 2025: "Date de début" Saturday 18 Oct, "Date de fin" Monday 3 Nov.
        assert CAL_B.is_open(paris(2025, 10, 17, 21))
        assert not CAL_B.is_open(paris(2025, 10, 20, 10))
        assert not CAL_B.is_open(paris(2025, 10, 31, 10))
        assert CAL_B.is_open(paris(2025, 11, 3, 8))
        # Summer 2021: classes ended Tuesday 6 July after class: the 6th is open, the 7th closed.
        assert CAL_B.is_open(paris(2021, 7, 6, 10))
        assert not CAL_B.is_open(paris(2021, 7, 7, 10))

    def test_zones_differ(self):
        # Winter 2026: zone A 7–22 Feb, zone C 21 Feb – 8 Mar
        assert not CAL_A.is_open(paris(2026, 2, 10, 10))
        assert CAL_C.is_open(paris(2026, 2, 10, 10))
        assert not CAL_C.is_open(paris(2026, 3, 2, 10))

    def test_ascension_bridge(self):
        # Pont de l'Ascension 2025: Thursday 29 May (public holiday) and Friday 30 May closed.
        assert not CAL_B.is_open(paris(2025, 5, 30, 10))
        assert CAL_B.is_open(paris(2025, 6, 2, 10))

    def test_snapshot_covers_2019_to_2028(self):
        for zone in "ABC":
            ranges = snapshot_ranges(zone)
            assert min(r[0] for r in ranges) <= date(2019, 10, 19)
            assert max(r[1] for r in ranges) >= date(2028, 7, 1)


instants = st.integers(
    min_value=int(paris(2019, 6, 1).timestamp()), max_value=int(paris(2029, 6, 1).timestamp())
).map(lambda ts: datetime.fromtimestamp(ts, PARIS))


@settings(max_examples=300, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_business_seconds_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    for cal in (CAL_B, CAL_B57):
        assert cal.business_seconds(a, b) + cal.business_seconds(b, c) == cal.business_seconds(a, c)


@settings(max_examples=300, deadline=None)
@given(start=instants, seconds=st.integers(min_value=0, max_value=400 * 14 * 3600))
def test_add_business_seconds_is_the_inverse(start, seconds):
    due = CAL_B57.add_business_seconds(start, seconds)
    assert CAL_B57.business_seconds(start, due) == seconds
    assert due >= start
    if seconds > 0:
        # earliest such instant: one second earlier is not enough
        assert CAL_B57.business_seconds(start, due - timedelta(seconds=1)) == seconds - 1


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants)
def test_business_seconds_matches_a_naive_walk(a, b):
    a, b = sorted((a, b))
    b = min(b, a + timedelta(days=40))
    expected = sum(int((hi - lo).total_seconds()) for lo, hi in CAL_B.open_periods(a, b))
    assert CAL_B.business_seconds(a, b) == expected
    # independent check of the index, hour by hour at the window edges
    naive = 0
    day = a.date()
    while day <= b.date():
        if day.weekday() < 5 and CAL_B.is_open(paris(day.year, day.month, day.day, 12)):
            lo = max(a, paris(day.year, day.month, day.day, 8))
            hi = min(b, paris(day.year, day.month, day.day, 22))
            naive += max(0, int((hi - lo).total_seconds()))
        day += timedelta(days=1)
    assert CAL_B.business_seconds(a, b) == naive


@pytest.mark.django_db
def test_for_academie_uses_zone_and_subdivision(world):
    ServiceCalendar.clear_cache()
    cal = ServiceCalendar.for_academie(world.academies["nancy"])
    assert cal.zone == "B" and cal.holiday_subdivision == "57"
    assert not cal.is_open(paris(2026, 4, 3, 10))  # Good Friday in Moselle
    assert ServiceCalendar.for_academie(world.academies["nancy"]) is cal  # cached
    assert ServiceCalendar.for_academie(world.academies["montpellier"]).is_open(paris(2026, 4, 3, 10))
