"""Routing to the competent party of each school, territory by territory (issue 14): a matrix cell
names a kind of party, `directory.routing` finds who it is for the school and says why."""

from pathlib import Path

import pytest
import yaml

from directory.choices import Category, CollectiviteKind, Resolver, SchoolKind
from directory.importers.conventions import import_convention
from directory.models import Collectivite, Convention, Desk, School
from directory.routing import ExternalEditor, Unresolved, first_route, resolve_at, routes_of

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"


def landing(convention, category, school, above=-1, resource=None):
    found = first_route(routes_of(convention), category, school, above, resource=resource)
    return found and (found.level, found.desk.slug)


def reason(convention, category, school, level, resource=None):
    return resolve_at(routes_of(convention), level, category, school, resource).reason


# --- Grand Est (seed 003 art. 6) ---------------------------------------------------------------

def test_grand_est_network_of_a_lycee_reaches_the_region_of_a_college_its_departement(world):
    ge, s = world.conventions["grand_est"], world.schools
    # Level 0 (the établissement) does not handle network faults: straight to the collectivité.
    assert landing(ge, Category.NETWORK, s["0573456X"]) == (1, "region-ge-tech")
    assert landing(ge, Category.NETWORK, s["0570098X"]) == (1, "moselle-tech")
    assert landing(ge, Category.NETWORK, s["0571234G"]) == (1, "moselle-tech")
    assert reason(ge, Category.NETWORK, s["0573456X"], 1) == "réseau et matériel d'un lycée, compétence de la Région"
    assert reason(ge, Category.NETWORK, s["0570098X"], 1) == "réseau et matériel d'un collège, compétence du Département"
    # Anything else goes to the académie's guichet unique.
    assert landing(ge, Category.MALFUNCTION, s["0573456X"], above=0) == (1, "guichet-nancy-metz")


def test_a_college_of_another_departement_reaches_its_own_departement(world):
    """Eleven collectivités in the Grand Est: a collège without a collectivité de rattachement is
    found its Département by the commune code, among the convention's collectivités."""
    ge = world.conventions["grand_est"]
    mm = Collectivite.objects.create(name="Département de Meurthe-et-Moselle", kind=CollectiviteKind.DEPARTEMENT, insee_code="54")
    Desk.objects.create(slug="mm-tech", name="Support collèges Meurthe-et-Moselle", level=1, collectivite=mm)
    ge.collectivites.add(mm)
    college = School.objects.create(uai="0540900K", name="Collège de Nancy (fictif)", kind=SchoolKind.COLLEGE,
                                    academie=world.academies["nancy"], commune="Nancy", commune_code="54395")
    assert landing(ge, Category.NETWORK, college) == (1, "mm-tech")


def test_third_party_software_goes_to_its_editor(world):
    ge, college = world.conventions["grand_est"], world.schools["0570098X"]
    edt, atlas = world.resources["edt"], world.resources["atlas"]
    # "l'autorité compétente se tourne vers l'éditeur du logiciel concerné"
    assert landing(ge, Category.THIRD_PARTY, college, above=0, resource=edt) == (1, "edt-soft-support")
    assert reason(ge, Category.THIRD_PARTY, college, 1, edt) == "éditeur de la ressource EDT — emploi du temps (illustratif)"
    # An editor without a desk in the product (and no GAR desk in Nancy-Metz): forwarded to its
    # support address, never to the fallback desk nor to the ENT vendor.
    with pytest.raises(ExternalEditor) as exc:
        first_route(routes_of(ge), Category.THIRD_PARTY, college, 0, resource=atlas)
    assert exc.value.editor == world.vendors["cartographia"] and exc.value.editor.support_email


def test_a_gar_resource_goes_to_the_academies_gar_desk(world):
    mtp, bouissinet = world.conventions["montpellier"], world.schools["0341255E"]
    atlas = world.resources["atlas"]
    assert landing(mtp, Category.THIRD_PARTY, bouissinet, above=0, resource=atlas) == (1, "gar-montpellier")
    assert "l'académie centralise les demandes et est en relation avec le GAR" in reason(mtp, Category.THIRD_PARTY, bouissinet, 1, atlas)
    # Sète's école, same académie: the same GAR desk.
    assert landing(world.conventions["sete"], Category.THIRD_PARTY, world.schools["0341301E"], above=0) == (1, "gar-montpellier")
    # Under an "editor" cell too, once the académie has a GAR desk: the GAR procedure comes first.
    gar_nancy = Desk.objects.create(slug="gar-nancy", name="GAR Nancy-Metz", level=1, academie=world.academies["nancy"], speciality="gar")
    ge = world.conventions["grand_est"]
    assert landing(ge, Category.THIRD_PARTY, world.schools["0570098X"], above=0, resource=atlas) == (1, gar_nancy.slug)
    assert landing(ge, Category.THIRD_PARTY, world.schools["0570098X"], above=0, resource=world.resources["edt"]) == (1, "edt-soft-support")


def test_vie_scolaire_reaches_the_vendors_level_1_directly(world):
    ge = world.conventions["grand_est"]
    found = first_route(routes_of(ge), Category.VIE_SCOLAIRE, world.schools["0570098X"], above=0)
    assert (found.level, found.desk.slug) == (1, "kosmos-vie-scolaire")
    assert found.route.direct_access  # "un accès direct au support Niveau 1"
    assert not first_route(routes_of(ge), Category.MALFUNCTION, world.schools["0570098X"], above=1).route.direct_access


# --- Montpellier / Occitanie (seeds 002 and 004) -----------------------------------------------

