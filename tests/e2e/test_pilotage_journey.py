"""Browser journey of the incident reviews ("revues d'incidents", Grand Est convention art. 6): a
manager declares an outage a major incident, opens its review, adds an improvement action owned by
the vendor; the vendor marks it done; it leaves the dashboard's open-actions panel."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.product]

ACTION = "Alerter les écoles par le portail pendant une panne (fictif)"


def test_manager_reviews_a_major_incident_and_the_vendor_closes_its_action(product, page_for, shot):
    manager = page_for("manager")
    manager.goto("/interruptions/")
    # The demo's portal outage of the académie de Montpellier (the authentication one is already reviewed).
    row = manager.locator("tr", has_text="Portail inaccessible").first
    expect(row).to_be_visible()
    row.get_by_role("button", name=re.compile("Déclarer incident majeur")).click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Revue d'incident")
    review_url = manager.url
    expect(manager.locator("#impact")).to_contain_text("minutes-écoles")
    expect(manager.locator("#review-timeline")).to_contain_text("Début de l'interruption")
    expect(manager.locator("#parties")).to_contain_text("Open Digital Education")

    manager.get_by_label("Action d'amélioration").fill(ACTION)
    manager.get_by_label("Organisation responsable").select_option(label="Open Digital Education")
    manager.get_by_label(re.compile("^Échéance")).fill((date.today() + timedelta(days=30)).isoformat())
    manager.get_by_role("button", name="Ajouter l'action").click()
    expect(manager.locator("#improvement-actions")).to_contain_text(ACTION)
    shot(manager, "pilotage-review")

    manager.goto("/pilotage/")
    expect(manager.locator("#open-actions")).to_contain_text(ACTION)

    vendor = page_for("editeur")
    vendor.goto(review_url)
    item = vendor.locator("#improvement-actions li", has_text=ACTION)
    expect(item).to_contain_text("À faire")
    item.get_by_label("Statut").select_option(label="Faite")
    item.get_by_role("button", name=re.compile("Mettre à jour")).click()
    expect(vendor.locator("#improvement-actions li", has_text=ACTION)).to_contain_text("Faite")
    shot(vendor, "pilotage-vendor-done")

    manager.goto("/pilotage/")
    expect(manager.locator("#open-actions")).to_be_visible()
    expect(manager.locator("#open-actions")).not_to_contain_text(ACTION)
