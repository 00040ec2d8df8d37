"""Agents' daily work and the requester's opinion (issue 20), in a real Chromium against the running
product: the school's correspondent answers with a canned answer that also asks for information;
the teacher answers, the ticket is resolved, she rates the resolution; the manager sees the rating
and the requests avoided through the help articles on the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import act, done, report, seen, unique_title

pytestmark = [pytest.mark.browser, pytest.mark.product]


def test_a_macro_answers_the_teacher_rates_and_the_manager_sees_it(product, page_for, shot):
    teacher = page_for("enseignant")
    title = unique_title("La séance ne s'enregistre pas")
    reference = report(teacher, title)

    director = page_for("directeur")
    director.goto(f"/demandes/{reference}/")
    act(director, "take")
    # The canned answer fills the requester's name and the reference, and asks for information.
    choice = director.locator("#macro-select option", has_text="Demander une capture d'écran").get_attribute("value")
    director.locator("#macro-select").select_option(choice)
    with director.expect_navigation():
        director.locator("#macro-apply").click()
    done(director)
    text = seen(director)
    assert reference in text and "capture d'écran" in text.lower()

    teacher.goto(f"/demandes/{reference}/")
    asked = seen(teacher)
    assert "capture d'écran" in asked.lower() and reference in asked
    teacher.get_by_label("Votre message").fill("Voici : le bouton Enregistrer reste grisé.")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Envoyer ma réponse").click()
    done(teacher)

    director.reload()
    act(director, "resolve", {"Résumé de la résolution": "Le navigateur était trop ancien : mis à jour."})

    teacher.reload()
    form = teacher.locator("#satisfaction-form")
    expect(form).to_be_visible()
    form.locator("label[for=rating-4]").click()
    teacher.get_by_label(re.compile("Un commentaire")).fill("Réponse rapide, merci.")
    with teacher.expect_navigation():
        form.get_by_role("button", name="Envoyer mon avis").click()
    expect(teacher.locator("#satisfaction-given")).to_contain_text("4 sur 5")
    expect(teacher.locator("#satisfaction-form")).to_have_count(0)  # once per ticket
    shot(teacher, "satisfaction-given")

    manager = page_for("manager")
    manager.goto("/pilotage/")
    summary = manager.locator("#satisfaction-summary")
    expect(summary).to_contain_text("Satisfaction des demandeurs")
    expect(summary.locator("#table-satisfaction")).to_contain_text(re.compile(r"\d"))
    expect(summary.locator("#table-deflections")).to_be_visible()
    shot(manager, "satisfaction-dashboard")
