"""The whole journey of tickets through the levels, for three conventions' support matrices."""

import re

import pytest

from directory.choices import Category
from tickets import services
from tickets.exceptions import GuardFailed
from tickets.models import Priority, State, Ticket

from .conftest import QUALIF

pytestmark = pytest.mark.django_db


def test_open_lands_on_the_school_desk_with_reference_priority_and_convention(open_mtp, world):
    t = open_mtp(impact=1, urgency=1)
    assert re.fullmatch(r"ENT-\d{4}-\d{6}", t.reference)
    assert t.state == State.NEW and t.level == 0 and t.desk == world.desks["n0-0341255E"]
    assert t.convention == world.conventions["montpellier"]
    assert t.priority == Priority.P1 and t.version == 1
    assert t.events.get().kind == "opened"


@pytest.mark.parametrize("impact,urgency,priority", [(1, 1, 1), (1, 2, 2), (2, 1, 2), (2, 2, 3), (1, 3, 3), (3, 1, 3), (2, 3, 4), (3, 3, 4)])
def test_itil_priority_matrix(open_mtp, impact, urgency, priority):
    assert open_mtp(impact=impact, urgency=urgency).priority == priority


def test_montpellier_chain_school_erun_dsi_vendor_and_back(open_mtp, u, world):
    d = world.desks
    t = open_mtp()
    t = services.take(t, actor=u["directeur"])
    t = services.escalate(t, actor=u["directeur"])
    assert (t.level, t.desk, t.assignee) == (1, d["erun-lattes"], None)
    t = services.take(t, actor=u["erun"])
    t = services.request_info(t, actor=u["erun"], body="Quel navigateur ?")
    assert t.state == State.WAITING_REQUESTER
    # The requester's reply brings the ticket back to work by itself.
    t = services.comment(t, actor=u["enseignant"], body="Firefox")
    assert t.state == State.IN_PROGRESS and t.events.last().kind == "answered"
    t = services.escalate(t, actor=u["erun"])
    assert (t.level, t.desk) == (2, d["dsi-montpellier"])
    t = services.take(t, actor=u["dsi"])
    t = services.escalate(t, actor=u["dsi"], no_solution_found=True, **QUALIF)
    assert (t.level, t.desk, t.reached_vendor) == (3, d["ode"], True)
    t = services.set_vendor_reference(t, actor=u["editeur"], vendor_reference="ODE-4242")
    t = services.comment(t, actor=u["editeur"], body="Correctif déployé demain")
    t = services.send_back(t, actor=u["editeur"], reason="Merci de confirmer l'UAI concernée")
    # Back to the desk and the agent that escalated it.
    assert (t.level, t.desk, t.assignee) == (2, d["dsi-montpellier"], u["dsi"])
    t = services.resolve(t, actor=u["dsi"], summary="Correctif éditeur ODE-4242 déployé")
    t = services.confirm(t, actor=u["enseignant"])
    assert t.state == State.CLOSED and t.closed_at
    kinds = list(t.events.values_list("kind", flat=True))
    assert kinds == [
        "opened", "taken", "escalated", "taken", "info_requested", "answered", "escalated", "taken",
        "escalated", "vendor_reference", "commented", "sent_back", "resolved", "confirmed",
    ]
    # The vendor's answer is traced in the single desk like everyone else's.
    assert t.comments.filter(author=u["editeur"], body__contains="Correctif").exists()


def test_grand_est_network_goes_straight_to_the_collectivite_and_never_to_the_vendor(ge, world):
    u, d = world.users, world.desks
    t = services.open_ticket(actor=u["prof_ge"], school=world.schools["0570098X"], title="Plus de wifi en salle 12",
                             description="Borne éteinte", category=Category.NETWORK, impact=2, urgency=1)
    assert (t.level, t.desk) == (1, d["moselle-tech"])
    assert t.convention == world.conventions["grand_est"]
    with pytest.raises(GuardFailed, match="réseau et de matériel relèvent de la collectivité"):
        services.escalate(t, actor=u["collectivite"], malfunction_proven=True, **QUALIF)


def test_grand_est_vie_scolaire_goes_to_the_vendor_level_1_desk_directly(ge, world):
    """The convention gives vie scolaire a direct level-1 access (no qualification, no proof);
    the vendor's own escalation to level 2 is qualified as any other."""
    u, d = world.users, world.desks
    t = services.open_ticket(actor=u["prof_ge"], school=world.schools["0570098X"], title="Absences non remontées",
                             description="Appel fait, rien dans la vie scolaire", category=Category.VIE_SCOLAIRE,
                             impact=2, urgency=2)
    assert (t.level, t.desk) == (0, d["n0-0570098X"])
    t = services.escalate(t, actor=u["n0_ge"])
    assert (t.level, t.desk, t.reached_vendor) == (1, d["kosmos-n1"], True)
    with pytest.raises(GuardFailed, match="Qualification incomplète"):
        services.escalate(t, actor=u["kosmos1"])
    t = services.escalate(t, actor=u["kosmos1"], malfunction_proven=True, **QUALIF)
    assert (t.level, t.desk) == (2, d["kosmos-n2"])


