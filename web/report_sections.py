"""The annual report's sections that the manager dashboard already computes (`web.dashboards`):
activity (tickets by month, level, category, service) and ticket-SLA results by level and desk.

They read the dashboard's daily counts through its own scoped read (`dashboards.day_counts`: the
manager's perimeter, security incidents excepted) and its `sla_compliance` table, narrowed to the
report's convention (the tickets of that convention) or académie (the tickets of its schools), so
the report and the dashboard can never disagree. Registered into `pilotage.report` by
`web/apps.py` (pilotage sits below web in the import layers and cannot import this module)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from directory.choices import Category, Level
from core.formats import integer, share
from pilotage.report import Section, Table, month_label, register_section

from . import dashboards

Measure = dashboards.Measure


def _filters(scope, period) -> dashboards.Filters:
    return dashboards.Filters(period.start, period.end, academie=scope.academie_id, convention=scope.convention_id)


def activity_section(user, scope, period, now) -> Section:
    f = _filters(scope, period)
    section = Section("activite", _("Activité du support"))
    per_day = (dashboards.day_counts(user, f, Measure.OPENED, Measure.RESOLVED_LOW, Measure.RESOLVED_HIGH)
               .values_list("day", "measure").annotate(n=Sum("count")))
    months = {ym: [0, 0, 0] for ym in period.months}
    for day, measure, n in per_day:
        col = {Measure.OPENED: 0, Measure.RESOLVED_LOW: 1, Measure.RESOLVED_HIGH: 2}[measure]
        months[(day.year, day.month)][col] += n
    opened = sum(v[0] for v in months.values())
    low = sum(v[1] for v in months.values())
    resolved = low + sum(v[2] for v in months.values())
    section.summary.append(_("%(o)s demande(s) ouverte(s) et %(r)s résolue(s) sur la période, dont %(s)s aux niveaux 0–1 sans l'éditeur.")
                           % {"o": integer(opened), "r": integer(resolved), "s": share(low, resolved)})
    rows = [[month_label(y, m), v[0], v[1] + v[2], v[1]] for (y, m), v in months.items()]
    rows.append([_("Total"), opened, resolved, low])
    section.tables.append(Table("activite-mois", _("Demandes par mois"),
                                [_("Mois"), _("Ouvertes"), _("Résolues"), _("dont résolues aux niveaux 0–1 sans l'éditeur")], rows))

    def by(dimension, labels, title, head, slug, blank=""):
        counts = (dashboards.day_counts(user, f, Measure.OPENED).values_list(dimension).annotate(n=Sum("count"))
                  .order_by("-n", dimension))
        rows = [[str(labels.get(value, value)) if value != "" else blank, n, share(n, opened)] for value, n in counts if n]
        section.tables.append(Table(slug, title, [head, _("Demandes ouvertes"), _("Part")], rows,
                                    empty=_("Aucune demande ouverte sur la période.")))

    by("level", dict(Level.choices), _("Demandes ouvertes par niveau (niveau actuel de la demande)"), _("Niveau"), "activite-niveaux")
    by("category", dict(Category.choices), _("Demandes ouvertes par catégorie"), _("Catégorie"), "activite-categories")
    by("service", {}, _("Demandes ouvertes par service de l'ENT"), _("Service"), "activite-services", blank=_("Non précisé"))
    return section


def sla_section(user, scope, period, now) -> Section:
    t = dashboards.sla_compliance(user, _filters(scope, period))
    section = Section("delais", _("Respect des délais de traitement"))
    met = sum(r[2] for r in t.rows)
    late = sum(r[3] for r in t.rows)
    section.summary.append(_("%(m)s délai(s) tenu(s), %(l)s dépassé(s) : taux de respect %(s)s.")
                           % {"m": integer(met), "l": integer(late), "s": share(met, met + late)})
    rows = [list(r) for r in t.rows]
    section.tables.append(Table("delais", t.title, t.columns, rows,
                                note=_("Délais tenus : tenus dans l'objectif sur la période ; dépassés : tenus après l'échéance, "
                                       "ou échus sur la période et toujours pas tenus."),
                                empty=_("Aucun délai échu ni tenu sur la période.")))
    return section


def satisfaction_section(user, scope, period, now) -> Section:
    """The requesters' ratings (per month, level and desk) and the requests the help articles
    avoided, for the report's schools: the dashboard's panel (`web.satisfaction`), narrowed."""
    from .satisfaction import satisfaction_panel

    panel = satisfaction_panel(user, _filters(scope, period), schools=scope.schools)
    section = Section("satisfaction", _("Satisfaction des demandeurs et demandes évitées"))
    if panel.count:
        section.summary.append(_("%(n)s avis donné(s) après résolution, note moyenne %(avg)s sur 5.")
                               % {"n": integer(panel.count), "avg": panel.average})
    else:
        section.summary.append(_("Aucun avis donné sur la période."))
    section.summary.append(_("%(n)s demande(s) évitée(s) par les articles d'aide (« Ça m'a aidé »).") % {"n": integer(panel.deflected)})
    section.tables.append(Table(
        "satisfaction", _("Avis des demandeurs par mois, niveau et guichet"),
        [_("Mois"), _("Niveau"), _("Guichet"), _("Avis"), _("Note moyenne"), _("Satisfaits (4 ou 5)")],
        [[month, level, desk, count, average, satisfied] for month, level, desk, count, average, satisfied, _counts in panel.rows],
        empty=_("Aucun avis sur la période.")))
    section.tables.append(Table("demandes-evitees", _("Demandes évitées par mois"), [_("Mois"), _("Demandes évitées")],
                                [list(row) for row in panel.deflections], empty=_("Aucune demande évitée sur la période.")))
    return section


def register() -> None:
    register_section("activite", activity_section, order=10)
    register_section("delais", sla_section, order=20)
    register_section("satisfaction", satisfaction_section, order=25)
