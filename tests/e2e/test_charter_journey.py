"""Browser journey of the Grand Est communication charter (issue 18): the Moselle's agent submits a
one-off communication to Collège La Source; with no answer from its chef d'établissement it is
approved tacitly after three jours ouvrables (the clock is driven by the `charter_tacit` command
with `--now`, as the periodic task would run then); a recurring one is refused with a reason."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from sla.calendar import PARIS, add_jours_ouvrables

pytestmark = [pytest.mark.browser, pytest.mark.product]


def _submit(page, kind: str, title: str, content: str):
    page.goto("/charte/")
    page.get_by_role("link", name="Soumettre une communication").click()
    page.get_by_label("Type de communication").select_option(label=kind)
    page.get_by_label("Titre", exact=True).fill(title)
    page.get_by_label("Contenu exhaustif de la diffusion").fill(content)
    page.get_by_label(re.compile("Collège La Source")).check()
    page.get_by_role("button", name="Soumettre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def _deadline(product, pk: int) -> datetime:
    iso = product.query(f"import json; from charter.models import Communication; "
                        f"print(json.dumps(Communication.objects.get(pk={pk}).deadline.isoformat()))")
    return datetime.fromisoformat(iso)


def test_one_off_approved_tacitly_and_recurring_refused_with_reason(product, page_for, shot):
    agent = page_for("collectivite")
    title = "Fermeture exceptionnelle de la demi-pension (fictif)"
    pk = _submit(agent, "Communication ponctuelle", title, "La demi-pension du **collège** sera fermée vendredi.")
    expect(agent.locator("#charter-status")).to_contain_text("Soumise aux chefs d'établissement")
    # Three jours ouvrables of Moselle (Sundays, public holidays, Good Friday and 26 December out).
    deadline = _deadline(product, pk)
    submitted_on = datetime.now(PARIS).date()
    assert deadline.astimezone(PARIS).date() == add_jours_ouvrables(submitted_on, 3, "57") + timedelta(days=1)
    expect(agent.locator("#charter-deadline")).to_be_visible()
    shot(agent, "charter-submitted")

    # The chef d'établissement receives it and says nothing.
    chef = page_for("principal")
    chef.goto(f"/charte/{pk}/")
    expect(chef.locator("#action-approve")).to_be_visible()

    assert "0 communication" in product.manage("charter_tacit", "--now", (deadline - timedelta(minutes=1)).isoformat())
    assert "1 communication" in product.manage("charter_tacit", "--now", deadline.isoformat())
    agent.reload()
    expect(agent.locator("#charter-status")).to_have_text("Approuvée tacitement")
    expect(agent.locator("#charter-register")).to_contain_text("Accord tacite (délai écoulé)")
    chef.reload()
    expect(chef.locator("#charter-actions")).to_have_count(0)

    # A recurring communication: the chef refuses it, and must give a reason.
    recurring = "Rappel mensuel des menus (fictif)"
    pk2 = _submit(agent, "Communication récurrente", recurring, "Chaque mois, les menus de la cantine.")
    chef.goto(f"/charte/{pk2}/")
    form = chef.locator("#action-refuse")
    form.get_by_role("button", name="Refuser (motif obligatoire)").click()
    expect(form).to_contain_text("Le motif du refus est obligatoire")
    chef.locator("#action-refuse").get_by_label("Motif du refus").fill("Les menus sont déjà publiés par l'établissement.")
    chef.locator("#action-refuse").get_by_role("button", name="Refuser (motif obligatoire)").click()
    expect(chef.locator("#charter-status")).to_have_text("Refusée")
    shot(chef, "charter-refused")

    agent.goto(f"/charte/{pk2}/")
    expect(agent.locator("#charter-reason")).to_have_text("Les menus sont déjà publiés par l'établissement.")
    expect(agent.locator("#charter-register")).to_contain_text("Refus motivé")
    expect(agent.locator("#action-arbitration")).to_be_visible()  # the collectivité may refer to the recteur
    agent.goto("/charte/")
    expect(agent.locator("#communications")).to_contain_text(title)
