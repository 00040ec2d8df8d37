"""Browser journeys of the pilotage the conventions ask for (issue 17): a manager opens the annual
report ("bilan annuel", Grand Est art. 10) of the last school year, downloads its PDF and finds the
same figures in it, then follows an improvement action of the demo's incident review; a visitor
without an account reads the public status page during an outage an ERUN has just declared."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.product]


def _school_year(offset: int = 0) -> str:
    today = timezone.localdate()
    first = (today.year if today.month >= 9 else today.year - 1) + offset
    return f"{first}-{first + 1}"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_manager_reads_the_annual_report_downloads_its_pdf_and_follows_an_action(product, page_for, shot):
    manager = page_for("manager")
    manager.goto("/pilotage/")
    manager.get_by_role("link", name=re.compile("Bilan annuel")).first.click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Bilan annuel")
    manager.get_by_label("Académie").select_option(label="Académie de Montpellier")
    manager.get_by_label("Année scolaire").select_option(_school_year(-1))
    manager.get_by_role("button", name="Afficher le rapport").click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Académie de Montpellier")
    body = manager.locator("#report-body")
    expect(body).to_contain_text(f"Année scolaire {_school_year(-1)}")
    for heading in ("Disponibilité des services", "Incidents majeurs et revues", "Actions d'amélioration"):
        expect(manager.get_by_role("heading", level=2, name=heading)).to_be_visible()
    shot(manager, "annual-report")

    with manager.expect_download(timeout=TIMEOUT_MS * 3) as download:
        manager.locator("#report-pdf").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    text = _pdf_text(pdf)
    assert "Académie de Montpellier" in text and _school_year(-1) in text
    # The page's figures are the PDF's: the first availability row (a month, its percentage).
    first_row = " ".join(manager.locator("table[id^='table-disponibilite'] tbody tr").first.inner_text().split())
    month, figure = re.match(r"(\w+ \d{4}).*?(\d+,\d{3}\s?%)", first_row).groups()
    assert month in text and figure.replace("\u202f", " ").replace("\xa0", " ").split()[0] in text

    # This school year: the demo's month under target is flagged in words, and the review's actions listed.
    manager.get_by_label("Année scolaire").select_option(_school_year())
    manager.get_by_role("button", name="Afficher le rapport").click()
    expect(manager.locator("#s-disponibilite").locator("xpath=..")).to_contain_text("Mois sous l'objectif")
    expect(manager.locator("#report-body")).to_contain_text("Non — sous l'objectif")
    actions = manager.locator("#table-actions")
    expect(actions).to_contain_text("Procédure de bascule vers l'authentification de secours (fictif)")

    # Following the open action: the dashboard's open actions lead to the review where it is tracked.
    manager.goto("/pilotage/")
    expect(manager.locator("#open-actions")).to_contain_text("Procédure de bascule")
    manager.get_by_role("link", name="Toutes les revues d'incidents").click()
    manager.get_by_role("link", name=re.compile("Authentification académique indisponible")).first.click()
    item = manager.locator("#improvement-actions li", has_text="Procédure de bascule")
    expect(item).to_contain_text("À faire")
    shot(manager, "annual-report-action")


def test_a_visitor_reads_the_status_page_during_an_outage(product, page_for, browser, shot):
    erun = page_for("erun")
    erun.goto("/interruptions/")
    erun.get_by_label("Service interrompu").select_option(label="Messagerie")
    erun.get_by_label("Portée", exact=True).select_option(label="Une académie")
    erun.get_by_label(re.compile("^Académie \\(si")).select_option(label="Académie de Montpellier")
    erun.get_by_label("Cause connue").fill("Messagerie lente puis injoignable (fictif)")
    erun.get_by_role("button", name="Déclarer", exact=True).click()
    expect(erun.locator(".fr-alert--success, [role=status]").first).to_contain_text("Interruption déclarée")

    visitor = browser.new_context(base_url=product.url, locale="fr-FR")
    try:
        page = visitor.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto("/etat/")
        assert "/connexion" not in page.url
        expect(page.get_by_role("heading", level=1)).to_have_text("État des services")
        current = page.locator("section", has=page.get_by_role("heading", name="Interruptions en cours et maintenances planifiées"))
        expect(current).to_contain_text("Messagerie")
        expect(current).to_contain_text("Académie de Montpellier")
        expect(page.get_by_role("heading", name="Disponibilité ce mois-ci")).to_be_visible()
        shot(page, "status-page")
        doc = json.loads(page.request.get("/etat/etat.json").text())
        mail = next(s for s in doc["services"] if s["name"] == "Messagerie")
        assert mail["status"] != "ok" and mail["current"], mail
        assert "erun" not in json.dumps(doc).lower()  # no people on a public page
    finally:
        visitor.close()
        erun.goto("/interruptions/")
        erun.get_by_role("button", name=re.compile("Clore l'interruption Messagerie")).first.click()
