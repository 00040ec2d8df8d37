"""Who may read a ticket: ONE rule, written once as a queryset filter (`visible_q`).

Every reader uses it — lists (`visible_to`), the ticket page and the API detail (`ticket_for`),
boards (`visible_to ∩ desk`), the websocket, exports, pivot, privacy pages; the per-object check
`can_view` is that same filter applied to one row (one query), never a second copy in Python.

The rule, from `directory.selectors.perimeter_for(user)`:
- administrators read everything;
- the requester, and the school contacts / directors of the ticket's school;
- agents: tickets at their desks, and the schools of their (non-vendor) organisation;
- a vendor's agents (and API clients): exactly the tickets that reached one of that vendor's
  desks (`TicketVendorReach`, one row per vendor ever reached; see `reached_vendor_q` for the
  indexed shape) — never those of another vendor;
- managers and DPOs: the schools of their perimeter;
- observers (local trainers): tickets of their area that reached a vendor;
- security incidents (`breach_q`): only DPOs, the competent non-vendor authorities and the
  reporter — never vendors, observers or managers.

Inside a ticket, each entry (timeline line, comment, attachment) has one of three audiences, and
`entries_q(user, ticket)` is the one rule of which a reader reads — the page, the API, webhooks,
e-mails and live updates all go through it: public (every reader), chain (the readers of
`chain_q`: agents, vendors reached, managers, DPOs, observers — never the requester's side),
organisation (the chain readers of the author's organisation, `author_organisation`).

The other predicates below say which ROLE the user holds on a ticket (requester side, agent at
its desk, observer): rights are built on them, visibility is not.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Exists, OuterRef, Q, QuerySet

from directory.choices import Category, Role
from directory.models import ConventionSchool
from directory.selectors import organisation_keys, perimeter_for

from .models import Ticket, TicketVendorReach
from .states import Visibility

LIST_RELATED = ("school", "desk", "assignee", "requester")


HANDOVER_FLAG = "vendor_handover"


def handover_flag():
    """Per membership, in the perimeter's query: did the membership's vendor receive a ticket
    first sent to another vendor? (Then its lists add those few rows to the column's.)"""
    handed = TicketVendorReach.objects.filter(in_vendor_column=False)
    return Exists(handed.filter(vendor_id=OuterRef("desk__vendor_id"))) | Exists(handed.filter(vendor_id=OuterRef("vendor_id")))


def reached_vendor_q(vendor_ids, perimeter=None) -> Q:
    """Tickets that reached a desk of one of these vendors: the first vendor reached is the
    indexed column `Ticket.vendor` (lists walk ticket_vendor_*_idx in order); the others are the
    `TicketVendorReach` rows that column does not say, looked up only when the perimeter's query
    found some for these vendors (else the OR would make the database sort every visible row)."""
    ids = sorted(vendor_ids)
    q = Q(vendor_id__in=ids)
    if perimeter is None or perimeter.flagged(HANDOVER_FLAG, {Role.AGENT}):
        handed = TicketVendorReach.objects.filter(vendor_id__in=ids, in_vendor_column=False)
        q |= Q(pk__in=handed.values("ticket_id"))
    return q


def breach_q(user, p=None) -> Q:
    """Security incidents (personal-data breaches): only the DPOs and the competent authorities of
    the perimeter — non-vendor agents above the school, or at the non-vendor desk holding the
    ticket — and the person who reported it. Never vendors, observers or managers (rule owned by
    privacy, see docs/security.md)."""
    p = p or perimeter_for(user)
    parts = [Q(requester_id=user.pk), p.schools_q("school__", roles={Role.DPO})]
    own_desks = sorted({g.desk_id for g in p.grants if g.role == Role.AGENT and g.desk_id and g.scope != "vendor"})
    if own_desks:
        parts.append(Q(desk_id__in=own_desks, desk__vendor__isnull=True))
    authority = tuple(g for g in p.grants if g.role == Role.AGENT and g.scope not in ("vendor", "school"))
    if authority:
        parts.append(type(p)(p.user_id, False, authority).schools_q("school__", roles={Role.AGENT}))
    return reduce(operator.or_, parts)


def _parts(user, p) -> tuple[list[Q], list[Q]]:
    """The two halves of `visible_q` (before the breach rule): the requester's side (their own
    tickets, a school contact's school) and the support chain (every other way of reading)."""
    vendor_ids = p.vendor_ids({Role.AGENT})
    if p.grants and all(g.role == Role.AGENT and g.scope == "vendor" for g in p.grants):
        # A vendor's staff or API client: exactly what reached the vendor's desks (their own desks
        # are vendor desks, so "at my desk" is included; they never request tickets: opening one
        # needs a school-side grant).
        return [], [reached_vendor_q(vendor_ids, p)]
    requester = [Q(requester_id=user.pk)]
    # School contacts / directors: the whole school.
    contact_schools = sorted({g.scope_id for g in p.grants if g.is_school_contact and g.scope == "school"})
    if contact_schools:
        requester.append(Q(school_id__in=contact_schools))
    chain = []
    # Agents: their desks, and the schools of their (non-vendor) organisation.
    if p.desk_ids:
        chain.append(Q(desk_id__in=sorted(p.desk_ids)))
    agent_grants = tuple(g for g in p.grants if g.role == Role.AGENT and g.scope != "vendor")
    if agent_grants:
        chain.append(type(p)(p.user_id, False, agent_grants).schools_q("school__", roles={Role.AGENT}))
    # Vendor agents: only tickets that reached one of their vendor's desks.
    if vendor_ids:
        chain.append(reached_vendor_q(vendor_ids, p))
    # Managers and DPOs read within their perimeter.
    if p.has_role(Role.MANAGER, Role.DPO):
        chain.append(p.schools_q("school__", roles={Role.MANAGER, Role.DPO}))
    # Observers (local trainers): tickets of their area that reached the vendor.
    if p.has_role(Role.OBSERVER):
        chain.append(Q(reached_vendor=True) & p.schools_q("school__", roles={Role.OBSERVER}))
    return requester, chain


def visible_q(user) -> Q | None:
    """The Q of tickets `user` may read; None means everything (an unauthenticated user: nothing)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    p = perimeter_for(user)
    if p.everything:
        return None
    requester, chain = _parts(user, p)
    not_breach = ~Q(category=Category.SECURITY) | breach_q(user, p)
    return reduce(operator.or_, requester + chain) & not_breach


def chain_q(user) -> Q | None:
    """The tickets `user` reads as a party of the support chain — agents (a vendor's once the ticket
    reached it), managers, DPOs, observers — not merely as the requester or a school contact."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    p = perimeter_for(user)
    if p.everything:
        return None
    _requester, chain = _parts(user, p)
    if not chain:
        return Q(pk__in=[])
    return reduce(operator.or_, chain) & (~Q(category=Category.SECURITY) | breach_q(user, p))


def visible_to(user) -> QuerySet[Ticket]:
    """The tickets `user` may read (list order and related rows as every list uses them)."""
    base = Ticket.objects.select_related(*LIST_RELATED)
    q = visible_q(user)
    return base if q is None else base.filter(q)


def _one_row(q: Q | None, ticket) -> bool:
    return q is None or Ticket.objects.filter(q, pk=getattr(ticket, "pk", ticket)).exists()


def _ticket_fact(user, rule: str, make_q, ticket) -> bool:
    """`make_q()` applied to this one ticket: one query, asked once per perimeter (a request) for
    a given state of a ticket instance — the page, its panels and its buttons ask the same; a bare
    pk is asked every time."""
    if not isinstance(ticket, Ticket) or ticket.pk is None:
        return _one_row(make_q(), ticket)
    key = (rule, ticket.pk, ticket.version, ticket.state, ticket.desk_id, ticket.school_id, ticket.category)
    return perimeter_for(user).remember(key, lambda: _one_row(make_q(), ticket))


def can_view(user, ticket) -> bool:
    """`visible_q(user)` applied to this one ticket (one query; a pk is accepted too)."""
    if user is None or not user.is_authenticated:
        return False
    return _ticket_fact(user, "visible", lambda: visible_q(user), ticket)


def readers_among(ticket, user_ids, entry=None) -> set[int]:
    """The people among `user_ids` who may read `ticket` (`can_view`, the same rule) — and `entry`
    if given (`entries_q`): who may be told about it by mail or in the app (a desk's member or a
    manager of the school may not, e.g. for a security incident; nobody outside its organisation
    of an organisation-only note)."""
    from django.contrib.auth import get_user_model

    ids = {uid for uid in user_ids if uid is not None}
    if not ids:
        return set()
    people = get_user_model().objects.filter(pk__in=sorted(ids), is_active=True)
    if entry is not None:
        return {person.pk for person in people if may_read_entry(person, entry)}
    return {person.pk for person in people if can_view(person, ticket)}


def may_view_breach(user, ticket, perimeter=None) -> bool:
    """`breach_q` applied to this one ticket (whatever its category: callers ask it of breaches)."""
    if user is None or not user.is_authenticated:
        return False
    p = perimeter or perimeter_for(user)
    return p.everything or _one_row(breach_q(user, p), ticket)


def can_see_internal(user, ticket) -> bool:
    """The support side's page (SLA, level, desk, actions): agents, managers, DPOs and admins who
    can see the ticket; not requesters or observers. Which ENTRIES a person reads is `entries_q`."""
    p = perimeter_for(user)
    return p.everything or (p.has_role(Role.AGENT, Role.MANAGER, Role.DPO) and can_view(user, ticket))


# --- the three audiences of an entry (timeline line, comment, attachment) ------------------------

def reads_chain(user, ticket, perimeter=None) -> bool:
    """Does `user` read `ticket` as a party of the support chain (`chain_q`, one query)?"""
    if user is None or not user.is_authenticated:
        return False
    return _ticket_fact(user, "chain", lambda: chain_q(user), ticket)


def _voice_grants(p):
    # A requester grant gives no organisation voice: a teacher never reads the notes of their school's desk.
    return [g for g in p.grants if g.role != Role.REQUESTER]


def reader_organisations(user, perimeter=None) -> set[str]:
    """The organisation keys whose organisation-only entries `user` reads (see directory.selectors)."""
    p = perimeter or perimeter_for(user)
    return set(organisation_keys(_voice_grants(p), p)) - {""}


def entries_q(user, ticket) -> Q | None:
    """THE rule of the entries of a ticket (TicketEvent, Comment, Attachment: `visibility` and
    `organisation`) that `user` — who reads the ticket — may read; None means all of them:
    - public: every reader of the ticket;
    - chain: the readers of the support chain (`reads_chain`), never the requester's side;
    - organisation: the readers of the chain whose organisation (a grant's key) wrote it;
    - platform administrators read everything."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    p = perimeter_for(user)
    if p.everything:
        return None
    public = Q(visibility=Visibility.PUBLIC)
    if not reads_chain(user, ticket, p):
        return public
    return public | Q(visibility=Visibility.CHAIN) | Q(
        visibility=Visibility.ORGANISATION, organisation__in=sorted(reader_organisations(user, p)))


def may_read_entry(user, entry) -> bool:
    """Does `user` read this entry: its ticket (`can_view`) and the entry (`entries_q`)?"""
    if not can_view(user, entry.ticket_id):
        return False
    q = entries_q(user, entry.ticket)
    return q is None or type(entry).objects.filter(q, pk=entry.pk).exists()


def author_organisation(user, ticket, perimeter=None) -> str:
    """The organisation an entry written by `user` on `ticket` belongs to: that of their grant on
    the ticket — an agent at its desk speaks for the desk's owner, else their first grant covering
    the ticket's school, else their first grant ("" when they have none: a platform admin)."""
    p = perimeter or perimeter_for(user)
    grants = _voice_grants(p)
    keys = organisation_keys(grants, p)
    for g, key in zip(grants, keys, strict=True):
        if key and g.role == Role.AGENT and ticket.desk_id and g.desk_id == ticket.desk_id:
            return key
    for g, key in zip(grants, keys, strict=True):
        if key and covers(type(p)(p.user_id, False, (g,)), ticket.school, {g.role}):
            return key
    return next((key for key in keys if key), "")


def audiences_for(user, ticket, perimeter=None) -> tuple[str, ...]:
    """The audiences `user` may write to on `ticket`, the default first: the requester's side
    always writes public; an observer (formateur) writes to the chain unless they choose the
    teacher; an agent replies publicly by default, or writes to the chain or their organisation."""
    p = perimeter or perimeter_for(user)
    if not p.everything and not reads_chain(user, ticket, p):
        return (Visibility.PUBLIC,)
    if not p.everything and not any(g.role != Role.OBSERVER for g in _voice_grants(p)):
        return (Visibility.CHAIN, Visibility.PUBLIC)
    return (Visibility.PUBLIC, Visibility.CHAIN, Visibility.ORGANISATION)


def chosen_audience(user, ticket, visibility="", internal=False) -> tuple[str, str]:
    """(visibility, organisation key) of what `user` writes on `ticket`: the audience they chose
    among `audiences_for` (none chosen: the chain for an internal note, else their default; an
    internal note is never public). Bad or forbidden choice: ValidationError on `visibility`."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    allowed = audiences_for(user, ticket)
    visibility = (visibility or "").strip()
    if visibility and visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Destinataires inconnus : « %(value)s » (public, chain ou organisation).")
                               % {"value": visibility[:40]}})
    if not visibility or (internal and visibility == Visibility.PUBLIC):
        visibility = Visibility.CHAIN if internal else allowed[0]
    if visibility not in allowed:
        raise ValidationError({"visibility": _("Vous ne pouvez écrire que pour : %(allowed)s.")
                               % {"allowed": ", ".join(str(Visibility(v).label) for v in allowed)}})
    organisation = author_organisation(user, ticket)
    if visibility == Visibility.ORGANISATION and not organisation:
        raise ValidationError({"visibility": _("Vous n'appartenez à aucune organisation de cette demande : "
                                               "choisissez le public ou la chaîne de support.")})
    return visibility, organisation


# --- roles on one ticket (rights are built on these; visibility is not) ---------------------------

def _scope_ids(school) -> dict[str, int | None]:
    return {
        "school": school.pk,
        "circonscription": school.circonscription_id,
        "academie": school.academie_id,
        "collectivite": school.collectivite_id,
    }


def covers(perimeter, school, roles) -> bool:
    """Does one of the grants with these roles cover the school? Queries only for region/vendor."""
    if perimeter.everything:
        return True
    ids = _scope_ids(school)
    for g in perimeter.grants:
        if g.role not in roles:
            continue
        if g.scope in ids and ids[g.scope] == g.scope_id:
            return True
        if g.scope == "region" and school.academie.region_id == g.scope_id:
            return True
        if g.scope == "vendor" and ConventionSchool.objects.filter(
            school_id=school.pk, convention__product__vendor_id=g.scope_id
        ).exists():
            return True
    return False


def is_requester_side(user, ticket, perimeter=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if ticket.requester_id == user.pk:
        return True
    perimeter = perimeter or perimeter_for(user)
    return any(
        g.is_school_contact and g.scope == "school" and g.scope_id == ticket.school_id for g in perimeter.grants
    )


def is_agent_at_desk(user, ticket, perimeter=None) -> bool:
    if not ticket.desk_id or user is None:
        return False
    perimeter = perimeter or perimeter_for(user)
    return any(g.role == Role.AGENT and g.desk_id == ticket.desk_id for g in perimeter.grants)


def is_follower_of(user, ticket, perimeter=None) -> bool:
    """An agent of a desk the ticket was at before its current one, who still reads it (the desk
    that escalated keeps following: it reads, comments and hears the vendor's answer)."""
    if user is None:
        return False
    perimeter = perimeter or perimeter_for(user)
    desks = {g.desk_id for g in perimeter.grants if g.role == Role.AGENT and g.desk_id} - {ticket.desk_id}
    return bool(desks) and ticket.events.filter(to_desk_id__in=sorted(desks)).exists() and can_view(user, ticket)


def is_observer_of(user, ticket, perimeter=None) -> bool:
    perimeter = perimeter or perimeter_for(user)
    return ticket.reached_vendor and covers(perimeter, ticket.school, {Role.OBSERVER})
