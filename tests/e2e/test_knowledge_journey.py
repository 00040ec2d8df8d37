"""Self-help in a real Chromium against the running product (`manage.py serve`, demo data):
a teacher typing "pièce jointe messagerie" on the report form is offered the help article and a
colleague's open ticket (reference and title only), and joins it instead of opening a duplicate;
the knowledge base finds the article; an agent's search highlights the words."""

from __future__ import annotations

import re
import uuid

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.product]

ARTICLE = "Envoyer une pièce jointe avec la messagerie de l'ENT"


def test_a_teacher_is_offered_the_article_and_a_colleagues_ticket_and_joins_it(page_for, shot):
    # The director of the school (as a requester) reports first.
    tag = uuid.uuid4().hex[:6]
    director = page_for("directeur")
    director.goto("/signaler/")
    director.get_by_label("Dysfonctionnement").check()
    director.get_by_label("Quel service de l'ENT ?").select_option("Messagerie")
    director.get_by_label("En une phrase, que se passe-t-il ?").fill(f"La messagerie refuse ma pièce jointe ({tag})")
    director.get_by_label("Détails").fill("Un PDF de 2 Mo est refusé depuis ce matin.")
    director.get_by_label("Ma classe ou un groupe").check()
    director.get_by_label("Non, je suis bloqué·e").check()
    with director.expect_navigation(url="**/demandes/ENT-*/"):
        director.get_by_role("button", name="Envoyer ma demande").click()
    reference = director.url.rstrip("/").rsplit("/", 1)[-1]

    teacher = page_for("enseignant")
    teacher.get_by_role("link", name="Signaler un problème").first.click()
    teacher.wait_for_url("**/signaler/")
    teacher.get_by_label("En une phrase, que se passe-t-il ?").press_sequentially("pièce jointe messagerie", delay=30)
    box = teacher.locator("#deflection")
    box.wait_for(state="visible")
    articles = box.locator("#deflection-articles")
    assert articles.get_by_role("link", name=ARTICLE).is_visible()
    assert articles.locator("mark").first.inner_text() in ("pièce", "jointe", "messagerie")
    offer = box.locator("#deflection-tickets li", has_text=reference)
    offer.wait_for()
    assert f"La messagerie refuse ma pièce jointe ({tag})" in offer.inner_text()
    assert offer.get_by_role("link").count() == 0  # a colleague's ticket: no page to open
    shot(teacher, "knowledge-deflection")
    offer.get_by_role("button", name="Je suis aussi concerné·e").click()
    teacher.wait_for_load_state()
    text = teacher.inner_text("main")
    assert re.search(rf"Vous êtes associé·e à la demande {reference}", text), text
    assert "Aucune nouvelle demande n'a été créée" in text

    # Back on the form, the ticket now says they joined it.
    teacher.goto("/signaler/")
    teacher.get_by_label("En une phrase, que se passe-t-il ?").press_sequentially("pièce jointe messagerie", delay=30)
    joined = teacher.locator("#deflection-tickets li", has_text=reference)
    joined.wait_for()
    assert "vous êtes déjà associé·e" in joined.inner_text().lower()


def test_it_helped_leaves_without_a_ticket(page_for):
    teacher = page_for("enseignant")
    teacher.goto("/signaler/")
    teacher.get_by_label("En une phrase, que se passe-t-il ?").press_sequentially("piece jointe", delay=30)
    item = teacher.locator("#deflection-articles li", has_text=ARTICLE)
    item.wait_for()
    item.get_by_role("button", name="Ça m’a aidé").click()
    teacher.wait_for_url("**/aide/articles/**")
    assert "Aucune demande n'a été créée" in teacher.inner_text("main")
    assert teacher.get_by_role("heading", level=1).inner_text() == ARTICLE


def test_the_help_home_and_the_agents_search(page_for):
    teacher = page_for("enseignant")
    teacher.get_by_role("link", name="Aide", exact=True).click()
    teacher.get_by_label("Rechercher dans l'aide").fill("pieces jointes")
    teacher.get_by_role("button", name="Rechercher").click()
    assert teacher.locator("#kb-results").get_by_role("link", name=ARTICLE).is_visible()

    agent = page_for("erun")
    agent.get_by_role("link", name="Recherche", exact=True).click()
    agent.get_by_label("Mots recherchés").fill("pieces jointes")
    agent.get_by_role("button", name="Rechercher").click()
    results = agent.locator("#search-results")
    assert results.locator("mark").count() > 0
