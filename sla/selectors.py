"""Reads of the sla app, scoped through the perimeter (`directory.selectors.perimeter_for`).

Pages, dashboards and the API read clocks, outages and availability through these functions only,
so that a manager of one académie never sees the figures of another.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Academie, School
from directory.selectors import perimeter_for

from .models import Clock, Outage, OutageScope, Service


def visible_clocks(user) -> QuerySet[Clock]:
    """Clocks of the tickets the user may see (same rule as the ticket pages, breaches included)."""
    from tickets.selectors import visible_to

    return Clock.objects.filter(ticket__in=visible_to(user).values("pk"))


def perimeter_academies(user) -> QuerySet[Academie]:
    """Académies where the user's perimeter holds at least one school (all of them for admins)."""
    p = perimeter_for(user)
    if p.everything:
        return Academie.objects.all()
    return Academie.objects.filter(pk__in=p.schools().values("academie_id"))


def visible_outages(user) -> QuerySet[Outage]:
    """Outages that concern the user's perimeter: national ones, those of an académie where the
    perimeter has schools, and those limited to schools of which one is in the perimeter.
    Without a perimeter (anonymous, no membership) nothing."""
    p = perimeter_for(user)
    qs = Outage.objects.select_related("service", "academie", "collectivite", "declared_by")
    if p.everything:
        return qs
    if not p.grants:
        return qs.none()
    schools = p.schools()
    # A subquery rather than a join on the M2M: no duplicates, so no DISTINCT (cursor pagination).
    on_schools = Outage.schools.through.objects.filter(school__in=schools).values("outage_id")
    return qs.filter(
        Q(scope=OutageScope.ALL)
        | Q(scope=OutageScope.ACADEMIE, academie_id__in=schools.values("academie_id"))
        | Q(scope=OutageScope.COLLECTIVITE, collectivite_id__in=schools.values("collectivite_id"))
        | Q(scope=OutageScope.SCHOOLS, pk__in=on_schools)
    )


def availability_scope(user, *, academie: Academie | None = None, school: School | None = None):
    """The (académie, school) scope a report may be computed for, or PermissionDenied.

    An académie is inside the perimeter when the perimeter holds schools of it, a school when the
    perimeter holds it. The national scope (neither) is for administrators; others without a scope
    get their académie when they have exactly one, else are asked to choose."""
    p = perimeter_for(user)
    if p.everything:
        return academie, school
    if not p.grants:
        raise PermissionDenied(_("Aucun périmètre : pas de rapport de disponibilité."))
    if school is not None:
        if not p.schools().filter(pk=school.pk).exists():
            raise PermissionDenied(_("L'école %(uai)s n'est pas dans votre périmètre.") % {"uai": school.uai})
        if academie is not None and academie.pk != school.academie_id:
            raise ValidationError({"academie": _("l'école n'appartient pas à cette académie")})
        return None, school
    academies = perimeter_academies(user)
    if academie is not None:
        if not academies.filter(pk=academie.pk).exists():
            raise PermissionDenied(_("L'%(academie)s n'est pas dans votre périmètre.") % {"academie": academie.name})
        return academie, None
    mine = list(academies[:2])
    if len(mine) == 1:
        return mine[0], None
    raise ValidationError({"academie": _("choisissez une académie de votre périmètre (ou une école)")})


def availability_report_for(user, service: Service, start: datetime, end: datetime, *,
                            academie: Academie | None = None, school: School | None = None, **kwargs) -> dict:
    """`availability.availability_report` for a scope inside the user's perimeter (see
    `availability_scope`); PermissionDenied outside it."""
    from .availability import availability_report

    academie, school = availability_scope(user, academie=academie, school=school)
    return availability_report(service, start, end, academie=academie, school=school, **kwargs)


def current_outages(school_id) -> list[Outage]:
    """Outages in progress that affect this school (everything, its académie, its collectivité, or it by name); a
    missing or unknown school: none. Shown before a report is submitted, whoever asks."""
    if not school_id:
        return []
    try:
        school = School.objects.only("pk", "academie_id", "collectivite_id").get(pk=int(school_id))
    except (School.DoesNotExist, TypeError, ValueError):
        return []
    now = timezone.now()
    return list(
        Outage.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now), started_at__lte=now)
        .filter(Q(scope=OutageScope.ALL) | Q(scope=OutageScope.ACADEMIE, academie_id=school.academie_id)
                | Q(scope=OutageScope.COLLECTIVITE, collectivite_id=school.collectivite_id)
                | Q(scope=OutageScope.SCHOOLS, schools=school))
        .select_related("service")
        .distinct()
    )


def annotate_board_rows(tickets) -> None:
    """Set `sla_due`, `sla_warning` and `sla_paused` on a board page's tickets (already read within
    the user's perimeter), in one query: the due time is on the row, the rest on its clocks."""
    for t in tickets:
        t.sla_due, t.sla_warning, t.sla_paused = t.sla_due_at, None, False
    if not tickets:
        return
    by_pk = {t.pk: t for t in tickets}
    rows = (Clock.objects.filter(ticket_id__in=sorted(by_pk), state__in=["running", "paused"])
            .order_by("ticket_id", "due_at").values_list("ticket_id", "state", "due_at", "warning_at"))
    for ticket_id, state, due_at, warning_at in rows:
        t = by_pk[ticket_id]
        if state == "paused":
            t.sla_paused = True
        elif t.sla_warning is None and due_at == t.sla_due_at:
            t.sla_warning = warning_at  # of the running clock that sets the due time
