"""Service availability: outages fed by Prometheus Alertmanager, and the availability report
(inside the contract window vs outside it, error budget, breaches). Declaring and closing an
outage, with its rights and effects, is `sla.outages` (re-exported here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from directory.models import Academie, Collectivite, School

from .calendar import PARIS, ServiceCalendar, _epoch
from .models import Outage, OutageScope, Service
from .outages import close_outage, declare_outage  # noqa: F401 (their historical address)

DEFAULT_TARGET = Decimal("99.7")
DEFAULT_TARGET_OUTSIDE = Decimal("97")


# --- Alertmanager -------------------------------------------------------------------------------
def _alert_time(value, field_name: str, index: int):
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise ValidationError({f"alerts[{index}].{field_name}": f"{value!r} n'est pas un instant RFC 3339"})
    return moment


def _service_for(labels: dict) -> Service | None:
    name = labels.get("service") or labels.get("job") or labels.get("alertname") or ""
    return Service.objects.filter(Q(slug=name) | Q(alert_name=name), ~Q(slug="")).first() if name else None


@dataclass
class IngestResult:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def ingest_alertmanager(payload) -> dict:
    """Alertmanager webhook (version 4): a firing alert opens an outage, its `resolved` twin closes
    it. Keyed on the alert fingerprint: the same firing alert sent twice opens one outage.

    Labels: `service` (Service slug or alert_name), optional `academie` (code) or `uai` (comma
    separated) for the scope."""
    if isinstance(payload, (bytes, str)):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise ValidationError({"payload": f"JSON invalide : {exc}"}) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise ValidationError({"alerts": "liste d'alertes attendue (webhook Alertmanager)"})
    result = IngestResult()
    with transaction.atomic():
        for i, alert in enumerate(payload["alerts"]):
            if not isinstance(alert, dict):
                raise ValidationError({f"alerts[{i}]": "objet attendu"})
            status = alert.get("status") or payload.get("status")
            labels = {**(payload.get("commonLabels") or {}), **(alert.get("labels") or {})}
            fingerprint = alert.get("fingerprint") or hashlib.sha256(
                json.dumps(labels, sort_keys=True).encode()).hexdigest()[:32]
            service = _service_for(labels)
            if service is None:
                result.ignored.append(f"alerts[{i}]: aucun service pour {labels.get('service') or labels.get('alertname')!r}")
                continue
            started = _alert_time(alert.get("startsAt"), "startsAt", i)
            open_outage = Outage.objects.select_for_update().filter(alert_fingerprint=fingerprint, ended_at__isnull=True).first()
            if status == "firing":
                if open_outage is not None:
                    result.unchanged.append(open_outage.pk)
                    continue
                scope, academie, schools, collectivite = _scope(labels)
                cause = (alert.get("annotations") or {}).get("summary") or labels.get("alertname", "")
                try:
                    with transaction.atomic():
                        outage = declare_outage(service, started_at=started, scope=scope, academie=academie, collectivite=collectivite,
                                                schools=schools, cause=cause, source="alertmanager",
                                                fingerprint=fingerprint)
                except IntegrityError:  # a concurrent delivery of the same alert won
                    result.unchanged.append(Outage.objects.get(alert_fingerprint=fingerprint, ended_at__isnull=True).pk)
                    continue
                result.opened.append(outage.pk)
            elif status == "resolved":
                ended = _alert_time(alert.get("endsAt"), "endsAt", i)
                if open_outage is None:
                    if Outage.objects.filter(alert_fingerprint=fingerprint, started_at=started).exists():
                        continue  # resolution delivered twice
                    scope, academie, schools, collectivite = _scope(labels)
                    outage = declare_outage(service, started_at=started, ended_at=ended, scope=scope, academie=academie, collectivite=collectivite,
                                            schools=schools, source="alertmanager", fingerprint=fingerprint,
                                            cause=labels.get("alertname", ""))
                    result.opened.append(outage.pk)
                    result.closed.append(outage.pk)
                else:
                    close_outage(open_outage, ended_at=ended)
                    result.closed.append(open_outage.pk)
            else:
                raise ValidationError({f"alerts[{i}].status": f"{status!r} : firing ou resolved attendu"})
    return asdict(result)


def _scope(labels):
    if labels.get("uai"):
        uais = [u.strip().upper() for u in str(labels["uai"]).split(",") if u.strip()]
        schools = list(School.objects.filter(uai__in=uais))
        if schools:
            return OutageScope.SCHOOLS, None, schools, None
    if labels.get("collectivite"):  # its SIRET
        collectivite = Collectivite.objects.filter(siret=str(labels["collectivite"]).replace(" ", "")).first()
        if collectivite:
            return OutageScope.COLLECTIVITE, None, [], collectivite
    if labels.get("academie"):
        academie = Academie.objects.filter(code=str(labels["academie"])).first()
        if academie:
            return OutageScope.ACADEMIE, academie, [], None
    return OutageScope.ALL, None, [], None


# --- report ---------------------------------------------------------------------------------------
def merge_intervals(intervals):
    """Union of [a, b) intervals, sorted; overlapping outages are not counted twice."""
    merged = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1][1] = b
        else:
            merged.append([a, b])
    return merged


def availability_report(service, start: datetime, end: datetime, *, academie=None, school=None, convention=None,
                        now=None) -> dict:
    """The API's availability of `service` over [start, end) for a scope — every school, an
    académie's, a convention's or one school — in school-minutes (`period_availability`, the
    definition of docs/sla.md), against the convention's targets (99.7 % / 97 % by default)."""
    if school is not None:
        schools = [school]
    elif convention is not None:
        schools = convention.schools.all()
    elif academie is not None:
        schools = School.objects.filter(academie=academie)
    else:
        schools = School.objects.all()
    figures = period_availability(service, schools, start, end, convention=convention, now=now)
    windows = {"inside": figures.inside.as_dict(), "outside": figures.outside.as_dict()}
    return {
        "service": service.slug, "start": start.isoformat(), "end": end.isoformat(),
        "scope": {"academie": academie.code if academie else (school.academie.code if school else None),
                  "school": school.uai if school else None, "convention": convention.reference if convention else None},
        "schools": figures.schools, "outages": figures.outages, "excluded_maintenance": figures.excluded_maintenance,
        "partial": figures.partial, **windows,
        "breaches": [{"window": name, "availability": w["availability"], "target": w["target"]}
                     for name, w in windows.items() if not w["met"]],
    }


