"""The perimeter matrix: every role × a school inside and outside its perimeter."""

import pytest

from directory.selectors import desks_for, perimeter_for

INSIDE_OUTSIDE = {
    # username: (a school inside, a school outside)
    "enseignant": ("0341255E", "0342026T"),
    "directeur": ("0341255E", "0342026T"),
    "erun": ("0342026T", "0341301E"),  # Lattes vs Sète, same académie
    "guichet": ("0573456X", "0341255E"),  # académie Nancy-Metz vs Montpellier
    "collectivite": ("0570098X", "0573456X"),  # Moselle's collèges, not the Région's lycée
    "dsi": ("0341301E", "0060768C"),
    "editeur": ("0060768C", "0570098X"),  # ODE's conventions vs Kosmos's
    "formateur": ("0341255E", "0341301E"),
    "manager": ("0341301E", "0573456X"),
    "dpo": ("0342026T", "0060768C"),
}


@pytest.mark.parametrize("username", sorted(INSIDE_OUTSIDE))
def test_role_sees_inside_not_outside(world, username, django_assert_max_num_queries):
    user = world.users[username]
    inside, outside = INSIDE_OUTSIDE[username]
    with django_assert_max_num_queries(2):  # memberships, then the schools themselves
        uais = set(perimeter_for(user).schools().values_list("uai", flat=True))
    assert inside in uais
    assert outside not in uais


def test_admin_sees_every_school(world):
    assert perimeter_for(world.users["admin"]).everything
    assert perimeter_for(world.users["admin"]).schools().count() == len(world.schools)


def test_anonymous_sees_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    assert not perimeter_for(AnonymousUser()).schools().exists()


def test_user_without_membership_sees_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not perimeter_for(nobody).schools().exists()


def test_perimeter_filters_related_models_by_prefix(world):
    from directory.models import Desk

    perimeter = perimeter_for(world.users["erun"])
    desks = Desk.objects.filter(perimeter.schools_q(prefix="school__"))
    assert {d.school.uai for d in desks} == {"0341255E", "0342026T"}


def test_vendor_perimeter_follows_its_conventions(world):
    ode = perimeter_for(world.users["editeur"]).schools()
    assert ode.count() == 8 + 4  # Nice's 8 schools and Montpellier's 4 (one added by the demo's Sète avenant)
    assert perimeter_for(world.users["editeur"]).vendor_ids() == {world.vendors["ode"].pk}


def test_desks_for_agent_include_their_desk(world):
    assert world.desks["erun-lattes"] in desks_for(world.users["erun"])
    assert world.desks["erun-sete"] not in desks_for(world.users["erun"])


def test_roles_are_reported(world):
    assert perimeter_for(world.users["directeur"]).roles == {"requester", "agent"}
    assert perimeter_for(world.users["formateur"]).has_role("observer")
    assert not perimeter_for(world.users["formateur"]).has_role("agent")
