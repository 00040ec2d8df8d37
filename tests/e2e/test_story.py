"""The whole story of issue 6 in a real headless Chromium (Debian's, driven by Playwright):
a teacher reports a problem → it appears live on the ERUN's board → the ERUN asks for information →
the teacher answers → the ERUN escalates with qualification → (the DSI passes it on) → the vendor
resolves through the API → the teacher sees the resolution and confirms; a manager opens the
dashboard and exports CSV. Screenshots of each page go to var/screenshots/.
"""

import json
import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SHOTS = Path(settings.DATA_DIR) / "screenshots"
PASSWORD = "e2e-password-123"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make browser installs it with apt-get)"),
]

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still
# plain synchronous calls on their own connection.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class StoryTest(ChannelsLiveServerTestCase):
    serialized_rollback = False

    @classmethod
    def setUpClass(cls):
        # The live server process is forked from this one: deliver the outbox (websocket
        # broadcasts) synchronously inside it, as the embedded worker would.
        from huey.contrib.djhuey import HUEY

        HUEY.immediate = True
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls._pw = sync_playwright().start()
        cls.browser = cls._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        SHOTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls._pw.stop()
        super().tearDownClass()

    def setUp(self):
        from directory.demo import build_demo_world

        self.world = build_demo_world(PASSWORD)

    def page_for(self, username, *, mobile=False):
        context = self.browser.new_context(
            viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
            locale="fr-FR", accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(self.live_server_url + "/connexion/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(self.live_server_url + "/")
        return page

    def shot(self, page, name):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def api_resolve(self, reference, summary):
        from api.services import create_api_client
        from tickets.models import Ticket

        client, secret = create_api_client(vendor=self.world.vendors["ode"], scopes="tickets:read tickets:write")
        body = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": client.application.client_id, "client_secret": secret,
            "scope": "tickets:read tickets:write",
        }).encode()
        with urllib.request.urlopen(self.live_server_url + "/api/v1/oauth/token/", body, timeout=20) as r:
            token = json.load(r)["access_token"]
        version = Ticket.objects.get(reference=reference).version
        request = urllib.request.Request(
            f"{self.live_server_url}/api/v1/tickets/{reference}/transitions/resolve/",
            data=json.dumps({"summary": summary}).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "If-Match": f'"{version}"'},
        )
        with urllib.request.urlopen(request, timeout=20) as r:
            assert r.status == 200, r.read()

    def test_whole_story(self):
        from tickets.models import Ticket

        erun_desk = self.world.desks["erun-lattes"]
        # The ERUN watches the live board before anything happens.
        erun = self.page_for("erun")
        erun.goto(f"{self.live_server_url}/guichets/{erun_desk.slug}/")
        erun.wait_for_selector("#live-status[data-live='on']")
        self.shot(erun, "01-board-empty")

        # A teacher reports a problem on a phone-sized screen.
        teacher = self.page_for("enseignant", mobile=True)
        teacher.get_by_role("link", name="Signaler un problème").first.click()
        teacher.wait_for_url("**/signaler/")
        assert teacher.locator("#id_school option:checked").inner_text().startswith("École élémentaire publique Pierre Bouissinet")
        teacher.get_by_label("Dysfonctionnement").check()
        teacher.get_by_label("Quel service de l'ENT ?").select_option("Messagerie")
        teacher.get_by_label("En une phrase, que se passe-t-il ?").fill("La messagerie affiche une erreur à l'envoi")
        teacher.get_by_label("Détails").fill("Depuis ce matin, « Erreur 500 » quand j'envoie un message aux parents.")
        teacher.get_by_label("Ma classe ou un groupe").check()
        teacher.get_by_label("Non, je suis bloqué·e").check()
        self.shot(teacher, "02-report-form")
        teacher.get_by_role("button", name="Envoyer ma demande").click()
        teacher.wait_for_url("**/demandes/ENT-*/")
        reference = teacher.url.rstrip("/").rsplit("/", 1)[-1]
        self.shot(teacher, "03-ticket-requester")

        # The school's level-0 contact passes it on to the ERUN (level 1).
        director = self.page_for("directeur")
        director.goto(f"{self.live_server_url}/demandes/{reference}/")
        if director.locator("#more-actions:not([open]) #action-escalate").count():  # in the "Autres actions" menu
            director.locator("#more-actions > summary").click()
        director.locator("#action-escalate summary").click()
        director.get_by_label("Message pour le niveau suivant (facultatif)").fill("Pas de solution à l'école.")
        director.locator("#action-escalate button[type=submit]").click()
        director.wait_for_selector("text=La demande est transmise au niveau supérieur.")

        # It appears on the ERUN's board without reloading.
        erun.wait_for_selector(f"#row-{reference}")
        self.shot(erun, "04-board-live")

        # The ERUN takes it and asks for information.
        erun.click(f"#row-{reference} a")
        erun.get_by_role("button", name="Prendre en charge").click()
        erun.wait_for_selector("text=Vous avez pris la demande en charge.")
        if erun.locator("#more-actions:not([open]) #action-request_info").count():  # in the "Autres actions" menu
            erun.locator("#more-actions > summary").click()
        erun.locator("#action-request_info summary").click()
        erun.get_by_label("Votre question au demandeur").fill("Quel navigateur utilisez-vous ?")
        erun.locator("#action-request_info button[type=submit]").click()
        erun.wait_for_selector("text=Votre question est envoyée au demandeur")
        self.shot(erun, "05-ticket-agent")

        # The teacher sees it waits for them, and answers.
        teacher.goto(self.live_server_url + "/mes-demandes/")
        assert "En attente de votre réponse" in teacher.content()
        self.shot(teacher, "06-my-tickets")
        teacher.click(f"a[href$='/demandes/{reference}/']")
        teacher.get_by_label("Votre message").fill("Firefox 128 sur l'ordinateur de la classe.")
        teacher.get_by_role("button", name="Envoyer ma réponse").click()
        teacher.wait_for_selector("text=Votre message est envoyé")

        # The ERUN escalates with the qualification; the DSI (level 2) passes it to the vendor.
        erun.reload()
        if erun.locator("#more-actions:not([open]) #action-escalate").count():  # in the "Autres actions" menu
            erun.locator("#more-actions > summary").click()
        erun.locator("#action-escalate summary").click()
        erun.get_by_label("Étapes pour reproduire").fill("Écrire un message, cliquer sur Envoyer.")
        erun.get_by_label("Résultat attendu").fill("Le message part.")
        erun.get_by_label("Résultat observé").fill("Erreur 500.")
        erun.get_by_label("Nombre d'utilisateurs concernés").fill("25")
        erun.get_by_label("Constaté pour la première fois le").fill("2026-03-02T08:30")
        erun.get_by_label("Navigateur et appareil").fill("Firefox 128, Windows 11")
        erun.get_by_label("Le dysfonctionnement est avéré (reproduit)").check()
        erun.locator("#action-escalate button[type=submit]").click()
        erun.wait_for_selector("text=La demande est transmise au niveau supérieur.")
        dsi = self.page_for("dsi")
        dsi.goto(f"{self.live_server_url}/demandes/{reference}/")
        dsi.get_by_role("button", name="Prendre en charge").click()
        dsi.wait_for_selector("text=Vous avez pris la demande en charge.")
        if dsi.locator("#more-actions:not([open]) #action-escalate").count():  # in the "Autres actions" menu
            dsi.locator("#more-actions > summary").click()
        dsi.locator("#action-escalate summary").click()
        dsi.locator("#action-escalate button[type=submit]").click()
        dsi.wait_for_selector("text=La demande est transmise au niveau supérieur.")
        ticket = Ticket.objects.get(reference=reference)
        assert ticket.desk.vendor_id == self.world.vendors["ode"].pk, ticket.desk

        # The vendor resolves through the API.
        self.api_resolve(reference, "Correctif déployé sur le serveur de messagerie.")

        # The teacher sees the resolution and confirms.
        teacher.goto(f"{self.live_server_url}/demandes/{reference}/")
        assert "Correctif déployé" in teacher.content()
        self.shot(teacher, "07-resolved")
        teacher.get_by_role("button", name="Oui, c'est réglé : confirmer").click()
        teacher.wait_for_selector("text=Terminée")
        ticket.refresh_from_db()
        assert ticket.state == "closed"
        self.shot(teacher, "08-confirmed")

        # A manager opens the dashboard and exports a table as CSV.
        manager = self.page_for("manager")
        manager.goto(self.live_server_url + "/pilotage/")
        manager.wait_for_selector("#table-categories")
        self.shot(manager, "09-dashboard")
        with manager.expect_download() as info:
            manager.locator("a[href*='/pilotage/export/categories.csv']").click()
        path = info.value.path()
        content = Path(path).read_text(encoding="utf-8-sig")
        assert "Catégorie;Demandes" in content and "Dysfonctionnement;1" in content