# --- availability in school-minutes (the definition of docs/sla.md) ------------------------------
#
# For a service, a set of schools and a month:
#   availability (window) = 1 − unavailable school-seconds ÷ total school-seconds of the window,
# where the *window* is either the contract window of each school's own calendar (Mon–Fri
# 08:00–22:00 local time of its académie, outside the school holidays of its zone and the public
# holidays of its department) or every other second of the month ("outside"). A school is
# unavailable while at least one counted outage covers it (an outage covers every school, a whole
# académie, a collectivité's schools or the schools it lists); overlapping outages are merged per
# school, so a school-second is never counted twice.

from bisect import bisect_right  # noqa: E402
from collections import defaultdict  # noqa: E402
from fractions import Fraction  # noqa: E402
from typing import NamedTuple  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from .calendar import subdivision_for_school  # noqa: E402
from .models import MaintenanceRule  # noqa: E402

DEFAULT_MAINTENANCE_RULE = MaintenanceRule.ANNOUNCED
DEFAULT_NOTICE_HOURS = 48  # illustrative: the source conventions set no notice period


@dataclass(frozen=True)
class Targets:
    """Availability targets and planned-maintenance rule of a convention (its current SLA policy),
    or the defaults: 99.7 % inside the window, 97 % outside, maintenance excluded when announced
    at least 48 h before it starts."""

    inside: Decimal = DEFAULT_TARGET
    outside: Decimal = DEFAULT_TARGET_OUTSIDE
    maintenance_rule: str = DEFAULT_MAINTENANCE_RULE
    notice_hours: int = DEFAULT_NOTICE_HOURS

    @classmethod
    def of(cls, convention=None) -> "Targets":
        if convention is None:
            return cls()
        from .models import SlaPolicy

        policy = SlaPolicy.objects.filter(convention=convention, is_current=True).first()
        if policy is None:
            return cls()
        return cls(Decimal(policy.availability_target), Decimal(policy.availability_target_outside),
                   policy.maintenance_rule, policy.maintenance_notice_hours)

    def counts(self, planned: bool, announced_at, started_at) -> bool:
        """Does this outage count as unavailability under these rules?"""
        if not planned or self.maintenance_rule == MaintenanceRule.COUNTED:
            return True
        if self.maintenance_rule == MaintenanceRule.EXCLUDED:
            return False
        return not (announced_at is not None and (started_at - announced_at).total_seconds() >= self.notice_hours * 3600)


