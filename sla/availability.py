"""Service availability: outages fed by Prometheus Alertmanager, and the availability report
(inside the contract window vs outside it, error budget, breaches). Declaring and closing an
outage, with its rights and effects, is `sla.outages` (re-exported here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from directory.models import Academie, School

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
                scope, academie, schools = _scope(labels)
                cause = (alert.get("annotations") or {}).get("summary") or labels.get("alertname", "")
                try:
                    with transaction.atomic():
                        outage = declare_outage(service, started_at=started, scope=scope, academie=academie,
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
                    scope, academie, schools = _scope(labels)
                    outage = declare_outage(service, started_at=started, ended_at=ended, scope=scope, academie=academie,
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
            return OutageScope.SCHOOLS, None, schools
    if labels.get("academie"):
        academie = Academie.objects.filter(code=str(labels["academie"])).first()
        if academie:
            return OutageScope.ACADEMIE, academie, []
    return OutageScope.ALL, None, []


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


def outages_for_scope(service, start, end, *, academie=None, school=None):
    qs = Outage.objects.filter(service=service, started_at__lt=end).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    scope = Q(scope=OutageScope.ALL)
    if school is not None:
        scope |= Q(scope=OutageScope.ACADEMIE, academie_id=school.academie_id) | Q(scope=OutageScope.SCHOOLS, schools=school)
    elif academie is not None:
        scope |= Q(scope=OutageScope.ACADEMIE, academie=academie)
    return qs.filter(scope).distinct()


def _pct(up, total):
    return round(100.0 * up / total, 4) if total else 100.0


def availability_report(service, start: datetime, end: datetime, *, academie=None, school=None, calendar=None,
                        target=DEFAULT_TARGET, target_outside=DEFAULT_TARGET_OUTSIDE, now=None, outages=None) -> dict:
    """Availability of `service` over [start, end) for a scope (everything, an académie, a school).

    Inside = the contract window of the scope's calendar (Mon–Fri 08:00–22:00 outside public and
    school holidays); outside = every other second. An outage limited to some schools counts for
    those schools' reports only. Open outages run until `now` (or the end of the period)."""
    a, b = _epoch(start, "start"), _epoch(end, "end")
    if b <= a:
        raise ValidationError({"end": _("la fin de la période précède son début")})
    if calendar is None:
        if school is not None:
            calendar = ServiceCalendar.for_academie(school.academie)
        elif academie is not None:
            calendar = ServiceCalendar.for_academie(academie)
        else:
            calendar = ServiceCalendar.for_zone(None)
    now_epoch = _epoch(now or timezone.now(), "now")
    if outages is None:
        rows = outages_for_scope(service, start, end, academie=academie, school=school).values_list("started_at", "ended_at")
        outages = [(int(s.timestamp()), int(e.timestamp()) if e else None) for s, e in rows]
    clipped = []
    for s, e in outages:
        e = min(now_epoch, b) if e is None else e
        s, e = max(s, a), min(e, b)
        if s < e:
            clipped.append((s, e))
    merged = merge_intervals(clipped)
    total = b - a
    open_seconds = calendar.business_seconds_epoch(a, b)
    down_total = sum(e - s for s, e in merged)
    down_inside = sum(calendar.business_seconds_epoch(s, e) for s, e in merged)
    inside = _window(open_seconds, down_inside, Decimal(str(target)))
    outside = _window(total - open_seconds, down_total - down_inside, Decimal(str(target_outside)))
    breaches = [
        {"window": name, "availability": w["availability"], "target": w["target"]}
        for name, w in (("inside", inside), ("outside", outside)) if w["breached"]
    ]
    return {
        "service": service.slug, "start": datetime.fromtimestamp(a, PARIS).isoformat(),
        "end": datetime.fromtimestamp(b, PARIS).isoformat(),
        "scope": {"academie": academie.code if academie else (school.academie.code if school else None),
                  "school": school.uai if school else None},
        "calendar": calendar.describe(), "period_seconds": total, "outages": len(clipped),
        "downtime_seconds": down_total, "inside": inside, "outside": outside, "breaches": breaches,
    }


def _window(seconds: int, down: int, target: Decimal) -> dict:
    allowed = float(seconds) * (1 - float(target) / 100)
    availability = _pct(seconds - down, seconds)
    return {
        "seconds": seconds, "downtime_seconds": down, "availability": availability, "target": float(target),
        "error_budget_minutes": round(allowed / 60, 2), "remaining_budget_minutes": round((allowed - down) / 60, 2),
        "breached": availability < float(target),
    }
