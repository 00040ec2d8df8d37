"""The web pages: list with counters and status filter (constant queries), submit form, the page
with its history, "Moi aussi", transition buttons for those with the right, refusal without a reason
(400, French message naming the field), the vendor's view (only retained), links to review actions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evolutions import services
from evolutions.models import EvolutionRequest

from .conftest import advance


def test_the_teacher_proposes_from_the_form(login, world, bodies, school):
    client = login("enseignant")
    page = client.get("/evolutions/nouvelle/")
    assert page.status_code == 200 and "Service ou module ENT concerné" in page.content.decode()
    bad = client.post("/evolutions/nouvelle/", {"school": school.pk, "service": "Blog", "title": "", "description": "x"})
    assert bad.status_code == 400 and "Ce champ est obligatoire" in bad.content.decode()
    response = client.post("/evolutions/nouvelle/", {"school": school.pk, "service": "Blog", "title": "Blog par classe (fictif)",
                                                     "description": "Un blog **par classe**."})
    e = EvolutionRequest.objects.get(title="Blog par classe (fictif)")
    assert response.status_code == 302 and response["Location"] == f"/evolutions/{e.pk}/"
    html = client.get(f"/evolutions/{e.pk}/").content.decode()
    assert "Proposée" in html and "Groupe de travail académique" in html and "<strong>par classe</strong>" in html


def test_the_vendor_cannot_propose(login, world, bodies):
    assert login("editeur").get("/evolutions/nouvelle/").status_code == 403


def test_moi_aussi_button_toggles_and_counts(login, world, proposal):
    client = login("directeur")
    html = client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert 'aria-pressed="false"' in html and "0 personne" in html
    client.post(f"/evolutions/{proposal.pk}/moi-aussi/", {"soutien": "1"})
    client.post(f"/evolutions/{proposal.pk}/moi-aussi/", {"soutien": "1"})  # twice: still one
    html = client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert "1 personne" in html and "Retirer mon « Moi aussi »" in html
    client.post(f"/evolutions/{proposal.pk}/moi-aussi/", {"soutien": "0"})
    assert "0 personne" in client.get(f"/evolutions/{proposal.pk}/").content.decode()
    # the submitter has no button
    assert 'id="evolution-support"' not in login("enseignant").get(f"/evolutions/{proposal.pk}/").content.decode()


def test_transition_buttons_only_for_the_body(login, world, proposal):
    assert 'id="action-instruct"' not in login("enseignant").get(f"/evolutions/{proposal.pk}/").content.decode()
    client = login("manager")
    assert 'id="action-instruct"' in client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert client.post(f"/evolutions/{proposal.pk}/action/instruct/", {}).status_code == 302
    response = client.post(f"/evolutions/{proposal.pk}/action/refuse/", {"refuse-reason": ""})
    assert response.status_code == 400 and "Le motif du refus est obligatoire" in response.content.decode()
    client.post(f"/evolutions/{proposal.pk}/action/retain/", {"retain-priority": "1"})
    html = client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert "Retenue" in html and "Haute" in html and "Instruite" in html  # the history keeps each step
    assert login("enseignant").post(f"/evolutions/{proposal.pk}/action/transmit/", {}).status_code == 403


def test_the_vendor_sees_only_retained_requests(login, world, proposal):
    vendor = login("editeur")
    assert vendor.get(f"/evolutions/{proposal.pk}/").status_code == 404
    assert proposal.title not in vendor.get("/evolutions/").content.decode()
    e = advance(proposal, world.users["manager"], "instruct")
    assert vendor.get(f"/evolutions/{e.pk}/").status_code == 404
    e = advance(e, world.users["manager"], "retain")
    assert proposal.title in vendor.get("/evolutions/").content.decode()
    html = vendor.get(f"/evolutions/{e.pk}/").content.decode()
    assert 'id="action-deliver"' not in html  # retained, not yet transmitted
    e = advance(e, world.users["manager"], "transmit")
    assert 'id="action-deliver"' in vendor.get(f"/evolutions/{e.pk}/").content.decode()
    assert vendor.post(f"/evolutions/{e.pk}/action/deliver/", {"deliver-note": "v4.2"}).status_code == 302
    assert "Livrée" in vendor.get(f"/evolutions/{e.pk}/").content.decode()
    # another vendor: nothing
    assert login("collectivite").get(f"/evolutions/{e.pk}/").status_code == 404


@pytest.mark.parametrize("username, sees", [
    ("enseignant", True), ("directeur", True),  # the submitter; a colleague of the school
    ("erun", True), ("manager", True), ("dsi", True),  # the académie's agents of the school's perimeter; the working group
    ("guichet", False), ("cpe", False), ("collectivite", False), ("formateur", True), ("editeur", False),
])
def test_who_reads_a_proposal(login, world, proposal, username, sees):
    assert (login(username).get(f"/evolutions/{proposal.pk}/").status_code == 200) is sees


def test_list_filters_by_status_with_counters(login, world, proposal, school):
    other = services.submit(world.users["enseignant"], school=school, service="Blog", title="Autre (fictif)", description="…")
    advance(other, world.users["manager"], "instruct")
    client = login("enseignant")
    html = client.get("/evolutions/").content.decode()
    assert "Toutes (2)" in html and "Proposée (1)" in html and "Instruite (1)" in html
    filtered = client.get("/evolutions/?statut=instructed").content.decode()
    assert "Autre (fictif)" in filtered and proposal.title not in filtered
    assert client.get("/evolutions/?statut=nimporte").status_code == 200


def test_list_queries_do_not_grow_with_rows(login, world, bodies, school):
    client = login("manager")
    teacher = world.users["enseignant"]
    services.submit(teacher, school=school, service="Blog", title="Une (fictif)", description="…")
    client.get("/evolutions/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/evolutions/").status_code == 200
    for i in range(8):
        e = services.submit(teacher, school=school, service="Blog", title=f"Demande {i} (fictif)", description="…")
        services.set_support(world.users["directeur"], e, True)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/evolutions/").status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_link_an_improvement_action_from_the_page(login, world, proposal, auth_outage):
    from pilotage import services as pilotage_services

    manager = world.users["manager"]
    review = pilotage_services.declare_major_incident(auth_outage, actor=manager)
    action = pilotage_services.add_action(review, actor=manager, title="Superviser les certificats (fictif)",
                                          owner=f"vendor:{world.vendors['ode'].pk}")
    client = login("manager")
    assert 'id="evolution-link"' in client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert client.post(f"/evolutions/{proposal.pk}/actions-amelioration/", {"action": "999999"}).status_code == 400
    assert client.post(f"/evolutions/{proposal.pk}/actions-amelioration/", {"action": action.pk}).status_code == 302
    html = client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert "Superviser les certificats (fictif)" in html
    # shown on the action, on the review's page
    review_page = client.get(f"/pilotage/revues/{review.pk}/").content.decode()
    assert proposal.reference in review_page
    assert login("directeur").post(f"/evolutions/{proposal.pk}/actions-amelioration/", {"action": action.pk}).status_code == 403


def test_navigation_link(login, world):
    assert 'href="/evolutions/"' in login("enseignant").get("/").content.decode()


def test_unlink_from_the_page_and_the_review_links_to_the_request(login, world, proposal, auth_outage):
    from pilotage import services as pilotage_services

    manager = world.users["manager"]
    review = pilotage_services.declare_major_incident(auth_outage, actor=manager)
    action = pilotage_services.add_action(review, actor=manager, title="Superviser les certificats (fictif)",
                                          owner=f"vendor:{world.vendors['ode'].pk}")
    services.link_action(manager, proposal, action.pk)
    client = login("manager")
    # The review's page links to the request's page for a reader of the request…
    review_page = client.get(f"/pilotage/revues/{review.pk}/").content.decode()
    assert f'<a href="/evolutions/{proposal.pk}/">demande d\'évolution {proposal.reference} — {proposal.title}</a>' in review_page
    # …and shows only its reference, as plain text, to a reader of the review who does not read it
    # (the vendor owns the action; the request, only proposed, is not the vendor's to read yet)
    vendor_page = login("editeur").get(f"/pilotage/revues/{review.pk}/")
    assert vendor_page.status_code == 200
    html = vendor_page.content.decode()
    assert f"demande d'évolution {proposal.reference}</p>" in html and f'href="/evolutions/{proposal.pk}/"' not in html
    assert proposal.title not in html
    client = login("manager")
    url = f"/evolutions/{proposal.pk}/actions-amelioration/{action.pk}/retirer/"
    page = client.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert f'action="{url}"' in page and "Retirer le lien avec « Superviser les certificats (fictif) »" in page
    director = login("directeur")
    assert 'action="' + url not in director.get(f"/evolutions/{proposal.pk}/").content.decode()
    assert director.post(url).status_code == 403
    client = login("manager")
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/evolutions/{proposal.pk}/"
    from html import unescape

    text = unescape(response.content.decode())
    assert "Le lien avec l'action d'amélioration est retiré" in text and "Aucune action d'amélioration liée." in text
    again = unescape(client.post(url, follow=True).content.decode())  # not linked any more: said, nothing else happens
    assert "Cette action d'amélioration n'est pas liée à la demande." in again
    assert proposal.reference not in client.get(f"/pilotage/revues/{review.pk}/").content.decode()
    assert client.post(f"/evolutions/999999/actions-amelioration/{action.pk}/retirer/").status_code == 404