@dataclass(frozen=True)
class Window:
    """One window of one month: school-seconds in it, unavailable school-seconds, the target."""

    school_seconds: int
    down_school_seconds: int
    target: Decimal

    @property
    def ratio(self) -> Fraction:
        if not self.school_seconds:
            return Fraction(1)
        return 1 - Fraction(self.down_school_seconds, self.school_seconds)

    @property
    def availability(self) -> Decimal:
        """Percentage, rounded *down* to 4 decimals (a miss never reads as its target)."""
        r = self.ratio * 100
        return (Decimal(r.numerator) / Decimal(r.denominator)).quantize(Decimal("0.0001"), rounding=ROUND_FLOOR)

    @property
    def allowed_school_minutes(self) -> Fraction:
        return Fraction(self.school_seconds, 60) * (1 - Fraction(self.target) / 100)

    @property
    def remaining_budget_minutes(self) -> float:
        """Error budget left in school-minutes; negative when the target is missed."""
        return float(self.allowed_school_minutes - Fraction(self.down_school_seconds, 60))

    @property
    def unavailable_school_minutes(self) -> float:
        return self.down_school_seconds / 60

    @property
    def total_school_minutes(self) -> float:
        return self.school_seconds / 60

    @property
    def met(self) -> bool:
        return self.ratio * 100 >= Fraction(self.target)

    def as_dict(self) -> dict:
        return {"school_minutes": self.total_school_minutes, "unavailable_school_minutes": self.unavailable_school_minutes,
                "availability": float(self.availability), "target": float(self.target),
                "remaining_budget_minutes": round(self.remaining_budget_minutes, 2), "met": self.met}


@dataclass(frozen=True)
class MonthlyAvailability:
    service: str
    year: int
    month: int
    schools: int
    inside: Window
    outside: Window
    outages: int  # outages counted (touching the schools in the month)
    excluded_maintenance: int  # planned maintenance left out under the rules
    partial: bool = False  # the month is in progress: counted up to `now`

    @property
    def met(self) -> bool:
        return self.inside.met and self.outside.met

    def as_dict(self) -> dict:
        return {"service": self.service, "year": self.year, "month": self.month, "schools": self.schools,
                "inside": self.inside.as_dict(), "outside": self.outside.as_dict(), "outages": self.outages,
                "excluded_maintenance": self.excluded_maintenance, "partial": self.partial, "met": self.met}


class OutageImpact(NamedTuple):
    """The schools an outage covers and its unavailable school-minutes inside and outside the
    contract window of each school's calendar (an open outage: until now)."""

    school_count: int
    minutes_in_window: float
    minutes_outside: float


def _month_bounds(year: int, month: int, tz) -> tuple[int, int]:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return (_epoch(datetime(year, month, 1, tzinfo=tz), "start"), _epoch(datetime(ny, nm, 1, tzinfo=tz), "end"))


def _school_rows(schools):
    """(pk, uai, academie_id, collectivite_id) of a School queryset / iterable of schools / ids."""
    from django.db.models import QuerySet

    if isinstance(schools, QuerySet):
        return list(schools.order_by().values_list("pk", "uai", "academie_id", "collectivite_id"))
    items = list(schools)
    if items and not isinstance(items[0], School):
        return list(School.objects.filter(pk__in=items).values_list("pk", "uai", "academie_id", "collectivite_id"))
    return [(s.pk, s.uai, s.academie_id, s.collectivite_id) for s in items]


