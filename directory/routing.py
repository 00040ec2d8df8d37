"""The support matrix read as a route: which party handles a ticket of a category at a level, for
a given school (and the resource concerned, if any).

A cell names a *kind* of party (`SupportRoute.resolver`); `resolve` finds who it is for the school:
the school's level-0 desk, its circonscription's desk, the collectivité competent for that kind of
school (commune, EPCI or RPI for an école, the Département for a collège, the Région for a lycée),
the editor of the resource or service concerned, the académie's GAR desk — or the fixed desk the
cell names. Each answer carries a French reason the timeline shows ("réseau et matériel d'un
collège, compétence du Département").

All functions take the convention's routes as one list (`routes_of`, one query), so that walking
levels costs only the lookups of the parties themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import get_language

from .choices import Category, CollectiviteKind, Resolver, SchoolKind
from .models import Collectivite, Convention, Desk, Resource, School, SupportRoute

MAX_LEVEL = 3

PRIMARY_KINDS = (SchoolKind.MATERNELLE, SchoolKind.ELEMENTAIRE, SchoolKind.PRIMAIRE)
# Who is competent for the premises, network and hardware of each kind of school (Code de
# l'éducation L212-4, L213-2, L214-6): the commune (or its EPCI / RPI), the Département, the Région.
COMPETENT_KINDS = {
    **{kind: (CollectiviteKind.COMMUNE, CollectiviteKind.EPCI, CollectiviteKind.RPI) for kind in PRIMARY_KINDS},
    SchoolKind.COLLEGE: (CollectiviteKind.DEPARTEMENT,),
    SchoolKind.LYCEE: (CollectiviteKind.REGION,),
}
_SCHOOL_PHRASE = {
    SchoolKind.MATERNELLE: gettext_lazy("d'une école"), SchoolKind.ELEMENTAIRE: gettext_lazy("d'une école"),
    SchoolKind.PRIMAIRE: gettext_lazy("d'une école"), SchoolKind.COLLEGE: gettext_lazy("d'un collège"), SchoolKind.LYCEE: gettext_lazy("d'un lycée"),
}
_COMPETENCE_PHRASE = {
    CollectiviteKind.COMMUNE: gettext_lazy("compétence de la commune"),
    CollectiviteKind.EPCI: gettext_lazy("compétence de l'intercommunalité"),
    CollectiviteKind.RPI: gettext_lazy("compétence du regroupement pédagogique intercommunal"),
    CollectiviteKind.DEPARTEMENT: gettext_lazy("compétence du Département"),
    CollectiviteKind.REGION: gettext_lazy("compétence de la Région"),
}


_GAR_REASON = gettext_lazy("ressource du GAR : l'académie centralise les demandes et est en relation avec le GAR")


@dataclass(frozen=True)
class Resolution:
    """Where a ticket lands: the level, the desk, the cell that said so and why (in French)."""

    level: int
    desk: Desk
    route: SupportRoute | None
    reason: str
    fallback: bool = False  # the cell's party could not be found: the convention's fallback desk

    def __iter__(self):  # `level, desk = first_route(...)`
        return iter((self.level, self.desk))


class Unresolved(Exception):
    """A cell whose party cannot be found for this school; the message names the school and the cell."""

    def __init__(self, route: SupportRoute, school: School, why: str):
        self.route, self.school, self.why = route, school, why
        super().__init__(
            _("%(school)s — niveau %(level)s, catégorie « %(category)s » (%(resolver)s) : %(why)s")
            % {"school": school, "level": route.level, "category": cell_category_label(route),
               "resolver": route.get_resolver_display(), "why": why}
        )


class ExternalEditor(Unresolved):
    """The editor of the resource has no desk in the product: the competent authority forwards the
    request to it (its support address) rather than escalating (Grand Est art. 6)."""

    def __init__(self, route, school, editor):
        self.editor = editor
        super().__init__(route, school, _("l'éditeur %(editor)s n'a pas de guichet dans l'outil : la demande lui est "
                                          "transmise par le support externe") % {"editor": editor})


def cell_category_label(route: SupportRoute) -> str:
    return route.get_category_display() if route.category else _("autres catégories")


def routes_of(convention: Convention) -> list[SupportRoute]:
    return list(convention.routes.select_related("desk", "convention__product__vendor", "convention__fallback_desk"))


def cell(routes: list[SupportRoute], level: int, category: str) -> SupportRoute | None:
    """The matrix cell for (level, category): the category's own row, else the level's default."""
    default = None
    for route in routes:
        if route.level != level:
            continue
        if route.category == category:
            return route
        if route.category == "":
            default = route
    return default


# --- the parties -------------------------------------------------------------------------------

def competent_collectivite(school: School, candidates=None) -> Collectivite | None:
    """The collectivité competent for this kind of school: its collectivité de rattachement when
    that is of the competent kind, else among `candidates` (the convention's collectivités) the
    commune of the school, the Département of its commune code, or the only Région."""
    wanted = COMPETENT_KINDS.get(school.kind)
    own = school.collectivite
    if own is not None and (wanted is None or own.kind in wanted):
        return own
    if wanted is None:
        return None
    found = [c for c in (candidates or []) if c.kind in wanted]
    code = school.commune_code or ""
    if school.kind in PRIMARY_KINDS:
        found = [c for c in found if c.kind == CollectiviteKind.COMMUNE and c.insee_code == code]
    elif school.kind == SchoolKind.COLLEGE:
        department = code[:3] if code.startswith("97") else code[:2]
        found = [c for c in found if c.insee_code == department]
    return found[0] if len(found) == 1 else None


def _desk_of(route: SupportRoute, school: School, why: str, **owner) -> Desk:
    desk = Desk.objects.filter(level=route.level, **owner).order_by("pk").first()
    if desk is None:
        raise Unresolved(route, school, why)
    return desk


def _phrase(route: SupportRoute) -> str:
    return Category(route.category).label.lower() if route.category else _("demande")


def resolve(route: SupportRoute, school: School, resource: Resource | None = None) -> tuple[Desk, str]:
    """The desk the cell names for this school (and resource), with the reason; raises Unresolved.
    Found once per route instance, school and resource: `routes_of` reads fresh instances, so a
    matrix read once (a page's previews, forms and guards) is resolved once."""
    memo = route.__dict__.setdefault("_resolved", {})
    key = (school.pk, school.kind, school.collectivite_id, school.circonscription_id, school.academie_id,
           school.commune_code, getattr(resource, "pk", None), get_language())  # all it reads of them
    if key not in memo:
        try:
            memo[key] = _resolve(route, school, resource)
        except Unresolved as exc:
            memo[key] = exc
    found = memo[key]
    if isinstance(found, Unresolved):
        raise found
    return found


def _resolve(route: SupportRoute, school: School, resource: Resource | None) -> tuple[Desk, str]:
    kind = route.resolver
    if kind == Resolver.DESK:
        return route.desk, _("guichet désigné par la convention %(convention)s") % {"convention": route.convention.reference}
    if kind == Resolver.SCHOOL:
        desk = _desk_of(route, school, _("l'école n'a pas de guichet de niveau 0"), school_id=school.pk)
        return desk, _("niveau 0 de l'école")
    if kind == Resolver.CIRCONSCRIPTION:
        if school.circonscription_id is None:
            raise Unresolved(route, school, _("l'école n'est rattachée à aucune circonscription"))
        desk = _desk_of(route, school, _("la circonscription %(name)s n'a pas de guichet de niveau %(level)s")
                        % {"name": school.circonscription, "level": route.level}, circonscription_id=school.circonscription_id)
        return desk, _("circonscription de l'école (%(name)s)") % {"name": school.circonscription}
    if kind == Resolver.COLLECTIVITE:
        collectivite = competent_collectivite(school, list(route.convention.collectivites.all()))
        if collectivite is None:
            raise Unresolved(route, school, _("aucune collectivité compétente pour ce type d'école (%(kind)s) n'est connue")
                             % {"kind": school.get_kind_display()})
        desk = _desk_of(route, school, _("%(name)s n'a pas de guichet de niveau %(level)s")
                        % {"name": collectivite, "level": route.level}, collectivite_id=collectivite.pk)
        return desk, "%s %s, %s" % (
            _phrase(route), _SCHOOL_PHRASE.get(school.kind, _("d'un établissement")),
            _COMPETENCE_PHRASE[collectivite.kind],
        )
    if kind == Resolver.EDITOR:
        if resource is not None and resource.is_gar:
            # A GAR resource goes first to the académie's GAR desk when it has one at this level
            # (Poitiers art. 2: "c'est l'académie qui centralise les demandes et est en relation avec
            # le GAR"); without one, to the resource's editor like any third-party tool.
            gar = Desk.objects.filter(level=route.level, academie_id=school.academie_id, speciality="gar").order_by("pk").first()
            if gar is not None:
                return gar, str(_GAR_REASON)
        if resource is not None:
            editor, what = resource.editor, _("éditeur de la ressource %(name)s") % {"name": resource}
        else:
            product = route.convention.product
            editor, what = product.vendor, _("éditeur de la solution ENT %(name)s") % {"name": product}
        desk = Desk.objects.filter(vendor_id=editor.pk, level=route.level).order_by("pk").first()
        if desk is None:
            desk = Desk.objects.filter(vendor_id=editor.pk).order_by("-level", "pk").first()
        if desk is None:
            raise ExternalEditor(route, school, editor)
        return desk, what
    if kind == Resolver.GAR:
        desk = _desk_of(route, school, _("l'académie n'a pas de guichet d'assistance GAR / MédiaCentre de niveau %(level)s")
                        % {"level": route.level}, academie_id=school.academie_id, speciality="gar")
        return desk, str(_GAR_REASON)
    raise Unresolved(route, school, _("ce niveau ne traite pas la catégorie"))


def resolve_at(routes, level: int, category: str, school: School, resource=None, *, fallback: bool = True) -> Resolution | None:
    """Where `category` lands at `level` for `school`: None if the level is skipped. A party that
    cannot be found gives the convention's fallback desk (`fallback=True` on the answer), else
    raises Unresolved. An editor without a desk always raises ExternalEditor (it is forwarded to)."""
    route = cell(routes, level, category)
    if route is None or not route.handles:
        return None
    try:
        desk, reason = resolve(route, school, resource)
    except ExternalEditor:
        raise
    except Unresolved as exc:
        spare = route.convention.fallback_desk
        if not fallback or spare is None:
            raise
        return Resolution(level, spare, route, _("guichet de repli de la convention (%(why)s)") % {"why": exc.why}, True)
    return Resolution(level, desk, route, reason)


def desk_at(routes, level: int, category: str, school: School, resource=None) -> Desk | None:
    """The desk that handles `category` at `level` for `school`, or None (skipped or not found)."""
    try:
        found = resolve_at(routes, level, category, school, resource)
    except Unresolved:
        return None
    return found.desk if found else None


def first_route(routes, category: str, school: School, above: int = -1, resource=None) -> Resolution | None:
    """The first level strictly above `above` that handles the category, with its desk and reason."""
    for level in range(above + 1, MAX_LEVEL + 1):
        found = resolve_at(routes, level, category, school, resource)
        if found is not None:
            return found
    return None


def landing(routes, category: str, school: School, resource=None, *, door: Desk | None = None) -> Resolution | None:
    """Where a new request lands. `door` is the desk it was addressed to (a desk's mail address):
    it keeps the request if the matrix gives it this category for this school at some level —
    writing to the académie's guichet skips the school's level 0 —, otherwise the matrix decides
    from the first level and the reason says the door was not competent."""
    found = first_route(routes, category, school, resource=resource)
    if door is None or (found is not None and found.desk.pk == door.pk):
        return found
    for level in range(door.level, MAX_LEVEL + 1):
        try:
            at = resolve_at(routes, level, category, school, resource, fallback=False)
        except Unresolved:
            continue
        if at is not None and at.desk.pk == door.pk:
            return Resolution(level, door, at.route, _("%(reason)s ; demande adressée à %(desk)s") % {
                "reason": at.reason, "desk": door.name})
    if found is None:
        return None
    return Resolution(found.level, found.desk, found.route, _(
        "%(reason)s ; demande adressée à %(door)s, qui ne traite pas cette catégorie pour cette école") % {
        "reason": found.reason, "door": door.name}, found.fallback)


def chain_desks(routes: list[SupportRoute], school: School, level: int | None = None, resource=None) -> list[Desk]:
    """The convention's support chain for `school`: every desk its matrix resolves to for that
    school (any category), and the fallback desk; only those of `level` if given.

    `route` and `escalate` move a ticket only among these desks: a desk of another convention (or
    another vendor, or another collectivité) is never reached through the workflow."""
    desks: dict[int, Desk] = {}
    for route in routes:
        if (level is not None and route.level != level) or not route.handles:
            continue
        try:
            desk, _reason = resolve(route, school, resource)
        except Unresolved:
            continue
        desks.setdefault(desk.pk, desk)
    spare = routes[0].convention.fallback_desk if routes else None
    if spare is not None and (level is None or spare.level == level):
        desks.setdefault(spare.pk, spare)
    return sorted(desks.values(), key=lambda d: (d.level, d.name, d.pk))


@dataclass(frozen=True)
class CellGap:
    """A school for which a matrix cell names no party (what `import_convention` refuses)."""

    route: SupportRoute
    school: School
    category: str  # the category asked for ("" when the cell is a level's default row)
    why: str


def matrix_gaps(routes: list[SupportRoute], schools) -> list[CellGap]:
    """Every (cell, school) of the matrix whose party cannot be found, for any category and level,
    without a resource and WITHOUT the fallback desk: the fallback is for what changes at run time
    (a school moved, a desk deleted), not an excuse for a convention that routes nowhere. An editor
    without a desk is not a gap: the request is forwarded to its support address."""
    gaps, seen = [], set()
    for school in schools:
        for level in range(MAX_LEVEL + 1):
            for category in Category.values:
                route = cell(routes, level, category)
                if route is None or not route.handles or (id(route), school.pk) in seen:
                    continue
                seen.add((id(route), school.pk))
                try:
                    resolve(route, school)
                except ExternalEditor:
                    continue
                except Unresolved as exc:
                    gaps.append(CellGap(route, school, route.category, exc.why))
    return gaps
