"""Moves stay inside the support chain: `route` (and `escalate`) only reach desks of the ticket's
convention matrix, so another convention's desk — or another vendor — never gets the ticket."""

import pytest

from directory.routing import chain_desks, routes_of
from tickets import guards, permissions, services
from tickets.exceptions import GuardFailed
from tickets.models import Ticket
from tickets.selectors import visible_to

from .conftest import QUALIF, make_user

pytestmark = pytest.mark.django_db


def unchanged(t):
    fresh = Ticket.objects.get(pk=t.pk)
    return fresh.version == t.version and fresh.desk_id == t.desk_id


def test_the_chain_is_the_matrix_desks_with_the_schools_own(world, bouissinet):
    """The chain is what the matrix resolves to for this school: its own level 0, its
    circonscription's ERUN, its commune, the académie's GAR desk, the DSII, the ENT's editor."""
    desks = chain_desks(routes_of(world.conventions["montpellier"]), bouissinet)
    assert [d.slug for d in desks] == [
        "n0-0341255e", "gar-montpellier", "erun-lattes", "maguelone-tech", "dsi-montpellier", "ode-support"]
    # Same matrix, a school of Sète: Sète's ERUN and commune, never Lattes' nor Maguelone's.
    sete = [d.slug for d in chain_desks(routes_of(world.conventions["sete"]), world.schools["0341301E"], level=1)]
    assert sete == ["gar-montpellier", "erun-sete", "sete-tech"]
    assert [d.slug for d in chain_desks(routes_of(world.conventions["grand_est"]), world.schools["0570098X"], level=1)] == [
        "guichet-nancy-metz", "kosmos-vie-scolaire", "moselle-tech"]
    # A lycée's chain has the Région's desk instead of the Département's.
    assert [d.slug for d in chain_desks(routes_of(world.conventions["grand_est"]), world.schools["0573456X"], level=1)] == [
        "guichet-nancy-metz", "kosmos-vie-scolaire", "region-ge-tech"]


def test_route_to_another_conventions_desk_is_refused(at_n1, u, world):
    with pytest.raises(GuardFailed, match="Guichet unique académique Nancy-Metz.*OCCITANIE-VILLENEUVE-LES-MAGUELONE"):
        services.route(at_n1, actor=u["erun"], desk=world.desks["guichet-nancy"], reason="Erreur d'aiguillage")
    assert unchanged(at_n1)


def test_route_to_another_vendor_is_refused_and_that_vendor_cannot_read_it(at_n1, u, world, ge):
    t = services.update_qualification(services.take(at_n1, actor=u["erun"]), actor=u["erun"], malfunction_proven=True, **QUALIF)
    with pytest.raises(GuardFailed, match="Kosmos — support vie scolaire.*chaîne de support"):
        services.route(t, actor=u["erun"], desk=world.desks["kosmos-n1"], reason="Vie scolaire")
    assert unchanged(t)
    kosmos = u["kosmos1"]
    assert not permissions.can_view(kosmos, t)
    assert not visible_to(kosmos).filter(pk=t.pk).exists()


def test_route_inside_the_chain_moves_the_ticket(ge, world):
    u = world.users
    t = services.open_ticket(actor=u["prof_ge"], school=world.schools["0570098X"], title="Absences",
                             description="L'appel ne s'enregistre pas", category="usage", impact=2, urgency=2)
    t = services.escalate(t, actor=u["n0_ge"], reason="Pour le guichet")
    assert t.desk == world.desks["guichet-nancy"]
    assert [d.slug for d in guards.route_targets(t)] == ["kosmos-vie-scolaire", "moselle-tech"]
    t = services.route(t, actor=u["guichet"], desk=world.desks["moselle-tech"], reason="Matériel")
    assert t.desk == world.desks["moselle-tech"] and t.level == 1


def test_route_targets_of_a_montpellier_ticket(at_n1, world):
    # At level 1 the ERUN may hand over to the school's commune (network) or the GAR desk —
    # the other circonscription's ERUN is not in this school's chain.
    assert [d.slug for d in guards.route_targets(at_n1)] == ["gar-montpellier", "maguelone-tech"]
    assert world.desks["erun-sete"] not in guards.route_targets(at_n1)


def test_a_network_fault_of_a_lycee_is_routed_to_the_region_with_the_reason(ge, world):
    u = world.users
    lycee = world.schools["0573456X"]
    make_user(world, "prof_lycee", "requester", school=lycee)
    t = services.open_ticket(actor=u["prof_lycee"], school=lycee, title="Wi-Fi du CDI coupé",
                             description="Plus de réseau au CDI", category="network_hardware", impact=2, urgency=2)
    assert (t.level, t.desk) == (1, world.desks["region-tech"])  # level 0 skipped
    opened = t.events.get(kind="opened")
    assert opened.payload["routing"] == "réseau et matériel d'un lycée, compétence de la Région"
    assert not opened.payload.get("fallback")
