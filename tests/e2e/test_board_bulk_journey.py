"""Bulk actions on the board in a real Chromium against the running product (`manage.py serve`,
demo data): an ERUN ticks two tickets on their board, takes them in one go, reads how many were
taken, and on one of them the page's primary action is no longer "Prendre en charge"."""

from __future__ import annotations

import pytest

from .test_journeys import act, report, unique_title

pytestmark = [pytest.mark.browser, pytest.mark.product]


def escalated(page_for, title: str) -> str:
    """A teacher's report passed on by the school's level-0 contact to the ERUN (level 1)."""
    reference = report(page_for("enseignant"), title)
    director = page_for("directeur")
    director.goto(f"/demandes/{reference}/")
    act(director, "escalate", {"Message pour le niveau suivant (facultatif)": "Pas de solution à l'école."})
    return reference


def test_an_erun_takes_two_tickets_in_bulk_and_the_primary_action_follows(page_for, shot):
    first = escalated(page_for, unique_title("Lot A"))
    second = escalated(page_for, unique_title("Lot B"))

    erun = page_for("erun")
    erun.goto("/guichets/erun-lattes/")
    assert erun.get_by_role("heading", name="Actions groupées sur les demandes cochées").is_visible()
    keys = erun.locator("#board-keys")
    keys.locator("summary").click()
    assert "j" in keys.inner_text() and "prendre en charge les demandes cochées" in keys.inner_text()
    # The counters are links to the filtered board.
    assert erun.locator("#board-counts li[data-state=in_progress] a").get_attribute("href").endswith("?etat=in_progress")
    # j chooses the first row, x ticks it, x again unticks it (the shortcuts listed above).
    erun.locator("h1").click()
    erun.keyboard.press("j")
    erun.keyboard.press("x")
    box = erun.locator("#board-table tbody tr.is-current input[type=checkbox]")
    assert box.is_checked()
    erun.keyboard.press("x")
    assert not box.is_checked()
    erun.get_by_label(f"Sélectionner {first}").check()
    erun.get_by_label(f"Sélectionner {second}").check()
    erun.get_by_label("Action", exact=True).select_option(label="Prendre en charge")
    shot(erun, "board-bulk-01-ticked")
    with erun.expect_navigation():
        erun.get_by_role("button", name="Appliquer aux demandes cochées").click()
    text = erun.inner_text("main")
    assert "2 demandes sur 2 traitées : Prendre en charge." in text, text
    shot(erun, "board-bulk-02-taken")
    for reference in (first, second):  # "Pris par": no longer nobody
        assert erun.locator(f"#row-{reference} td").nth(6).inner_text().strip() not in ("", "—")

    erun.locator(f"#row-{first} a").first.click()
    erun.wait_for_url(f"**/demandes/{first}/")
    primary = erun.locator("#primary-action")
    assert "Prendre en charge" not in primary.inner_text()
    assert "Répondre ou noter" in primary.inner_text()
    assert erun.get_by_role("button", name="Prendre en charge").count() == 0
    assert erun.locator("#more-actions > summary").inner_text().startswith("Autres actions")
    shot(erun, "board-bulk-03-primary-action")
