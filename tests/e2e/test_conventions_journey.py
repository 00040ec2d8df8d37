"""Browser journey of the conventions page (issue 18): an agent of the académie de Montpellier opens
the conventions page, imports an avenant's annex with one bad UAI and reads the line explained,
fixes it, sees the avenant recorded and downloads the fee statement as a PDF."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.product]


def _school_year(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def test_agent_imports_an_annex_fixes_a_bad_line_and_downloads_the_fee_pdf(product, page_for, shot):
    year = _school_year(date.today())
    page = page_for("dsi")
    page.goto("/")
    page.get_by_role("link", name="Conventions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conventions de partenariat")
    page.get_by_role("link", name="MONTPELLIER-ENT-ECOLE-SETE-2021-2028-ILLUSTRATIVE").click()
    expect(page.locator("#convention-state")).to_contain_text("En vigueur")
    page.get_by_label("Année scolaire de la liste").fill(year)
    page.get_by_label("Objet de l'avenant").fill("Nouvelle liste des écoles inscrites (test)")
    page.get_by_label("ou collez la liste").fill("0341301E;École primaire Jean Moulin\n0341255Z;École Bouissinet\n")
    page.get_by_role("button", name="Importer l'annexe et enregistrer l'avenant").click()
    expect(page.locator("#annex-errors")).to_contain_text(
        "Ligne 2 : UAI « 0341255Z » invalide : la lettre de contrôle attendue est E.")
    shot(page, "conventions-annex-refused")
    page.get_by_label("ou collez la liste").fill("0341301E;École primaire Jean Moulin\n")
    page.get_by_role("button", name="Importer l'annexe et enregistrer l'avenant").click()
    expect(page.get_by_text(f"Avenant {year} enregistré : 1 école(s) inscrite(s).")).to_be_visible()
    expect(page.locator("#versions")).to_contain_text("Nouvelle liste des écoles inscrites (test)")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"relevé {year} (PDF)").click()
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(4) == b"%PDF"
    assert download.value.suggested_filename.endswith(f"-{year}.pdf")
