"""Statuses, rights, the refusal's reason, "Moi aussi", notifications, audit and the links to
improvement actions of incident reviews."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evolutions import selectors, services
from evolutions.models import EvolutionEvent, EvolutionRequest, Support
from tickets.models import OutboxMessage

from .conftest import advance


def test_submit_attaches_the_convention_in_force_and_its_product(world, proposal, school):
    assert proposal.status == "proposed"
    assert proposal.convention == world.conventions["montpellier"]
    assert proposal.product == world.conventions["montpellier"].product
    assert proposal.reference.startswith("EVO-")
    assert list(EvolutionEvent.objects.filter(evolution=proposal).values_list("kind", flat=True)) == ["submitted"]


def test_submit_needs_a_school_of_ones_perimeter_and_names_the_field(world, bodies, nice_school):
    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["enseignant"], school=nice_school, service="Blog", title="x", description="y")
    assert "school" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["enseignant"], school=world.schools["0341255E"], service="Blog", title=" ", description="y")
    assert "Titre" in exc.value.message_dict["title"][0]


def test_full_path_each_step_one_audit_line(world, proposal):
    manager = world.users["manager"]
    e = advance(proposal, manager, "instruct", "retain", "transmit")
    assert e.status == "transmitted" and e.priority == 2
    e = services.apply(world.users["editeur"], e, "deliver", note="Version 4.2 (fictif)")
    assert e.status == "delivered" and e.delivery_note == "Version 4.2 (fictif)"
    kinds = list(EvolutionEvent.objects.filter(evolution=e).values_list("kind", "from_status", "to_status"))
    assert kinds == [("submitted", "", "proposed"), ("instruct", "proposed", "instructed"), ("retain", "instructed", "retained"),
                     ("transmit", "retained", "transmitted"), ("deliver", "transmitted", "delivered")]


def test_status_cannot_be_written_directly(proposal):
    with pytest.raises(AttributeError):
        proposal.status = "retained"


def test_wrong_state_is_refused_naming_the_status(world, proposal):
    with pytest.raises(ValidationError) as exc:
        services.apply(world.users["manager"], proposal, "transmit")
    assert "proposée" in exc.value.message_dict["status"][0]


@pytest.mark.parametrize("username", ["enseignant", "directeur", "erun", "dsi", "editeur", "ien"])
def test_only_the_body_instructs(world, proposal, username):
    with pytest.raises((PermissionDenied, EvolutionRequest.DoesNotExist)):
        services.apply(world.users[username], proposal, "instruct")


def test_the_ien_of_the_circonscription_prioritises_in_alpes_maritimes(world, bodies, nice_school):
    from directory.models import Membership

    teacher = world.users["enseignant"]
    Membership.objects.create(user=teacher, role="requester", school=nice_school)
    e = services.submit(teacher, school=nice_school, service="Blog", title="Blog de classe (fictif)", description="…")
    assert e.convention == world.conventions["nice"]
    with pytest.raises(EvolutionRequest.DoesNotExist):
        services.apply(world.users["manager"], e, "instruct")  # Montpellier's working group: not this convention's body
    e = advance(e, world.users["ien"], "instruct", "retain")
    assert e.status == "retained"


def test_refusal_needs_a_reason(world, proposal):
    manager = world.users["manager"]
    with pytest.raises(ValidationError) as exc:
        services.apply(manager, proposal, "refuse", reason="  ")
    assert "motif du refus est obligatoire" in exc.value.message_dict["reason"][0]
    e = services.apply(manager, proposal, "refuse", reason="Doublon de EVO-1 (fictif)")
    assert e.status == "refused" and e.refusal_reason == "Doublon de EVO-1 (fictif)"


def test_retain_needs_a_priority(world, proposal):
    e = services.apply(world.users["manager"], proposal, "instruct")
    with pytest.raises(ValidationError) as exc:
        services.apply(world.users["manager"], e, "retain")
    assert "priority" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.apply(world.users["manager"], e, "retain", priority="9")


def test_only_the_vendor_delivers(world, proposal):
    e = advance(proposal, world.users["manager"], "instruct", "retain", "transmit")
    with pytest.raises(PermissionDenied):
        services.apply(world.users["manager"], e, "deliver")
    with pytest.raises(EvolutionRequest.DoesNotExist):  # another vendor does not even read it
        services.apply(world.users["guichet"], e, "deliver")


def test_moi_aussi_is_idempotent_and_toggles(world, proposal):
    director = world.users["directeur"]
    e, changed = services.set_support(director, proposal, True)
    assert changed and e.supporters_count == 1
    e, changed = services.set_support(director, proposal, True)
    assert not changed and e.supporters_count == 1
    assert Support.objects.filter(evolution=proposal).count() == 1
    assert EvolutionEvent.objects.filter(evolution=proposal, kind="supported").count() == 1
    e, changed = services.set_support(director, proposal, False)
    assert changed and e.supporters_count == 0
    e, changed = services.set_support(director, proposal, False)
    assert not changed and e.supporters_count == 0


def test_the_submitter_and_the_vendor_do_not_say_moi_aussi(world, proposal):
    with pytest.raises(PermissionDenied):
        services.set_support(world.users["enseignant"], proposal, True)
    e = advance(proposal, world.users["manager"], "instruct", "retain")
    with pytest.raises(PermissionDenied):
        services.set_support(world.users["editeur"], e, True)


def test_each_status_change_mails_the_submitter_and_supporters(world, proposal):
    services.set_support(world.users["directeur"], proposal, True)
    OutboxMessage.objects.all().delete()
    advance(proposal, world.users["manager"], "instruct")
    mails = OutboxMessage.objects.filter(channel="email", event_name="evolution.instruct")
    assert sorted(m.payload["to"][0] for m in mails) == ["directeur@example.org", "enseignant@example.org"]
    assert "instruite" in mails[0].payload["subject"]
    services.apply(world.users["manager"], proposal, "refuse", reason="Hors périmètre (fictif)")
    refused = OutboxMessage.objects.filter(channel="email", event_name="evolution.refuse").first()
    assert "Motif : Hors périmètre (fictif)" in refused.payload["body"]
    # supporting is not a status change: no mail
    assert not OutboxMessage.objects.filter(event_name="evolution.supported").exists()


def test_link_an_improvement_action_shown_on_the_action(world, proposal, auth_outage):
    from pilotage import services as pilotage_services

    manager = world.users["manager"]
    review = pilotage_services.declare_major_incident(auth_outage, actor=manager)
    action = pilotage_services.add_action(review, actor=manager, title="Superviser les certificats (fictif)",
                                          owner=f"vendor:{world.vendors['ode'].pk}")
    assert action in selectors.linkable_actions(manager, proposal)
    services.link_action(manager, proposal, action.pk)
    action.refresh_from_db()
    assert action.evolution_ref.startswith(proposal.reference)
    assert [link.action for link in selectors.linked_actions(proposal)] == [action]
    assert EvolutionEvent.objects.filter(evolution=proposal, kind="action_linked").count() == 1
    with pytest.raises(PermissionDenied):
        services.link_action(world.users["directeur"], proposal, action.pk)
    with pytest.raises(ValidationError):
        services.link_action(manager, proposal, 999999)


def test_history_is_append_only(proposal):
    event = EvolutionEvent.objects.filter(evolution=proposal).first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        EvolutionEvent.objects.filter(evolution=proposal).update(note="x")


def test_a_stale_version_is_refused(world, proposal):
    manager = world.users["manager"]
    services.apply(manager, proposal, "instruct", version=proposal.version)
    with pytest.raises(ValidationError) as exc:
        services.apply(manager, proposal, "refuse", reason="Doublon (fictif)", version=proposal.version)
    assert "rechargez la page" in exc.value.message_dict["version"][0]


def test_the_actor_is_not_told_of_their_own_action_and_the_bell_rings(world, proposal):
    services.set_support(world.users["manager"], proposal, True)  # the working group's member also said "Moi aussi"
    OutboxMessage.objects.all().delete()
    services.apply(world.users["manager"], proposal, "instruct")
    assert [m.payload["to"] for m in OutboxMessage.objects.filter(channel="email")] == [["enseignant@example.org"]]
    bell = OutboxMessage.objects.get(channel="in_app")
    assert bell.payload["user_ids"] == [world.users["enseignant"].pk] and bell.payload["link"] == f"/evolutions/{proposal.pk}/"


def test_unlink_an_improvement_action(world, proposal, auth_outage):
    """Unlinking: the same right as linking, atomic, one line of the request's history; the action
    stops naming the request."""
    from pilotage import services as pilotage_services

    manager = world.users["manager"]
    review = pilotage_services.declare_major_incident(auth_outage, actor=manager)
    action = pilotage_services.add_action(review, actor=manager, title="Superviser les certificats (fictif)",
                                          owner=f"vendor:{world.vendors['ode'].pk}")
    other = services.submit(world.users["enseignant"], school=proposal.school, service="Blog", title="Autre (fictif)",
                            description="…")
    services.link_action(manager, proposal, action.pk)
    services.link_action(manager, other, action.pk)
    with pytest.raises(PermissionDenied):
        services.unlink_action(world.users["directeur"], proposal, action.pk)
    assert len(selectors.linked_actions(proposal)) == 1  # refused: nothing changed
    services.unlink_action(manager, proposal, action.pk)
    assert selectors.linked_actions(proposal) == [] and action in selectors.linkable_actions(manager, proposal)
    action.refresh_from_db()
    assert action.evolution_ref.startswith(other.reference) and proposal.reference not in action.evolution_ref
    events = EvolutionEvent.objects.filter(evolution=proposal, kind="action_unlinked")
    assert events.count() == 1 and events.get().actor == manager and events.get().payload == {"action": action.pk}
    with pytest.raises(ValidationError) as exc:  # not linked (any more)
        services.unlink_action(manager, proposal, action.pk)
    assert "action" in exc.value.message_dict and events.count() == 1
    services.unlink_action(manager, other, action.pk)
    action.refresh_from_db()
    assert action.evolution_ref is None  # no request left to name


def test_unlink_is_all_or_nothing(world, proposal, auth_outage, monkeypatch):
    from pilotage import services as pilotage_services

    manager = world.users["manager"]
    review = pilotage_services.declare_major_incident(auth_outage, actor=manager)
    action = pilotage_services.add_action(review, actor=manager, title="Superviser (fictif)", owner=f"vendor:{world.vendors['ode'].pk}")
    services.link_action(manager, proposal, action.pk)

    def refuse(*args, **kwargs):
        raise PermissionDenied("refusé (test)")

    monkeypatch.setattr(pilotage_services, "update_action", refuse)
    with pytest.raises(PermissionDenied):
        services.unlink_action(manager, proposal, action.pk)
    assert len(selectors.linked_actions(proposal)) == 1
    assert not EvolutionEvent.objects.filter(evolution=proposal, kind="action_unlinked").exists()
