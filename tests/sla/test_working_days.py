"""Jours ouvrables (sla.calendar): every day but Sundays and public holidays, Alsace-Moselle's
Good Friday and 26 December included for Moselle and Alsace."""

from datetime import date, datetime

import pytest

from sla.calendar import PARIS, ServiceCalendar, add_jours_ouvrables, is_jour_ouvrable, jours_ouvrables_deadline


def test_saturday_counts_sunday_does_not():
    # Thursday 8 October 2026 + 3: Friday 9, Saturday 10, (Sunday 11 skipped), Monday 12.
    assert add_jours_ouvrables(date(2026, 10, 8), 3) == date(2026, 10, 12)
    assert is_jour_ouvrable(date(2026, 10, 10))
    assert not is_jour_ouvrable(date(2026, 10, 11))


def test_zero_and_negative():
    assert add_jours_ouvrables(date(2026, 10, 8), 0) == date(2026, 10, 8)
    with pytest.raises(ValueError):
        add_jours_ouvrables(date(2026, 10, 8), -1)


def test_first_of_may_is_skipped():
    # Wednesday 29 April 2026 + 3: Thursday 30, (Friday 1 May skipped), Saturday 2, (Sunday 3), Monday 4.
    assert add_jours_ouvrables(date(2026, 4, 29), 3) == date(2026, 5, 4)


def test_ascension_is_skipped():
    # Ascension 2026 is Thursday 14 May: Wednesday 13 + 3 → Friday 15, Saturday 16, Monday 18.
    assert add_jours_ouvrables(date(2026, 5, 13), 3) == date(2026, 5, 18)


def test_good_friday_in_moselle_only():
    # Good Friday 2026 is 3 April, Easter Monday 6 April. Thursday 2 April + 3:
    # in Moselle: (Fri 3 skipped) Sat 4, (Sun 5, Mon 6 skipped) Tue 7, Wed 8.
    assert add_jours_ouvrables(date(2026, 4, 2), 3, "57") == date(2026, 4, 8)
    # elsewhere Good Friday is a jour ouvrable: Fri 3, Sat 4, Tue 7.
    assert add_jours_ouvrables(date(2026, 4, 2), 3) == date(2026, 4, 7)
    assert add_jours_ouvrables(date(2026, 4, 2), 2, "67") == date(2026, 4, 7)  # Alsace like Moselle


def test_saint_stephen_in_alsace_moselle():
    # 26 December 2026 is a Saturday: a holiday in Moselle, a jour ouvrable in Meurthe-et-Moselle.
    assert add_jours_ouvrables(date(2026, 12, 24), 2, "57") == date(2026, 12, 29)
    assert add_jours_ouvrables(date(2026, 12, 24), 2) == date(2026, 12, 28)


def test_deadline_is_midnight_after_the_last_day():
    at = datetime(2026, 10, 8, 15, 30, tzinfo=PARIS)
    assert jours_ouvrables_deadline(at, 3, "57") == datetime(2026, 10, 13, tzinfo=PARIS)
    with pytest.raises(ValueError):
        jours_ouvrables_deadline(datetime(2026, 10, 8, 15, 30), 3)


def test_service_calendar_method_uses_its_subdivision():
    cal = ServiceCalendar(zone=None, holiday_subdivision="57", school_holidays=[])
    assert cal.add_jours_ouvrables(date(2026, 4, 2), 3) == date(2026, 4, 8)
