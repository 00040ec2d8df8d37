"""Reads of tickets, always scoped through the one access rule (`tickets.access.visible_q`).

Each selector builds one queryset (the perimeter costs one query, cached on the user): listing a
page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from directory.choices import Category, Role
from directory.selectors import desks_for, organisation_labels, perimeter_for

from . import access
from .access import LIST_RELATED, breach_q, entries_q, visible_to  # noqa: F401  (the one rule)
from .models import ACTIVE, Comment, State, Ticket, TicketEvent
from .states import Visibility


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(*LIST_RELATED)


def visibility_q(user) -> Q | None:
    """The Q of tickets `user` may read; None means everything (`tickets.access.visible_q`)."""
    return access.visible_q(user)


def desk_tickets(user, desk) -> QuerySet[Ticket]:
    """Exactly `visible_to(user).filter(desk=desk)`, without the perimeter's OR when the user is an
    agent of that desk: the board's queries then walk the desk's indexes alone. Same set, because
    an agent of a desk reads all of it (`desk_id IN my desks`; at a vendor desk, every ticket there
    reached that vendor) except, at a vendor desk, the security incidents `breach_q` keeps out
    (asserted in tests/tickets/test_access_property.py)."""
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


def board_desk(user, slug):
    """The desk whose board `user` may open (one of `desks_for(user)`), or None."""
    return desks_for(user).filter(slug=slug).first()


def board_tickets(user, desk, params):
    """Tickets of a board after its filters, sorted; the counts per state (before the state
    filter, one GROUP BY on the desk's index); and the number of rows when it follows from them."""
    base = desk_tickets(user, desk)
    counts = capped_state_counts(base)
    active = list(ACTIVE)
    state = params.get("etat") or ""

    def exact(n):  # a sum of counters is a count only when none of them stopped at the cap
        return n if all(v <= COUNT_CAP for v in counts.values()) else None

    if state == "tous":
        scoped, known = base, exact(sum(counts.values()))
    elif state in State.values:
        n = counts.get(state, 0)
        scoped, known = base.filter(state=state), (n if n <= COUNT_CAP else None)
    else:
        # Same IN list as the partial index ticket_desk_sla_idx, so the database can use it.
        scoped, known = base.filter(state__in=active), exact(sum(counts.get(s, 0) for s in active))
    if (priority := params.get("priorite")) and priority.isdigit():
        scoped, known = scoped.filter(priority=int(priority)), None
    if (category := params.get("categorie")) in Category.values:
        scoped, known = scoped.filter(category=category), None
    assigned = params.get("pris")
    if assigned == "moi":
        scoped, known = scoped.filter(assignee=user), None
    elif assigned == "personne":
        scoped, known = scoped.filter(assignee__isnull=True), None
    if q := (params.get("q") or "").strip():
        scoped, known = scoped.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(school__name__icontains=q) | Q(school__uai__iexact=q)), None
    sort = params.get("tri") if params.get("tri") in BOARD_SORTS else "sla"
    if sort == "sla":
        # Ticket.sla_due_at is kept by the clock engine: an indexed sort, no subquery per row.
        scoped = scoped.order_by(F("sla_due_at").asc(nulls_last=True), "priority", "created_at", "pk")
    elif sort == "age":
        scoped = scoped.order_by("created_at", "pk")
    else:
        scoped = scoped.order_by("priority", "created_at", "pk")
    return scoped, counts, sort, known


BOARD_SORTS = ("sla", "priority", "age")

# Counting stops here: a COUNT(*) over a desk of 300,000 tickets reads 300,000 index entries (tens
# of ms on SQLite) to print a figure nobody reads beyond "more than a thousand".
COUNT_CAP = 1000


