"""The annual report ("bilan annuel", Grand Est convention art. 10) and the quarterly follow-up
committee report (art. 5): one engine, for a convention or an académie of the reader's perimeter,
over a school year (1 September → 31 August) or one of its quarters.

The report is a list of sections, each a list of tables of real figures. The sections come from a
registry (`register_section`): this app registers what it reads itself (availability month by
month from `sla.availability`, major incidents and their reviews, improvement actions); the apps
above it in the import layers register theirs in their AppConfig.ready() — the web app the
activity and the SLA results (the dashboard's own reads of the daily counts, `web.dashboards`),
the privacy app the legal clocks (`privacy/report.py`). The engine imports none of them.

Scope (`report_scope`): managers and administrators; a convention is offered when it covers a
school of the reader's managed perimeter, an académie when the perimeter holds one of its schools
(`sla.selectors.perimeter_academies`); the figures count only the perimeter's schools of that
convention or académie. A convention or académie outside the perimeter is `OutOfPerimeter` (a 404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.formats import budget, integer, percent, target
from core.params import BadParameter
from directory.choices import Role
from directory.models import Academie, Convention, School
from directory.selectors import perimeter_for

from .models import ActionStatus, ImprovementAction

QUARTERS = {  # quarter of the school year → its months (month, offset of the year from its start)
    1: ((9, 0), (10, 0), (11, 0)),
    2: ((12, 0), (1, 1), (2, 1)),
    3: ((3, 1), (4, 1), (5, 1)),
    4: ((6, 1), (7, 1), (8, 1)),
}
QUARTER_NAMES = {1: _lazy("1er"), 2: _lazy("2e"), 3: _lazy("3e"), 4: _lazy("4e")}
YEAR_RE = re.compile(r"^(\d{4})-(\d{2}|\d{4})$")


class OutOfPerimeter(Exception):
    """The convention or académie asked for does not exist or is outside the reader's perimeter."""


# --- period ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A school year (quarter None) or one of its quarters; `end` inclusive, days in Paris time."""

    first_year: int
    quarter: int | None = None

    @property
    def months(self) -> list[tuple[int, int]]:
        if self.quarter:
            return [(self.first_year + off, m) for m, off in QUARTERS[self.quarter]]
        return [(self.first_year, m) for m in range(9, 13)] + [(self.first_year + 1, m) for m in range(1, 9)]

    @property
    def start(self) -> date:
        y, m = self.months[0]
        return date(y, m, 1)

    @property
    def end(self) -> date:
        y, m = self.months[-1]
        return (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)

    @property
    def start_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def school_year(self) -> str:
        return f"{self.first_year}-{self.first_year + 1}"

    @property
    def label(self) -> str:
        if self.quarter:
            return _("%(n)s trimestre de l'année scolaire %(year)s (du %(start)s au %(end)s)") % {
                "n": QUARTER_NAMES[self.quarter], "year": self.school_year,
                "start": long_date(self.start), "end": long_date(self.end)}
        return _("Année scolaire %(year)s (du %(start)s au %(end)s)") % {
            "year": self.school_year, "start": long_date(self.start), "end": long_date(self.end)}

    @property
    def slug(self) -> str:
        return self.school_year + (f"-T{self.quarter}" if self.quarter else "")


def long_date(day: date) -> str:
    """ "1er septembre 2025", "31 août 2026" (French writes the first of the month as an ordinal)."""
    text = date_format(day, "j F Y")
    if day.day == 1 and translation.get_language() and translation.get_language().startswith("fr"):
        text = "1er" + text[1:]
    return text


