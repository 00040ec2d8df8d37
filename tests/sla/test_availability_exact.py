"""Availability in school-minutes, hand-computed (docs/sla.md, "Availability: the definition").

Calendar facts used below (shipped snapshot of fr-en-calendrier-scolaire, `holidays` package):
- March 2025: 31 days, Saturday 1st; 21 weekdays; no public holiday. Zone A winter holidays
  22 Feb → 10 Mar 2025 (closed 23 Feb – 9 Mar: weekdays 3–7 March), zone C 15 Feb → 3 Mar 2025
  (closed up to 2 March: every March weekday open). DST starts Sunday 30 March 2025 (02:00 → 03:00),
  so March 2025 lasts 31 × 24 − 1 = 743 h = 44 580 min.
- March 2024: 31 days, Friday 1st; 21 weekdays; zone B winter 24 Feb → 11 Mar 2024 (closed
  25 Feb – 10 Mar: weekdays 1 and 4–8 March): 15 open weekdays; Good Friday 29 March 2024 is a public holiday in 57/67/68 only.
  DST Sunday 31 March 2024: 743 h as well.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from directory.models import Academie, Collectivite, School
from sla.availability import Targets, monthly_availability, outage_impact, yearly_availability
from sla.calendar import MissingSchoolHolidays, ServiceCalendar
from sla.models import MaintenanceRule, Outage, OutageScope, Service
from sla.outages import declare_outage

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 1, 1, tzinfo=PARIS)
MARCH_2025_MIN = 743 * 60
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def uai(first7: str) -> str:
    return first7 + "ABCDEFGHJKLMNPRSTUVWXYZ"[int(first7) % 23]


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent-x", name="Accès à l'ENT (fictif)")


@pytest.fixture
def places(db):
    ServiceCalendar.clear_cache()
    c = Academie.objects.create(code="X11", name="Académie C (fictif)", holiday_zone="C")
    a = Academie.objects.create(code="X10", name="Académie A (fictif)", holiday_zone="A")
    b = Academie.objects.create(code="X12", name="Académie B, Alsace-Moselle (fictif)", holiday_zone="B", holiday_subdivision="57")
    commune = Collectivite.objects.create(name="Commune (fictif)", kind="commune")
    s = {
        "c1": School.objects.create(uai=uai("0349001"), name="École C1 (fictif)", academie=c, collectivite=commune),
        "c2": School.objects.create(uai=uai("0349002"), name="École C2 (fictif)", academie=c),
        "a1": School.objects.create(uai=uai("0759001"), name="École A1 (fictif)", academie=a),
        "b67": School.objects.create(uai=uai("0679001"), name="École de Strasbourg (fictif)", academie=b),
        "b54": School.objects.create(uai=uai("0549001"), name="École de Nancy (fictif)", academie=b),
    }
    return {"c": c, "a": a, "b": b, "commune": commune, **s}


def month(ent, schools, year=2025, m=3, **kw):
    return monthly_availability(ent, schools, year, m, now=NOW, **kw)


def test_the_one_school_outage_of_2h30_counts(ent, places):
    """2 h 30 at school C1 only, Tuesday 11 March 2025 09:00–11:30 (a school day in zone C).

    School C1: window = 21 days × 14 h = 294 h = 17 640 min; 1 − 150/17 640 = 99.14965…% → 99,1496 %.
    Académie C (C1 + C2): 35 280 school-min; 1 − 150/35 280 = 99.57482…% — never 100 %.
    Budget of the académie: 0.3 % × 35 280 = 105.84 min; 105.84 − 150 = −44.16 (missed)."""
    declare_outage(ent, started_at=paris(2025, 3, 11, 9), ended_at=paris(2025, 3, 11, 11, 30), scope=OutageScope.SCHOOLS,
                   schools=[places["c1"]])
    one = month(ent, [places["c1"]])
    assert one.inside.school_seconds == 17640 * 60 and one.inside.down_school_seconds == 150 * 60
    assert str(one.inside.availability) == "99.1496"
    acad = month(ent, School.objects.filter(academie=places["c"]))
    assert acad.schools == 2 and acad.inside.school_seconds == 35280 * 60
    assert str(acad.inside.availability) == "99.5748"
    assert round(acad.inside.remaining_budget_minutes, 2) == -44.16 and not acad.inside.met
    assert month(ent, [places["c2"]]).inside.down_school_seconds == 0


def test_the_three_hour_academie_outage_misses_the_target(ent, places):
    """3 h for the whole académie C, Wednesday 12 March 2025 10:00–13:00, 2 schools.

    Down: 2 × 180 = 360 school-min of 35 280: 1 − 360/35 280 = 98.97959…% → 98,9795 % < 99,7 %.
    Budget: 105.84 − 360 = −254.16 min. Outside: nothing down, 100 %."""
    declare_outage(ent, started_at=paris(2025, 3, 12, 10), ended_at=paris(2025, 3, 12, 13), scope=OutageScope.ACADEMIE,
                   academie=places["c"])
    r = month(ent, School.objects.filter(academie=places["c"]))
    assert str(r.inside.availability) == "98.9795" and not r.inside.met and not r.met
    assert round(r.inside.remaining_budget_minutes, 2) == -254.16
    assert r.outside.down_school_seconds == 0 and r.outside.met
    assert month(ent, [places["a1"]]).inside.down_school_seconds == 0  # another académie


def test_zone_a_on_holiday_while_zone_c_is_not(ent, places):
    """An outage of every school, Tuesday 4 March 2025 10:00–12:00 (120 min).

    Zone A is on holiday (closed 23 Feb – 9 Mar): the 120 min are *outside* its window; its window
    is 16 days × 14 h = 13 440 min. Zone C is back at school: 120 min inside, window 17 640 min.
    Together (A1 + C2): inside 120 / 31 080 → 1 − 0.0038610… = 99.6138996…% → 99,6138 %;
    outside: A1 44 580 − 13 440 = 31 140, C2 44 580 − 17 640 = 26 940, sum 58 080;
    120 / 58 080 → 99.7933884…% → 99,7933 %."""
    declare_outage(ent, started_at=paris(2025, 3, 4, 10), ended_at=paris(2025, 3, 4, 12))
    a1, c2 = month(ent, [places["a1"]]), month(ent, [places["c2"]])
    assert a1.inside.school_seconds == 13440 * 60 and a1.inside.down_school_seconds == 0
    assert a1.outside.down_school_seconds == 120 * 60
    assert c2.inside.school_seconds == 17640 * 60 and c2.inside.down_school_seconds == 120 * 60
    both = month(ent, [places["a1"], places["c2"]])
    assert both.inside.school_seconds == 31080 * 60 and str(both.inside.availability) == "99.6138"
    assert both.outside.school_seconds == 58080 * 60 and str(both.outside.availability) == "99.7933"


def test_alsace_moselle_good_friday(ent, places):
    """Every school down Friday 29 March 2024 10:00–12:00; académie B (zone B, subdivision 57).

    Strasbourg (UAI 067…): Good Friday is a holiday → 0 inside, 120 outside; its window
    (15 − 1) days × 14 h = 11 760 min. Nancy (UAI 054…, same académie but Meurthe-et-Moselle,
    national holidays): a school day → 120 inside; window 15 × 14 h = 12 600 min."""
    declare_outage(ent, started_at=paris(2024, 3, 29, 10), ended_at=paris(2024, 3, 29, 12))
    strasbourg = month(ent, [places["b67"]], 2024, 3)
    nancy = month(ent, [places["b54"]], 2024, 3)
    assert strasbourg.inside.school_seconds == 11760 * 60 and strasbourg.inside.down_school_seconds == 0
    assert strasbourg.outside.down_school_seconds == 120 * 60
    assert nancy.inside.school_seconds == 12600 * 60 and nancy.inside.down_school_seconds == 120 * 60


def test_alsace_moselle_26_december_outside_school_holidays(ent, places):
    """A made-up calendar without school holidays (the 26th is always in the Christmas break):
    Friday 26 December 2025 is closed in 67, open elsewhere."""
    plain = ServiceCalendar(zone=None, holiday_subdivision=None)
    alsace = ServiceCalendar(zone=None, holiday_subdivision="67")
    day, next_day = paris(2025, 12, 26), paris(2025, 12, 27)
    assert plain.business_seconds(day, next_day) == 14 * 3600 and alsace.business_seconds(day, next_day) == 0


def test_dst_weekend(ent, places):
    """School C2 down from Saturday 29 March 2025 20:00 to Monday 31 March 10:00 (Paris).

    Wall clock says 38 h, but the night of 30 March loses an hour: 37 h = 2 220 min really elapse.
    Inside: Monday 08:00–10:00 = 120 min; outside: 2 220 − 120 = 2 100 min.
    Month: 743 h = 44 580 min, window 17 640, outside 26 940; 1 − 2 100/26 940 = 92.2048997…%
    → 92,2048 %, above nothing: 97 % missed outside, and 1 − 120/17 640 = 99.3197…% inside."""
    declare_outage(ent, started_at=paris(2025, 3, 29, 20), ended_at=paris(2025, 3, 31, 10), scope=OutageScope.SCHOOLS,
                   schools=[places["c2"]])
    r = month(ent, [places["c2"]])
    assert r.inside.school_seconds + r.outside.school_seconds == MARCH_2025_MIN * 60
    assert r.inside.down_school_seconds == 120 * 60 and r.outside.down_school_seconds == 2100 * 60
    assert str(r.outside.availability) == "92.2048" and not r.outside.met
    assert str(r.inside.availability) == "99.3197"


def test_overlapping_outages_of_different_scopes_are_not_double_counted(ent, places):
    """Thursday 13 March 2025, académie C:
    all schools 10:00–12:00, the académie 11:00–13:00, the commune of C1 12:30–13:30,
    school C1 alone 13:00–14:00.
    C1: union 10:00–14:00 = 240 min (not 120 + 120 + 60 + 60 = 360). C2: 10:00–13:00 = 180 min.
    Académie: 420 school-min of 35 280: 1 − 420/35 280 = 98.8095238…% → 98,8095 %."""
    declare_outage(ent, started_at=paris(2025, 3, 13, 10), ended_at=paris(2025, 3, 13, 12))
    declare_outage(ent, started_at=paris(2025, 3, 13, 11), ended_at=paris(2025, 3, 13, 13), scope=OutageScope.ACADEMIE,
                   academie=places["c"])
    declare_outage(ent, started_at=paris(2025, 3, 13, 12, 30), ended_at=paris(2025, 3, 13, 13, 30),
                   scope=OutageScope.COLLECTIVITE, collectivite=places["commune"])
    declare_outage(ent, started_at=paris(2025, 3, 13, 13), ended_at=paris(2025, 3, 13, 14), scope=OutageScope.SCHOOLS,
                   schools=[places["c1"]])
    assert month(ent, [places["c1"]]).inside.down_school_seconds == 240 * 60
    assert month(ent, [places["c2"]]).inside.down_school_seconds == 180 * 60
    r = month(ent, School.objects.filter(academie=places["c"]))
    assert r.inside.down_school_seconds == 420 * 60 and str(r.inside.availability) == "98.8095"
    assert r.outages == 4


def test_planned_maintenance_excluded_only_when_announced_in_time(ent, places):
    """Two planned 1 h maintenances on Monday 17 March 2025 for C2: one announced 72 h before
    (excluded under the default rule: notice ≥ 48 h), one announced 2 h before (counted: 60 min).
    Rule COUNTED: both (120 min); EXCLUDED: none."""
    declare_outage(ent, started_at=paris(2025, 3, 17, 9), ended_at=paris(2025, 3, 17, 10), scope=OutageScope.SCHOOLS,
                   schools=[places["c2"]], planned=True, announced_at=paris(2025, 3, 14, 9))
    declare_outage(ent, started_at=paris(2025, 3, 17, 14), ended_at=paris(2025, 3, 17, 15), scope=OutageScope.SCHOOLS,
                   schools=[places["c2"]], planned=True, announced_at=paris(2025, 3, 17, 12))
    r = month(ent, [places["c2"]])
    assert r.inside.down_school_seconds == 60 * 60 and r.excluded_maintenance == 1
    assert month(ent, [places["c2"]], targets=Targets(maintenance_rule=MaintenanceRule.COUNTED)).inside.down_school_seconds == 7200
    assert month(ent, [places["c2"]], targets=Targets(maintenance_rule=MaintenanceRule.EXCLUDED)).inside.down_school_seconds == 0


def test_outage_impact(ent, places):
    """3 h académie outage on Wednesday 12 March 2025 21:00 → Thursday 00:00 for C's 2 schools:
    21:00–22:00 inside (60 min × 2), 22:00–00:00 outside (120 min × 2)."""
    o = declare_outage(ent, started_at=paris(2025, 3, 12, 21), ended_at=paris(2025, 3, 13, 0), scope=OutageScope.ACADEMIE,
                       academie=places["c"])
    assert outage_impact(o) == (2, 120.0, 240.0)


def test_a_year_in_one_call(ent, places):
    declare_outage(ent, started_at=paris(2025, 3, 12, 10), ended_at=paris(2025, 3, 12, 13))
    year = yearly_availability(ent, [places["c2"]], 2025, now=NOW)
    assert [m.month for m in year] == list(range(1, 13))
    assert [m.inside.down_school_seconds for m in year] == [0, 0, 180 * 60] + [0] * 9


def test_overseas_time_zone(ent, places):
    """An académie in Indian/Reunion (UTC+4, no DST) with imported holidays named 'Réunion'
    (none in March): the window is 08:00–22:00 *Réunion* time. An outage 05:00–07:00 Paris
    (UTC+1) = 08:00–10:00 in Saint-Denis: 120 min inside (it would be outside in Paris)."""
    from sla.models import SchoolHoliday

    SchoolHoliday.objects.create(zone="Réunion", description="Vacances (fictif)", starts_on=paris(2025, 7, 4).date(),
                                 ends_on=paris(2025, 8, 20).date(), school_year="2024-2025")
    ServiceCalendar.clear_cache()
    run = Academie.objects.create(code="X28", name="Académie de La Réunion (fictif)", holiday_zone="Réunion",
                                  timezone="Indian/Reunion")
    school = School.objects.create(uai=uai("9749001"), name="École de Saint-Denis (fictif)", academie=run)
    declare_outage(ent, started_at=paris(2025, 3, 11, 5), ended_at=paris(2025, 3, 11, 7))
    r = month(ent, [school])
    assert r.inside.down_school_seconds == 120 * 60
    assert r.inside.school_seconds + r.outside.school_seconds == 31 * 86400  # no DST in Réunion


def test_a_zone_without_imported_holidays_is_refused(ent, places):
    corse = Academie.objects.create(code="X27", name="Académie de Corse (fictif)", holiday_zone="Corse")
    school = School.objects.create(uai=uai("6209001"), name="École d'Ajaccio (fictif)", academie=corse)
    ServiceCalendar.clear_cache()
    with pytest.raises(MissingSchoolHolidays) as exc:
        ServiceCalendar.for_zone("Corse")
    assert "« Corse »" in str(exc.value) and "import_school_holidays" in str(exc.value)
    with pytest.raises(MissingSchoolHolidays):
        month(ent, [school])
    assert Outage.objects.count() == 0 and timedelta(0) == timedelta(0)
