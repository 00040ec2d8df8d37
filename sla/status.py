"""Reads of the public status page ("État des services", no sign-in), its Atom feed and JSON: current
outages and planned maintenance per service and académie, 90 days of history per service, this
month's availability per service (`sla.availability.monthly_availability` over every school).

Public means minimal data: an outage is shown by its service, kind (incident or maintenance), scope
(everywhere, an académie, a collectivité, or *a number* of schools — never their names), start, end
and announcement; never who declared or closed it, its cause (free text written by agents), its
linked tickets or an alert fingerprint. `public_outage` is the only shape that leaves this module.

`outages_touching(schools)` is the rule "an outage touches a school" used by the report form and by
the followers of an outage (pilotage): scope all, the school's académie, its collectivité, or the
school listed by name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .calendar import PARIS
from .models import Outage, OutageScope, Service

HISTORY_DAYS = 90
FEED_LIMIT = 50


class DayStatus:
    OK = "ok"
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"

    @classmethod
    def label(cls, status: str) -> str:
        return {cls.OK: _("Aucun incident"), cls.INCIDENT: _("Incident"), cls.MAINTENANCE: _("Maintenance")}[status]


# --- which outages touch a school -------------------------------------------------------------------

def touching_q(school) -> Q:
    """Q on Outage: the outages that cover `school` (everything, its académie, its collectivité, it
    by name). A subquery for the listed schools: no duplicate rows."""
    listed = Outage.schools.through.objects.filter(school_id=school.pk).values("outage_id")
    q = Q(scope=OutageScope.ALL) | Q(scope=OutageScope.ACADEMIE, academie_id=school.academie_id)
    q |= Q(scope=OutageScope.SCHOOLS, pk__in=listed)
    if school.collectivite_id:
        q |= Q(scope=OutageScope.COLLECTIVITE, collectivite_id=school.collectivite_id)
    return q


def touches(outage: Outage, school) -> bool:
    return Outage.objects.filter(touching_q(school), pk=outage.pk).exists()


def ongoing_q(now: datetime) -> Q:
    return Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))


def outages_touching(school, *, now: datetime | None = None) -> QuerySet[Outage]:
    """Outages in progress (maintenance included) that cover `school`, oldest first."""
    now = now or timezone.now()
    return (Outage.objects.filter(ongoing_q(now)).filter(touching_q(school))
            .select_related("service", "academie", "collectivite").order_by("started_at", "pk"))


# --- the public shape of an outage -------------------------------------------------------------------

def _school_counts(outages) -> dict[int, int]:
    ids = [o.pk for o in outages if o.scope == OutageScope.SCHOOLS]
    if not ids:
        return {}
    rows = (Outage.schools.through.objects.filter(outage_id__in=ids).values("outage_id")
            .annotate(n=Count("school_id")).values_list("outage_id", "n"))
    return dict(rows)


def scope_label(outage: Outage, school_count: int | None = None) -> str:
    """The scope in words, without any school's name."""
    if outage.scope == OutageScope.ACADEMIE and outage.academie_id:
        return outage.academie.name
    if outage.scope == OutageScope.COLLECTIVITE and outage.collectivite_id:
        return outage.collectivite.name
    if outage.scope == OutageScope.SCHOOLS:
        n = school_count or 0
        return ngettext("%(n)s école ou établissement", "%(n)s écoles ou établissements", n) % {"n": n}
    return _("Tout le périmètre")


@dataclass
class PublicOutage:
    """What the public may know of an outage."""

    id: int
    service_slug: str
    service_name: str
    kind: str  # "incident" | "maintenance"
    state: str  # "ongoing" | "upcoming" | "ended"
    scope: str
    scope_label: str
    academie_code: str | None
    academie_name: str | None
    collectivite_name: str | None
    school_count: int | None
    started_at: datetime
    ended_at: datetime | None
    announced_at: datetime | None

    @property
    def kind_label(self) -> str:
        return _("Maintenance planifiée") if self.kind == "maintenance" else _("Incident")

    @property
    def state_label(self) -> str:
        return {"ongoing": _("En cours"), "upcoming": _("À venir"), "ended": _("Terminé")}[self.state]

    @property
    def updated_at(self) -> datetime:
        """Its last change: the announcement of an upcoming maintenance, else its end or start."""
        if self.state == "upcoming":
            return self.announced_at or self.started_at
        return max(d for d in (self.started_at, self.ended_at if self.state == "ended" else None, self.announced_at) if d)

    def as_dict(self) -> dict:
        """Stable field names, ISO 8601 datetimes (UTC offset included)."""
        def iso(d):
            return d.isoformat() if d is not None else None

        return {
            "id": self.id, "service": self.service_slug, "service_name": self.service_name, "kind": self.kind,
            "state": self.state, "scope": self.scope, "scope_label": self.scope_label,
            "academie": {"code": self.academie_code, "name": self.academie_name} if self.academie_code else None,
            "collectivite": self.collectivite_name, "school_count": self.school_count,
            "started_at": iso(self.started_at), "ended_at": iso(self.ended_at), "announced_at": iso(self.announced_at),
        }


