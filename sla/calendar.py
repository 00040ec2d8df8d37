"""Service calendars: when is the service "open", and how many open seconds lie between two instants.

    from sla.calendar import ServiceCalendar
    cal = ServiceCalendar.for_zone("B", holiday_subdivision="57")   # Mon–Fri 08:00–22:00
    cal.business_seconds(start, end)          # open seconds in [start, end)
    cal.add_business_seconds(start, 3600)     # the instant one open hour after start

Times are aware datetimes; opening windows are wall-clock times in Europe/Paris (DST handled by
zoneinfo). The calendar is closed on French public holidays (`holidays` package, with the
Alsace-Moselle subdivision adding Good Friday and 26 December) and on the school holidays of its zone.

Speed: the open intervals are precomputed as sorted UTC epoch boundaries with a prefix sum of open
seconds, so both calls are two bisections (O(log n)). The index is built lazily for the years the
queries touch and extended on demand. Sub-second parts are truncated: figures are whole seconds.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays as holidays_lib

PARIS = ZoneInfo("Europe/Paris")
CONTRACT_WEEKLY = {day: [("08:00", "22:00")] for day in range(5)}  # Monday=0 … Friday=4
# Subdivisions of the `holidays` package: Bas-Rhin / Haut-Rhin are grouped as "6AE" (Alsace).
_SUBDIVISION_ALIASES = {"67": "6AE", "68": "6AE"}


IMPORT_COMMAND = "manage.py import_school_holidays <export fr-en-calendrier-scolaire (.csv, .json) ou fichier .ics --zone ZONE>"
# Departments (first three digits of a UAI) whose public holidays differ from the rest of France.
_SCHOOL_SUBDIVISIONS = {"057": "57", "067": "67", "068": "68", "971": "971", "972": "972", "973": "973",
                        "974": "974", "976": "976"}
_ALSACE_MOSELLE = {"57", "67", "68", "6AE"}


class MissingSchoolHolidays(ValueError):
    """A calendar was asked for a school-holiday zone whose holidays were never imported: counting
    its holidays as open days would be wrong, so the calendar is refused."""

    def __init__(self, zone: str):
        self.zone = zone
        super().__init__(
            f"Zone de vacances « {zone} » : aucune vacance scolaire importée, le calendrier est refusé "
            f"(ses vacances seraient comptées comme des jours ouvrés). Importez-les depuis le jeu de données "
            f"officiel : {IMPORT_COMMAND}"
        )


def subdivision_for_school(uai: str, academie_subdivision: str | None) -> str | None:
    """Public-holiday subdivision of one school: its department read from its UAI when that
    department has its own holidays (57, 67, 68: Good Friday and 26 December; overseas), else the
    académie's — except an Alsace-Moselle subdivision, which never extends to the other departments
    of its académie (Nancy-Metz: 54, 55, 88 have the national holidays)."""
    own = _SCHOOL_SUBDIVISIONS.get((uai or "")[:3])
    if own:
        return own
    if academie_subdivision and academie_subdivision.strip() in _ALSACE_MOSELLE:
        return None
    return academie_subdivision or None


class NaiveDatetimeError(ValueError):
    """A naive datetime was given: the calendar cannot know which instant it means."""


def _naive(value, name: str):
    if not isinstance(value, datetime):
        return TypeError(f"{name}: expected an aware datetime, got {type(value).__name__}")
    return NaiveDatetimeError(
        f"{name}: naive datetime {value.isoformat()} refused; give an aware datetime "
        "(e.g. datetime(..., tzinfo=ZoneInfo('Europe/Paris')) or django.utils.timezone.now())"
    )


_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _epoch(value: datetime, name: str) -> int:
    """Whole UTC epoch seconds of an aware datetime (sub-second part floored).

    `value - _UTC_EPOCH` is one C call (one utcoffset lookup) and refuses naive datetimes and
    non-datetimes with TypeError; measured cheaper than `int(value.timestamp())` (float round
    trip) and than `calendar.timegm(value.utctimetuple())` (a struct_time per call)."""
    try:
        delta = value - _UTC_EPOCH
        return delta.days * 86400 + delta.seconds
    except TypeError:
        raise _naive(value, name) from None


def _parse_hhmm(text: str) -> int:
    """'08:00' → seconds after midnight; '24:00' allowed as an end."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
    except ValueError:
        raise ValueError(f"opening time {text!r}: expected HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(f"opening time {text!r}: out of range")
    return hours * 3600 + minutes * 60


def normalize_subdivision(subdivision: str | None) -> str | None:
    if not subdivision:
        return None
    code = _SUBDIVISION_ALIASES.get(str(subdivision).strip(), str(subdivision).strip())
    if code not in holidays_lib.France.subdivisions:
        raise ValueError(
            f"holiday_subdivision {subdivision!r} unknown; use one of 57, 67, 68, 6AE, 971, 972, 973, 974, 976…"
        )
    return code


def school_holiday_ranges(zone: str) -> list[tuple[date, date]]:
    """(Date de début, Date de fin) of the zone's school holidays, from the database; from the
    shipped snapshot when the database is not reachable (scripts, benchmarks)."""
    try:
        from .models import SchoolHoliday

        return list(SchoolHoliday.objects.for_zone(zone).values_list("starts_on", "ends_on"))
    except Exception:  # noqa: BLE001 — no configured database: fall back to the snapshot
        from .school_holidays import snapshot_ranges

        return snapshot_ranges(zone)


class _Index(NamedTuple):
    from_year: int
    to_year: int
    lo: int  # the index is complete for epochs in [lo, hi)
    hi: int
    starts: list  # open interval i is [starts[i], ends[i]) in UTC epoch seconds
    ends: list
    cum: list  # open seconds before interval i
    cum_end: list  # open seconds up to the end of interval i
    local_starts: list  # starts[i] as an aware local datetime
    same_offset: list  # no UTC-offset change inside interval i: local wall-clock arithmetic is exact


class ServiceCalendar:
    """Weekly opening windows in local time, minus public holidays and the zone's school holidays."""

    _cache: dict = {}
    _cache_lock = threading.Lock()

    def __init__(
        self,
        weekly: dict[int, Iterable[tuple[str, str]]] | None = None,
        zone: str | None = None,
        holiday_subdivision: str | None = None,
        *,
        school_holidays: Iterable[tuple[date, date]] | None = None,
        public_holidays: bool = True,
        tz: ZoneInfo = PARIS,
    ):
        weekly = CONTRACT_WEEKLY if weekly is None else weekly
        self.tz = tz
        self.zone = zone or None
        self.holiday_subdivision = normalize_subdivision(holiday_subdivision)
        self.public_holidays = public_holidays
        self.weekly: dict[int, list[tuple[int, int]]] = {}
        for day, windows in weekly.items():
            if day not in range(7):
                raise ValueError(f"weekly: day {day!r} must be 0 (Monday) … 6 (Sunday)")
            parsed = sorted((_parse_hhmm(a), _parse_hhmm(b)) for a, b in windows)
            for start, end in parsed:
                if end <= start:
                    raise ValueError(f"weekly[{day}]: window {start}–{end} ends before it starts")
            self.weekly[day] = parsed
        if not any(self.weekly.values()):
            raise ValueError("weekly: a service calendar needs at least one opening window")
        if school_holidays is None and self.zone:
            school_holidays = school_holiday_ranges(self.zone)
            if not school_holidays:
                raise MissingSchoolHolidays(self.zone)
        self._school_ranges = list(school_holidays) if school_holidays is not None else None
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._hot: tuple = (0, 0, [], [], [], [], [], [])  # empty: every instant misses it

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def for_zone(cls, zone: str | None, holiday_subdivision: str | None = None, tz: str | ZoneInfo | None = None) -> "ServiceCalendar":
        """The contract window (Mon–Fri 08:00–22:00, local time of `tz`, Europe/Paris by default) of
        a school-holiday zone; cached. A zone whose school holidays were never imported raises
        `MissingSchoolHolidays` (naming the zone and the import command)."""
        tzinfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz) if tz else PARIS
        key = ("zone", zone or None, normalize_subdivision(holiday_subdivision), str(tzinfo))
        with cls._cache_lock:
            cal = cls._cache.get(key)
            if cal is None:
                cal = cls._cache[key] = cls(zone=zone, holiday_subdivision=holiday_subdivision, tz=tzinfo)
            return cal

    @classmethod
    def for_academie(cls, academie) -> "ServiceCalendar":
        return cls.for_zone(academie.holiday_zone, academie.holiday_subdivision or None,
                            getattr(academie, "timezone", None) or None)

    @classmethod
    def for_school(cls, school, academie=None) -> "ServiceCalendar":
        """The calendar of one school: its académie's zone and time zone, the public holidays of its
        own department (`subdivision_for_school`)."""
        academie = academie or school.academie
        return cls.for_zone(academie.holiday_zone, subdivision_for_school(school.uai, academie.holiday_subdivision or None),
                            getattr(academie, "timezone", None) or None)

    @classmethod
    def always_open(cls) -> "AlwaysOpenCalendar":
        """24/7 calendar time (legal clocks, calendar-time SLA targets)."""
        return ALWAYS_OPEN

    @classmethod
    def clear_cache(cls):
        """Forget cached calendars (after importing school holidays)."""
        with cls._cache_lock:
            cls._cache.clear()

    def __repr__(self):
        return f"<ServiceCalendar zone={self.zone} subdivision={self.holiday_subdivision} tz={self.tz}>"

    # --- index ----------------------------------------------------------------------------------
    def _closed_dates(self, from_year: int, to_year: int) -> set[date]:
        closed: set[date] = set()
        if self.public_holidays:
            closed.update(
                holidays_lib.France(subdiv=self.holiday_subdivision, years=range(from_year, to_year + 1))
            )
        ranges = self._school_ranges
        if ranges is None:
            ranges = school_holiday_ranges(self.zone) if self.zone else []
        lo, hi = date(from_year, 1, 1), date(to_year, 12, 31)
        for starts_on, ends_on in ranges:
            # Pupils leave after class on the start day and come back the morning of the end day:
            # the days strictly between them are closed.
            day = max(starts_on + timedelta(days=1), lo)
            last = min(ends_on - timedelta(days=1), hi)
            while day <= last:
                closed.add(day)
                day += timedelta(days=1)
        return closed

    def _intervals(self, from_year: int, to_year: int) -> list[tuple[int, int]]:
        closed = self._closed_dates(from_year, to_year)
        out: list[tuple[int, int]] = []
        day = date(from_year, 1, 1)
        last = date(to_year, 12, 31)
        tz = self.tz
        while day <= last:
            windows = self.weekly.get(day.weekday())
            if windows and day not in closed:
                midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
                for start, end in windows:
                    a = self._local_epoch(day, midnight, start)
                    b = self._local_epoch(day, midnight, end)
                    if out and out[-1][1] >= a:  # touching windows (…24:00 then 00:00…) merge
                        out[-1] = (out[-1][0], max(out[-1][1], b))
                    elif b > a:
                        out.append((a, b))
            day += timedelta(days=1)
        return out

    def _local_epoch(self, day: date, midnight: datetime, seconds: int) -> int:
        if seconds == 86400:
            nxt = day + timedelta(days=1)
            return int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.tz).timestamp())
        local = midnight.replace(hour=seconds // 3600, minute=seconds % 3600 // 60)
        return int(local.timestamp())

    def _ensure(self, from_year: int, to_year: int):
        with self._lock:
            idx = self._index
            if idx is not None:
                if idx.from_year <= from_year and to_year <= idx.to_year:
                    return
                from_year = min(from_year, idx.from_year)
                to_year = max(to_year, idx.to_year)
            starts, ends, cum, cum_end = [], [], [], []
            total = 0
            for a, b in self._intervals(from_year, to_year):
                starts.append(a)
                ends.append(b)
                cum.append(total)
                total += b - a
                cum_end.append(total)
            lo = int(datetime(from_year, 1, 1, tzinfo=self.tz).timestamp())
            hi = int(datetime(to_year + 1, 1, 1, tzinfo=self.tz).timestamp())
            # One attribute swap: a reader holds either the old or the new index, never a mix.
            tz = self.tz
            local_starts = [datetime.fromtimestamp(a, tz) for a in starts]
            same_offset = [
                local.utcoffset() == datetime.fromtimestamp(b, tz).utcoffset() for local, b in zip(local_starts, ends)
            ]
            # The hot paths read one plain tuple (no NamedTuple attribute lookups per call); each of
            # the two attributes is self-consistent on its own.
            self._hot = (lo, hi, starts, ends, cum, cum_end, local_starts, same_offset)
            self._index = _Index(from_year, to_year, lo, hi, starts, ends, cum, cum_end, local_starts, same_offset)

    def _covering(self, lo: int, hi: int) -> "_Index":
        idx = self._index
        if idx is not None and idx.lo <= lo and hi < idx.hi:
            return idx
        # A margin of one year on each side (UTC/local year edges, short additions).
        from_year = datetime.fromtimestamp(lo, self.tz).year - 1
        to_year = datetime.fromtimestamp(hi, self.tz).year + 1
        self._ensure(from_year, to_year)
        return self._index

    @staticmethod
    def _open_before(idx: "_Index", t: int) -> int:
        """Open seconds between the index origin and t."""
        i = bisect_right(idx.starts, t) - 1
        if i < 0:
            return 0
        end = idx.ends[i]
        return idx.cum[i] + (t if t < end else end) - idx.starts[i]

    # --- public API -------------------------------------------------------------------------------
    def is_open(self, at: datetime) -> bool:
        t = _epoch(at, "at")
        idx = self._index
        if idx is None or not idx.lo <= t < idx.hi:
            idx = self._covering(t, t)
        i = bisect_right(idx.starts, t) - 1
        return i >= 0 and t < idx.ends[i]

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Open seconds in [start, end); negative when end is before start (keeps additivity)."""
        # The hot path of every clock and report: epochs inlined (see _epoch), one tuple read for
        # the index, bisections on plain lists.
        try:
            delta = start - _UTC_EPOCH
            a = delta.days * 86400 + delta.seconds
            delta = end - _UTC_EPOCH
            b = delta.days * 86400 + delta.seconds
        except TypeError:
            _epoch(start, "start")
            raise _naive(end, "end") from None
        lo, hi, starts, ends, cum, _ce, _ls, _so = self._hot
        if not (lo <= a < hi and lo <= b < hi):
            self._covering(a if a < b else b, b if a < b else a)
            lo, hi, starts, ends, cum, _ce, _ls, _so = self._hot
        i = bisect_right(starts, a) - 1
        if i < 0:
            fa = 0
        else:
            e = ends[i]
            fa = cum[i] + (a if a < e else e) - starts[i]
        j = bisect_right(starts, b) - 1
        if j < 0:
            return -fa
        e = ends[j]
        return cum[j] + (b if b < e else e) - starts[j] - fa

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant t >= start with business_seconds(start, t) == seconds.

        Zero returns start itself; a target reached exactly at a closing time returns that
        closing time (e.g. 22:00:00), not the next opening."""
        try:
            delta = start - _UTC_EPOCH
            a = delta.days * 86400 + delta.seconds
        except TypeError:
            raise _naive(start, "start") from None
        if seconds.__class__ is not int:
            if seconds < 0:
                raise ValueError(f"seconds: {seconds} is negative")
            seconds = int(seconds)
        if seconds <= 0:
            if seconds < 0:
                raise ValueError(f"seconds: {seconds} is negative")
            return datetime.fromtimestamp(a, self.tz)
        lo, hi, starts, ends, cum, cum_end, local_starts, same_offset = self._hot
        if not lo <= a < hi:
            self._covering(a, a)
            lo, hi, starts, ends, cum, cum_end, local_starts, same_offset = self._hot
        i = bisect_right(starts, a) - 1
        if i < 0:
            target = seconds
        else:
            e = ends[i]
            target = seconds + cum[i] + (a if a < e else e) - starts[i]
        if not cum_end or target > cum_end[-1]:
            idx = self._index
            while not idx.cum_end or target > idx.cum_end[-1]:
                self._ensure(idx.from_year, idx.to_year + 1 + seconds // (86400 * 100))
                idx = self._index
            lo, hi, starts, ends, cum, cum_end, local_starts, same_offset = self._hot
        i = bisect_left(cum_end, target)
        if same_offset[i]:
            # Aware + timedelta is wall-clock arithmetic (no tz lookup): exact when the interval
            # has a single UTC offset.
            return local_starts[i] + timedelta(0, target - cum[i])
        return datetime.fromtimestamp(starts[i] + target - cum[i], self.tz)

    def open_periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods within [start, end), clipped to it, as aware local datetimes."""
        a = _epoch(start, "start")
        b = _epoch(end, "end")
        if b <= a:
            return
        idx = self._covering(a, b)
        i = max(bisect_right(idx.starts, a) - 1, 0)
        starts, ends, tz = idx.starts, idx.ends, self.tz
        while i < len(starts) and starts[i] < b:
            lo, hi = max(starts[i], a), min(ends[i], b)
            if lo < hi:
                yield datetime.fromtimestamp(lo, tz), datetime.fromtimestamp(hi, tz)
            i += 1

    def open_epochs(self, a: int, b: int) -> list[tuple[int, int]]:
        """Open intervals within [a, b) as UTC epoch seconds (for reports over many outages)."""
        if b <= a:
            return []
        idx = self._covering(a, b)
        i = max(bisect_right(idx.starts, a) - 1, 0)
        j = bisect_left(idx.starts, b)
        out = []
        for k in range(i, j):
            lo, hi = max(idx.starts[k], a), min(idx.ends[k], b)
            if lo < hi:
                out.append((lo, hi))
        return out

    def business_seconds_epoch(self, a: int, b: int) -> int:
        idx = self._covering(a if a < b else b, b if a < b else a)
        return self._open_before(idx, b) - self._open_before(idx, a)

    def describe(self) -> str:
        names = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
        parts = []
        for day in range(7):
            for a, b in self.weekly.get(day, []):
                parts.append(f"{names[day]} {a // 3600:02d}:{a % 3600 // 60:02d}–{b // 3600:02d}:{b % 3600 // 60:02d}")
        return ", ".join(parts) + (f"; zone {self.zone}" if self.zone else "") + (
            f"; fériés {self.holiday_subdivision}" if self.holiday_subdivision else ""
        ) + (f"; heure de {self.tz}" if str(self.tz) != "Europe/Paris" else "")


class AlwaysOpenCalendar:
    """Calendar time: every second counts (legal clocks, 24/7 targets)."""

    tz = PARIS
    zone = None
    holiday_subdivision = None

    def __repr__(self):
        return "<AlwaysOpenCalendar>"

    def is_open(self, at: datetime) -> bool:
        _epoch(at, "at")
        return True

    def business_seconds(self, start: datetime, end: datetime) -> int:
        return _epoch(end, "end") - _epoch(start, "start")

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        if seconds < 0:
            raise ValueError(f"seconds: {seconds} is negative")
        return datetime.fromtimestamp(_epoch(start, "start") + int(seconds), self.tz)

    def open_periods(self, start: datetime, end: datetime):
        a, b = _epoch(start, "start"), _epoch(end, "end")
        if a < b:
            yield datetime.fromtimestamp(a, self.tz), datetime.fromtimestamp(b, self.tz)

    def describe(self) -> str:
        return "24 h / 24, 7 j / 7"


ALWAYS_OPEN = AlwaysOpenCalendar()

def _always_open_epochs(self, a: int, b: int) -> list[tuple[int, int]]:
    return [(a, b)] if a < b else []


AlwaysOpenCalendar.open_epochs = _always_open_epochs
AlwaysOpenCalendar.business_seconds_epoch = lambda self, a, b: b - a


# --- jours ouvrables (working days of a legal delay) --------------------------------------------
# Every day but Sunday and the public holidays of the place (Alsace-Moselle: Good Friday and
# 26 December too); Saturdays count. Used by delays such as the Grand Est communication charter's
# (three jours ouvrables for a one-off communication, five for a recurring one).

def public_holidays(subdivision: str | None, years) -> set[date]:
    """The French public holidays of `years` for a holiday subdivision (the same source as the
    service calendars: the `holidays` package, Alsace-Moselle adding Good Friday and 26 December)."""
    return set(holidays_lib.France(subdiv=normalize_subdivision(subdivision), years=list(years)))


def is_jour_ouvrable(day: date, subdivision: str | None = None) -> bool:
    return day.weekday() != 6 and day not in public_holidays(subdivision, [day.year])


def add_jours_ouvrables(day: date, count: int, subdivision: str | None = None) -> date:
    """The date `count` jours ouvrables after `day` (the day itself does not count: a delay runs
    from the next day). Zero returns `day`."""
    if isinstance(day, datetime):
        raise TypeError("day: expected a date; use jours_ouvrables_deadline for an instant")
    if count < 0:
        raise ValueError(f"count: {count} is negative")
    closed = public_holidays(subdivision, range(day.year, day.year + 2 + count // 300))
    current = day
    left = count
    while left:
        current += timedelta(days=1)
        if current.weekday() != 6 and current not in closed:
            left -= 1
    return current


def jours_ouvrables_deadline(at: datetime, count: int, subdivision: str | None = None, tz: ZoneInfo = PARIS) -> datetime:
    """The instant a delay of `count` jours ouvrables started at `at` expires: midnight (local time)
    at the end of the last day, i.e. the start of the following day."""
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise _naive(at, "at")
    last = add_jours_ouvrables(at.astimezone(tz).date(), count, subdivision)
    nxt = last + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)


def school_subdivision(school) -> str | None:
    """The public-holiday subdivision of a school (its department's, see subdivision_for_school)."""
    academie = school.academie
    return subdivision_for_school(school.uai, (academie.holiday_subdivision or None) if academie else None)


def _service_add_jours_ouvrables(self, day: date, count: int) -> date:
    return add_jours_ouvrables(day, count, self.holiday_subdivision)


ServiceCalendar.add_jours_ouvrables = _service_add_jours_ouvrables
