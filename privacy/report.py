"""The annual report's legal-clock section (registered into `pilotage.report` by privacy/apps.py):
for the breaches and data-subject requests of the report's scope that started in the period, how
many of each legal clock were met in time, met late, are past due and still not met, or still
running within their time. Counts only: no name, no ticket, nothing a manager may not read.

- breach notice to the other party (48 h) and to the CNIL (72 h): the clocks of the security
  incidents of the scope's schools reported in the period (`steps.BREACH_CLOCKS`);
- data-subject requests received in the period: the forwarding clock (when received by a party
  that is not competent) and the answer clock in force (the extended one once extended:
  `DataSubjectRequest.current_answer_clock`)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from core.formats import integer, share
from pilotage.report import Flag, Section, Table, register_section
from sla.models import Clock, ClockKind, ClockState

from .models import DataSubjectRequest
from .steps import BREACH_CLOCKS

ROWS = (ClockKind.BREACH_NOTICE, ClockKind.CNIL_NOTICE, ClockKind.DSR_FORWARD, ClockKind.DSR_ANSWER)


def _outcome(state, within, due_at, now) -> int | None:
    """0 met in time, 1 met late, 2 past due and not met, 3 running within its time; None: cancelled."""
    if state == ClockState.MET:
        return 0 if within else 1
    if state in (ClockState.RUNNING, ClockState.PAUSED):
        return 2 if due_at is not None and due_at <= now else 3
    return None


def _requests(scope, period):
    schools = scope.schools.values("pk")
    qs = DataSubjectRequest.objects.filter(received_at__gte=period.start_dt, received_at__lt=period.end_dt)
    if scope.kind == "convention":
        return qs.filter(convention=scope.obj).filter(Q(school__in=schools) | Q(school__isnull=True))
    return qs.filter(Q(school__in=schools) | Q(school__isnull=True, convention__coverage__school__in=schools)).distinct()


def legal_clocks_section(user, scope, period, now) -> Section:
    counts = {kind: [0, 0, 0, 0] for kind in ROWS}
    breach = (Clock.objects.filter(kind__in=BREACH_CLOCKS, ticket__school__in=scope.schools.values("pk"),
                                   started_at__gte=period.start_dt, started_at__lt=period.end_dt)
              .values_list("kind", "state", "met_within_target", "due_at"))
    for kind, state, within, due_at in breach:
        if (o := _outcome(state, within, due_at, now)) is not None:
            counts[kind][o] += 1
    fields = ("state", "met_within_target", "due_at")
    rows = _requests(scope, period).values_list(
        *(f"forward_clock__{f}" for f in fields), *(f"extended_clock__{f}" for f in fields), *(f"answer_clock__{f}" for f in fields))
    for row in rows:
        forward, extended, answer = row[0:3], row[3:6], row[6:9]
        if forward[0] is not None and (o := _outcome(*forward, now)) is not None:
            counts[ClockKind.DSR_FORWARD][o] += 1
        current = extended if extended[0] is not None else answer
        if current[0] is not None and (o := _outcome(*current, now)) is not None:
            counts[ClockKind.DSR_ANSWER][o] += 1
    labels = dict(ClockKind.choices)
    table_rows = []
    late_total = 0
    for kind in ROWS:
        in_time, late, overdue, running = counts[kind]
        done = in_time + late + overdue
        late_total += late + overdue
        verdict = (Flag(_("Non — %(n)s hors délai") % {"n": integer(late + overdue)}, True) if late + overdue
                   else Flag(_("Oui"), False) if done else "—")
        table_rows.append([str(labels[kind]), in_time, late, overdue, running,
                           share(in_time, done), verdict])
    section = Section("delais-legaux", _("Délais légaux (protection des données)"))
    section.summary.append(_("%(n)s délai(s) légal(aux) hors délai sur la période.") % {"n": integer(late_total)}
                           if late_total else _("Aucun délai légal manqué sur la période."))
    section.tables.append(Table(
        "delais-legaux", _("Délais légaux : violations de données et demandes d'exercice de droits"),
        [_("Délai"), _("Tenus dans le délai"), _("Tenus en retard"), _("Échus, non tenus"), _("En cours dans le délai"),
         _("Taux de respect"), _("Tous tenus à temps ?")], table_rows,
        note=_("Violations : incidents de sécurité signalés sur la période ; demandes : reçues sur la période. "
               "Le taux de respect rapporte les délais tenus à temps aux délais tenus ou échus.")))
    return section


def register() -> None:
    register_section("delais-legaux", legal_clocks_section, order=60)
