"""Manager dashboard figures: reads only, scoped by `visible_to(user)` (hence the perimeter).

Each table is (title, columns, rows); the page draws a chart from the same table and offers it as
CSV, so the chart, its accessible alternative and the export can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.choices import Category, Level
from directory.selectors import perimeter_for
from tickets import selectors as ticket_selectors
from tickets.models import ACTIVE, State

AGE_BUCKETS = [  # (label, min days, max days)
    (_("moins d'un jour"), 0, 1),
    (_("1 à 3 jours"), 1, 3),
    (_("3 à 7 jours"), 3, 7),
    (_("7 à 30 jours"), 7, 30),
    (_("plus de 30 jours"), 30, None),
]


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
        if self.academie:
            qs = qs.filter(school__academie_id=self.academie)
        if self.convention:
            qs = qs.filter(convention_id=self.convention)
        if self.circonscription:
            qs = qs.filter(school__circonscription_id=self.circonscription)
        if self.desk:
            qs = qs.filter(desk_id=self.desk)
        return qs


def parse_filters(params) -> Filters:
    today = timezone.localdate()

    def day(name, default):
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return default

    def num(name):
        value = params.get(name, "")
        return int(value) if value.isdigit() else None

    start = day("du", today - timedelta(days=89))
    end = day("au", today)
    if end < start:
        start, end = end, start
    return Filters(start, end, num("academie"), num("convention"), num("circonscription"), num("guichet"))


def _tickets(user, f: Filters):
    return f.apply(ticket_selectors.visible_to(user)).order_by()


def backlog_by_age(user, f: Filters) -> Table:
    now = timezone.now()
    aggregates = {}
    for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
        cond = Q(created_at__lte=now - timedelta(days=lo))
        if hi is not None:
            cond &= Q(created_at__gt=now - timedelta(days=hi))
        aggregates[f"b{i}"] = Count("pk", filter=cond)
    counts = _tickets(user, f).filter(state__in=list(ACTIVE)).aggregate(**aggregates)
    rows = [[str(label), counts[f"b{i}"]] for i, (label, _lo, _hi) in enumerate(AGE_BUCKETS)]
    return Table("backlog", str(_("Demandes ouvertes par ancienneté (aujourd'hui)")), [str(_("Ancienneté")), str(_("Demandes ouvertes"))], rows)


def solved_low_levels(user, f: Filters) -> Table:
    qs = _tickets(user, f).filter(resolved_at__gte=f.start_dt, resolved_at__lt=f.end_dt)
    counts = qs.aggregate(
        total=Count("pk"),
        low=Count("pk", filter=Q(reached_vendor=False, resolved_by_desk__level__lte=Level.AUTHORITY)),
    )
    total, low = counts["total"], counts["low"]
    share = f"{100 * low / total:.1f} %" if total else "—"
    rows = [
        [str(_("Résolues aux niveaux 0–1 sans l'éditeur")), low],
        [str(_("Résolues avec les niveaux 2–3 ou l'éditeur")), total - low],
    ]
    return Table("niveaux", str(_("Part des demandes résolues aux niveaux 0–1 : %(s)s") % {"s": share}),
                 [str(_("Résolution")), str(_("Demandes résolues sur la période"))], rows)


def top_categories(user, f: Filters) -> Table:
    qs = _tickets(user, f).filter(created_at__gte=f.start_dt, created_at__lt=f.end_dt)
    labels = dict(Category.choices)
    rows = [[str(labels.get(c, c)), n] for c, n in qs.values_list("category").annotate(n=Count("pk")).order_by("-n")[:10]]
    return Table("categories", str(_("Catégories les plus fréquentes")), [str(_("Catégorie")), str(_("Demandes"))], rows)


def top_services(user, f: Filters) -> Table:
    qs = _tickets(user, f).filter(created_at__gte=f.start_dt, created_at__lt=f.end_dt).exclude(service="")
    rows = [[s, n] for s, n in qs.values_list("service").annotate(n=Count("pk")).order_by("-n")[:10]]
    return Table("services", str(_("Services de l'ENT les plus concernés")), [str(_("Service")), str(_("Demandes"))], rows)


def trends(user, f: Filters) -> Table:
    base = _tickets(user, f)
    opened = dict(base.filter(created_at__gte=f.start_dt, created_at__lt=f.end_dt)
                  .annotate(w=TruncWeek("created_at")).values_list("w").annotate(n=Count("pk")))
    solved = dict(base.filter(resolved_at__gte=f.start_dt, resolved_at__lt=f.end_dt)
                  .annotate(w=TruncWeek("resolved_at")).values_list("w").annotate(n=Count("pk")))
    weeks = sorted({timezone.localtime(w).date() if isinstance(w, datetime) else w for w in [*opened, *solved]})

    def get(d, week):
        for k, v in d.items():
            kd = timezone.localtime(k).date() if isinstance(k, datetime) else k
            if kd == week:
                return v
        return 0

    rows = [[w.isoformat(), get(opened, w), get(solved, w)] for w in weeks]
    return Table("tendances", str(_("Tendance par semaine")), [str(_("Semaine du")), str(_("Ouvertes")), str(_("Résolues"))], rows, chart="line")


def sla_compliance(user, f: Filters) -> Table:
    """Clocks finished or breached in the period, per level and desk: share met within target."""
    from web.views.sla_view import _clock_model

    Clock = _clock_model()
    columns = [str(_("Niveau")), str(_("Guichet")), str(_("Délais tenus")), str(_("Délais dépassés")), str(_("Taux de respect"))]
    if Clock is None:
        return Table("sla", str(_("Respect des délais par niveau et guichet")), columns, [], chart="none",
                     note=str(_("Les compteurs de délai ne sont pas encore reliés aux demandes.")))
    tickets = _tickets(user, f).values("pk")
    clocks = Clock.objects.filter(ticket_id__in=tickets).filter(
        Q(met_at__gte=f.start_dt, met_at__lt=f.end_dt) | Q(state="running", due_at__gte=f.start_dt, due_at__lt=min(f.end_dt, timezone.now()))
    )
    data = (
        clocks.values_list("ticket__level", "ticket__desk__name")
        .annotate(met=Count("pk", filter=Q(met_within_target=True)),
                  late=Count("pk", filter=Q(met_within_target=False) | Q(state="running")))
        .order_by("ticket__level", "ticket__desk__name")
    )
    levels = dict(Level.choices)
    rows = []
    for level, desk, met, late in data:
        total = met + late
        rows.append([str(levels.get(level, level)), desk or "—", met, late, f"{100 * met / total:.1f} %" if total else "—"])
    return Table("sla", str(_("Respect des délais par niveau et guichet")), columns, rows)


def availability(user, f: Filters) -> Table:
    """Availability per service inside / outside the contract window, from the sla app."""
    columns = [str(_("Service")), str(_("Dans la plage contractuelle")), str(_("Objectif")), str(_("Budget d'indisponibilité restant (min)")),
               str(_("Hors plage")), str(_("Objectif hors plage")), str(_("Budget restant hors plage (min)"))]
    from django.core.exceptions import PermissionDenied

    from directory.models import Academie
    from sla.models import Service
    from sla.selectors import availability_report_for, perimeter_academies  # perimeter-scoped

    title = str(_("Disponibilité par service (objectifs 99,7 % / 97 %)"))
    if f.academie:
        academies = list(Academie.objects.filter(pk=f.academie))
    elif perimeter_for(user).everything:
        academies = [None]  # national scope
    else:
        academies = list(perimeter_academies(user).order_by("name"))
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
                    name, f"{i['availability']:.3f} %", f"{i['target']} %", i["remaining_budget_minutes"],
                    f"{o['availability']:.3f} %", f"{o['target']} %", o["remaining_budget_minutes"],
                ])
    return Table("disponibilite", title, columns, rows, chart="none")


TABLES = {
    "disponibilite": availability,
    "sla": sla_compliance,
    "backlog": backlog_by_age,
    "niveaux": solved_low_levels,
    "categories": top_categories,
    "services": top_services,
    "tendances": trends,
}
