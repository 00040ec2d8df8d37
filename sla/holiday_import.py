"""import_school_holidays: refresh SchoolHoliday from the dataset's CSV / JSON export or a per-zone
ICS file. Idempotent (keyed on zone, school year, description), all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from . import school_holidays as sh
from .calendar import ServiceCalendar
from .models import SchoolHoliday


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)

    def __str__(self):
        return (f"créées : {self.created}, mises à jour : {self.updated}, inchangées : {self.unchanged}, "
                f"rejetées : {len(self.rejected)}")


def parse_file(path: Path, fmt: str | None = None, zone: str | None = None):
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "csv":
        return sh.parse_csv(path.read_text(encoding="utf-8-sig"))
    if fmt == "json":
        return sh.parse_json(path.read_text(encoding="utf-8"))
    if fmt in ("ics", "ical"):
        if not zone:
            raise ValueError("zone: required for an ICS file (one file per zone)")
        return sh.parse_ics(path.read_bytes(), zone)
    raise ValueError(f"format: {fmt!r} unknown (csv, json or ics)")


@transaction.atomic
def import_rows(rows, errors=(), *, source: str = "", strict: bool = False) -> ImportSummary:
    summary = ImportSummary(rejected=list(errors))
    if strict and summary.rejected:
        raise ValueError("; ".join(summary.rejected))
    for row in rows:
        obj, created = SchoolHoliday.objects.get_or_create(
            zone=row.zone, school_year=row.school_year, description=row.description,
            defaults={"starts_on": row.starts_on, "ends_on": row.ends_on, "population": row.population, "source": source},
        )
        if created:
            summary.created += 1
        elif (obj.starts_on, obj.ends_on) != (row.starts_on, row.ends_on):
            obj.starts_on, obj.ends_on, obj.source = row.starts_on, row.ends_on, source
            obj.save(update_fields=["starts_on", "ends_on", "source"])
            summary.updated += 1
        else:
            summary.unchanged += 1
    # Calendars built before the import would keep the old closures.
    ServiceCalendar.clear_cache()
    transaction.on_commit(ServiceCalendar.clear_cache)
    return summary


def import_file(path, fmt=None, zone=None, strict=False) -> ImportSummary:
    path = Path(path)
    rows, errors = parse_file(path, fmt, zone)
    return import_rows(rows, errors, source=path.name, strict=strict)