def public_outage(outage: Outage, now: datetime, school_count: int | None = None) -> PublicOutage:
    if outage.started_at > now:
        state = "upcoming"
    elif outage.ended_at is None or outage.ended_at > now:
        state = "ongoing"
    else:
        state = "ended"
    schools = school_count if outage.scope == OutageScope.SCHOOLS else None
    return PublicOutage(
        id=outage.pk, service_slug=outage.service.slug, service_name=outage.service.name,
        kind="maintenance" if outage.planned else "incident", state=state, scope=outage.scope,
        scope_label=scope_label(outage, schools),
        academie_code=outage.academie.code if outage.scope == OutageScope.ACADEMIE and outage.academie_id else None,
        academie_name=outage.academie.name if outage.scope == OutageScope.ACADEMIE and outage.academie_id else None,
        collectivite_name=outage.collectivite.name if outage.scope == OutageScope.COLLECTIVITE and outage.collectivite_id else None,
        school_count=(schools or 0) if outage.scope == OutageScope.SCHOOLS else None,
        started_at=timezone.localtime(outage.started_at), ended_at=timezone.localtime(outage.ended_at) if outage.ended_at else None,
        announced_at=timezone.localtime(outage.announced_at) if outage.announced_at else None,
    )


def public_outages(outages, now: datetime) -> list[PublicOutage]:
    outages = list(outages)
    counts = _school_counts(outages)
    return [public_outage(o, now, counts.get(o.pk, 0)) for o in outages]


def _base():
    return Outage.objects.select_related("service", "academie", "collectivite")


# --- the page -----------------------------------------------------------------------------------------

@dataclass
class Day:
    day: date
    status: str

    @property
    def label(self) -> str:
        return DayStatus.label(self.status)


@dataclass
class Availability:
    year: int
    month: int
    inside: object  # sla.availability.Window
    outside: object
    partial: bool
    schools: int

    def as_dict(self) -> dict:
        def window(w):
            return {"availability": float(w.availability), "target": float(w.target), "met": w.met}

        return {"year": self.year, "month": self.month, "partial": self.partial, "schools": self.schools,
                "inside_window": window(self.inside), "outside_window": window(self.outside)}


@dataclass
class ServiceStatus:
    slug: str
    name: str
    description: str
    status: str  # "ok" | "incident" | "maintenance": now
    current: list[PublicOutage] = field(default_factory=list)
    upcoming: list[PublicOutage] = field(default_factory=list)
    history: list[Day] = field(default_factory=list)
    availability: Availability | None = None

    @property
    def status_label(self) -> str:
        return {DayStatus.OK: _("Fonctionne normalement"), DayStatus.INCIDENT: _("Incident en cours"),
                DayStatus.MAINTENANCE: _("Maintenance en cours")}[self.status]

    @property
    def history_counts(self) -> dict[str, int]:
        counts = {DayStatus.OK: 0, DayStatus.INCIDENT: 0, DayStatus.MAINTENANCE: 0}
        for d in self.history:
            counts[d.status] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "slug": self.slug, "name": self.name, "status": self.status,
            "current": [o.as_dict() for o in self.current], "upcoming": [o.as_dict() for o in self.upcoming],
            "availability_this_month": self.availability.as_dict() if self.availability else None,
            "history": [{"date": d.day.isoformat(), "status": d.status} for d in self.history],
        }


def history_days(now: datetime, days: int = HISTORY_DAYS) -> list[date]:
    """The last `days` days in Paris time, today included, oldest first."""
    today = timezone.localtime(now, PARIS).date()
    return [today - timedelta(days=i) for i in range(days - 1, -1, -1)]


def _day_bounds(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time(0), tzinfo=PARIS)
    return start, datetime.combine(d + timedelta(days=1), time(0), tzinfo=PARIS)


def _history(outages, days: list[date], now: datetime) -> dict[int, list[Day]]:
    """Per service id: each day ok / incident / maintenance (an incident outweighs a maintenance)."""
    marks: dict[int, dict[date, str]] = defaultdict(dict)
    first, last = days[0], days[-1]
    for o in outages:
        start = timezone.localtime(o.started_at, PARIS).date()
        end_at = min(o.ended_at or now, now)
        if end_at < o.started_at:
            continue
        # an outage ending exactly at midnight does not mark the next day
        end = timezone.localtime(end_at, PARIS)
        end_day = (end - timedelta(microseconds=1)).date() if end.time() == time(0) and end_at > o.started_at else end.date()
        d = max(start, first)
        while d <= min(end_day, last):
            status = DayStatus.MAINTENANCE if o.planned else DayStatus.INCIDENT
            if marks[o.service_id].get(d) != DayStatus.INCIDENT:
                marks[o.service_id][d] = status
            d += timedelta(days=1)
    return {sid: [Day(d, m.get(d, DayStatus.OK)) for d in days] for sid, m in marks.items()}


