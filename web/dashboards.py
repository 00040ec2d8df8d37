"""Manager dashboard figures: reads only, within the manager's perimeter (`_scope_q`).

Ticket and SLA figures are sums of the daily counts kept by sla/rollup.py (a few thousand rows for
a quarter instead of every ticket and clock of the quarter). Each table is (title, columns, rows);
the page draws a chart from the same table and offers it as CSV, so the chart, its accessible
alternative and the export can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from core.params import date_param, id_param
from directory.choices import Category, Level, Role
from directory.models import Academie, Desk
from directory.selectors import perimeter_for
from sla.models import DayCount, Service
from sla.selectors import availability_report_for, perimeter_academies

Measure = DayCount.Measure
AGE_BUCKETS = [  # (label, min days, max days), in calendar days (Paris) since the ticket was opened
    (_("ouvertes aujourd'hui"), 0, 1),
    (_("depuis 1 à 2 jours"), 1, 3),
    (_("depuis 3 à 6 jours"), 3, 7),
    (_("depuis 7 à 29 jours"), 7, 30),
    (_("depuis 30 jours ou plus"), 30, None),
]


def percent(value, decimals: int = 1, *, floor: bool = False) -> str:
    """A share in the active language's format ("99,59 %" in French). `floor` rounds down, so that
    an availability just below its target never reads as the target ("99,695" → "99,69 %")."""
    if floor:
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)
    return f"{number_format(value, decimal_pos=decimals, force_grouping=True)}\u00a0%"


def target(value) -> str:
    """A target as the conventions write it: "99,7 %", "97 %"."""
    return f"{number_format(Decimal(f'{float(value):g}'), force_grouping=True)}\u00a0%"


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    chart: str = "bar"  # bar | line | none
    note: str = ""


@dataclass
class Filters:
    start: date
    end: date  # inclusive
    academie: int | None = None
    convention: int | None = None
    circonscription: int | None = None
    desk: int | None = None

    @property
    def start_dt(self):
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self):
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def apply(self, qs):
        """On daily counts (sla.models.DayCount)."""
        if self.academie:
            qs = qs.filter(school__academie_id=self.academie)
        if self.convention:
            qs = qs.filter(convention_key=self.convention)
        if self.circonscription:
            qs = qs.filter(school__circonscription_id=self.circonscription)
        if self.desk:
            qs = qs.filter(desk_key=self.desk)
        return qs


def parse_filters(params) -> Filters:
    """The page's filters; a malformed or out-of-range value is a BadParameter (a 400 naming it):
    the period's day after and its UTC bounds must stay representable."""
    today = timezone.localdate()
    start = date_param(params, "du", today - timedelta(days=89))
    end = date_param(params, "au", today)
    if end < start:
        start, end = end, start
    ids = [id_param(params, name) for name in ("academie", "convention", "circonscription", "guichet")]
    return Filters(start, end, *ids)


def _scope_q(user) -> Q:
    """The manager's perimeter on daily counts: the schools they oversee, personal-data breaches
    excepted (tickets.selectors.breach_q: never managers)."""
    p = perimeter_for(user)
    if p.everything:
        return Q()
    return p.schools_q("school__", roles={Role.MANAGER}) & ~Q(category=Category.SECURITY)


def _day_counts(user, f: Filters, *measures, in_period=True):
    qs = DayCount.objects.filter(_scope_q(user), measure__in=measures).order_by()
    if in_period:
        qs = qs.filter(day__gte=f.start, day__lte=f.end)
    return f.apply(qs)


def backlog_by_age(user, f: Filters) -> Table:
    today = timezone.localdate()
    per_day = _day_counts(user, f, Measure.OPEN, in_period=False).values_list("day").annotate(n=Sum("count"))
    counts = [0] * len(AGE_BUCKETS)
    for day, n in per_day:
        age = (today - day).days
        for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
            if age >= lo and (hi is None or age < hi):
                counts[i] += n
    rows = [[str(label), counts[i]] for i, (label, _lo, _hi) in enumerate(AGE_BUCKETS)]
    return Table("backlog", str(_("Demandes ouvertes par ancienneté (aujourd'hui)")), [str(_("Ancienneté")), str(_("Demandes ouvertes"))], rows)


