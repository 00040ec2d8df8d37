"""Browser journey of issue 18, evolution requests: a teacher of École Bouissinet proposes an
evolution of the ENT; her director says "Moi aussi"; the vendor does not see it yet; the académie's
working group (Montpellier art. 2.6: "gérées au niveau académique") instructs it, retains it with
a priority and transmits it; the vendor (Open Digital Education) now sees it and marks it
delivered; the teacher reads each step in the history and was told by e-mail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.product]

TITLE = "Imprimer le cahier de textes d'une semaine (parcours de test, fictif)"


def test_proposed_supported_retained_then_delivered_by_the_vendor(product, page_for, shot):
    teacher = page_for("enseignant")
    teacher.get_by_role("link", name="Évolutions").click()
    teacher.get_by_role("link", name="Proposer une évolution").click()
    teacher.get_by_label("Service ou module ENT concerné").fill("Cahier de textes")
    teacher.get_by_label("Titre", exact=True).fill(TITLE)
    teacher.get_by_label("Description").fill("Pouvoir imprimer **une semaine** du cahier de textes pour les familles sans accès.")
    teacher.get_by_role("button", name="Proposer").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(teacher.locator("#evolution-status")).to_have_text("Proposée")
    expect(teacher.locator("#evolution-body")).to_contain_text("Groupe de travail académique")
    url = teacher.url
    shot(teacher, "evolution-proposed")

    colleague = page_for("directeur")
    colleague.goto(url)
    colleague.get_by_role("button", name="Moi aussi", exact=True).click()
    expect(colleague.locator("#evolution-supporters")).to_have_text("1 personne")
    expect(colleague.get_by_role("button", name="Retirer mon « Moi aussi »")).to_have_attribute("aria-pressed", "true")

    vendor = page_for("editeur")
    assert vendor.goto(url).status == 404  # not retained yet: the vendor does not see it

    group = page_for("manager")  # a member of the académie's working group
    group.goto(url)
    group.locator("#action-instruct").get_by_role("button", name="Instruire").click()
    expect(group.locator("#evolution-status")).to_have_text("Instruite")
    refuse = group.locator("#action-refuse")
    refuse.get_by_role("button", name="Refuser (motif obligatoire)").click()
    expect(group.locator("#action-refuse")).to_contain_text("Le motif du refus est obligatoire")
    group.locator("#action-retain").get_by_label("Priorité").select_option(label="Haute")
    group.locator("#action-retain").get_by_role("button", name="Retenir").click()
    expect(group.locator("#evolution-status")).to_have_text("Retenue")
    expect(group.locator("#evolution-priority")).to_have_text("Haute")
    group.locator("#action-transmit").get_by_role("button", name="Transmettre à l'éditeur").click()
    expect(group.locator("#evolution-status")).to_have_text("Transmise à l'éditeur")

    vendor.goto("/evolutions/")
    vendor.get_by_role("link", name=TITLE).click()
    vendor.locator("#action-deliver").get_by_label("Version ou note de livraison").fill("Version 4.12 (fictif)")
    vendor.locator("#action-deliver").get_by_role("button", name="Marquer livrée").click()
    expect(vendor.locator("#evolution-status")).to_have_text("Livrée")
    shot(vendor, "evolution-delivered")

    teacher.reload()
    expect(teacher.locator("#evolution-status")).to_have_text("Livrée")
    history = teacher.locator("#evolution-history")
    for step in ("Proposée", "« Moi aussi »", "Instruite", "Retenue", "Transmise à l'éditeur", "Livrée"):
        expect(history).to_contain_text(step)
    teacher.get_by_role("link", name="Demandes d'évolution").first.click()
    teacher.locator("#evolution-filters").get_by_role("link", name="Livrée (1)").click()
    expect(teacher.locator("#evolutions")).to_contain_text(TITLE)

    mails = product.query(
        "import json; from tickets.models import OutboxMessage; "
        "print(json.dumps(sorted({m.event_name for m in OutboxMessage.objects.filter(channel='email', event_name__startswith='evolution.') "
        "if m.payload.get('to') == ['enseignant@example.org'] and 'Imprimer le cahier' in m.payload.get('body', '')})))")
    assert mails == ["evolution.deliver", "evolution.instruct", "evolution.retain", "evolution.transmit"]


BANNER = "Prévenir sur la page de connexion quand l'authentification est indisponible (fictif)"
ACTION = "Superviser l'échéance des certificats"


def test_a_link_to_an_improvement_action_made_by_mistake_is_removed_then_made_again(product, page_for, shot):
    """The demo's banner request answers an action of the authentication outage's review: the
    académie's manager follows the link from the review to the request, removes the link (the
    review stops naming it, the history says so), then links it again from the request's page."""
    manager = page_for("manager")
    manager.goto("/evolutions/")
    manager.get_by_role("link", name=BANNER).click()
    links = manager.locator("#evolution-links")
    expect(links).to_contain_text(ACTION)
    links.get_by_role("link", name=ACTION).first.click()
    review_url = manager.url
    assert "/pilotage/revues/" in review_url
    manager.get_by_role("link", name="demande d'évolution").filter(has_text=BANNER).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(BANNER)

    manager.locator("#evolution-links").get_by_role("button", name=f"Retirer le lien avec « {ACTION}").click()
    expect(manager.locator(".fr-alert--success")).to_contain_text(
        "Le lien avec l'action d'amélioration est retiré")
    expect(manager.locator("#evolution-links")).to_contain_text("Aucune action d'amélioration liée.")
    expect(manager.locator("#evolution-history")).to_contain_text("Lien avec une action d'amélioration retiré")
    shot(manager, "evolution-unlinked")
    request_url = manager.url

    manager.goto(review_url)
    expect(manager.locator("body")).not_to_contain_text(BANNER)

    manager.goto(request_url)
    form = manager.locator("#evolution-link")
    option = form.locator("option", has_text=ACTION).first.get_attribute("value")
    form.get_by_label("Action d'amélioration d'une revue d'incident").select_option(option)
    form.get_by_role("button", name="Lier l'action").click()
    expect(manager.locator("#evolution-links").get_by_role("link", name=ACTION).first).to_be_visible()
    manager.goto(review_url)
    expect(manager.get_by_role("link", name="demande d'évolution").filter(has_text=BANNER)).to_be_visible()