class _Outages:
    """The counted outages of a service over [lo, hi), indexed by what they cover."""

    def __init__(self, service, lo: int, hi: int, now: int, targets: Targets, rows=None):
        self.all, self.acad, self.coll, self.school = [], defaultdict(list), defaultdict(list), defaultdict(list)
        self.counted, self.excluded = set(), set()
        if rows is None:
            start, end = datetime.fromtimestamp(lo, PARIS), datetime.fromtimestamp(hi, PARIS)
            qs = (Outage.objects.filter(service=service, started_at__lt=end)
                  .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start)).order_by())
            rows = list(qs.values_list("pk", "scope", "academie_id", "collectivite_id", "planned", "announced_at",
                                       "started_at", "ended_at"))
            listed = [r[0] for r in rows if r[1] == OutageScope.SCHOOLS]
            members = defaultdict(list)
            if listed:
                through = Outage.schools.through.objects.filter(outage_id__in=listed)
                for outage_id, school_id in through.values_list("outage_id", "school_id"):
                    members[outage_id].append(school_id)
            rows = [(*r, members.get(r[0], ())) for r in rows]
        for pk, scope, academie_id, collectivite_id, planned, announced_at, started, ended, schools in rows:
            if not targets.counts(planned, announced_at, started):
                self.excluded.add(pk)
                continue
            s = _epoch(started, "started_at")
            e = now if ended is None else _epoch(ended, "ended_at")
            if e <= s:
                continue
            item = (s, e, pk)
            if scope == OutageScope.ALL:
                self.all.append(item)
            elif scope == OutageScope.ACADEMIE:
                self.acad[academie_id].append(item)
            elif scope == OutageScope.COLLECTIVITE:
                self.coll[collectivite_id].append(item)
            else:
                for school_id in schools:
                    self.school[school_id].append(item)


def _clip_merge(items, a: int, b: int, seen: set):
    out = []
    for s, e, pk in items:
        s, e = max(s, a), min(e, b)
        if s < e:
            out.append((s, e))
            seen.add(pk)
    return merge_intervals(out)


def _measure(merged, cal) -> tuple[int, int]:
    """(all seconds, contract-window seconds) of merged intervals."""
    total = inside = 0
    for s, e in merged:
        total += e - s
        inside += cal.business_seconds_epoch(s, e)
    return total, inside


def _extra(base, starts, extra, cal) -> tuple[int, int]:
    """Seconds of `extra` (merged) not already in `base` (merged, `starts` its starts), overall and
    inside the window."""
    total = inside = 0
    for s, e in extra:
        t = s
        i = max(bisect_right(starts, s) - 1, 0)
        while t < e:
            if i < len(base) and base[i][0] < e:
                bs, be = base[i]
                if be <= t:
                    i += 1
                    continue
                if bs > t:
                    total += bs - t
                    inside += cal.business_seconds_epoch(t, bs)
                t = max(t, be)
                i += 1
            else:
                total += e - t
                inside += cal.business_seconds_epoch(t, e)
                t = e
    return total, inside


def _academies(ids) -> dict:
    return {pk: (zone, sub, tz) for pk, zone, sub, tz in
            Academie.objects.filter(pk__in=sorted(ids)).values_list("pk", "holiday_zone", "holiday_subdivision", "timezone")}


class _Figures(NamedTuple):
    schools: int
    inside: Window
    outside: Window
    outages: int
    excluded_maintenance: int
    partial: bool