AVAILABILITY_CACHE_SECONDS = 60


def _fingerprint() -> str:
    """Changes when an outage or a school is added: part of the cache key (with the minute)."""
    from directory.models import School

    o = Outage.objects.aggregate(n=Count("pk"), last=Max("pk"), ended=Max("ended_at"))
    return f"{o['n']}-{o['last']}-{o['ended'].timestamp() if o['ended'] else ''}-{School.objects.count()}"


def this_month_availability(service: Service, now: datetime, *, fingerprint: str | None = None) -> Availability:
    """This month's availability of `service` over every school (default targets), as
    `sla.availability.monthly_availability` computes it. Kept a minute in the cache: the page is
    public, and the figure moves by seconds within the minute (the month counted up to now)."""
    from .availability import monthly_availability, schools_in_scope

    local = timezone.localtime(now, PARIS)
    key = f"sla.status.availability:{service.pk}:{local.year}-{local.month}:{int(now.timestamp()) // AVAILABILITY_CACHE_SECONDS}:{fingerprint or _fingerprint()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    m = monthly_availability(service, schools_in_scope(OutageScope.ALL), local.year, local.month, now=now)
    result = Availability(m.year, m.month, m.inside, m.outside, m.partial, m.schools)
    cache.set(key, result, AVAILABILITY_CACHE_SECONDS)
    return result


def service_statuses(*, now: datetime | None = None, days: int = HISTORY_DAYS, availability: bool = True) -> list[ServiceStatus]:
    """Every service: its status now, its current and upcoming outages (public shape), `days` days
    of history and this month's availability. A fixed number of queries, plus the availability's
    own per service."""
    now = now or timezone.now()
    day_list = history_days(now, days)
    since, _end = _day_bounds(day_list[0])
    services = list(Service.objects.order_by("name"))
    window = list(_base().filter(Q(started_at__gt=now, planned=True)
                                 | (Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gte=since))))
                  .order_by("started_at", "pk"))
    shaped = {p.id: p for p in public_outages(window, now)}
    history = _history([o for o in window if o.started_at <= now], day_list, now)
    fingerprint = _fingerprint() if availability and services else None
    result = []
    for s in services:
        mine = [shaped[o.pk] for o in window if o.service_id == s.pk]
        current = [p for p in mine if p.state == "ongoing"]
        if any(p.kind == "incident" for p in current):
            status = DayStatus.INCIDENT
        elif current:
            status = DayStatus.MAINTENANCE
        else:
            status = DayStatus.OK
        result.append(ServiceStatus(
            slug=s.slug, name=s.name, description=s.description, status=status, current=current,
            upcoming=[p for p in mine if p.state == "upcoming"],
            history=history.get(s.pk, [Day(d, DayStatus.OK) for d in day_list]),
            availability=this_month_availability(s, now, fingerprint=fingerprint) if availability else None,
        ))
    return result


def current_by_academie(statuses: list[ServiceStatus]) -> list[tuple[str, list[PublicOutage]]]:
    """Current outages and upcoming maintenance grouped by where they apply: everywhere first, then
    each académie, collectivité or group of schools by its label."""
    groups: dict[str, list[PublicOutage]] = defaultdict(list)
    for s in statuses:
        for o in s.current + s.upcoming:
            groups[o.scope_label].append(o)
    everywhere = _("Tout le périmètre")
    keys = sorted(groups, key=lambda k: (k != everywhere, k))
    return [(k, sorted(groups[k], key=lambda o: o.started_at)) for k in keys]


def feed_outages(*, now: datetime | None = None, limit: int = FEED_LIMIT) -> list[PublicOutage]:
    """The Atom feed's entries: outages and maintenance announcements of the last 90 days and the
    upcoming ones, most recently changed first."""
    now = now or timezone.now()
    since = now - timedelta(days=HISTORY_DAYS)
    rows = _base().filter(Q(started_at__gte=since) | Q(ended_at__isnull=True) | Q(ended_at__gte=since)
                          | Q(planned=True, announced_at__gte=since))
    items = public_outages(rows.order_by("-started_at", "-pk")[: limit * 2], now)
    return sorted(items, key=lambda o: (o.updated_at, o.id), reverse=True)[:limit]
