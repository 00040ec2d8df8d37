"""The demo: each seed's body configured on its convention, the clauses quoted, invented people and
requests saying so, a request linked to the demo review's action."""

import pytest

from evolutions import demo
from evolutions.models import BodyKind, EvolutionRequest, Governance
from pilotage import demo as pilotage_demo


@pytest.fixture
def seeded(world, auth_outage):
    pilotage_demo.seed_reviews(world)
    return demo.seed_evolutions(world)


def test_each_seed_names_its_body(world, seeded):
    nice = Governance.objects.get(convention=world.conventions["nice"])
    assert nice.kind == BodyKind.IEN and "inspecteur de l'éducation nationale chargé de la circonscription" in nice.clause
    assert [m.circonscription.name for m in nice.members.all()] == ["Circonscription d'Antibes"]
    sete = Governance.objects.get(convention=world.conventions["sete"])
    assert sete.kind == BodyKind.WORKING_GROUP
    assert "groupe de travail dédié constitué d'utilisateurs représentatifs, et de représentants de mairies" in sete.clause
    qualities = " ".join(sete.members.values_list("quality", flat=True))
    assert "Utilisatrice représentative (fictive)" in qualities and "mairie de Sète (fictif)" in qualities
    assert "(fictive)" in world.users["ien"].last_name


def test_requests_at_several_stages_invented_and_linked(world, seeded):
    assert seeded == 3
    assert all("(fictif)" in t for t in EvolutionRequest.objects.values_list("title", flat=True))
    assert sorted(EvolutionRequest.objects.values_list("status", flat=True)) == ["proposed", "refused", "transmitted"]
    banner = EvolutionRequest.objects.get(status="transmitted")
    assert banner.supporters_count == 1 and banner.action_links.count() == 1
    assert banner.action_links.get().action.evolution_ref.startswith(banner.reference)


def test_a_person_is_a_member_of_a_body_once_on_every_database(world, seeded):
    from django.db import IntegrityError, transaction

    from evolutions.models import BodyMember

    sete = Governance.objects.get(convention=world.conventions["sete"])
    with pytest.raises(IntegrityError), transaction.atomic():
        BodyMember.objects.create(governance=sete, user=world.users["manager"], quality="en double")
    nice = Governance.objects.get(convention=world.conventions["nice"])
    member = nice.members.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        BodyMember.objects.create(governance=nice, user=member.user, circonscription=member.circonscription)
