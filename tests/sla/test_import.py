from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sla.calendar import ServiceCalendar
from sla.holiday_import import import_file
from sla.models import SchoolHoliday

pytestmark = pytest.mark.django_db
CSV = """Description;Population;Date de début;Date de fin;Zones;annee_scolaire
Vacances de la Toussaint;-;2030-10-18T22:00:00+00:00;2030-11-03T23:00:00+00:00;Corse;2030-2031
Vacances de la Toussaint;-;2030-10-18T22:00:00+00:00;2030-11-03T23:00:00+00:00;Corse;2030-2031
Journée pédagogique;Enseignants;2030-09-01;2030-09-02;Corse;2030-2031
Vacances de Noël;-;pas une date;2031-01-05;Corse;2030-2031
"""


def test_snapshot_loaded_by_migration():
    assert SchoolHoliday.objects.filter(zone="B", description="Pont de l'Ascension").count() == 9
    assert SchoolHoliday.objects.filter(zone__in="ABC").count() == 162


def test_csv_import_is_idempotent_ignores_teachers_and_reports_bad_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    first = import_file(path)
    assert (first.created, first.updated, len(first.rejected)) == (1, 0, 1)
    assert "row 5, Date de début" in first.rejected[0]
    h = SchoolHoliday.objects.get(zone="Corse")
    assert (h.starts_on, h.ends_on) == (date(2030, 10, 19), date(2030, 11, 4))
    again = import_file(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    cal = ServiceCalendar.for_zone("Corse")
    assert not cal.is_open(datetime(2030, 10, 22, 10, tzinfo=ZoneInfo("Europe/Paris")))


def test_ics_import(tmp_path):
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        "SUMMARY:Vacances d'hiver - Zone A\r\nDTSTART;VALUE=DATE:20310215\r\nDTEND;VALUE=DATE:20310303\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    path = tmp_path / "Zone-A.ics"
    path.write_text(ics)
    call_command("import_school_holidays", str(path), zone="A")
    h = SchoolHoliday.objects.get(zone="A", school_year="2030-2031")
    assert (h.description, h.starts_on, h.ends_on) == ("Vacances d'hiver", date(2031, 2, 15), date(2031, 3, 3))