def capped_state_counts(base, cap=COUNT_CAP) -> dict:
    """{state: number of `base`'s tickets in it} for the states that have some, each counted up to
    cap + 1 (cap + 1 meaning "more than cap"), in one query: one bounded walk of the (desk, state)
    index per state instead of the whole desk."""
    if base.query.is_empty():
        return {}
    parts, params = [], []
    for i, value in enumerate(State.values):
        sub = base.filter(state=value).order_by().values("pk")[: cap + 1]
        try:
            sql, sub_params = sub.query.get_compiler(using=sub.db).as_sql()
        except EmptyResultSet:
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{i})")  # nosec B608 - Django-compiled SQL, values as params
        params.extend(sub_params)
    with connections[base.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {value: n for value, n in zip(State.values, row) if n}


def boards_overview(user):
    """The boards `user` may open with their number of open visible tickets, and (observers) the
    tickets of their area sent to a vendor that they follow."""
    visible = visible_to(user).filter(state__in=list(ACTIVE))
    desks = list(desks_for(user).order_by("level", "name"))
    counts = dict(visible.filter(desk__in=[d.pk for d in desks]).order_by().values_list("desk").annotate(n=Count("pk")))
    followed = []
    if Role.OBSERVER in perimeter_for(user).roles:
        # Local trainers follow the tickets of their area sent to the vendor (read + comment).
        followed = list(visible.filter(reached_vendor=True).select_related("desk", "school").order_by("-created_at")[:100])
    return [(d, counts.get(d.pk, 0)) for d in desks], followed


def privacy_cases(user, categories):
    """A DPO's cases of these categories, the open ones first (20 open, 10 others)."""
    cases = visible_to(user).filter(category__in=categories).select_related("school")
    active = list(ACTIVE)
    return (list(cases.filter(state__in=active).order_by("-created_at")[:20])
            + list(cases.exclude(state__in=active).order_by("-created_at")[:10]))


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


def visible_ticket(user, reference: str) -> Ticket | None:
    """One visible ticket by reference, or None."""
    return visible_to(user).filter(reference=reference).first()


def _entries(user, ticket, qs):
    q = access.entries_q(user, ticket)
    return qs if q is None else qs.filter(q)


def timeline_for(user, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events the user may read (`tickets.access.entries_q`: the three audiences)."""
    return _entries(user, ticket, ticket.events.select_related("actor", "from_desk", "to_desk").order_by("id"))


def comments_for(user, ticket: Ticket) -> QuerySet[Comment]:
    return _entries(user, ticket, ticket.comments.select_related("author").order_by("id"))


def attachments_for(user, ticket: Ticket):
    return _entries(user, ticket, ticket.attachments.select_related("uploaded_by").order_by("id"))


AUDIENCE_BADGES = {Visibility.PUBLIC: _("Public"), Visibility.CHAIN: _("Chaîne de support")}


def with_audiences(entries):
    """Give each entry its `audience` ("Public", "Chaîne de support", "Mon organisation (Académie
    de …)") and `organisation_label`, in one query per kind of organisation named."""
    entries = list(entries)
    labels = organisation_labels(e.organisation for e in entries if e.organisation)
    for e in entries:
        e.organisation_label = labels.get(e.organisation, "")
        if e.visibility == Visibility.ORGANISATION:
            e.audience = _("Mon organisation (%(name)s)") % {"name": e.organisation_label or _("inconnue")}
        else:
            e.audience = str(AUDIENCE_BADGES.get(e.visibility, e.visibility))
    return entries


def notifications_of(user):
    """The person's own notifications (the bell), newest first; nobody reads another's."""
    from .models import Notification

    return Notification.objects.filter(user=user).select_related("ticket")


def unread_notifications(user):
    return notifications_of(user).filter(read_at__isnull=True)


# --- where an escalation or a route would send the ticket (the forms name it before sending) ------

@dataclass(frozen=True)
class Destination:
    """Where a move would send the ticket, and why — or why it cannot be offered (`blocked`).
    `needs_qualification`: the desk is a vendor's and its matrix cell gives no direct access, so
    the escalating desk must fill the qualification and a proven malfunction (or no solution)."""

    desk: object = None
    level: int | None = None
    reason: str = ""
    fallback: bool = False
    needs_qualification: bool = False
    blocked: str = ""

    @property
    def line(self) -> str:
        """"Support technique Région Grand Est — réseau et matériel d'un lycée, compétence de la Région"."""
        return f"{self.desk.name} — {self.reason}" if self.desk is not None else ""


def _vendor_refusal(ticket, desk) -> str:
    """The product's rule a vendor desk never waives (network and hardware), as the guard words it."""
    from .exceptions import GuardFailed
    from .qualification import check_ready_for_vendor

    if desk.vendor_id is None:
        return ""
    try:
        check_ready_for_vendor(ticket, direct_access=True)
    except GuardFailed as exc:
        return exc.message
    return ""


def escalation_preview(ticket) -> Destination:
    """The next level's desk for `ticket` as `escalate` would find it (directory.routing.first_route
    above the ticket's level, with its resource), or why there is none."""
    from directory.routing import ExternalEditor, Unresolved, first_route

    from . import workflow
    from .guards import routes_for

    if ticket.convention_id is None:
        return Destination(blocked=_("Aucune convention n'est associée à ce ticket : le niveau supérieur est inconnu."))
    try:
        nxt = first_route(routes_for(ticket), ticket.category, ticket.school, above=ticket.level,
                          resource=ticket.resource)
    except ExternalEditor as exc:
        if ticket.resource_id is not None and exc.editor.pk == ticket.resource.editor_id:
            return Destination(blocked=_(
                "Au niveau supérieur, la convention désigne l'éditeur %(editor)s, qui n'a pas de guichet dans l'outil : "
                "utilisez « %(action)s » pour lui transmettre la demande.")
                % {"editor": exc.editor, "action": workflow.get("forward_external").label})
        return Destination(blocked=_(
            "Au niveau supérieur, la convention désigne l'éditeur %(editor)s, qui n'a pas de guichet dans l'outil : "
            "un administrateur doit lui créer un guichet.") % {"editor": exc.editor})
    except Unresolved as exc:
        return Destination(blocked=_("Le niveau supérieur ne peut pas être trouvé : %(why)s") % {"why": exc})
    if nxt is None:
        return Destination(blocked=_(
            "Dans la convention %(convention)s, aucun niveau au-dessus du niveau %(level)s ne traite la catégorie "
            "« %(category)s ».") % {"convention": ticket.convention.reference, "level": ticket.level,
                                   "category": ticket.get_category_display()})
    refusal = _vendor_refusal(ticket, nxt.desk)
    if refusal:
        return Destination(desk=nxt.desk, level=nxt.level, reason=nxt.reason, blocked=refusal)
    direct = bool(nxt.route and nxt.route.direct_access and not nxt.fallback)
    return Destination(desk=nxt.desk, level=nxt.level, reason=nxt.reason, fallback=nxt.fallback,
                       needs_qualification=nxt.desk.vendor_id is not None and not direct)


def route_preview(ticket) -> dict:
    """desk pk → Destination for every desk `route` may send the ticket to (the convention's chain
    at its level): why the matrix names that desk for this school — the cell of the ticket's
    category first — and whether it would ask the qualification (a vendor's desk)."""
    from directory.routing import Unresolved, resolve

    from .guards import direct_access_to, route_targets, routes_for

    targets = route_targets(ticket)
    if not targets:
        return {}
    reasons: dict[int, str] = {}
    routes = [r for r in routes_for(ticket) if r.level == ticket.level and r.handles]
    for route in sorted(routes, key=lambda r: r.category != ticket.category):
        try:
            desk, reason = resolve(route, ticket.school, ticket.resource)
        except Unresolved:
            continue
        reasons.setdefault(desk.pk, reason)
    spare = ticket.convention.fallback_desk_id
    found = {}
    for desk in targets:
        reason = reasons.get(desk.pk) or (_("guichet de repli de la convention") if desk.pk == spare else _("chaîne de support de la convention"))
        found[desk.pk] = Destination(
            desk=desk, level=desk.level, reason=reason, fallback=desk.pk == spare and desk.pk not in reasons,
            needs_qualification=desk.vendor_id is not None and not direct_access_to(ticket, desk),
            blocked=_vendor_refusal(ticket, desk))
    return found