def current_school_year(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def parse_period(params) -> Period:
    """`annee` = "2025-2026" (or "2025-26"; default: the current school year), `trimestre` = 1–4
    (empty: the whole year). A malformed value is a BadParameter naming it (a 400)."""
    raw = (params.get("annee") or "").strip()
    if not raw:
        first = current_school_year()
    else:
        m = YEAR_RE.match(raw)
        if not m:
            raise BadParameter("annee", _("une année scolaire au format 2025-2026 est attendue."))
        first, second = int(m.group(1)), m.group(2)
        expected = str(first + 1) if len(second) == 4 else f"{(first + 1) % 100:02d}"
        if second != expected or not 1900 <= first <= 9000:
            raise BadParameter("annee", _("une année scolaire au format 2025-2026 est attendue (deux années qui se suivent)."))
    raw_q = (params.get("trimestre") or "").strip()
    quarter = None
    if raw_q:
        if raw_q not in ("1", "2", "3", "4"):
            raise BadParameter("trimestre", _("un trimestre de 1 à 4 est attendu (ou rien pour l'année entière)."))
        quarter = int(raw_q)
    return Period(first, quarter)


# --- scope -------------------------------------------------------------------------------------------

@dataclass
class Scope:
    kind: str  # "convention" | "academie"
    obj: Convention | Academie
    schools: QuerySet[School]  # the perimeter's schools of the convention / académie
    convention: Convention | None = None  # whose targets apply (None: the defaults)

    @property
    def label(self) -> str:
        if self.kind == "convention":
            return _("Convention %(ref)s") % {"ref": self.obj.reference}
        return str(self.obj.name)

    @property
    def academie_id(self) -> int | None:
        return self.obj.pk if self.kind == "academie" else None

    @property
    def convention_id(self) -> int | None:
        return self.obj.pk if self.kind == "convention" else None


def may_read_reports(user) -> bool:
    p = perimeter_for(user)
    return p.everything or p.has_role(Role.MANAGER)


def managed_schools(user) -> QuerySet[School]:
    """The schools the reader manages (every school for administrators)."""
    p = perimeter_for(user)
    if p.everything:
        return School.objects.all()
    return p.schools(roles={Role.MANAGER})


def report_academies(user) -> QuerySet[Academie]:
    from sla.selectors import perimeter_academies

    if not may_read_reports(user):
        return Academie.objects.none()
    return perimeter_academies(user).filter(pk__in=managed_schools(user).values("academie_id")).order_by("name")


def report_conventions(user) -> QuerySet[Convention]:
    if not may_read_reports(user):
        return Convention.objects.none()
    covered = Convention.objects.filter(coverage__school__in=managed_schools(user)).values("pk")
    return Convention.objects.filter(pk__in=covered).order_by("reference")


def report_scope(user, *, convention: int | None = None, academie: int | None = None) -> Scope:
    """The scope of one report; OutOfPerimeter when it does not exist or is not the reader's."""
    schools = managed_schools(user)
    if convention:
        c = report_conventions(user).filter(pk=convention).first()
        if c is None:
            raise OutOfPerimeter(_("Cette convention n'existe pas ou n'est pas dans votre périmètre."))
        return Scope("convention", c, schools.filter(pk__in=c.coverage.values("school_id")), c)
    if academie:
        a = report_academies(user).filter(pk=academie).first()
        if a is None:
            raise OutOfPerimeter(_("Cette académie n'existe pas ou n'est pas dans votre périmètre."))
        in_scope = schools.filter(academie=a)
        conventions = list(Convention.objects.filter(coverage__school__in=in_scope).distinct()[:2])
        return Scope("academie", a, in_scope, conventions[0] if len(conventions) == 1 else None)
    raise BadParameter("convention", _("choisissez une convention ou une académie de votre périmètre."))


# --- tables and formats ----------------------------------------------------------------------------

class Flag(str):
    """A cell saying in words whether a target is met; `missed` also colours it (the words carry
    the meaning, the colour repeats it)."""

    def __new__(cls, text, missed: bool):
        obj = super().__new__(cls, text)
        obj.missed = missed
        obj.badge = "error" if missed else "success"
        return obj


@dataclass
class Table:
    slug: str
    title: str  # the table's caption
    columns: list
    rows: list = field(default_factory=list)  # cells: counts as int (the page groups their thousands), else text
    note: str = ""
    empty: str = ""  # said instead of an empty table


@dataclass
class Section:
    slug: str
    title: str
    tables: list[Table] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # sentences (missed months, totals…)


@dataclass
class Report:
    scope: Scope
    period: Period
    generated_at: datetime
    sections: list[Section]

    @property
    def title(self) -> str:
        kind = _("Rapport du comité de suivi") if self.period.quarter else _("Bilan annuel")
        return f"{kind} — {self.scope.label}"

    def tables(self):
        for s in self.sections:
            yield from s.tables


def month_label(year: int, month: int) -> str:
    return date_format(date(year, month, 1), "F Y")


def day_label(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "SHORT_DATE_FORMAT")


# --- the registry ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionSpec:
    slug: str
    order: int
    build: object  # (user, scope, period, now) -> Section | None


SECTIONS: dict[str, SectionSpec] = {}


def register_section(slug: str, build, *, order: int = 100) -> None:
    """Add (or replace) a section: `build(user, scope, period, now)` returns a Section, or None to
    leave it out. Called by this app below and by the apps above it in their ready()."""
    SECTIONS[slug] = SectionSpec(slug, order, build)


def build_report(user, scope: Scope, period: Period, *, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    sections = []
    for spec in sorted(SECTIONS.values(), key=lambda s: (s.order, s.slug)):
        section = spec.build(user, scope, period, now)
        if section is not None:
            sections.append(section)
    return Report(scope, period, now, sections)


# --- this app's sections ---------------------------------------------------------------------------

AVAILABILITY_NOTE = _lazy("Disponibilité = 1 − minutes-écoles d'indisponibilité ÷ minutes-écoles du mois, dans la plage "
                      "contractuelle de chaque école (8 h – 22 h du lundi au vendredi, hors vacances de sa zone et jours "
                      "fériés de son département) et hors plage ; budget d'indisponibilité en minutes-écoles (docs/sla.md).")


def availability_section(user, scope: Scope, period: Period, now: datetime) -> Section:
    """Each service month by month against the targets (`sla.availability.yearly_availability`),
    the months under target named in the summary and flagged in the table."""
    from sla.availability import Targets, yearly_availability
    from sla.calendar import MissingSchoolHolidays
    from sla.models import Service

    section = Section("disponibilite", _("Disponibilité des services"))
    targets = Targets.of(scope.convention)
    months = [(y, m) for y, m in period.months if timezone.make_aware(datetime(y, m, 1)) < now]
    if scope.convention is None:
        section.summary.append(_("Objectifs par défaut (%(inside)s dans la plage, %(outside)s hors plage) : plusieurs conventions "
                                 "couvrent ce périmètre.") % {"inside": target(targets.inside), "outside": target(targets.outside)})
    else:
        section.summary.append(_("Objectifs de la convention %(ref)s : %(inside)s dans la plage contractuelle, %(outside)s hors plage.")
                               % {"ref": scope.convention.reference, "inside": target(targets.inside), "outside": target(targets.outside)})
    if not months:
        section.summary.append(_("La période n'a pas encore commencé."))
        return section
    columns = [_("Mois"), _("Dans la plage contractuelle"), _("Objectif"), _("Budget (plage)"), _("Hors plage"),
               _("Objectif hors plage"), _("Budget hors plage"), _("Objectif tenu ?")]
    missed_all = []
    for service in Service.objects.order_by("name"):
        try:
            results = yearly_availability(service, scope.schools, months, targets=targets, now=now)
        except MissingSchoolHolidays as exc:
            section.summary.append(str(exc))
            return section
        rows = []
        for m in results:
            if not m.schools:
                continue
            label = month_label(m.year, m.month)
            if m.partial:
                label = _("%(month)s (en cours)") % {"month": label}
            missed = []
            if not m.inside.met:
                missed.append(_("sous l'objectif dans la plage contractuelle"))
            if not m.outside.met:
                missed.append(_("sous l'objectif hors plage"))
            verdict = Flag(_("Non — %(what)s") % {"what": " ; ".join(missed)}, True) if missed else Flag(_("Oui"), False)
            if missed:
                missed_all.append(f"{month_label(m.year, m.month)} ({service.name})")
            rows.append([label, percent(m.inside.availability, 3, floor=True), target(m.inside.target),
                         budget(m.inside.remaining_budget_minutes), percent(m.outside.availability, 3, floor=True),
                         target(m.outside.target), budget(m.outside.remaining_budget_minutes), verdict])
        if rows:
            section.tables.append(Table(f"disponibilite-{service.slug}", _("Disponibilité mois par mois : %(service)s") % {"service": service.name},
                                        columns, rows, note=str(AVAILABILITY_NOTE)))
    if missed_all:
        section.summary.append(_("Mois sous l'objectif : %(months)s.") % {"months": ", ".join(missed_all)})
    elif section.tables:
        section.summary.append(_("Objectifs tenus chaque mois de la période."))
    else:
        section.summary.append(_("Aucun service suivi pour ce périmètre."))
    return section


class _SchoolsPerimeter:
    """The scope's schools in the shape `pilotage.selectors._incident_touches` reads."""

    def __init__(self, schools):
        self._schools = schools

    def schools(self):
        return self._schools


def scope_reviews(user, scope: Scope, period: Period):
    """The reviews the reader reads (`visible_reviews`) whose incident touches the scope's schools
    and was declared in the period."""
    from .selectors import _incident_touches, visible_reviews

    return (visible_reviews(user).filter(_incident_touches(_SchoolsPerimeter(scope.schools), "incident__"))
            .filter(incident__declared_at__gte=period.start_dt, incident__declared_at__lt=period.end_dt)
            .order_by("incident__declared_at", "pk"))


def incidents_section(user, scope: Scope, period: Period, now: datetime) -> Section:
    from .selectors import impact

    section = Section("incidents", _("Incidents majeurs et revues"))
    columns = [_("Incident majeur"), _("Déclaré le"), _("Origine"), _("Écoles concernées"),
               _("Minutes-écoles dans la plage"), _("Revue"), _("Réunion le"), _("Actions (ouvertes / total)")]
    rows = []
    held = 0
    reviews = list(scope_reviews(user, scope, period))
    for r in reviews:
        inc = r.incident
        fig = impact(r, now=now)
        origin = (_("Interruption : %(service)s") % {"service": inc.outage.service.name} if inc.outage_id
                  else _("Demande %(ref)s") % {"ref": inc.ticket.reference})
        minutes = fig["school_minutes_inside"]
        held += r.status != "planned"
        rows.append([inc.title, day_label(inc.declared_at), origin, fig["schools"],
                     minutes if minutes is not None else "—", r.get_status_display(), day_label(r.meeting_at),
                     f"{integer(r.open_actions)} / {integer(r.all_actions)}"])
    section.summary.append(_("%(n)s incident(s) majeur(s) déclaré(s) sur la période, %(held)s revue(s) tenue(s) ou close(s).")
                           % {"n": integer(len(reviews)), "held": integer(held)})
    section.tables.append(Table("incidents", _("Incidents majeurs déclarés sur la période"), columns, rows,
                                empty=_("Aucun incident majeur déclaré sur la période.")))
    return section


def actions_section(user, scope: Scope, period: Period, now: datetime) -> Section:
    """Improvement actions identified in the period (created) and implemented (done) in it, per
    owning organisation, then the list — of the reviews of incidents touching the scope."""
    from .selectors import _incident_touches, visible_reviews

    reviews = visible_reviews(user).filter(_incident_touches(_SchoolsPerimeter(scope.schools), "incident__")).values("pk")
    a, b = period.start_dt, period.end_dt
    identified_q = Q(created_at__gte=a, created_at__lt=b)
    done_q = Q(status=ActionStatus.DONE, done_at__gte=a, done_at__lt=b)
    actions = list(ImprovementAction.objects.filter(review__in=reviews).filter(identified_q | done_q)
                   .select_related("review__incident").order_by("due_on", "pk"))
    section = Section("actions", _("Actions d'amélioration"))
    per_owner: dict[str, list[int]] = {}
    for act in actions:
        counts = per_owner.setdefault(act.owner_label, [0, 0, 0])
        if a <= act.created_at < b:
            counts[0] += 1
        if act.status == ActionStatus.DONE and act.done_at and a <= act.done_at < b:
            counts[1] += 1
        if act.is_open:
            counts[2] += 1
    identified = sum(c[0] for c in per_owner.values())
    implemented = sum(c[1] for c in per_owner.values())
    section.summary.append(_("%(i)s action(s) identifiée(s) et %(d)s mise(s) en œuvre sur la période.")
                           % {"i": integer(identified), "d": integer(implemented)})
    section.tables.append(Table(
        "actions-organisations", _("Actions d'amélioration par organisation responsable"),
        [_("Organisation responsable"), _("Identifiées sur la période"), _("Mises en œuvre sur la période"), _("Encore ouvertes")],
        [[owner, c[0], c[1], c[2]] for owner, c in sorted(per_owner.items())],
        empty=_("Aucune action d'amélioration identifiée ni mise en œuvre sur la période.")))
    section.tables.append(Table(
        "actions", _("Liste des actions d'amélioration"),
        [_("Action"), _("Incident"), _("Organisation responsable"), _("Identifiée le"), _("Échéance"), _("Statut"), _("Faite le")],
        [[act.title, act.review.incident.title, act.owner_label, day_label(act.created_at), day_label(act.due_on),
          Flag(_("%(s)s — en retard") % {"s": act.get_status_display()}, True) if act.overdue else act.get_status_display(),
          day_label(act.done_at)] for act in actions],
        empty=_("Aucune action sur la période.")))
    return section


register_section("disponibilite", availability_section, order=30)
register_section("incidents", incidents_section, order=40)
register_section("actions", actions_section, order=50)