def _compute(service, rows, months, targets: Targets, now: int, outage_rows=None, bounds_of=None) -> list[_Figures]:
    """The engine: `rows` of schools, `months` a list of periods — (year, month) keys by default,
    any keys with `bounds_of(key, tz) -> (start, end)` epochs; one `_Figures` per period. Schools sharing a calendar, an académie and a collectivité and listed by no outage are
    computed once and weighted by their number."""
    academies = _academies({r[2] for r in rows})
    groups = defaultdict(int)  # (calendar key, academie, collectivite or None, school or None) -> schools
    calendars = {}
    for pk, uai, academie_id, collectivite_id in rows:
        zone, sub, tz = academies[academie_id]
        ckey = (zone, subdivision_for_school(uai, sub or None), tz or "Europe/Paris")
        if ckey not in calendars:
            calendars[ckey] = ServiceCalendar.for_zone(*ckey)
        groups[(ckey, academie_id, collectivite_id, pk)] += 1
    bounds_of = bounds_of or (lambda key, tz: _month_bounds(*key, tz))
    bounds = {key: {c: bounds_of(key, cal.tz) for c, cal in calendars.items()} for key in months}
    all_bounds = [b for per in bounds.values() for b in per.values()]
    if not all_bounds:
        return [_Figures(0, Window(0, 0, targets.inside), Window(0, 0, targets.outside), 0, 0, False) for _key in months]
    lo, hi = min(a for a, _b in all_bounds), max(b for _a, b in all_bounds)
    index = _Outages(service, lo, hi, now, targets, outage_rows)
    # Schools no outage lists by name, or whose collectivité has no outage, share their figures.
    pre = defaultdict(int)
    for (ckey, a_id, c_id, s_id), n in groups.items():
        pre[(ckey, a_id, c_id if c_id in index.coll else None, s_id if s_id in index.school else None)] += n
    results = []
    for key in months:
        seen: set = set()
        base_cache = {}
        period = total_in = down_all = down_in = 0
        partial = False
        school_count = 0
        m_lo = min(a for a, _b in bounds[key].values())
        m_hi = max(b for _a, b in bounds[key].values())
        coll_m = {c: [it for it in items if it[0] < m_hi and it[1] > m_lo] for c, items in index.coll.items()}
        coll_m = {c: items for c, items in coll_m.items() if items}
        school_m = {sc: [it for it in items if it[0] < m_hi and it[1] > m_lo] for sc, items in index.school.items()}
        school_m = {sc: items for sc, items in school_m.items() if items}
        collapsed = defaultdict(int)
        for (ckey, a_id, c_id, s_id), n in pre.items():
            collapsed[(ckey, a_id, c_id if c_id in coll_m else None, s_id if s_id in school_m else None)] += n
        for (ckey, a_id, c_id, s_id), n in collapsed.items():
            cal = calendars[ckey]
            a, b = bounds[key][ckey]
            if now < b:
                b, partial = max(now, a), True
            school_count += n
            span = b - a
            open_s = cal.business_seconds_epoch(a, b)
            period += n * span
            total_in += n * open_s
            bkey = (ckey, a_id)
            if bkey not in base_cache:
                merged = _clip_merge(index.all + index.acad.get(a_id, []), a, b, seen)
                base_cache[bkey] = (merged, [x for x, _e in merged], _measure(merged, cal))
            base, base_starts, (d_all, d_in) = base_cache[bkey]
            extra_items = coll_m.get(c_id, []) + school_m.get(s_id, [])
            if extra_items:
                x_all, x_in = _extra(base, base_starts, _clip_merge(extra_items, a, b, seen), cal)
                d_all, d_in = d_all + x_all, d_in + x_in
            down_all += n * d_all
            down_in += n * d_in
        results.append(_Figures(
            school_count, Window(total_in, down_in, targets.inside), Window(period - total_in, down_all - down_in, targets.outside),
            len(seen), len(index.excluded), partial))
    return results


