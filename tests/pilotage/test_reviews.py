"""Major incidents and their reviews: who declares, who reads (one rule), what the review holds."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilotage import selectors, services
from pilotage.models import ActionStatus, ReviewEvent, ReviewStatus
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def key(world, kind, name):
    return f"{kind}:{getattr(world, kind + ('s' if kind != 'academie' else 's'))[name].pk}"


def test_a_manager_declares_an_outage_major_and_its_review_invites_the_parties(world, auth_outage):
    review = services.declare_major_incident(auth_outage, actor=world.users["manager"])
    assert review.status == ReviewStatus.PLANNED and review.cause == "Certificat expiré (fictif)"
    parties = set(review.parties.values_list("organisation", flat=True))
    assert f"academie:{world.academies['montpellier'].pk}" in parties
    assert f"vendor:{world.vendors['ode'].pk}" in parties  # ENT-école (ONE) covers these schools
    assert f"vendor:{world.vendors['kosmos'].pk}" not in parties
    assert ReviewEvent.objects.filter(incident=review.incident, kind="declared", actor=world.users["manager"]).exists()
    # declaring again: the same review
    assert services.declare_major_incident(auth_outage, actor=world.users["manager"]).pk == review.pk


@pytest.mark.parametrize("username", ["editeur", "guichet", "enseignant", "formateur"])
def test_vendors_teachers_and_other_perimeters_may_not_declare(world, auth_outage, username):
    with pytest.raises(PermissionDenied):
        services.declare_major_incident(auth_outage, actor=world.users[username])


def test_a_level_one_agent_of_the_perimeter_declares(world, auth_outage):
    assert selectors.may_declare_outage_major(world.users["erun"], auth_outage)
    services.declare_major_incident(auth_outage, actor=world.users["erun"])


def test_a_parent_ticket_is_declared_major_not_a_child(world):
    school = world.schools["0341255E"]
    parent = ticket_services.open_ticket(actor=world.users["enseignant"], school=school, category="account",
                                         title="Connexion impossible (fictif)", description="Personne ne se connecte.", impact=2, urgency=2)
    review = services.declare_major_incident(parent, actor=world.users["erun"])
    assert list(review.incident.schools.all()) == [school]
    assert review.incident.title.startswith(parent.reference)
    impact = selectors.impact(review)
    assert (impact["schools"], impact["people"], impact["tickets"]) == (1, 1, 1)
    entries = selectors.timeline(world.users["erun"], review)
    assert any("Ticket ouvert" in e.label for e in entries) and any("incident majeur" in e.label for e in entries)


def test_visibility_invited_organisations_and_managers_only(world, auth_outage):
    review = services.declare_major_incident(auth_outage, actor=world.users["manager"])
    readers = {u for u in world.users if selectors.visible_reviews(world.users[u]).filter(pk=review.pk).exists()}
    assert {"manager", "admin", "editeur", "erun", "dsi"} <= readers
    assert not readers & {"guichet", "enseignant", "cpe"}  # another académie, a teacher
    # A vendor not invited sees nothing; uninvited, ODE stops seeing it.
    services.remove_party(review, f"vendor:{world.vendors['ode'].pk}", actor=world.users["manager"])
    assert not selectors.visible_reviews(world.users["editeur"]).exists()
    assert not selectors.open_actions(world.users["editeur"]).exists()


def test_impact_counts_minutes_inside_the_window_and_school_minutes(world, auth_outage):
    review = services.declare_major_incident(auth_outage, actor=world.users["manager"])
    impact = selectors.impact(review)
    schools = world.academies["montpellier"].schools.count()
    # Tuesday 17 March 2026, 9:05–12:50: 225 minutes, all inside 8:00–22:00 (no holiday in zone C).
    assert impact["minutes_inside"] == 225 and impact["minutes_outside"] == 0
    assert impact["schools"] == schools and impact["school_minutes_inside"] == 225 * schools


def test_actions_owner_done_and_abandoned_with_reason(world, auth_outage):
    review = services.declare_major_incident(auth_outage, actor=world.users["manager"])
    ode = f"vendor:{world.vendors['ode'].pk}"
    action = services.add_action(review, actor=world.users["manager"], title="Superviser l'expiration des certificats",
                                 owner=ode, due_on=date(2026, 4, 30), evolution_ref="EVOL-12 (fictif)")
    assert action.owner_label == "Open Digital Education" and action.status == ActionStatus.TODO
    assert list(selectors.open_actions(world.users["manager"])) == [action]
    with pytest.raises(ValidationError) as err:
        services.add_action(review, actor=world.users["manager"], title="X", owner="vendor:99999")
    assert "owner" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.add_action(review, actor=world.users["editeur"], title="X", owner=ode)
    # the owning vendor marks it done, not its due date
    with pytest.raises(PermissionDenied):
        services.update_action(action, actor=world.users["editeur"], due_on=date(2027, 1, 1))
    action = services.update_action(action, actor=world.users["editeur"], status=ActionStatus.DONE, version=1)
    assert action.done_at and action.version == 2
    assert not selectors.open_actions(world.users["manager"]).exists()
    with pytest.raises(ValidationError) as err:
        services.update_action(action, actor=world.users["manager"], status=ActionStatus.ABANDONED)
    assert "abandon_reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.update_action(action, actor=world.users["manager"], status=ActionStatus.TODO, version=1)
    assert "version" in err.value.message_dict
    # another académie's agent may not touch it
    with pytest.raises(PermissionDenied):
        services.update_action(action, actor=world.users["guichet"], status=ActionStatus.TODO)


def test_review_update_and_minutes(world, auth_outage):
    review = services.declare_major_incident(auth_outage, actor=world.users["manager"])
    review = services.update_review(review, actor=world.users["manager"], status="held", minutes="**Décisions** (fictif)", version=1)
    assert review.version == 2
    with pytest.raises(ValidationError) as err:
        services.update_review(review, actor=world.users["manager"], status="bogus")
    assert "status" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_review(review, actor=world.users["editeur"], minutes="x")


def test_lists_cost_the_same_queries_whatever_their_size(world, auth_outage):
    from sla import outages
    from sla.models import Service

    services.declare_major_incident(auth_outage, actor=world.users["manager"])
    ode = f"vendor:{world.vendors['ode'].pk}"

    def count(username):
        user = type(world.users[username]).objects.get(pk=world.users[username].pk)
        with CaptureQueriesContext(connection) as ctx:
            rows = [(r.incident.title, r.incident.outage.service.name if r.incident.outage_id else "", r.open_actions,
                     [p.label for p in r.parties.all()]) for r in selectors.visible_reviews(user)]
            actions = [(a.title, a.review.incident.title) for a in selectors.open_actions(user)]
        return len(ctx.captured_queries), len(rows), len(actions)

    before = {u: count(u) for u in ("manager", "editeur")}
    ent = Service.objects.create(slug="ent", name="ENT")
    for hour in (13, 14, 15):
        o = outages.declare_outage(ent, actor=world.users["dsi"], scope="academie", academie=world.academies["montpellier"],
                                   started_at=auth_outage.started_at.replace(hour=hour), ended_at=auth_outage.ended_at.replace(hour=hour + 1))
        r = services.declare_major_incident(o, actor=world.users["manager"])
        services.add_action(r, actor=world.users["manager"], title=f"Action {hour}", owner=ode)
    after = {u: count(u) for u in ("manager", "editeur")}
    for u in before:
        assert after[u][0] == before[u][0], u
        assert after[u][1] == before[u][1] + 3
        assert after[u][2] == before[u][2] + 3

