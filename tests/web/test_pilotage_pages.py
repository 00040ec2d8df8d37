"""Pilotage pages: declaring a major incident from the outage and ticket pages, the review page
(timeline, impact, minutes, parties, actions), the open-actions panel of the manager's dashboard."""

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from pilotage import services
from pilotage.models import ImprovementAction, Review
from sla import outages
from sla.models import Service
from tickets import services as ticket_services

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def outage(world):
    service = Service.objects.create(slug="authentification", name="Authentification (fournisseur d'identité)")
    return outages.declare_outage(
        service, actor=world.users["dsi"], scope="academie", academie=world.academies["montpellier"],
        started_at=datetime(2026, 3, 17, 9, 5, tzinfo=PARIS), ended_at=datetime(2026, 3, 17, 12, 50, tzinfo=PARIS),
        cause="Certificat expiré (fictif)")


def test_the_outage_page_offers_the_declaration_to_leads_only(login, world, outage):
    page = text(login("manager").get(reverse("web:outages")))
    assert "Déclarer incident majeur" in page
    page = text(login("editeur").get(reverse("web:outages")))
    assert "Déclarer incident majeur" not in page


def test_declare_then_the_review_page_shows_impact_timeline_and_parties(login, world, outage):
    client = login("manager")
    response = client.post(reverse("web:pilotage_declare_outage", args=[outage.pk]))
    review = Review.objects.get()
    assert response.status_code == 302 and response.url == reverse("web:pilotage_review", args=[review.pk])
    page = text(client.get(response.url))
    assert "Revue d'incident" in page and "Début de l'interruption" in page and "Déclaré incident majeur" in page
    assert "225 min" in page  # 9:05–12:50 inside the service window
    assert "Open Digital Education" in page and "Ajouter une action d'amélioration" in page
    # the outage page now links to the review
    assert "Incident majeur : voir la revue" in text(client.get(reverse("web:outages")))


def test_a_vendor_may_not_declare(login, world, outage):
    assert login("editeur").post(reverse("web:pilotage_declare_outage", args=[outage.pk])).status_code == 403
    assert not Review.objects.exists()


def test_minutes_are_sanitised_markdown(login, world, outage):
    review = services.declare_major_incident(outage, actor=world.users["manager"])
    client = login("manager")
    response = client.post(reverse("web:pilotage_review", args=[review.pk]), {
        "form": "review", "review-status": "held", "review-minutes": "**Décision** <script>alert(1)</script>",
        "review-cause": "Certificat expiré", "review-version": review.version})
    assert response.status_code == 302
    raw = client.get(reverse("web:pilotage_review", args=[review.pk])).content.decode()
    assert "<strong>Décision</strong>" in raw and "<script>alert(1)" not in raw and "Tenue" in raw


def test_a_stale_form_is_refused_with_a_message_naming_the_version(login, world, outage):
    review = services.declare_major_incident(outage, actor=world.users["manager"])
    services.update_review(review, actor=world.users["manager"], cause="autre")
    response = login("manager").post(reverse("web:pilotage_review", args=[review.pk]), {
        "form": "review", "review-status": "held", "review-version": 1})
    assert response.status_code == 400 and "modifié entre-temps" in text(response)


def test_add_an_action_bad_owner_is_a_400_naming_the_field(login, world, outage):
    review = services.declare_major_incident(outage, actor=world.users["manager"])
    client = login("manager")
    response = client.post(reverse("web:pilotage_review", args=[review.pk]), {
        "form": "action", "action-title": "Superviser les certificats", "action-owner": "vendor:99999"})
    assert response.status_code == 400 and "Organisation responsable" in text(response)
    ode = f"vendor:{world.vendors['ode'].pk}"
    response = client.post(reverse("web:pilotage_review", args=[review.pk]), {
        "form": "action", "action-title": "Superviser les certificats", "action-owner": ode, "action-due_on": "2026-04-30"})
    assert response.status_code == 302
    assert ImprovementAction.objects.get().owner == ode


def test_the_vendor_marks_its_action_done_and_it_leaves_the_dashboard(login, world, outage):
    review = services.declare_major_incident(outage, actor=world.users["manager"])
    action = services.add_action(review, actor=world.users["manager"], title="Superviser les certificats (fictif)",
                                 owner=f"vendor:{world.vendors['ode'].pk}")
    dashboard = text(login("manager").get(reverse("web:dashboard")))
    assert "Actions d'amélioration ouvertes" in dashboard and "Superviser les certificats (fictif)" in dashboard
    vendor = login("editeur")
    page = text(vendor.get(reverse("web:pilotage_review", args=[review.pk])))
    assert "Mettre à jour" in page and "Ajouter une action" not in page
    response = vendor.post(reverse("web:pilotage_action", args=[action.pk]),
                           {f"a{action.pk}-status": "done", f"a{action.pk}-version": action.version})
    assert response.status_code == 302
    dashboard = text(login("manager").get(reverse("web:dashboard"))).split('id="open-actions"')[1]
    assert "Superviser les certificats (fictif)" not in dashboard and "Aucune action d'amélioration ouverte" in dashboard


def test_other_perimeters_get_404(login, world, outage):
    review = services.declare_major_incident(outage, actor=world.users["manager"])
    assert login("guichet").get(reverse("web:pilotage_review", args=[review.pk])).status_code == 404
    page = text(login("guichet").get(reverse("web:pilotage_reviews")))
    assert "Aucune revue d'incident" in page


def test_a_ticket_is_declared_major_from_its_page(login, world):
    school = world.schools["0341255E"]
    ticket = ticket_services.open_ticket(actor=world.users["enseignant"], school=school, category="account",
                                         title="Connexion impossible (fictif)", description="Personne ne se connecte.",
                                         impact=2, urgency=2)
    client = login("erun")
    assert "Déclarer incident majeur" in text(client.get(reverse("web:ticket", args=[ticket.reference])))
    response = client.post(reverse("web:pilotage_declare_ticket", args=[ticket.reference]))
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert ticket.reference in page and "Ticket ouvert" in page
    # the teacher sees no button
    assert "Déclarer incident majeur" not in text(login("enseignant").get(reverse("web:ticket", args=[ticket.reference])))


def test_a_manager_finds_the_outages_and_the_reviews_in_the_menu(login, world):
    page = text(login("manager").get(reverse("web:dashboard")))
    assert f'href="{reverse("web:outages")}"' in page and f'href="{reverse("web:pilotage_reviews")}"' in page
    page = text(login("enseignant").get(reverse("web:my_tickets")))
    assert f'href="{reverse("web:pilotage_reviews")}"' not in page
