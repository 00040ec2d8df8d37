"""Reads of the directory. `perimeter_for(user)` is the single answer to "which schools and desks
does this person act on, in which role"; every list of tickets, dashboards, exports and the API
go through it."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Q, QuerySet

from .choices import Role
from .models import (
    Academie, Circonscription, Collectivite, ConventionSchool, Desk, Membership, RegionAcademique, School, Vendor,
)

_SCOPE_FIELDS = ("school", "circonscription", "academie", "region", "collectivite", "vendor")


@dataclass(frozen=True)
class Grant:
    """One role over one organisation scope (a desk membership grants its owner's scope)."""

    role: str
    scope: str  # one of _SCOPE_FIELDS, or "all"
    scope_id: int | None
    desk_id: int | None = None
    is_school_contact: bool = False
    # Facts other apps attach to the membership, read in the perimeter's one query (PERIMETER_FLAGS).
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Perimeter:
    user_id: int | None
    everything: bool
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    # Facts derived from these grants, computed once for as long as the perimeter is cached (a
    # request; a websocket message): see `remember`.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def remember(self, key, compute):
        """`compute()`, once per perimeter for this key (the key says everything the fact depends on
        besides the grants)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def roles(self) -> frozenset[str]:
        roles = {g.role for g in self.grants}
        if self.everything:
            roles.add(Role.ADMIN)
        return frozenset(roles)

    def has_role(self, *roles: str) -> bool:
        return self.everything or any(g.role in roles for g in self.grants)

    @property
    def desk_ids(self) -> frozenset[int]:
        """Desks the user is a member of (where their work lands)."""
        return frozenset(g.desk_id for g in self.grants if g.desk_id)

    def vendor_ids(self, roles=None) -> frozenset[int]:
        return frozenset(g.scope_id for g in self._grants(roles) if g.scope == "vendor")

    def flagged(self, name: str, roles=None) -> bool:
        return any(name in g.flags for g in self._grants(roles))

    def _grants(self, roles):
        return [g for g in self.grants if roles is None or g.role in roles]

    def schools_q(self, prefix: str = "", roles=None) -> Q:
        """A Q on School, or on a model with a school FK given `prefix="school__"`.

        Built without queries: vendor coverage is a subquery evaluated by the database.
        """
        if self.everything:
            return Q()
        by_scope: dict[str, set[int]] = {}
        for grant in self._grants(roles):
            by_scope.setdefault(grant.scope, set()).add(grant.scope_id)
        pk = f"{prefix}pk"
        parts = []
        if ids := by_scope.get("school"):
            parts.append(Q(**{f"{pk}__in": sorted(ids)}))
        for scope, path in (
            ("circonscription", "circonscription_id"),
            ("academie", "academie_id"),
            ("region", "academie__region_id"),
            ("collectivite", "collectivite_id"),
        ):
            if ids := by_scope.get(scope):
                parts.append(Q(**{f"{prefix}{path}__in": sorted(ids)}))
        if ids := by_scope.get("vendor"):
            covered = ConventionSchool.objects.filter(convention__product__vendor_id__in=sorted(ids))
            parts.append(Q(**{f"{pk}__in": covered.values("school_id")}))
        if not parts:
            return Q(**{f"{pk}__in": []})
        return reduce(operator.or_, parts)

    def schools(self, roles=None) -> QuerySet[School]:
        return School.objects.filter(self.schools_q(roles=roles))

    def covers_school(self, school: School, roles=None) -> bool:
        return self.schools(roles).filter(pk=school.pk).exists()


# Boolean facts other apps compute per membership inside the perimeter's one query: name → a
# function returning an expression on Membership. Apps register here (this app imports none).
PERIMETER_FLAGS: dict = {}


def register_perimeter_flag(name: str, expression) -> None:
    PERIMETER_FLAGS[name] = expression


def _grant_from_membership(m: Membership) -> Grant:
    flags = frozenset(name for name in PERIMETER_FLAGS if getattr(m, f"flag_{name}", False))
    if m.desk_id:
        desk = m.desk
        for scope in _SCOPE_FIELDS:
            scope_id = getattr(desk, f"{scope}_id")
            if scope_id:
                return Grant(m.role, scope, scope_id, desk_id=desk.pk, is_school_contact=m.is_school_contact, flags=flags)
    for scope in _SCOPE_FIELDS:
        scope_id = getattr(m, f"{scope}_id")
        if scope_id:
            return Grant(m.role, scope, scope_id, is_school_contact=m.is_school_contact, flags=flags)
    return Grant(m.role, "all", None, flags=flags)


def perimeter_for(user) -> Perimeter:
    """The user's perimeter, computed with one query and cached on the user object."""
    if user is None or not user.is_authenticated:
        return Perimeter(user_id=None, everything=False)
    cached = getattr(user, "_perimeter", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user_id=user.pk).select_related("desk")
    if PERIMETER_FLAGS:
        rows = rows.annotate(**{f"flag_{name}": expression() for name, expression in PERIMETER_FLAGS.items()})
    grants = tuple(_grant_from_membership(m) for m in rows)
    everything = user.is_superuser or any(g.role == Role.ADMIN and g.scope == "all" for g in grants)
    perimeter = Perimeter(user_id=user.pk, everything=everything, grants=grants)
    user._perimeter = perimeter
    return perimeter


def forget_perimeter(user) -> None:
    """Drop the cached perimeter (a long-lived user object, e.g. a websocket's, re-reads it)."""
    if user is not None:
        user.__dict__.pop("_perimeter", None)


# --- organisations (who reads an organisation-only entry: tickets.access.entries_q) ---------------

# A circonscription's desks and people belong to their académie ("academie:<id>").
_KEY_SCOPES = ("school", "academie", "region", "collectivite", "vendor")


def organisation_keys(grants, perimeter: Perimeter | None = None) -> list[str]:
    """The organisation key of each grant, in order ("" for a grant of the whole platform): its
    scope and id, a circonscription counting as its académie (one query, only if there is one;
    once per perimeter when the grants are some of `perimeter`'s)."""
    def academies():
        circonscriptions = sorted({g.scope_id for g in (perimeter.grants if perimeter else grants) if g.scope == "circonscription"})
        return dict(Circonscription.objects.filter(pk__in=circonscriptions).values_list("pk", "academie_id")) if circonscriptions else {}

    academie_of = perimeter.remember("academie_of_circonscription", academies) if perimeter else academies()
    keys = []
    for g in grants:
        if g.scope == "circonscription":
            keys.append(f"academie:{academie_of[g.scope_id]}" if g.scope_id in academie_of else "")
        else:
            keys.append(f"{g.scope}:{g.scope_id}" if g.scope in _KEY_SCOPES else "")
    return keys


_KEY_MODELS = {"school": School, "academie": Academie, "region": RegionAcademique, "collectivite": Collectivite, "vendor": Vendor}


def organisation_labels(keys) -> dict[str, str]:
    """key → what a person reads for it: the organisation's name ("Académie de Montpellier"; the
    key itself when it names nothing known any more). One query per kind of organisation."""
    wanted: dict[str, set[int]] = {}
    for key in set(keys) - {""}:
        scope, _sep, pk = key.partition(":")
        if scope in _KEY_MODELS and pk.isdigit():
            wanted.setdefault(scope, set()).add(int(pk))
    labels = {key: key for key in keys if key}
    for scope, ids in wanted.items():
        for row in _KEY_MODELS[scope].objects.filter(pk__in=sorted(ids)):
            labels[f"{scope}:{row.pk}"] = str(row)
    return labels


def desks_for(user) -> QuerySet[Desk]:
    """Desks a user works on or supervises: their desk memberships and desks owned by their scopes."""
    perimeter = perimeter_for(user)
    if perimeter.everything:
        return Desk.objects.all()
    q = Q(pk__in=sorted(perimeter.desk_ids))
    for grant in perimeter.grants:
        if grant.scope in _SCOPE_FIELDS:
            q |= Q(**{f"{grant.scope}_id": grant.scope_id})
    return Desk.objects.filter(q)


def member_desks(user) -> list[Desk]:
    """The desks the user is a member of (their own boards: a subset of `desks_for`)."""
    desk_ids = perimeter_for(user).desk_ids
    return list(desks_for(user).filter(pk__in=sorted(desk_ids))) if desk_ids else []


def may_open_board(user, desk_id: int) -> bool:
    """A desk's board opens iff the desk is one of `desks_for(user)`."""
    return desks_for(user).filter(pk=desk_id).exists()


def people_covering(school, role) -> set[int]:
    """Ids of the people with `role` whose grant covers `school` (the school itself, its
    circonscription, académie, collectivité or région): managers, formateurs, DPOs."""
    from django.db.models import Q

    from .models import Membership

    q = Q(school_id=school.pk) | Q(academie_id=school.academie_id)
    if school.circonscription_id:
        q |= Q(circonscription_id=school.circonscription_id)
    if school.collectivite_id:
        q |= Q(collectivite_id=school.collectivite_id)
    if school.academie.region_id:
        q |= Q(region_id=school.academie.region_id)
    return set(Membership.objects.filter(q, role=role).values_list("user_id", flat=True).distinct())


# --- conventions (the conventions page: web/views/conventions.py) -------------------------------

CONVENTION_ROLES = (Role.AGENT, Role.MANAGER)


def conventions_q(user) -> Q | None:
    """The conventions a person reads on the conventions page: an administrator all; an agent or
    manager those of their académie (or région académique, or an académie of it), of their
    collectivité, or covering a school of their circonscription. None: no convention at all."""
    perimeter = perimeter_for(user)
    if perimeter.everything:
        return Q()
    parts = []
    for g in perimeter.grants:
        if g.role not in CONVENTION_ROLES:
            continue
        if g.scope == "academie":
            parts.append(Q(academie_id=g.scope_id))
        elif g.scope == "region":
            parts.append(Q(region_id=g.scope_id) | Q(academie__region_id=g.scope_id))
        elif g.scope == "collectivite":
            parts.append(Q(collectivites__id=g.scope_id))
        elif g.scope == "circonscription":
            parts.append(Q(coverage__school__circonscription_id=g.scope_id))
    return reduce(operator.or_, parts) if parts else None


def may_read_conventions(user) -> bool:
    return conventions_q(user) is not None


def conventions_for(user):
    from .models import Convention

    q = conventions_q(user)
    if q is None:
        return Convention.objects.none()
    qs = Convention.objects.all()
    if q != Q():
        qs = qs.filter(pk__in=Convention.objects.filter(q).values("pk"))
    return qs