def solved_low_levels(user, f: Filters) -> Table:
    counts = dict(_day_counts(user, f, Measure.RESOLVED_LOW, Measure.RESOLVED_HIGH).values_list("measure").annotate(n=Sum("count")))
    low, high = counts.get(Measure.RESOLVED_LOW, 0), counts.get(Measure.RESOLVED_HIGH, 0)
    total = low + high
    share = percent(100 * low / total) if total else "—"
    rows = [
        [str(_("Résolues aux niveaux 0–1 sans l'éditeur")), low],
        [str(_("Résolues avec les niveaux 2–3 ou l'éditeur")), high],
    ]
    return Table("niveaux", str(_("Part des demandes résolues aux niveaux 0–1 : %(s)s") % {"s": share}),
                 [str(_("Résolution")), str(_("Demandes résolues sur la période"))], rows)


def _top(user, f: Filters, dimension, exclude=None):
    qs = _day_counts(user, f, Measure.OPENED)
    if exclude is not None:
        qs = qs.exclude(**{dimension: exclude})
    return qs.values_list(dimension).annotate(n=Sum("count")).order_by("-n", dimension)[:10]


def top_categories(user, f: Filters) -> Table:
    labels = dict(Category.choices)
    rows = [[str(labels.get(c, c)), n] for c, n in _top(user, f, "category")]
    return Table("categories", str(_("Catégories les plus fréquentes")), [str(_("Catégorie")), str(_("Demandes"))], rows)


def top_services(user, f: Filters) -> Table:
    rows = [[s, n] for s, n in _top(user, f, "service", exclude="")]
    return Table("services", str(_("Services de l'ENT les plus concernés")), [str(_("Service")), str(_("Demandes"))], rows)


def trends(user, f: Filters) -> Table:
    """Opened and resolved per week (weeks start on Monday, days in Paris time)."""
    per_day = (_day_counts(user, f, Measure.OPENED, Measure.RESOLVED_LOW, Measure.RESOLVED_HIGH)
               .values_list("day", "measure").annotate(n=Sum("count")))
    weeks: dict[date, list[int]] = {}
    for day, measure, n in per_day:
        week = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0 if measure == Measure.OPENED else 1] += n
    rows = [[date_format(w, "SHORT_DATE_FORMAT"), *weeks[w]] for w in sorted(weeks)]
    return Table("tendances", str(_("Tendance par semaine")), [str(_("Semaine du")), str(_("Ouvertes")), str(_("Résolues"))], rows, chart="line")


def sla_compliance(user, f: Filters) -> Table:
    """Ticket clocks met in the period, and those whose due time fell in the period and that are
    still not met (breach raised), per level and desk of their ticket: share met within target."""
    columns = [str(_("Niveau")), str(_("Guichet")), str(_("Délais tenus")), str(_("Délais dépassés")), str(_("Taux de respect"))]
    figures: dict[tuple, list[int]] = {}
    counts = (_day_counts(user, f, Measure.SLA_MET, Measure.SLA_LATE, Measure.SLA_OVERDUE)
              .values_list("level", "desk_key", "measure").annotate(n=Sum("count")))
    for level, desk, measure, n in counts:
        figures.setdefault((level, desk), [0, 0])[0 if measure == Measure.SLA_MET else 1] += n
    names = dict(Desk.objects.filter(pk__in={desk for _level, desk in figures}).values_list("pk", "name"))
    levels = dict(Level.choices)
    rows = []
    for (level, desk), (met, late) in sorted(figures.items(), key=lambda item: (item[0][0], names.get(item[0][1], ""))):
        total = met + late
        rows.append([str(levels.get(level, level)), names.get(desk, "—"), met, late, percent(100 * met / total) if total else "—"])
    return Table("sla", str(_("Respect des délais par niveau et guichet")), columns, rows)


def _availability_academies(user, f: Filters) -> list:
    """The académies the availability tables cover: the filter's, else the manager's (None: national)."""
    if f.academie:
        return list(Academie.objects.filter(pk=f.academie))
    if perimeter_for(user).everything:
        return [None]
    return list(perimeter_academies(user).order_by("name"))


