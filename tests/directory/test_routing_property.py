"""Property: wherever a convention's matrix sends a ticket, the desk belongs to the organisation the
convention makes competent for that school — its own level 0, its circonscription, the collectivité
of the right kind for that kind of school, the editor of the resource (or the académie's GAR desk),
or a fixed desk of a party to the convention. Checked exhaustively on every example file of
docs/conventions imported alone into an empty database, and on random matrices (hypothesis)."""

from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.choices import Category, CollectiviteKind, Resolver, SchoolKind
from directory.importers.conventions import import_convention
from directory.models import Collectivite, Convention, Resource, School, SupportRoute
from directory.routing import MAX_LEVEL, ExternalEditor, Unresolved, matrix_gaps, resolve_at, routes_of

pytestmark = pytest.mark.django_db
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "conventions").iterdir())

# Code de l'éducation: the commune (or its EPCI / RPI) for an école, the Département for a collège,
# the Région for a lycée.
COMPETENT = {
    SchoolKind.MATERNELLE: {CollectiviteKind.COMMUNE, CollectiviteKind.EPCI, CollectiviteKind.RPI},
    SchoolKind.ELEMENTAIRE: {CollectiviteKind.COMMUNE, CollectiviteKind.EPCI, CollectiviteKind.RPI},
    SchoolKind.PRIMAIRE: {CollectiviteKind.COMMUNE, CollectiviteKind.EPCI, CollectiviteKind.RPI},
    SchoolKind.COLLEGE: {CollectiviteKind.DEPARTEMENT},
    SchoolKind.LYCEE: {CollectiviteKind.REGION},
}


def party_of_convention(desk, convention) -> bool:
    """A fixed desk belongs to a party: the académie (or its circonscriptions), the région
    académique, one of the collectivités, the ENT's vendor, or a covered school."""
    academie = convention.academie_id
    return any((
        academie and desk.academie_id == academie,
        academie and desk.circonscription_id and desk.circonscription.academie_id == academie,
        convention.region_id and desk.region_id == convention.region_id,
        desk.collectivite_id and convention.collectivites.filter(pk=desk.collectivite_id).exists(),
        desk.vendor_id == convention.product.vendor_id,
        desk.school_id and convention.schools.filter(pk=desk.school_id).exists(),
    ))


def competent_collectivite_ok(collectivite, school, convention) -> bool:
    if collectivite.kind not in COMPETENT.get(school.kind, set()):
        return False
    if school.collectivite_id:  # its collectivité de rattachement, when of the competent kind
        if school.collectivite.kind in COMPETENT[school.kind]:
            return collectivite.pk == school.collectivite_id
    if not convention.collectivites.filter(pk=collectivite.pk).exists():
        return False
    code = school.commune_code or ""
    if school.kind == SchoolKind.COLLEGE:
        return collectivite.insee_code == code[:2]
    if school.kind != SchoolKind.LYCEE:
        return collectivite.insee_code == code
    return True


def check_competent(found, school, convention, resource=None, same_level=True):
    route, desk = found.route, found.desk
    assert found.level == route.level and (desk.level == route.level or not same_level), (route, school, desk)
    if found.fallback:
        assert desk == convention.fallback_desk
        return
    kind = route.resolver
    if kind == Resolver.SCHOOL:
        assert desk.school_id == school.pk
    elif kind == Resolver.CIRCONSCRIPTION:
        assert desk.circonscription_id == school.circonscription_id
    elif kind == Resolver.COLLECTIVITE:
        assert desk.collectivite_id and competent_collectivite_ok(desk.collectivite, school, convention), (school, desk)
    elif kind == Resolver.GAR:
        assert desk.academie_id == school.academie_id and desk.speciality == "gar"
    elif kind == Resolver.EDITOR:
        if resource is not None and resource.is_gar and desk.speciality == "gar":
            assert desk.academie_id == school.academie_id
        else:
            editor = resource.editor if resource is not None else convention.product.vendor
            assert desk.vendor_id == editor.pk, (school, desk, editor)
    else:
        assert kind == Resolver.DESK and desk == route.desk and party_of_convention(desk, convention), (route, desk)


