"""Reads of the access journal, scoped to the reader's perimeter (DPOs: their schools)."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from directory.choices import Role
from directory.selectors import perimeter_for

from .models import AccessEntry


def may_read_journal(user) -> bool:
    p = perimeter_for(user)
    return p.everything or p.has_role(Role.DPO)


def journal_for(user) -> QuerySet[AccessEntry]:
    """Entries a DPO may search: objects of the schools in their perimeter, the accesses of the
    people of their perimeter, refusals of those people; everything for an administrator."""
    if user is None or not user.is_authenticated or not may_read_journal(user):
        return AccessEntry.objects.none()
    p = perimeter_for(user)
    qs = AccessEntry.objects.select_related("actor")
    if p.everything:
        return qs
    schools = p.schools(roles={Role.DPO}).values("pk")
    from directory.models import Membership

    people = Membership.objects.filter(
        Q(school__in=schools) | Q(desk__school__in=schools) | Q(**_scope_filter(p))
    ).values("user_id")
    return qs.filter(Q(school_id__in=schools) | Q(actor_id__in=people, school_id__isnull=True))


def _scope_filter(p) -> dict:
    """Memberships held at the DPO's own organisation scopes (académie, circonscription…)."""
    academies = sorted(g.scope_id for g in p.grants if g.role == Role.DPO and g.scope == "academie")
    collectivites = sorted(g.scope_id for g in p.grants if g.role == Role.DPO and g.scope == "collectivite")
    if academies:
        return {"academie_id__in": academies}
    if collectivites:
        return {"collectivite_id__in": collectivites}
    return {"pk__in": []}


def search(qs: QuerySet[AccessEntry], params) -> QuerySet[AccessEntry]:
    """Filters of the DPO page (all optional): q (person or object), interface, action, outcome,
    since / until (dates, YYYY-MM-DD)."""
    q = (params.get("q") or "").strip()
    if q:
        # references: the tickets a list or export showed (bulk reads).
        match = Q(actor_label__icontains=q) | Q(object_label__icontains=q) | Q(references__icontains=q)
        if _is_ip(q):
            match |= Q(ip_address=q)
        qs = qs.filter(match)
    for name in ("interface", "action", "outcome", "object_type"):
        if value := (params.get(name) or "").strip():
            qs = qs.filter(**{name: value})
    tz = timezone.get_current_timezone()
    if since := _date(params.get("since")):
        qs = qs.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min), tz))
    if until := _date(params.get("until")):
        qs = qs.filter(at__lte=timezone.make_aware(datetime.combine(until, time.max), tz))
    return qs


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _date(value):
    from datetime import date

    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None