def test_each_ecole_reaches_its_own_circonscription_and_commune(world):
    s = world.schools
    sete, maguelone = world.conventions["sete"], world.conventions["montpellier"]
    assert landing(sete, Category.MALFUNCTION, s["0341301E"], above=0) == (1, "erun-sete")
    assert landing(maguelone, Category.MALFUNCTION, s["0341255E"], above=0) == (1, "erun-lattes")
    assert landing(maguelone, Category.MALFUNCTION, s["0342026T"], above=0) == (1, "erun-lattes")
    assert reason(sete, Category.USAGE, s["0341301E"], 1) == "circonscription de l'école (Circonscription de Sète)"
    # Network and hardware: the commune ("La commune assure l'équipement informatique et les accès Internet").
    assert landing(sete, Category.NETWORK, s["0341301E"], above=0) == (1, "sete-tech")
    assert landing(maguelone, Category.NETWORK, s["0341255E"], above=0) == (1, "maguelone-tech")
    assert reason(sete, Category.NETWORK, s["0341301E"], 1) == "réseau et matériel d'une école, compétence de la commune"
    # Then the DSII and the ENT's editor.
    assert landing(sete, Category.MALFUNCTION, s["0341301E"], above=1) == (2, "dsi-montpellier")
    assert landing(sete, Category.MALFUNCTION, s["0341301E"], above=2) == (3, "ode-support")


def test_a_school_moved_later_goes_to_the_fallback_desk_never_to_another_party(world):
    """At run time an unresolvable cell gives the convention's fallback desk, flagged and explained;
    without a fallback desk it is refused (never silently another party's desk)."""
    school, convention = world.schools["0341301E"], world.conventions["sete"]
    Desk.objects.filter(slug="erun-sete").delete()
    found = resolve_at(routes_of(convention), 1, Category.USAGE, school)
    assert found.fallback and found.desk.slug == "dsi-montpellier"
    assert "guichet de repli" in found.reason and "Circonscription de Sète" in found.reason
    Convention.objects.filter(pk=convention.pk).update(fallback_desk=None)
    convention.refresh_from_db()
    with pytest.raises(Unresolved, match="0341301E"):
        resolve_at(routes_of(convention), 1, Category.USAGE, school)


# --- Alpes-Maritimes (seed 000: no levels named, the example's assumptions) ---------------------

def test_nice_ecole_reaches_its_commune(world):
    nice = world.conventions["nice"]
    assert landing(nice, Category.NETWORK, world.schools["0061097K"], above=0) == (1, "villeneuve-loubet-tech")
    assert landing(nice, Category.USAGE, world.schools["0061097K"], above=0) == (1, "erun-antibes")


def test_an_ecole_of_another_commune_of_the_convention_reaches_that_commune(tmp_path, db):
    """Seed 000 covers only Villeneuve-Loubet's écoles: a second commune (Nice, illustrative) and one
    of its écoles are added to the example, without collectivité de rattachement."""
    data = yaml.safe_load((EXAMPLES / "alpes-maritimes-villeneuve-loubet.yaml").read_text(encoding="utf-8"))
    data["parties"]["collectivites"].append({"name": "Ville de Nice (illustrative)", "kind": "commune", "insee_code": "06088"})
    data["schools"].append({"uai": "0060900W", "name": "École élémentaire de Nice (fictive)", "kind": "elementaire",
                            "commune": "Nice", "commune_code": "06088", "circonscription": "0060AN"})
    data["desks"].append({"slug": "nice-tech", "name": "Ville de Nice — informatique des écoles", "level": 1,
                          "owner": {"collectivite": {"name": "Ville de Nice (illustrative)"}}})
    path = tmp_path / "nice.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    import_convention(path)
    convention = Convention.objects.get()
    assert landing(convention, Category.NETWORK, School.objects.get(uai="0060900W"), above=0) == (1, "nice-tech")
    assert landing(convention, Category.NETWORK, School.objects.get(uai="0061097K"), above=0) == (1, "villeneuve-loubet-tech")


# --- Poitiers model (seed 001 art. 2, 3.2.2 and 7): editor first --------------------------------

def test_poitiers_model_configured_and_exercised(world):
    import_convention(EXAMPLES / "poitiers-vienne-ecoles.yaml")
    poitiers = Convention.objects.get(reference="DSDEN86-ENT-ECOLES-2024")
    school = School.objects.get(uai="0860001J")
    routes = routes_of(poitiers)
    assert landing(poitiers, Category.USAGE, school) == (0, "n0-0860001j")
    # "L'éditeur se chargera de l'ensemble des retours utilisateurs concernant l'assistance liée à
    # son interface": level 1 is the editor's desk, with a direct access.
    for category in (Category.USAGE, Category.MALFUNCTION, Category.ACCOUNT, Category.VIE_SCOLAIRE):
        found = first_route(routes, category, school, above=0)
        assert (found.level, found.desk.slug, found.route.direct_access) == (1, "ode-ecoles-vienne", True), category
    # GAR and third-party resources: the académie (DSDEN and SRANE) centralises them.
    assert landing(poitiers, Category.THIRD_PARTY, school, above=0) == (1, "gar-poitiers")
    assert landing(poitiers, Category.THIRD_PARTY, school, above=0, resource=world.resources["atlas"]) == (1, "gar-poitiers")
    # Network and equipment: the collectivité, here the école's commune.
    assert landing(poitiers, Category.NETWORK, school, above=0) == (1, "chasseneuil-tech")
    # No level 2; level 3 is the ENT's editor, qualification required (no direct access).
    found = first_route(routes, Category.MALFUNCTION, school, above=1)
    assert (found.level, found.desk.slug, found.route.direct_access) == (3, "ode-support", False)
    assert poitiers.fallback_desk.slug == "dsden86-numerique"
    assert {r.resolver for r in routes} == {Resolver.SCHOOL, Resolver.DESK, Resolver.COLLECTIVITE, Resolver.GAR, Resolver.EDITOR}
