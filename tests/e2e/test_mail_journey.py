"""Browser journey of incoming mail (issue 19): a parent without account mails the school's desk;
the message waits on « Courriels retenus »; the school's ENT correspondent accepts it for the parent
(a ticket opens), and rejects an unreadable one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.product]

INGEST = """
import json
from pathlib import Path
from directory.models import Desk
from mailin import services
from mailin.models import DeskMailbox
box, _ = DeskMailbox.objects.get_or_create(desk=Desk.objects.get(slug="n0-0341255e"),
                                           defaults={"address": "ent.0341255e@example.org"})
rows = [services.ingest(Path(p).read_bytes(), box) for p in PATHS]
print(json.dumps([r.status for r in rows]))
"""

UNKNOWN = (b"From: \"Mme Parent (fictive)\" <parent.fictif@example.net>\r\nTo: ent.0341255e@example.org\r\n"
           b"Subject: =?utf-8?q?Mot_de_passe_oubli=C3=A9_de_mon_enfant?=\r\nMessage-ID: <e2e-parent-1@example.net>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Bonjour, mon enfant n'arrive plus \xc3\xa0 se connecter \xc3\xa0 l'ENT.\r\n")


def test_held_message_accepted_for_a_parent_and_an_unreadable_one_rejected(product, page_for, shot, tmp_path):
    (tmp_path / "parent.eml").write_bytes(UNKNOWN)
    from tests.mailin.conftest import EML

    statuses = product.query(INGEST.replace("PATHS", repr([str(tmp_path / "parent.eml"), str(EML / "bad_mime.eml")])))
    assert statuses == ["held", "held"]

    page = page_for("directeur")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Courriels retenus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courriels retenus")
    expect(page.get_by_role("table")).to_contain_text("Expéditeur inconnu de l'annuaire")
    shot(page, "mail-held-list")

    page.get_by_role("link", name="Mot de passe oublié de mon enfant").click()
    expect(page.get_by_text("mon enfant n'arrive plus")).to_be_visible()
    expect(page.get_by_label("ou nom d'une personne sans compte")).to_have_value("Mme Parent (fictive)")
    page.get_by_label("Qualité de la personne sans compte").select_option(label="Parent d'élève")
    page.get_by_label("École", exact=True).select_option(label="École élémentaire publique Pierre Bouissinet (0341255E)")
    page.get_by_role("button", name="Accepter et ouvrir la demande").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mot de passe oublié de mon enfant")
    shot(page, "mail-held-accepted")

    page.goto("/courriels-retenus/")
    page.get_by_role("link", name="Pièce jointe cassée").click()
    page.get_by_label("Motif (facultatif)").fill("Message tronqué")
    page.get_by_role("button", name="Refuser le courriel").click()
    expect(page.get_by_text("Courriel refusé.")).to_be_visible()
    expect(page.get_by_text("Aucun courriel retenu dans vos guichets.")).to_be_visible()
