"""Manager dashboard figures: reads only, within the manager's perimeter (`_scope_q`).

Ticket and SLA figures are sums of the daily counts kept by sla/rollup.py (a few thousand rows for
a quarter instead of every ticket and clock of the quarter). Each table is (title, columns, rows);
the page draws a chart from the same table and offers it as CSV, so the chart, its accessible
alternative and the export can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.formats import availability_percent, budget, percent, target
from core.params import date_param, id_param
from directory.choices import Category, Level, Role
from directory.models import Desk
from directory.selectors import perimeter_for
from sla.models import DayCount, Service
from sla.selectors import perimeter_academies

Measure = DayCount.Measure
MET_COLOUR = "#18753c"  # DSFR success
MISSED_COLOUR = "#ce0500"  # DSFR error
NEUTRAL_COLOURS = ["#1d4f91", "#6e445a", "#4a4a4a"]
AGE_BUCKETS = [  # (label, min days, max days), in calendar days (Paris) since the ticket was opened
    (_("ouvertes aujourd'hui"), 0, 1),
    (_("depuis 1 à 2 jours"), 1, 3),
    (_("depuis 3 à 6 jours"), 3, 7),
    (_("depuis 7 à 29 jours"), 7, 30),
    (_("depuis 30 jours ou plus"), 30, None),
]


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    chart: str = "bar"  # bar | line | none
    note: str = ""
    note_level: str = "warning"  # warning | info
    # What the chart draws: one measure per axis. `axis` names the unit of the y axis (counts only:
    # shares stay in the table); `series` lists the columns drawn, each with a colour that means
    # what it says (met: green, missed: red, else neutral); `labels` the columns naming a bar.
    axis: str = ""
    series: list = field(default_factory=list)
    labels: list = field(default_factory=lambda: [0])

    @property
    def chart_spec(self) -> dict:
        return {"axis": self.axis, "labels": self.labels, "series": self.series}


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


def day_counts(user, f: Filters, *measures, in_period=True):
    qs = DayCount.objects.filter(_scope_q(user), measure__in=measures).order_by()
    if in_period:
        qs = qs.filter(day__gte=f.start, day__lte=f.end)
    return f.apply(qs)


def backlog_by_age(user, f: Filters) -> Table:
    today = timezone.localdate()
    per_day = day_counts(user, f, Measure.OPEN, in_period=False).values_list("day").annotate(n=Sum("count"))
    counts = [0] * len(AGE_BUCKETS)
    for day, n in per_day:
        age = (today - day).days
        for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
            if age >= lo and (hi is None or age < hi):
                counts[i] += n
    rows = [[str(label), counts[i]] for i, (label, _lo, _hi) in enumerate(AGE_BUCKETS)]
    return Table("backlog", str(_("Demandes ouvertes par ancienneté (aujourd'hui)")), [str(_("Ancienneté")), str(_("Demandes ouvertes"))], rows,
                 axis=str(_("Demandes")), series=[{"col": 1, "color": NEUTRAL_COLOURS[0]}])


def solved_low_levels(user, f: Filters) -> Table:
    counts = dict(day_counts(user, f, Measure.RESOLVED_LOW, Measure.RESOLVED_HIGH).values_list("measure").annotate(n=Sum("count")))
    low, high = counts.get(Measure.RESOLVED_LOW, 0), counts.get(Measure.RESOLVED_HIGH, 0)
    total = low + high
    share = percent(100 * low / total) if total else "—"
    rows = [
        [str(_("Résolues aux niveaux 0–1 sans l'éditeur")), low],
        [str(_("Résolues avec les niveaux 2–3 ou l'éditeur")), high],
    ]
    return Table("niveaux", str(_("Part des demandes résolues aux niveaux 0–1 : %(s)s") % {"s": share}),
                 [str(_("Résolution")), str(_("Demandes résolues sur la période"))], rows,
                 axis=str(_("Demandes")), series=[{"col": 1, "color": NEUTRAL_COLOURS[0]}])


def _top(user, f: Filters, dimension, exclude=None):
    qs = day_counts(user, f, Measure.OPENED)
    if exclude is not None:
        qs = qs.exclude(**{dimension: exclude})
    return qs.values_list(dimension).annotate(n=Sum("count")).order_by("-n", dimension)[:10]


def top_categories(user, f: Filters) -> Table:
    labels = dict(Category.choices)
    rows = [[str(labels.get(c, c)), n] for c, n in _top(user, f, "category")]
    return Table("categories", str(_("Catégories les plus fréquentes")), [str(_("Catégorie")), str(_("Demandes"))], rows,
                 axis=str(_("Demandes")), series=[{"col": 1, "color": NEUTRAL_COLOURS[0]}])


def top_services(user, f: Filters) -> Table:
    rows = [[s, n] for s, n in _top(user, f, "service", exclude="")]
    return Table("services", str(_("Services de l'ENT les plus concernés")), [str(_("Service")), str(_("Demandes"))], rows,
                 axis=str(_("Demandes")), series=[{"col": 1, "color": NEUTRAL_COLOURS[0]}])


def trends(user, f: Filters) -> Table:
    """Opened and resolved per week (weeks start on Monday, days in Paris time)."""
    per_day = (day_counts(user, f, Measure.OPENED, Measure.RESOLVED_LOW, Measure.RESOLVED_HIGH)
               .values_list("day", "measure").annotate(n=Sum("count")))
    weeks: dict[date, list[int]] = {}
    for day, measure, n in per_day:
        week = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0 if measure == Measure.OPENED else 1] += n
    rows = [[date_format(w, "SHORT_DATE_FORMAT"), *weeks[w]] for w in sorted(weeks)]
    return Table("tendances", str(_("Tendance par semaine")), [str(_("Semaine du")), str(_("Ouvertes")), str(_("Résolues"))], rows, chart="line",
                 axis=str(_("Demandes")), series=[{"col": 1, "color": NEUTRAL_COLOURS[0]}, {"col": 2, "color": NEUTRAL_COLOURS[1]}])


def sla_compliance(user, f: Filters) -> Table:
    """Ticket clocks met in the period, and those whose due time fell in the period and that are
    still not met (breach raised), per level and desk of their ticket: share met within target."""
    columns = [str(_("Niveau")), str(_("Guichet")), str(_("Délais tenus")), str(_("Délais dépassés")), str(_("Taux de respect"))]
    figures: dict[tuple, list[int]] = {}
    counts = (day_counts(user, f, Measure.SLA_MET, Measure.SLA_LATE, Measure.SLA_OVERDUE)
              .values_list("level", "desk_key", "measure").annotate(n=Sum("count")))
    for level, desk, measure, n in counts:
        figures.setdefault((level, desk), [0, 0])[0 if measure == Measure.SLA_MET else 1] += n
    names = dict(Desk.objects.filter(pk__in={desk for _level, desk in figures}).values_list("pk", "name"))
    levels = dict(Level.choices)
    rows = []
    for (level, desk), (met, late) in sorted(figures.items(), key=lambda item: (item[0][0], names.get(item[0][1], ""))):
        total = met + late
        rows.append([str(levels.get(level, level)), names.get(desk, "—"), met, late, percent(100 * met / total) if total else "—"])
    return Table("sla", str(_("Respect des délais par niveau et guichet")), columns, rows, axis=str(_("Délais (nombre)")),
                 labels=[0, 1], series=[{"col": 2, "color": MET_COLOUR}, {"col": 3, "color": MISSED_COLOUR}],
                 note=str(_("Le graphique compte les délais (tenus en vert, dépassés en rouge) ; le taux de respect, "
                            "en pourcentage, est dans le tableau.")), note_level="info")


class Flag(str):
    """A table cell that says in words whether a target is met, drawn as a coloured badge
    (`badge`: DSFR "success" / "error"): the words carry the meaning, the colour repeats it."""

    def __new__(cls, text, missed: bool):
        obj = super().__new__(cls, text)
        obj.badge = "error" if missed else "success"
        obj.missed = missed
        return obj


def perimeter_desks(user):
    """Every desk of the manager's perimeter for the filter: the desks of its schools, of their
    circonscriptions, académies, régions and collectivités, the desks the user works on, and any
    desk that handled tickets of the perimeter (vendor and académie desks included)."""
    from directory.selectors import desks_for

    p = perimeter_for(user)
    if p.everything:
        return Desk.objects.order_by("level", "name")
    schools = p.schools()
    handled = DayCount.objects.filter(_scope_q(user)).exclude(desk_key=0).values("desk_key")
    q = (Q(pk__in=desks_for(user).values("pk")) | Q(school__in=schools)
         | Q(circonscription__in=schools.values("circonscription_id"))
         | Q(academie__in=schools.values("academie_id")) | Q(region__academies__schools__in=schools)
         | Q(collectivite__in=schools.values("collectivite_id")) | Q(pk__in=handled))
    return Desk.objects.filter(q).distinct().order_by("level", "name")


def _availability_scope(user, f: Filters):
    """The schools the availability figures cover (the perimeter narrowed by the filters), or a
    note when the chosen académie is outside the perimeter."""
    from directory.models import School

    p = perimeter_for(user)
    if f.academie and not perimeter_academies(user).filter(pk=f.academie).exists():
        return None, str(_("Cette académie n'est pas dans votre périmètre."))
    schools = School.objects.all() if p.everything else p.schools()
    if f.academie:
        schools = schools.filter(academie_id=f.academie)
    if f.convention:
        schools = schools.filter(coverage__convention_id=f.convention)
    if f.circonscription:
        schools = schools.filter(circonscription_id=f.circonscription)
    return schools, ""


def _conventions(user, f: Filters, schools):
    from directory.models import Convention

    qs = Convention.objects.filter(coverage__school__in=schools).distinct().order_by("reference")
    return list(qs.filter(pk=f.convention) if f.convention else qs)


def _month_label(m, now) -> str:
    label = date_format(date(m.year, m.month, 1), "F Y")
    return str(_("%(month)s (en cours)")) % {"month": label} if m.partial else label


def _verdict(m, service_name: str = "") -> Flag:
    missed = []
    if not m.inside.met:
        missed.append(str(_("sous l'objectif de %(target)s dans la plage contractuelle")) % {"target": target(m.inside.target)})
    if not m.outside.met:
        missed.append(str(_("sous l'objectif de %(target)s hors plage")) % {"target": target(m.outside.target)})
    if not missed:
        return Flag(str(_("Oui")), False)
    return Flag(str(_("Non — %(what)s")) % {"what": " ; ".join(missed)} + (f" : {service_name}" if service_name else ""), True)


AVAILABILITY_NOTE = _("Disponibilité = 1 − minutes-écoles d'indisponibilité ÷ minutes-écoles de la période, dans la "
                      "plage contractuelle de chaque école (8 h – 22 h du lundi au vendredi, hors vacances de sa zone et "
                      "jours fériés de son département) et hors plage ; budget en minutes-écoles.")


def availability(user, f: Filters) -> Table:
    """This month (the one holding the period's end) per service: the whole perimeter against the
    default targets, then each convention of the perimeter against its own."""
    from sla.availability import Targets, yearly_availability
    from sla.calendar import MissingSchoolHolidays

    columns = [str(_("Périmètre")), str(_("Service")), str(_("Mois")), str(_("Dans la plage contractuelle")), str(_("Objectif")),
               str(_("Budget d'indisponibilité (plage)")), str(_("Hors plage")), str(_("Objectif hors plage")),
               str(_("Budget hors plage")), str(_("Objectif tenu ?"))]
    title = str(_("Disponibilité du mois par service et par convention"))
    schools, note = _availability_scope(user, f)
    if schools is None:
        return Table("disponibilite", title, columns, [], chart="none", note=note)
    now = timezone.now()
    scopes = [(str(_("Tout le périmètre")), schools, Targets())]
    for c in _conventions(user, f, schools):
        scopes.append((str(_("Convention %(ref)s")) % {"ref": c.reference}, schools.filter(coverage__convention=c), Targets.of(c)))
    rows = []
    try:
        for service in Service.objects.order_by("name"):
            for name, qs, targets in scopes:
                (m,) = yearly_availability(service, qs, [(f.end.year, f.end.month)], targets=targets, now=now)
                if not m.schools:
                    continue
                rows.append([name, service.name, _month_label(m, now),
                             availability_percent(m.inside.availability), target(m.inside.target), budget(m.inside.remaining_budget_minutes),
                             availability_percent(m.outside.availability), target(m.outside.target), budget(m.outside.remaining_budget_minutes),
                             _verdict(m)])
    except MissingSchoolHolidays as exc:
        return Table("disponibilite", title, columns, [], chart="none", note=str(exc))
    return Table("disponibilite", title, columns, rows, chart="none", note=str(AVAILABILITY_NOTE), note_level="info")


def _months(end: date, count: int = 12) -> list[tuple[int, int]]:
    """The `count` calendar months up to the one holding `end`, as (year, month)."""
    months = []
    for back in range(count - 1, -1, -1):
        y, m = divmod(end.year * 12 + end.month - 1 - back, 12)
        months.append((y, m + 1))
    return months


def availability_by_month(user, f: Filters) -> Table:
    """The twelve months up to the period's end: for each month the least available service inside
    the contract window and outside it, against the targets (the filter's convention's, else
    99.7 % / 97 %), the remaining error budget, and the months under target flagged in words."""
    from sla.availability import Targets, yearly_availability
    from sla.calendar import MissingSchoolHolidays

    columns = [str(_("Mois")), str(_("Dans la plage contractuelle (service le moins disponible)")), str(_("Objectif")),
               str(_("Budget d'indisponibilité (plage)")), str(_("Hors plage (service le moins disponible)")),
               str(_("Objectif hors plage")), str(_("Budget hors plage")), str(_("Objectif tenu ?"))]
    title = str(_("Disponibilité mois par mois (douze mois)"))
    schools, note = _availability_scope(user, f)
    if schools is None:
        return Table("disponibilite-mois", title, columns, [], chart="none", note=note)
    from directory.models import Convention

    convention = Convention.objects.filter(pk=f.convention).first() if f.convention else None
    targets = Targets.of(convention)
    now = timezone.now()
    months = [(y, m) for y, m in _months(f.end) if timezone.make_aware(datetime(y, m, 1)) < now]
    services = list(Service.objects.order_by("name"))
    try:
        per_service = [(s, yearly_availability(s, schools, months, targets=targets, now=now)) for s in services]
    except MissingSchoolHolidays as exc:
        return Table("disponibilite-mois", title, columns, [], chart="none", note=str(exc))
    rows = []
    for i, _ym in enumerate(months):
        figures = [(s, results[i]) for s, results in per_service if results[i].schools]
        if not figures:
            continue
        inside_s, inside = min(figures, key=lambda item: item[1].inside.ratio)
        outside_s, outside = min(figures, key=lambda item: item[1].outside.ratio)
        missed = [s.name for s, m in figures if not m.met]
        first = figures[0][1]
        verdict = Flag(str(_("Oui")), False)
        if missed:
            what = []
            if any(not m.inside.met for _s, m in figures):
                what.append(str(_("sous l'objectif de %(target)s dans la plage contractuelle")) % {"target": target(targets.inside)})
            if any(not m.outside.met for _s, m in figures):
                what.append(str(_("sous l'objectif de %(target)s hors plage")) % {"target": target(targets.outside)})
            verdict = Flag(str(_("Non — %(what)s")) % {"what": " ; ".join(what)} + " : " + ", ".join(missed), True)
        rows.append([
            _month_label(first, now),
            f"{availability_percent(inside.inside.availability)} — {inside_s.name}", target(targets.inside),
            budget(inside.inside.remaining_budget_minutes),
            f"{availability_percent(outside.outside.availability)} — {outside_s.name}", target(targets.outside),
            budget(outside.outside.remaining_budget_minutes), verdict,
        ])
    return Table("disponibilite-mois", title, columns, rows, chart="none", note=str(AVAILABILITY_NOTE), note_level="info")


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