def test_grand_est_malfunction_goes_through_the_academic_single_desk(ge, world):
    u, d = world.users, world.desks
    t = services.open_ticket(actor=u["prof_ge"], school=world.schools["0570098X"], title="Messagerie en erreur",
                             description="x", category=Category.MALFUNCTION, impact=3, urgency=3)
    t = services.escalate(t, actor=u["n0_ge"])
    assert (t.level, t.desk) == (1, d["guichet-nancy"])
    with pytest.raises(GuardFailed, match="dysfonctionnement doit être avéré"):
        services.escalate(t, actor=u["guichet"], **QUALIF)
    t = services.escalate(t, actor=u["guichet"], malfunction_proven=True, **QUALIF)
    assert (t.level, t.desk) == (2, d["kosmos-n2"])


def test_nice_has_no_level_2_escalation_skips_to_the_vendor(nice, world):
    u, d = world.users, world.desks
    t = services.open_ticket(actor=u["prof_nice"], school=world.schools["0061097K"], title="Blog inaccessible",
                             description="x", category=Category.MALFUNCTION, impact=2, urgency=2)
    assert (t.level, t.desk) == (0, d["n0-0061097K"])
    t = services.escalate(t, actor=u["n0_nice"])
    assert (t.level, t.desk) == (1, d["erun-antibes"])
    t = services.escalate(t, actor=u["erun_antibes"], malfunction_proven=True, **QUALIF)
    assert (t.level, t.desk) == (3, d["ode"])
    # The vendor sends it back to the ERUN (it came from level 1, not level 2).
    t = services.send_back(t, actor=u["editeur"], reason="Capture d'écran ?")
    assert (t.level, t.desk) == (1, d["erun-antibes"])


def test_nice_network_goes_to_the_town_it_service_at_level_1(nice, world):
    u, d = world.users, world.desks
    t = services.open_ticket(actor=u["prof_nice"], school=world.schools["0061097K"], title="Imprimante",
                             description="x", category=Category.NETWORK, impact=3, urgency=2)
    t = services.escalate(t, actor=u["n0_nice"])
    assert (t.level, t.desk) == (1, d["vl-tech"])
    with pytest.raises(GuardFailed, match="jamais transmises à l'éditeur"):
        services.escalate(t, actor=u["vl_tech"], malfunction_proven=True, **QUALIF)


def test_resolving_a_major_incident_resolves_its_children_and_tells_their_requesters(open_mtp, u, at_n1):
    from tickets.models import OutboxMessage

    child = open_mtp(title="Moi aussi")
    child = services.escalate(child, actor=u["directeur"])
    child = services.set_parent(child, actor=u["erun"], parent=at_n1.reference)
    parent = services.resolve(at_n1, actor=u["erun"], summary="Panne d'hébergement corrigée")
    child = Ticket.objects.get(pk=child.pk)
    assert child.state == State.RESOLVED and parent.reference in child.resolution_summary
    assert child.events.last().payload["parent"] == parent.reference
    assert OutboxMessage.objects.filter(ticket=child, channel="email", event_name="ticket.resolved",
                                        payload__to=[u["enseignant"].email]).exists()


def test_reopen_goes_back_to_the_desk_that_resolved(at_n1, u, world):
    t = services.resolve(at_n1, actor=u["erun"], summary="Cache vidé")
    t = services.reopen(t, actor=u["enseignant"], reason="Ça recommence")
    assert (t.state, t.desk, t.level) == (State.IN_PROGRESS, world.desks["erun-lattes"], 1)


def test_cancel_as_duplicate_links_the_original(open_mtp, at_n1, u):
    dup = services.escalate(open_mtp(title="Doublon"), actor=u["directeur"])
    dup = services.cancel(dup, actor=u["erun"], reason="Déjà signalé", duplicate_of=at_n1.reference)
    assert dup.state == State.CANCELLED and dup.duplicate_of == at_n1
    assert dup.events.last().payload == {"reason": "Déjà signalé", "duplicate_of": at_n1.reference}


def test_requester_may_cancel_own_new_ticket(open_mtp, u):
    t = services.cancel(open_mtp(), actor=u["enseignant"], reason="Résolu tout seul")
    assert t.state == State.CANCELLED


def test_markdown_is_sanitised_on_output():
    from tickets.markdown import render_markdown

    html = render_markdown("**gras** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<strong>gras</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
