"""Reads of tickets, always scoped through `perimeter_for(user)`.

Each selector builds one queryset (the perimeter costs one query, cached on the user): listing a
page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Q, QuerySet

from directory.choices import Category, Role
from directory.selectors import perimeter_for

from .models import ACTIVE, Comment, State, Ticket, TicketEvent
from .permissions import can_see_internal

LIST_RELATED = ("school", "desk", "assignee", "requester")


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(*LIST_RELATED)


def visibility_q(user) -> Q | None:
    """The Q of tickets `user` may read; None means everything."""
    p = perimeter_for(user)
    if p.everything:
        return None
    if p.grants and all(g.role == Role.AGENT and g.scope == "vendor" for g in p.grants):
        # A vendor's staff or API client: exactly what reached the vendor's desks (they never
        # request tickets: opening one needs a school-side grant). A single indexed column, so
        # lists walk ticket_vendor_*_idx in order instead of sorting every visible row.
        return Q(vendor_id__in=sorted(p.vendor_ids({Role.AGENT}))) & (~Q(category=Category.SECURITY) | breach_q(user, p))
    parts = [Q(requester_id=user.pk)]
    # School contacts / directors: the whole school.
    contact_schools = sorted({g.scope_id for g in p.grants if g.is_school_contact and g.scope == "school"})
    if contact_schools:
        parts.append(Q(school_id__in=contact_schools))
    # Agents: their desks, and the schools of their (non-vendor) organisation.
    if p.desk_ids:
        parts.append(Q(desk_id__in=sorted(p.desk_ids)))
    agent_grants = [g for g in p.grants if g.role == Role.AGENT and g.scope != "vendor"]
    if agent_grants:
        parts.append(type(p)(p.user_id, False, tuple(agent_grants)).schools_q("school__", roles={Role.AGENT}))
    # Vendor agents: only tickets that reached one of their vendor's desks.
    vendor_ids = sorted(p.vendor_ids({Role.AGENT}))
    if vendor_ids:
        # `vendor` is set when the ticket first reaches one of the vendor's desks (and never cleared):
        # one indexed column instead of a subquery over the timeline.
        parts.append(Q(vendor_id__in=vendor_ids))
    # Managers and DPOs read within their perimeter.
    if p.has_role(Role.MANAGER, Role.DPO):
        parts.append(p.schools_q("school__", roles={Role.MANAGER, Role.DPO}))
    # Observers (local trainers): tickets of their area that reached the vendor.
    if p.has_role(Role.OBSERVER):
        parts.append(Q(reached_vendor=True) & p.schools_q("school__", roles={Role.OBSERVER}))
    return reduce(operator.or_, parts) & (~Q(category=Category.SECURITY) | breach_q(user, p))


def breach_q(user, p) -> Q:
    """Security incidents (personal-data breaches): only the DPOs and the competent authorities of
    the perimeter — non-vendor agents above the school, or at the desk holding the ticket — and the
    person who reported it. Never vendors, observers or managers (rule owned by privacy, see
    docs/security.md)."""
    parts = [Q(requester_id=user.pk), p.schools_q("school__", roles={Role.DPO})]
    own_desks = sorted({g.desk_id for g in p.grants if g.role == Role.AGENT and g.desk_id and g.scope != "vendor"})
    if own_desks:
        parts.append(Q(desk_id__in=own_desks, desk__vendor__isnull=True))
    authority = tuple(g for g in p.grants if g.role == Role.AGENT and g.scope not in ("vendor", "school"))
    if authority:
        parts.append(type(p)(p.user_id, False, authority).schools_q("school__", roles={Role.AGENT}))
    return reduce(operator.or_, parts)


def visible_to(user) -> QuerySet[Ticket]:
    if user is None or not user.is_authenticated:
        return Ticket.objects.none()
    q = visibility_q(user)
    return _base() if q is None else _base().filter(q)


def desk_tickets(user, desk) -> QuerySet[Ticket]:
    """`visible_to(user).filter(desk=desk)`, without the perimeter's OR when the user is an agent of
    that desk (they see all of it, security incidents only at a non-vendor desk): the board's
    queries then walk the desk's indexes alone."""
    if user is None or not user.is_authenticated:
        return Ticket.objects.none()
    p = perimeter_for(user)
    at_desk = [g for g in p.grants if g.role == Role.AGENT and g.desk_id == desk.pk]
    if not at_desk and not p.everything:
        return visible_to(user).filter(desk=desk)
    qs = _base().filter(desk=desk)
    if p.everything:
        return qs
    if desk.vendor_id is None and any(g.scope != "vendor" for g in at_desk):
        return qs
    return qs.filter(~Q(category=Category.SECURITY) | breach_q(user, p))


def actionable_by(user) -> QuerySet[Ticket]:
    """The user's work queue: open tickets at their desks, and their own tickets awaiting them."""
    if user is None or not user.is_authenticated:
        return Ticket.objects.none()
    p = perimeter_for(user)
    parts = []
    desk_ids = sorted({g.desk_id for g in p.grants if g.role == Role.AGENT and g.desk_id})
    vendor_desk_ids = sorted({g.desk_id for g in p.grants if g.role == Role.AGENT and g.desk_id and g.scope == "vendor"})
    other_desk_ids = [d for d in desk_ids if d not in vendor_desk_ids]
    if other_desk_ids:
        parts.append(Q(desk_id__in=other_desk_ids, state__in=ACTIVE))
    if vendor_desk_ids:
        # Breaches never reach a vendor's eyes, even when one sits at its desk (see breach_q).
        parts.append(Q(desk_id__in=vendor_desk_ids, state__in=ACTIVE) & ~Q(category=Category.SECURITY))
    # Only people who can be requesters get that branch: an OR would keep the database from
    # walking the desk queue index in order.
    if not desk_ids or p.has_role(Role.REQUESTER) or any(g.is_school_contact for g in p.grants):
        parts.append(Q(requester_id=user.pk, state__in=[State.WAITING_REQUESTER, State.RESOLVED]))
    return _base().filter(reduce(operator.or_, parts)).order_by("priority", "created_at", "pk")


def ticket_for(user, reference: str) -> Ticket:
    """One visible ticket by reference; raises Ticket.DoesNotExist (→ 404) otherwise."""
    return visible_to(user).get(reference=reference)


def timeline_for(user, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events the user may read (internal notes only for agents/managers)."""
    qs = ticket.events.select_related("actor", "from_desk", "to_desk").order_by("id")
    if not can_see_internal(user, ticket):
        qs = qs.filter(public=True)
    return qs


def comments_for(user, ticket: Ticket) -> QuerySet[Comment]:
    qs = ticket.comments.select_related("author").order_by("id")
    if not can_see_internal(user, ticket):
        qs = qs.filter(public=True)
    return qs


def attachments_for(user, ticket: Ticket):
    qs = ticket.attachments.select_related("uploaded_by").order_by("id")
    if not can_see_internal(user, ticket):
        qs = qs.filter(public=True)
    return qs


def unread_notifications(user):
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).select_related("ticket")
