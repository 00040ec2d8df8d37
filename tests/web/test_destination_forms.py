"""The escalate and route forms name where the ticket goes before sending; before a vendor's desk
without direct access, the qualification the guard reads is required, each error beside its field;
the qualification panel shows what was written to every level it was written for (issue 14)."""

import html as html_lib
import re
from datetime import datetime, timezone

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Ticket

from .test_pages import at_erun

pytestmark = pytest.mark.django_db


def page(client, ticket) -> str:
    return html_lib.unescape(client.get(reverse("web:ticket", args=[ticket.reference])).content.decode())


def at_dsi(world):
    ticket = at_erun(world)
    return services.escalate(ticket, actor=world.users["admin"], reason="Pour la DSI", steps_to_reproduce="Ouvrir le cahier",
                             expected_behaviour="La séance s'ouvre", observed_behaviour="Erreur 500", users_affected=25,
                             browser_device="Firefox 128", first_seen_at=datetime(2026, 11, 30, 8, 30, tzinfo=timezone.utc),
                             malfunction_proven=True)


def test_the_erun_reads_where_the_escalation_goes_and_why(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    html = page(client, ticket)
    destination = re.search(r'<p class="destination" id="destination-escalate">(.*?)</p>', html, re.S).group(1)
    assert "Pôle d'assistance DSII Montpellier" in destination and "MONTPELLIER" in destination.upper()
    # The DSI is no vendor: no qualification asked at this step.
    assert "Pour atteindre l'éditeur" not in html


def test_before_the_vendor_the_qualification_is_required_with_errors_beside_the_fields(client, world):
    ticket = services.escalate(at_erun(world), actor=world.users["admin"], reason="Pour la DSI")
    dsi = world.users["dsi"]
    client.force_login(dsi)
    html = page(client, ticket)
    assert "Open Digital Education — support éditeur" in html and "Pour atteindre l'éditeur" in html
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "escalate"]),
                           {"escalate-version": ticket.version, "escalate-note": "Pour l'éditeur"})
    assert response.status_code == 400
    html = html_lib.unescape(response.content.decode())
    assert html.count("À renseigner pour transmettre à l'éditeur.") == 6  # one per empty qualification field
    assert "Cochez le dysfonctionnement avéré" in html
    assert Ticket.objects.get(pk=ticket.pk).level == 2  # nothing sent


def test_a_network_fault_says_why_it_never_goes_up_and_asks_no_qualification(client, world):
    ticket = services.open_ticket(actor=world.users["cpe"], school=world.schools["0570098X"], title="Wi-Fi coupé",
                                  description="Salle 12", category="network_hardware", impact=2, urgency=2)
    assert ticket.desk.slug == "moselle-tech"
    client.force_login(world.users["collectivite"])
    html = page(client, ticket)
    assert 'id="action-escalate-blocked"' in html and "jamais transmises à l'éditeur" in html
    assert "À compléter avant l'éditeur" not in html
    # One other desk of the chain at level 1: named, and preselected (no empty choice).
    select = re.search(r'<select name="route-desk".*?</select>', html, re.S).group(0)
    assert "Guichet unique académique Nancy-Metz" in select and "---------" not in select
    assert "Sera transmis à :" in html


def test_the_qualification_panel_is_read_by_the_vendor_and_the_statements_by_the_chain_only(client, world):
    ticket = services.escalate(at_dsi(world), actor=world.users["admin"], reason="Pour l'éditeur")
    assert ticket.desk.vendor_id is not None
    client.force_login(world.users["editeur"])
    html = page(client, ticket)
    panel = re.search(r'<section[^>]*id="qualification".*?</section>', html, re.S).group(0)
    assert "Ouvrir le cahier" in panel and "Erreur 500" in panel and "Dysfonctionnement avéré" in panel
    client.force_login(world.users["enseignant"])
    panel = re.search(r'<section[^>]*id="qualification".*?</section>', page(client, ticket), re.S).group(0)
    assert "Ouvrir le cahier" in panel and "Dysfonctionnement avéré" not in panel


def test_a_network_fault_that_started_at_the_collectivite_offers_no_send_back(world):
    """Grand Est skips level 0 for network faults: nothing lower to return it to, no button."""
    from tickets.permissions import available_transitions

    ticket = services.open_ticket(actor=world.users["cpe"], school=world.schools["0570098X"], title="Wi-Fi coupé",
                                  description="Salle 12", category="network_hardware", impact=2, urgency=2)
    ticket = services.take(ticket, actor=world.users["collectivite"])
    assert "send_back" not in available_transitions(world.users["collectivite"], ticket)
    assert "resolve" in available_transitions(world.users["collectivite"], ticket)
