"""POST /api/v1/tickets/ for someone else: `on_behalf_of` (an account of the school) or
`beneficiary` (a person without account), `resource` (slug); 400 naming the field, 403 outside the
perimeter or for a parent's request not entered by the school's level 0."""

import pytest

from directory.models import Resource
from tests.api.test_tickets import problem
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BODY = {"title": "Messagerie en erreur", "description": "Erreur à l'envoi", "category": "usage"}
GARCIA = {"name": "Mme Garcia", "kind": "teacher", "contact": "04 67 00 00 00"}
PARENT = {"name": "M. Dupont", "kind": "parent", "contact": "parent.dupont@example.net"}


@pytest.fixture
def api(make_client):
    return lambda desk=None, vendor=None: make_client(desk=desk, vendor=vendor)[1]


def post(http, school="0341255E", **extra):
    return http.post("/api/v1/tickets/", {"school": school, **BODY, **extra}, format="json")


def test_the_erun_opens_for_a_teacher_by_username_or_number(world, api):
    erun = api("erun-lattes")
    u = world.users
    for value in ("enseignant", str(u["enseignant"].pk)):
        response = post(erun, on_behalf_of=value)
        assert response.status_code == 201, response.content
        ticket = Ticket.objects.get(reference=response.json()["reference"])
        assert ticket.requester == u["enseignant"] and ticket.opened_by.memberships.get().desk == world.desks["erun-lattes"]
        assert response.json()["requester"] == "Camille Martin" and response.json()["opened_by"]


def test_the_erun_opens_for_a_person_without_account_of_its_other_school(world, api):
    response = post(api("erun-lattes"), school="0342026T", beneficiary=GARCIA)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.beneficiary_name, ticket.beneficiary_kind, ticket.contact) == ("Mme Garcia", "teacher", "04 67 00 00 00")
    assert response.json()["beneficiary_kind"] == "teacher" and "Mme Garcia" not in response.content.decode()


@pytest.mark.parametrize("desk, uai", [
    ("erun-lattes", "0341301E"),    # Sète: another circonscription
    ("moselle-tech", "0573456X"),   # the Région's lycée is not the Département's
    ("guichet-nancy", "0341255E"),  # another académie
])
def test_outside_the_perimeter_is_403_naming_the_school(world, api, desk, uai):
    body = problem(post(api(desk), school=uai, beneficiary=GARCIA), 403)
    assert uai in body["detail"]
    assert not Ticket.objects.exists()


def test_the_collectivite_opens_for_its_college(world, api):
    assert post(api("moselle-tech"), school="0570098X", beneficiary=GARCIA).status_code == 201


def test_a_vendor_opens_nothing_and_learns_nothing_about_the_schools_people(world, api):
    ode = api(vendor="ode")
    for extra in ({"on_behalf_of": "enseignant"}, {"on_behalf_of": "nobody"}, {"beneficiary": GARCIA}):
        problem(post(ode, **extra), 403)


def test_a_parents_request_is_the_school_level_0s(world, api):
    response = post(api("n0-0341255E"), beneficiary=PARENT)
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().beneficiary_kind == "parent"
    body = problem(post(api("erun-lattes"), beneficiary=PARENT), 403)
    assert "school level" in body["detail"]  # the client asked for English


@pytest.mark.parametrize("extra, field", [
    ({"on_behalf_of": "nobody"}, "on_behalf_of"),
    ({"on_behalf_of": "guichet"}, "on_behalf_of"),  # an account, but not of this school
    ({"on_behalf_of": "9" * 40}, "on_behalf_of"),
    ({"on_behalf_of": "enseignant", "beneficiary": GARCIA}, "on_behalf_of"),
    ({"beneficiary": {"name": "Mme Garcia", "kind": "teacher"}}, "beneficiary.contact"),
    ({"beneficiary": {**GARCIA, "kind": "cousin"}}, "beneficiary.kind"),
    ({"beneficiary": {**GARCIA, "contact": "le soir"}}, "beneficiary.contact"),
    ({"beneficiary": {**GARCIA, "age": 12}}, "beneficiary.age"),  # nothing else about the person
    ({"resource": "inconnue"}, "resource"),
    ({}, "on_behalf_of"),  # the ERUN is not of the school: for whom?
])
def test_bad_input_is_400_naming_the_field(world, api, extra, field):
    body = problem(post(api("erun-lattes"), **extra), 400)
    assert field in {e["field"] for e in body["errors"]}, body
    assert not Ticket.objects.exists()


def test_the_resource_by_slug(world, api):
    atlas = Resource.objects.create(slug="atlas-api", name="Atlas (API)", editor=world.vendors["ode"], is_gar=True)
    response = post(api("n0-0341255E"), category="third_party", resource="atlas-api")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().resource == atlas and response.json()["resource"] == "atlas-api"


def test_the_pivot_import_names_the_demandeur_it_refuses(world, api):
    from tests.api.test_pivot import pivot_doc

    body = problem(api("n0-0341255E").post("/api/v1/pivot/tickets/", pivot_doc(demandeur="Sacha Petit | guichet@example.org"),
                                           format="json"), 403)
    assert body["field"] == "demandeur"
