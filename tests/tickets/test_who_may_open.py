"""Who may open a ticket, and for whom (Occitanie art. 7): the people of the school for
themselves; the school's level 0 for another person, a parent included; CPC, ERUN, académie and
collectivité agents for the schools of their perimeter, on behalf of a named person; nobody else.
Any hour."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from directory.choices import BeneficiaryKind, Category, Role
from directory.models import Resource
from tests.tickets.conftest import make_user
from tickets import opening, selectors, services
from tickets.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

BOUISSINET, DOLTO, SETE = "0341255E", "0342026T", "0341301E"
COLLEGE_MOSELLE, LYCEE_REGION = "0570098X", "0573456X"


def open_at(world, actor, uai, **extra):
    return services.open_ticket(actor=actor, school=world.schools[uai], title="Messagerie en erreur",
                                description="Erreur à l'envoi", category=extra.pop("category", Category.USAGE),
                                impact=3, urgency=2, **extra)


@pytest.fixture
def people(world):
    """A CPC of Lattes (no desk), a teacher of Sète, a teacher of the Moselle collège."""
    make_user(world, "cpc_lattes", Role.AGENT, circonscription=world.schools[BOUISSINET].circonscription)
    make_user(world, "prof_sete", Role.REQUESTER, school=world.schools[SETE])
    make_user(world, "prof_ge", Role.REQUESTER, school=world.schools[COLLEGE_MOSELLE])
    return world.users


def test_teacher_and_director_open_for_their_own_school_only(world, people):
    u = people
    t = open_at(world, u["enseignant"], BOUISSINET)
    assert (t.requester, t.opened_by, t.beneficiary_name) == (u["enseignant"], None, "")
    assert open_at(world, u["directeur"], BOUISSINET).requester == u["directeur"]
    for name in ("enseignant", "directeur"):
        with pytest.raises(PermissionDenied, match="Françoise Dolto"):
            open_at(world, u[name], DOLTO)


@pytest.mark.parametrize("name, inside, outside", [
    ("erun", [BOUISSINET, DOLTO], [SETE, COLLEGE_MOSELLE]),          # its circonscription's schools
    ("cpc_lattes", [BOUISSINET, DOLTO], [SETE]),                      # a CPC: membership of the circonscription
    ("dsi", [BOUISSINET, SETE], [COLLEGE_MOSELLE]),                   # académie de Montpellier
    ("guichet", [COLLEGE_MOSELLE, LYCEE_REGION], [BOUISSINET]),       # académie de Nancy-Metz
    ("collectivite", [COLLEGE_MOSELLE], [LYCEE_REGION, BOUISSINET]),  # the Département: its collèges, not the Région's lycée
])
def test_perimeter_agents_open_on_behalf_of_someone_of_their_schools(world, people, name, inside, outside):
    u = people
    for uai in inside:
        t = open_at(world, u[name], uai, beneficiary_name="Mme Garcia", beneficiary_kind=BeneficiaryKind.TEACHER,
                    contact="04 67 00 00 00")
        assert (t.requester, t.opened_by, t.beneficiary_kind) == (u[name], u[name], "teacher")
        assert t.school.uai == uai
        assert t.events.get().payload["beneficiary_kind"] == "teacher"
    for uai in outside:
        with pytest.raises(PermissionDenied, match=world.schools[uai].uai):
            open_at(world, u[name], uai, beneficiary_name="Mme Garcia", beneficiary_kind=BeneficiaryKind.TEACHER,
                    contact="04 67 00 00 00")


def test_an_agent_opening_for_an_account_of_the_school_makes_that_person_the_requester(world, people):
    u = people
    t = open_at(world, u["erun"], BOUISSINET, on_behalf_of=u["enseignant"], contact="Poste 12, le matin")
    assert (t.requester, t.opened_by, t.contact) == (u["enseignant"], u["erun"], "Poste 12, le matin")
    assert t.events.get().payload["on_behalf_of"] == u["enseignant"].pk
    # The teacher finds it in "Mes demandes"; the ERUN reads it from their perimeter.
    assert selectors.visible_to(u["enseignant"]).filter(pk=t.pk).exists()
    assert selectors.visible_to(u["erun"]).filter(pk=t.pk).exists()
    # Someone of another school is not "of the school".
    with pytest.raises(PermissionDenied, match="n'a pas de compte à l'école"):
        open_at(world, u["dsi"], BOUISSINET, on_behalf_of=u["prof_sete"])


def test_an_agent_must_name_the_person(world, people):
    with pytest.raises(ValidationError) as exc:
        open_at(world, people["erun"], BOUISSINET)
    assert "on_behalf_of" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        open_at(world, people["erun"], BOUISSINET, on_behalf_of=people["enseignant"], beneficiary_name="M. Petit",
                beneficiary_kind=BeneficiaryKind.STAFF, contact="04 67 00 00 00")
    assert "on_behalf_of" in exc.value.message_dict


@pytest.mark.parametrize("name", ["editeur", "formateur", "manager", "dpo"])
def test_vendors_observers_managers_and_dpos_do_not_open(world, people, name):
    with pytest.raises(PermissionDenied, match="Pierre Bouissinet"):
        open_at(world, people[name], BOUISSINET, beneficiary_name="Mme Garcia",
                beneficiary_kind=BeneficiaryKind.TEACHER, contact="04 67 00 00 00")
    with pytest.raises(PermissionDenied):
        open_at(world, people[name], BOUISSINET, on_behalf_of=people["enseignant"])
    assert not opening.openable_schools(people[name]).exists()


def test_a_teacher_does_not_open_for_someone_else(world, people):
    with pytest.raises(PermissionDenied, match="pour le compte d'une autre personne"):
        open_at(world, people["enseignant"], BOUISSINET, on_behalf_of=people["directeur"])
    with pytest.raises(PermissionDenied, match="pour le compte d'une autre personne"):
        open_at(world, people["enseignant"], BOUISSINET, beneficiary_name="M. Dupont",
                beneficiary_kind=BeneficiaryKind.PARENT, contact="06 12 34 56 78")


def test_a_parents_request_is_entered_by_the_school_level_0_with_minimal_data(world, people, django_capture_on_commit_callbacks):
    u = people
    with django_capture_on_commit_callbacks(execute=True):
        t = open_at(world, u["directeur"], BOUISSINET, category=Category.ACCOUNT, beneficiary_name="M. Dupont",
                    beneficiary_kind=BeneficiaryKind.PARENT, contact="parent.dupont@example.net")
    assert (t.requester, t.opened_by) == (u["directeur"], u["directeur"])
    assert (t.beneficiary_name, t.beneficiary_kind, t.contact) == ("M. Dupont", "parent", "parent.dupont@example.net")
    # The parent gets no account and no e-mail from the product.
    assert not type(u["directeur"]).objects.filter(email="parent.dupont@example.net").exists()
    assert all("parent.dupont@example.net" not in m.to for m in mail.outbox)
    assert "M. Dupont" not in str(t.events.get().payload)


def test_a_parents_request_needs_a_name_a_phone_or_an_email(world, people):
    d = people["directeur"]
    for extra, field in (
        (dict(beneficiary_kind=BeneficiaryKind.PARENT, contact="06 12 34 56 78"), "beneficiary_name"),
        (dict(beneficiary_name="M. Dupont", beneficiary_kind=BeneficiaryKind.PARENT), "contact"),
        (dict(beneficiary_name="M. Dupont", beneficiary_kind=BeneficiaryKind.PARENT, contact="le soir"), "contact"),
        (dict(beneficiary_name="M. Dupont", contact="06 12 34 56 78"), "beneficiary_kind"),
    ):
        with pytest.raises(ValidationError) as exc:
            open_at(world, d, BOUISSINET, **extra)
        assert field in exc.value.message_dict, extra
    assert open_at(world, d, BOUISSINET, beneficiary_name="M. Dupont", beneficiary_kind=BeneficiaryKind.PARENT,
                   contact="+33 6 12 34 56 78").contact == "+33 6 12 34 56 78"


def test_parents_are_helped_at_school_level_not_by_the_erun(world, people):
    with pytest.raises(PermissionDenied, match="niveau des écoles"):
        open_at(world, people["erun"], BOUISSINET, beneficiary_name="M. Dupont",
                beneficiary_kind=BeneficiaryKind.PARENT, contact="06 12 34 56 78")


def test_reports_are_possible_at_any_hour(world, people):
    sunday_night = datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(sunday_night, tick=False):
        assert open_at(world, people["enseignant"], BOUISSINET).created_at == sunday_night
        assert open_at(world, people["erun"], DOLTO, on_behalf_of=None, beneficiary_name="Mme Garcia",
                       beneficiary_kind=BeneficiaryKind.DIRECTOR, contact="04 67 00 00 00").pk


def test_the_resource_concerned_is_kept(world, people):
    atlas = Resource.objects.create(slug="atlas-test", name="Atlas (test)", editor=world.vendors["ode"], is_gar=True)
    t = open_at(world, people["enseignant"], BOUISSINET, category=Category.THIRD_PARTY, resource=atlas)
    assert t.resource == atlas


def test_the_schools_offered_are_the_openers(world, people):
    u = people
    assert list(opening.openable_schools(u["enseignant"]).values_list("uai", flat=True)) == [BOUISSINET]
    assert set(opening.openable_schools(u["erun"]).values_list("uai", flat=True)) == {BOUISSINET, DOLTO}
    assert set(opening.openable_schools(u["collectivite"]).values_list("uai", flat=True)) >= {COLLEGE_MOSELLE}
    assert LYCEE_REGION not in set(opening.openable_schools(u["collectivite"]).values_list("uai", flat=True))
    assert opening.may_relay_somewhere(u["directeur"]) and opening.may_relay_somewhere(u["erun"])
    assert not opening.may_relay_somewhere(u["enseignant"])


def test_the_beneficiary_is_exported_and_erased_with_the_tickets_personal_data(world, people):
    from privacy.services import ANONYMISED, anonymise_ticket, personal_data

    d = people["directeur"]
    t = open_at(world, d, BOUISSINET, beneficiary_name="M. Dupont", beneficiary_kind=BeneficiaryKind.PARENT,
                contact="06 12 34 56 78")
    exported = personal_data(d)
    row = next(r for r in exported["tickets_requested"] if r["reference"] == t.reference)
    assert (row["beneficiary_name"], row["beneficiary_kind"], row["contact"]) == ("M. Dupont", "Parent d'élève", "06 12 34 56 78")
    assert [r["for"] for r in exported["tickets_entered"]] == ["M. Dupont"]
    anonymise_ticket(t, retention_days=365)
    t.refresh_from_db()
    assert (t.beneficiary_name, t.contact) == (ANONYMISED, ANONYMISED)
    assert t.opened_by == t.requester and t.requester.username == "personne-anonymisee"
    assert t.beneficiary_kind == "parent"  # statistics keep the kind of person, not who