def availability(user, f: Filters) -> Table:
    """Availability per service inside / outside the contract window, from the sla app."""
    columns = [str(_("Service")), str(_("Dans la plage contractuelle")), str(_("Objectif")), str(_("Budget d'indisponibilité restant (min)")),
               str(_("Hors plage")), str(_("Objectif hors plage")), str(_("Budget restant hors plage (min)"))]

    title = str(_("Disponibilité par service (objectifs 99,7 % / 97 %)"))
    academies = _availability_academies(user, f)
    end = min(f.end_dt, timezone.now())
    rows = []
    if end > f.start_dt:
        services = list(Service.objects.order_by("name"))
        for academie in academies:
            for service in services:
                try:
                    r = availability_report_for(user, service, f.start_dt, end, academie=academie)
                except PermissionDenied:
                    return Table("disponibilite", title, columns, [], chart="none",
                                 note=str(_("Cette académie n'est pas dans votre périmètre.")))
                i, o = r["inside"], r["outside"]
                name = f"{service.name} — {academie.name}" if len(academies) > 1 else service.name
                rows.append([
                    name, percent(i["availability"], 2, floor=True), target(i["target"]), round(i["remaining_budget_minutes"]),
                    percent(o["availability"], 2, floor=True), target(o["target"]), round(o["remaining_budget_minutes"]),
                ])
    return Table("disponibilite", title, columns, rows, chart="none")


def _months(end: date, count: int = 12) -> list[tuple[date, date]]:
    """The `count` calendar months up to the one holding `end`: (first day, first day of the next)."""
    months = []
    for back in range(count - 1, -1, -1):
        y, m = divmod(end.year * 12 + end.month - 1 - back, 12)
        ny, nm = divmod(y * 12 + m + 1, 12)
        months.append((date(y, m + 1, 1), date(ny, nm + 1, 1)))
    return months


def availability_by_month(user, f: Filters) -> Table:
    """The twelve months up to the period's end, month by month: the least available service inside
    the contract window (target 99.7 %) and outside it (97 %), the months under target flagged."""
    columns = [str(_("Mois")), str(_("Dans la plage contractuelle (service le moins disponible)")), str(_("Objectif")),
               str(_("Hors plage (service le moins disponible)")), str(_("Objectif hors plage")), str(_("Objectif tenu ?"))]
    title = str(_("Disponibilité mois par mois (douze mois)"))
    academies = _availability_academies(user, f)
    services = list(Service.objects.order_by("name"))
    now = timezone.now()
    rows = []
    for academie in academies:
        for first, following in _months(f.end):
            start = timezone.make_aware(datetime.combine(first, time.min))
            end = min(timezone.make_aware(datetime.combine(following, time.min)), now)
            if not services or end <= start:
                continue
            try:
                reports = [(s, availability_report_for(user, s, start, end, academie=academie)) for s in services]
            except PermissionDenied:
                return Table("disponibilite-mois", title, columns, [], chart="none",
                             note=str(_("Cette académie n'est pas dans votre périmètre.")))
            label = date_format(first, "F Y")
            if end == now:
                label = str(_("%(month)s (en cours)")) % {"month": label}
            if len(academies) > 1:
                label = f"{label} — {academie.name}"
            cells, below = [label], []
            for window, missed in (("inside", _("sous l'objectif de %(target)s dans la plage contractuelle")),
                                   ("outside", _("sous l'objectif de %(target)s hors plage"))):
                measured = [(r[window], s) for s, r in reports if r[window]["seconds"]]
                if not measured:
                    cells += ["—", target(reports[0][1][window]["target"])]
                    continue
                worst, service = min(measured, key=lambda item: item[0]["availability"])
                cells += [f"{percent(worst['availability'], 2, floor=True)} — {service.name}", target(worst["target"])]
                late = [s.name for w, s in measured if w["breached"]]
                if late:
                    below.append(f"{str(missed) % {'target': target(worst['target'])}} : {', '.join(late)}")
            cells.append(str(_("Non — %(what)s")) % {"what": " ; ".join(below)} if below else str(_("Oui")))
            rows.append(cells)
    return Table("disponibilite-mois", title, columns, rows, chart="none")


TABLES = {
    "disponibilite": availability,
    "disponibilite-mois": availability_by_month,
    "sla": sla_compliance,
    "backlog": backlog_by_age,
    "niveaux": solved_low_levels,
    "categories": top_categories,
    "services": top_services,
    "tendances": trends,
}