def monthly_availability(service: Service, schools, year: int, month: int, *, targets: Targets | None = None,
                         convention=None, now: datetime | None = None) -> MonthlyAvailability:
    """Availability of `service` for `schools` in one calendar month (each school's local month).

    `schools`: a School queryset (a perimeter, an académie's or a convention's schools), a list of
    schools or of school ids; use `schools_in_scope` for "all / an académie / a collectivité".
    Targets and the planned-maintenance rule: `targets`, else those of `convention`'s current SLA
    policy, else 99.7 % / 97 % and maintenance excluded when announced ≥ 48 h before.
    The month in progress is counted up to `now` (`partial=True`); open outages run until `now`.
    Returns inside / outside `Window`s (school-seconds, unavailable school-seconds, availability
    rounded down, remaining error budget in school-minutes, met) — see docs/sla.md."""
    return yearly_availability(service, schools, [(year, month)], targets=targets, convention=convention, now=now)[0]


def yearly_availability(service: Service, schools, months, *, targets: Targets | None = None, convention=None,
                        now: datetime | None = None) -> list[MonthlyAvailability]:
    """`monthly_availability` for several months at once (one read of the outages): `months` is a
    list of (year, month), or a year (int) for its twelve months."""
    if isinstance(months, int):
        months = [(months, m) for m in range(1, 13)]
    targets = targets or Targets.of(convention)
    now_epoch = _epoch(now or timezone.now(), "now")
    months = list(months)
    return [MonthlyAvailability(service.slug, y, m, *figures)
            for (y, m), figures in zip(months, _compute(service, _school_rows(schools), months, targets, now_epoch))]


def period_availability(service: Service, schools, start: datetime, end: datetime, *, targets: Targets | None = None,
                        convention=None, now: datetime | None = None) -> _Figures:
    """The same figures over any period [start, end) (the same instants for every school), e.g. a
    week or a quarter asked through the API: schools, inside / outside `Window`s, outages counted,
    maintenance excluded, partial (the period runs past `now`)."""
    a, b = _epoch(start, "start"), _epoch(end, "end")
    if b <= a:
        raise ValidationError({"end": _("la fin de la période précède son début")})
    targets = targets or Targets.of(convention)
    now_epoch = _epoch(now or timezone.now(), "now")
    return _compute(service, _school_rows(schools), [(a, b)], targets, now_epoch, bounds_of=lambda key, tz: key)[0]


def schools_in_scope(scope: str = OutageScope.ALL, *, academie=None, collectivite=None, schools=()):
    """The schools an outage of this scope covers (a queryset)."""
    if scope == OutageScope.ALL:
        return School.objects.all()
    if scope == OutageScope.ACADEMIE:
        return School.objects.filter(academie=academie)
    if scope == OutageScope.COLLECTIVITE:
        return School.objects.filter(collectivite=collectivite)
    return School.objects.filter(pk__in=[getattr(s, "pk", s) for s in schools])


def outage_impact(outage: Outage, *, now: datetime | None = None) -> OutageImpact:
    """(school_count, minutes_in_window, minutes_outside) of one outage on its own — whether or not
    it counts against the targets (planned maintenance included): the number of schools of its
    scope, and the school-minutes it covers inside each school's contract window and outside it
    (summed over the schools; an open outage until `now`)."""
    schools = schools_in_scope(outage.scope, academie=outage.academie_id, collectivite=outage.collectivite_id,
                               schools=list(outage.schools.values_list("pk", flat=True)) if outage.scope == OutageScope.SCHOOLS else ())
    rows = _school_rows(schools)
    now_epoch = _epoch(now or timezone.now(), "now")
    s = _epoch(outage.started_at, "started_at")
    e = now_epoch if outage.ended_at is None else _epoch(outage.ended_at, "ended_at")
    if e <= s or not rows:
        return OutageImpact(len(rows), 0.0, 0.0)
    academies = _academies({r[2] for r in rows})
    per_calendar = defaultdict(int)
    for _pk, uai, academie_id, _c in rows:
        zone, sub, tz = academies[academie_id]
        per_calendar[(zone, subdivision_for_school(uai, sub or None), tz or "Europe/Paris")] += 1
    inside = outside = 0
    for key, n in per_calendar.items():
        open_s = ServiceCalendar.for_zone(*key).business_seconds_epoch(s, e)
        inside += n * open_s
        outside += n * (e - s - open_s)
    return OutageImpact(len(rows), inside / 60, outside / 60)
