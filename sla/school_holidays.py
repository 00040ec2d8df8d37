"""School holidays of the official dataset `fr-en-calendrier-scolaire`: parsing of its CSV / JSON
exports and of its per-zone ICS files, and the snapshot shipped in `sla/data/`.

Semantics (those of the dataset and of the ministerial arrêtés): "Date de début" is the day pupils
leave *after class*, "Date de fin" the morning they come back. The service calendar is therefore
closed on the days strictly between the two dates.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

SNAPSHOT = Path(__file__).resolve().parent / "data" / "calendrier_scolaire.csv"
PARIS = ZoneInfo("Europe/Paris")
COLUMNS = ("Description", "Population", "Date de début", "Date de fin", "Zones", "annee_scolaire")
# Keys of the JSON export (opendatasoft "records" / "exports/json").
JSON_KEYS = {
    "description": "Description", "population": "Population", "start_date": "Date de début",
    "end_date": "Date de fin", "zones": "Zones", "annee_scolaire": "annee_scolaire",
}
TEACHERS_ONLY = {"enseignants"}


class RowError(ValueError):
    def __init__(self, row: int, field: str, message: str):
        super().__init__(f"row {row}, {field}: {message}")
        self.row, self.field = row, field


@dataclass(frozen=True)
class HolidayRow:
    zone: str  # "A", "B", "C", "Corse", "Guadeloupe"…
    description: str
    population: str
    starts_on: date
    ends_on: date
    school_year: str


def normalize_zone(text: str) -> str:
    text = (text or "").strip()
    return text[5:].strip() if text.lower().startswith("zone ") else text


def parse_day(value, row: int, field: str) -> date:
    """'2024-10-19', '2024-10-18T22:00:00+00:00' (an instant: its Paris date), or a date."""
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise RowError(row, field, "empty")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(row, field, f"{text!r} is not an ISO date") from None
    return moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()


def _row(record: dict, number: int) -> HolidayRow | None:
    """One record of the dataset, or None for rows that do not concern pupils (teachers only)."""
    for column in ("Description", "Date de début", "Date de fin", "Zones"):
        if not str(record.get(column) or "").strip():
            raise RowError(number, column, "missing")
    population = str(record.get("Population") or "-").strip() or "-"
    if population.lower() in TEACHERS_ONLY:
        return None
    starts_on = parse_day(record["Date de début"], number, "Date de début")
    ends_on = parse_day(record["Date de fin"], number, "Date de fin")
    if ends_on <= starts_on:
        raise RowError(number, "Date de fin", f"{ends_on} is not after {starts_on}")
    year = str(record.get("annee_scolaire") or "").strip()
    if not year:
        y = starts_on.year if starts_on.month >= 8 else starts_on.year - 1
        year = f"{y}-{y + 1}"
    return HolidayRow(
        zone=normalize_zone(record["Zones"]), description=str(record["Description"]).strip(),
        population=population, starts_on=starts_on, ends_on=ends_on, school_year=year,
    )


def parse_csv(text: str) -> tuple[list[HolidayRow], list[str]]:
    """Rows of the CSV export (';' or ','); returns (rows, errors). Rows for teachers only are
    skipped silently; the official export repeats each holiday per académie: duplicates collapse."""
    text = text.lstrip("\ufeff")
    dialect = ";" if text.split("\n", 1)[0].count(";") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    missing = [c for c in ("Description", "Date de début", "Date de fin", "Zones") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"CSV header: missing column(s) {', '.join(missing)}")
    return _collect(reader, start=2)


def parse_json(text: str) -> tuple[list[HolidayRow], list[str]]:
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("results") or data.get("records") or []
    records = []
    for item in data:
        if isinstance(item, dict) and "fields" in item:  # records API v1
            item = item["fields"]
        records.append({JSON_KEYS.get(k, k): v for k, v in item.items()})
    return _collect(records, start=1)


def parse_ics(content: bytes | str, zone: str) -> tuple[list[HolidayRow], list[str]]:
    """A per-zone ICS file: each VEVENT is one holiday (DTSTART = Date de début, DTEND = Date de fin)."""
    import icalendar

    cal = icalendar.Calendar.from_ical(content)
    records = []
    for event in cal.walk("VEVENT"):
        start = event.get("DTSTART")
        end = event.get("DTEND")
        records.append({
            "Description": str(event.get("SUMMARY", "")).split(" - ")[0].strip(),
            "Population": str(event.get("X-POPULATION", "-")),
            "Date de début": start.dt if start else "",
            "Date de fin": end.dt if end else "",
            "Zones": zone,
        })
    return _collect(records, start=1)


def _collect(records, start: int) -> tuple[list[HolidayRow], list[str]]:
    rows: dict[tuple, HolidayRow] = {}
    errors = []
    for number, record in enumerate(records, start=start):
        try:
            row = _row(record, number)
        except RowError as exc:
            errors.append(str(exc))
            continue
        if row is not None:
            rows[(row.zone, row.school_year, row.description, row.starts_on)] = row
    return list(rows.values()), errors


@lru_cache(maxsize=1)
def snapshot_rows() -> tuple[HolidayRow, ...]:
    rows, errors = parse_csv(SNAPSHOT.read_text(encoding="utf-8"))
    if errors:
        raise ValueError(f"{SNAPSHOT}: {errors[0]}")
    return tuple(rows)


def snapshot_ranges(zone: str) -> list[tuple[date, date]]:
    zone = normalize_zone(zone)
    return [(r.starts_on, r.ends_on) for r in snapshot_rows() if r.zone == zone]
