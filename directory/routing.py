"""The support matrix read as a route: where a ticket of a category lands at a level.

All functions take the convention's routes as one list (one query, see `routes_of`), so that
walking levels costs nothing more.
"""

from __future__ import annotations

from .models import Convention, Desk, School, SupportRoute

MAX_LEVEL = 3


def routes_of(convention: Convention) -> list[SupportRoute]:
    return list(convention.routes.select_related("desk"))


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


def desk_at(routes: list[SupportRoute], level: int, category: str, school: School) -> Desk | None:
    """The desk that handles `category` at `level` for `school`, or None if the level is skipped."""
    route = cell(routes, level, category)
    if route is None or not route.handles:
        return None
    if route.school_desk:
        return school.desks.filter(level=0).order_by("pk").first()
    return route.desk


def first_route(routes, category: str, school: School, above: int = -1) -> tuple[int, Desk] | None:
    """The first level strictly above `above` that handles the category, with its desk."""
    for level in range(above + 1, MAX_LEVEL + 1):
        desk = desk_at(routes, level, category, school)
        if desk is not None:
            return level, desk
    return None


def chain_desks(routes: list[SupportRoute], school: School, level: int | None = None) -> list[Desk]:
    """The convention's support chain for `school`: every desk its matrix names (any category), a
    `school_desk` cell being the school's level-0 desk; only those of `level` if given.

    `route` and `escalate` move a ticket only among these desks: a desk of another convention (or
    another vendor) is never reached through the workflow."""
    desks: dict[int, Desk] = {}
    school_desk = None
    for route in routes:
        if level is not None and route.level != level:
            continue
        if route.desk_id is not None:
            desks.setdefault(route.desk_id, route.desk)
        elif route.school_desk and school_desk is None:
            school_desk = school.desks.filter(level=0).order_by("pk").first()
            if school_desk is not None:
                desks.setdefault(school_desk.pk, school_desk)
    return sorted(desks.values(), key=lambda d: (d.level, d.name, d.pk))
