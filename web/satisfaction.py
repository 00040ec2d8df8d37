"""The dashboard's satisfaction panel (templates/web/_satisfaction_summary.html): the requesters'
ratings per month, level and desk (`tickets.satisfaction.satisfaction_summary`, scoped by the
access rule) and the requests avoided by the help articles ("Ça m'a aidé",
`knowledge.models.Deflection`) per month, in the manager's perimeter. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format, number_format

from directory.choices import Level, Role
from directory.selectors import perimeter_for
from knowledge.models import Deflection
from tickets.satisfaction import RATINGS, satisfaction_summary


@dataclass
class Panel:
    rows: list = field(default_factory=list)  # (month label, level, desk, count, average, "4 or 5" share, counts)
    deflections: list = field(default_factory=list)  # (month label, count)
    count: int = 0
    average: str = "—"
    deflected: int = 0
    ratings: tuple = RATINGS


def _month(value) -> str:
    value = value.date() if isinstance(value, datetime) else value
    return date_format(value, "F Y")


def _level(value: int) -> str:
    try:
        return str(Level(value).label)
    except ValueError:
        return str(value)


def _decimal(value: Decimal) -> str:
    return number_format(value, decimal_pos=1)


def deflections_by_month(user, start: date, end: date, schools=None) -> list[tuple[date, int]]:
    """"Ça m'a aidé" per month, for the schools the manager oversees (every school for a platform
    administrator); one query."""
    p = perimeter_for(user)
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(datetime.combine(start, datetime.min.time()), tz)
    hi = timezone.make_aware(datetime.combine(end, datetime.max.time()), tz)
    qs = Deflection.objects.filter(at__gte=lo, at__lte=hi)
    if not p.everything:
        qs = qs.filter(p.schools_q("school__", roles={Role.MANAGER}))
    if schools is not None:
        qs = qs.filter(school__in=schools)
    rows = (qs.annotate(month=TruncMonth("at", tzinfo=tz)).values("month").annotate(n=Count("pk")).order_by("month"))
    return [(r["month"].date() if isinstance(r["month"], datetime) else r["month"], r["n"]) for r in rows]


def satisfaction_panel(user, filters, schools=None) -> Panel:
    """The panel for the dashboard's period (and desk filter, if chosen), or a report's scope."""
    found = satisfaction_summary(user, filters.start, filters.end, desk_id=filters.desk, schools=schools)
    panel = Panel()
    total = 0
    for r in found:
        share = Decimal(100 * r.satisfied / r.count).quantize(Decimal("1"), rounding=ROUND_HALF_UP) if r.count else Decimal(0)
        panel.rows.append((_month(r.month), _level(r.level), r.desk, r.count, _decimal(r.average),
                           f"{number_format(share)}\u00a0%", r.counts))
        total += r.count
    panel.count = total
    if total:
        panel.average = _decimal((Decimal(sum(sum(k * n for k, n in zip(RATINGS, r.counts)) for r in found)) / total)
                                 .quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    panel.deflections = [(_month(month), n) for month, n in deflections_by_month(user, filters.start, filters.end, schools)]
    panel.deflected = sum(n for _m, n in panel.deflections)
    return panel