def check_convention(convention):
    routes = routes_of(convention)
    resources = [None, *Resource.objects.select_related("editor")]
    checked = 0
    for school in convention.schools.select_related("collectivite", "circonscription"):
        for level in range(MAX_LEVEL + 1):
            for category in Category.values:
                for resource in resources:
                    try:
                        found = resolve_at(routes, level, category, school, resource, fallback=False)
                    except ExternalEditor as exc:
                        # Only an editor cell may forward, and only to an editor with no desk here.
                        assert exc.route.resolver == Resolver.EDITOR and not exc.editor.desks.exists()
                        continue
                    if found is not None:
                        check_competent(found, school, convention, resource)
                        checked += 1
    return checked


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_routes_every_school_to_its_competent_party(path, db):
    import_convention(path)
    convention = Convention.objects.get()
    assert check_convention(convention) > 0
    # An unresolvable cell would have been refused by the import.
    assert matrix_gaps(routes_of(convention), convention.schools.all()) == []


# --- random matrices on the demo world ---------------------------------------------------------

PARTIES = [Resolver.SCHOOL, Resolver.CIRCONSCRIPTION, Resolver.COLLECTIVITE, Resolver.EDITOR, Resolver.GAR, Resolver.SKIP, Resolver.DESK]
cells = st.dictionaries(
    st.tuples(st.integers(0, MAX_LEVEL), st.sampled_from(["", *Category.values])),
    st.sampled_from(PARTIES), min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(matrix=cells, picks=st.lists(st.integers(0, 10**6), min_size=3, max_size=3),
       links=st.lists(st.integers(-1, 30), min_size=4, max_size=4), parties=st.sets(st.integers(0, 30), max_size=6))
def test_random_matrices_route_to_the_competent_party_or_say_why(world, matrix, picks, links, parties):
    """For any matrix, schools, collectivités de rattachement (even of the wrong kind) and parties:
    either the cell names nobody for a school (Unresolved — what the import refuses and the
    fallback catches) or the desk is the competent party's."""
    schools = list(world.schools.values())
    desks = list(world.desks.values())
    resources = [None, *world.resources.values()]
    with transaction.atomic():
        collectivites = list(Collectivite.objects.order_by("pk"))
        covered = []
        for i in range(1 + picks[1] % 4):
            school = School.objects.get(pk=schools[(picks[0] + i * 5) % len(schools)].pk)  # distinct; a fresh copy, rolled back
            link = links[i]
            school.collectivite = None if link < 0 else collectivites[link % len(collectivites)]
            school.save(update_fields=["collectivite"])
            covered.append(school)
        convention = Convention.objects.create(
            reference="PROPERTY", academie=covered[0].academie, product=world.conventions["montpellier"].product,
            starts_on="2020-01-01", ends_on="2020-12-31",
        )
        convention.collectivites.set({collectivites[p % len(collectivites)] for p in parties})
        routes = []
        for (level, category), kind in matrix.items():
            if kind == Resolver.SCHOOL and level != 0:
                kind = Resolver.CIRCONSCRIPTION
            desk = None
            if kind == Resolver.DESK:
                same_level = [d for d in desks if d.level == level]
                desk = same_level[picks[2] % len(same_level)]
            routes.append(SupportRoute(convention=convention, level=level, category=category, resolver=kind, desk=desk))
        gaps = {(id(g.route), g.school.pk) for g in matrix_gaps(routes, covered)}
        for school in covered:
            for level in range(MAX_LEVEL + 1):
                for category in Category.values:
                    resource = resources[(picks[2] + level) % len(resources)]
                    try:
                        found = resolve_at(routes, level, category, school, resource, fallback=False)
                    except ExternalEditor as exc:
                        assert not exc.editor.desks.exists()
                        continue
                    except Unresolved as exc:
                        # Without a resource the import would have named this very cell and school.
                        if resource is None:
                            assert (id(exc.route), school.pk) in gaps
                        continue
                    if found is None:
                        continue
                    if found.route.resolver == Resolver.DESK:
                        assert found.desk == found.route.desk  # a fixed desk is taken as the convention says
                        continue
                    # An editor with no desk at this level is reached at its other desk.
                    check_competent(found, school, convention, resource, same_level=found.route.resolver != Resolver.EDITOR)
        transaction.set_rollback(True)
