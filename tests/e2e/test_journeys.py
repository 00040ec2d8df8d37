"""One journey per demo role in a real Chromium against the running product (`manage.py serve`
started as `make run` starts it, demo data from `seed_demo`): what each person sees — headings,
French labels, no raw codes — and that every link of the pages they visit answers.

Each journey makes what it needs through the web UI (a teacher's report, the escalations of the
people before), so the journeys do not depend on each other's order. Screenshots go to
<data_dir>/screenshots/.
"""

from __future__ import annotations

import re
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest

from directory.choices import Category
from sla.models import ClockKind, ClockState
from tickets.models import EventKind, State

pytestmark = [pytest.mark.browser, pytest.mark.product]

# --- What a person must never read -------------------------------------------------------------

_CODES = sorted({
    v for choices in (State, Category, ClockState, ClockKind, EventKind) for v in choices.values
    if isinstance(v, str) and ("_" in v or v in {"resolved", "closed", "cancelled", "running", "paused", "malfunction"})
})
RAW = [
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "ISO date"),
    (re.compile(r"\d\.\d+\s?%"), "percentage with a decimal point"),
    (re.compile(r"\b(" + "|".join(_CODES) + r")\b", re.IGNORECASE), "internal code"),
    (re.compile(r"\{\{|\{%|%\}|\}\}"), "template syntax"),
    (re.compile(r"\bobject \(\d+\)"), "Django object name"),
    (re.compile(r"\(facultatif\)\s*\(facultatif\)"), "doubled (facultatif)"),
]


def raw_values(text: str) -> list[str]:
    found = []
    for pattern, what in RAW:
        for m in pattern.finditer(text):
            start = max(0, m.start() - 40)
            found.append(f"{what}: …{text[start:m.end() + 40]}…".replace("\n", " "))
    return found


def seen(page, selector: str = "main") -> str:
    """The visible text of the page's main region, checked for raw values."""
    page.wait_for_load_state()
    text = page.inner_text(selector)
    problems = raw_values(text)
    assert not problems, f"{page.url} shows raw values:\n" + "\n".join(problems)
    return text


def assert_links_answer(page, selector: str = "main", *, limit: int = 200) -> int:
    """GET every link of the region with the person's cookies: each must answer below 400."""
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(page.url))
    hrefs = page.eval_on_selector_all(f"{selector} a[href]", "els => els.map(e => e.href)")
    targets = []
    for href in hrefs:
        href = href.split("#", 1)[0]
        if not href.startswith(origin + "/") or href in targets or "/deconnexion/" in href:
            continue
        targets.append(href)
    failures = []
    for href in targets[:limit]:
        response = page.request.get(href)
        if response.status >= 400:
            failures.append(f"{href} → {response.status}")
    assert not failures, f"links of {page.url} that do not answer:\n" + "\n".join(failures)
    return len(targets)


def assert_images_load(page, selector: str = "main"):
    page.eval_on_selector_all(f"{selector} img", "els => els.forEach(e => e.scrollIntoView())")
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel + ' img')].every(i => i.complete)", arg=selector)
    broken = page.eval_on_selector_all(f"{selector} img", "els => els.filter(i => !i.naturalWidth).map(i => i.src)")
    assert not broken, f"images that do not load on {page.url}: {broken}"


def heading(page) -> str:
    return page.locator("main h1").first.inner_text().strip()


def done(page):
    """After an action: the page says it is done, no refusal."""
    page.wait_for_load_state()
    assert page.locator("main .fr-alert--error").count() == 0, page.inner_text("main .fr-alert--error")
    assert page.locator("main .fr-alert--success").count() >= 1, seen(page)


def unfold(page, action: str):
    """Open the "Autres actions" menu when the action is in it (only the primary one is outside)."""
    if page.locator(f"#more-actions:not([open]) #action-{action}").count():
        page.locator("#more-actions > summary").click()


def act(page, action: str, fields: dict | None = None, checks: tuple = ()):
    """An action of the ticket page: a plain button, or a form unfolded from its summary."""
    unfold(page, action)
    if fields or checks:
        box = page.locator(f"#action-{action}")
        box.locator("summary").click()
        for label, value in (fields or {}).items():
            box.get_by_label(label).first.fill(value)
        for label in checks:
            box.get_by_label(label).check()
        with page.expect_navigation():
            box.locator("button[type=submit]").click()
    else:
        with page.expect_navigation():
            page.locator(f"#action-{action}").click()
    done(page)


# --- Steps other people take, through the web UI -----------------------------------------------

def unique_title(what: str) -> str:
    return f"{what} (parcours {uuid.uuid4().hex[:6]})"


def report(page, title: str, *, files=()) -> str:
    """A teacher's report from the home page; returns the new ticket's reference."""
    page.goto("/")
    page.get_by_role("link", name="Signaler un problème").first.click()
    page.wait_for_url("**/signaler/")
    page.get_by_label("Dysfonctionnement").check()
    page.get_by_label("Quel service de l'ENT ?").select_option("Cahier de textes")
    page.get_by_label("En une phrase, que se passe-t-il ?").fill(title)
    page.get_by_label("Détails").fill("Depuis ce matin, « Erreur 500 » quand j'enregistre la séance du jour.")
    page.get_by_label("Ma classe ou un groupe").check()
    page.get_by_label("Non, je suis bloqué·e").check()
    if files:
        page.get_by_label("Captures d'écran ou documents").set_input_files(list(files))
    with page.expect_navigation(url="**/demandes/ENT-*/"):
        page.get_by_role("button", name="Envoyer ma demande").click()
    return page.url.rstrip("/").rsplit("/", 1)[-1]


QUALIFICATION = {
    "Étapes pour reproduire": "Ouvrir le cahier de textes, saisir une séance, cliquer sur Enregistrer.",
    "Résultat attendu": "La séance est enregistrée.",
    "Résultat observé": "Erreur 500, la séance est perdue.",
    "Nombre d'utilisateurs concernés": "25",
    "Navigateur et appareil": "Firefox 128, Windows 11",
}


def qualify_and_escalate(page):
    fields = dict(QUALIFICATION)
    fields["Constaté pour la première fois le"] = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT08:30")
    act(page, "escalate", fields, checks=("Le dysfonctionnement est avéré",))


def ticket_at_level(page_for, level: int, title: str) -> str:
    """A teacher's new ticket brought to `level` by the people of the chain, in their browsers:
    0 the school (directeur), 1 the ERUN, 2 the académie DSI, 3 the vendor."""
    teacher = page_for("enseignant")
    reference = report(teacher, title)
    teacher.context.close()
    if level >= 1:
        director = page_for("directeur")
        director.goto(f"/demandes/{reference}/")
        act(director, "escalate", {"Message pour le niveau suivant": "Pas de solution à l'école."})
        director.context.close()
    if level >= 2:
        erun = page_for("erun")
        erun.goto(f"/demandes/{reference}/")
        act(erun, "take")
        qualify_and_escalate(erun)
        erun.context.close()
    if level >= 3:
        dsi = page_for("dsi")
        dsi.goto(f"/demandes/{reference}/")
        act(dsi, "take")
        act(dsi, "escalate", {"Message pour le niveau suivant": "Hébergement hors de cause, pour l'éditeur."})
        dsi.context.close()
    return reference


def ticket_state(product, reference: str) -> dict:
    return product.query(
        "import json; from tickets.models import Ticket; "
        f"t = Ticket.objects.select_related('desk').get(reference={reference!r}); "
        "print(json.dumps({'state': t.state, 'level': t.level, 'desk': t.desk.slug if t.desk else None}))"
    )


def mails_to(product, address: str, needle: str, *, timeout: float = 30.0, at_least: int = 1) -> list:
    """E-mails (the file backend's .log files) to `address` whose text contains `needle`; waits
    for `at_least` of them (the worker delivers one row after the other)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for path in sorted((product.data_dir / "mail").glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = message_from_bytes(raw.lstrip(), policy=policy.default)
                if address not in str(message["To"] or ""):
                    continue
                part = message.get_body(preferencelist=("plain",))
                body = part.get_content() if part else ""
                if needle in body or needle in str(message["Subject"] or ""):
                    found.append((str(message["Subject"]), body))
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


# --- The journeys ------------------------------------------------------------------------------

def test_teacher_reports_with_a_screenshot_follows_answers_and_confirms(product, page_for, shot, tmp_path):
    teacher = page_for("enseignant")
    assert heading(teacher) == "Assistance de l'Espace Numérique de Travail"
    home = seen(teacher)
    assert "Bonjour Camille Martin." in home and "Un problème avec l'ENT ?" in home
    assert_links_answer(teacher)

    # The report form, with a screenshot of what the teacher sees attached.
    teacher.get_by_role("link", name="Signaler un problème").first.click()
    teacher.wait_for_url("**/signaler/")
    assert heading(teacher) == "Signaler un problème"
    form = seen(teacher)
    assert "École élémentaire publique Pierre Bouissinet (0341255E)" in form
    assert "Captures d'écran ou documents" in form
    assert_links_answer(teacher)
    capture = tmp_path / "capture-erreur.png"
    capture.write_bytes(teacher.screenshot())
    title = unique_title("Le cahier de textes n'enregistre plus les séances")
    reference = report(teacher, title, files=[capture])
    shot(teacher, "teacher-01-ticket")

    # Her ticket: title, reference, a status in plain words, the screenshot previewed and downloadable.
    assert heading(teacher) == title
    page = seen(teacher)
    assert reference in page and "École élémentaire publique Pierre Bouissinet" in page
    assert "Où en est la demande ?" in page and "Échanges" in page
    assert "Historique" not in page and "Délais (SLA)" not in page  # the agents' view is not hers
    preview = teacher.get_by_alt_text("Aperçu de capture-erreur.png")
    preview.scroll_into_view_if_needed()
    assert preview.is_visible()
    assert_images_load(teacher)
    download = teacher.get_by_role("link", name="Télécharger capture-erreur.png")
    response = teacher.request.get(download.get_attribute("href"))
    assert response.status == 200 and response.body() == capture.read_bytes()
    preview_response = teacher.request.get(preview.get_attribute("src"))
    assert preview_response.status == 200 and preview_response.headers["content-type"] == "image/png"
    assert_links_answer(teacher)

    # She follows it in her list.
    teacher.get_by_role("link", name="Mes demandes").first.click()
    teacher.wait_for_url("**/mes-demandes/")
    assert heading(teacher) == "Mes demandes"
    row = teacher.locator("tr", has_text=reference)
    assert title in row.inner_text()
    seen(teacher)
    assert_links_answer(teacher)

    # The school's correspondent asks her a question.
    director = page_for("directeur")
    director.goto(f"/demandes/{reference}/")
    act(director, "take")
    act(director, "request_info", {"Votre question au demandeur": "Sur quel ordinateur de l'école cela arrive-t-il ?"})

    # She sees it waits for her — and the e-mail she got brings her back to the ticket.
    teacher.reload()
    list_text = seen(teacher)
    assert re.search(r"attend(ent)? votre réponse", list_text), list_text
    assert "En attente de votre réponse".upper() in teacher.locator("tr", has_text=reference).inner_text().upper()
    mails = mails_to(product, "enseignant@example.org", "Sur quel ordinateur")
    assert mails, "no e-mail to the teacher with the question"
    link = re.search(r"https?://\S+/demandes/" + reference + "/", mails[-1][1])
    assert link, f"the e-mail has no link to the ticket:\n{mails[-1][1]}"
    teacher.goto(link.group(0))
    assert heading(teacher) == title
    assert "Sur quel ordinateur de l'école" in seen(teacher)
    shot(teacher, "teacher-02-question")

    # She answers.
    teacher.get_by_label("Votre message").fill("L'ordinateur du fond de la classe, avec Firefox.")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Envoyer ma réponse").click()
    done(teacher)
    assert "L'ordinateur du fond de la classe" in seen(teacher)

    # The correspondent resolves; she confirms.
    director.reload()
    act(director, "resolve", {"Résumé de la résolution": "Le cache du navigateur est vidé : la séance s'enregistre."})
    director.context.close()
    teacher.reload()
    resolved = seen(teacher)
    assert "Le problème est-il réglé ?" in resolved and "Le cache du navigateur est vidé" in resolved
    shot(teacher, "teacher-03-resolved")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Oui, c'est réglé : confirmer").click()
    done(teacher)
    assert "Terminée".upper() in teacher.locator("#ticket-status").inner_text().upper()
    seen(teacher)
    assert_links_answer(teacher)
    shot(teacher, "teacher-04-confirmed")
    assert ticket_state(product, reference)["state"] == "closed"


def test_school_level_0_sees_the_report_live_answers_and_escalates(product, page_for, shot):
    director = page_for("directeur")
    home = seen(director)
    assert "Traiter les demandes" in home and "Un problème avec l'ENT ?" in home  # an agent and a requester
    assert_links_answer(director)
    director.get_by_role("link", name="Correspondant ENT — École élémentaire publique Pierre Bouissinet").click()
    director.wait_for_url("**/guichets/n0-0341255e/")
    assert heading(director) == "Correspondant ENT — École élémentaire publique Pierre Bouissinet"
    director.wait_for_selector("#live-status[data-live='on']")
    board = seen(director)
    assert "Niveau 0" in board and "Compteurs par état" in board

    # A teacher of the school reports: the row appears without reloading.
    teacher = page_for("enseignant")
    title = unique_title("La messagerie refuse les pièces jointes")
    reference = report(teacher, title)
    director.wait_for_selector(f"#row-{reference}")
    assert title in director.locator(f"#row-{reference}").inner_text()
    shot(director, "school-01-board-live")
    seen(director)
    assert_links_answer(director)

    # The correspondent opens it, takes it, answers the teacher, then passes it on to the ERUN.
    with director.expect_navigation():
        director.locator(f"#row-{reference} a").first.click()
    assert heading(director) == title
    page = seen(director)
    assert "Historique" in page and "Délais (SLA)" in page and "Niveau 0" in page
    assert_links_answer(director)
    act(director, "take")
    act(director, "comment", {"Message": "Je regarde avec vous demain matin avant la classe."})
    assert "Je regarde avec vous demain matin" in seen(director)
    act(director, "escalate", {"Message pour le niveau suivant": "Le problème se reproduit sur tous les postes."})
    escalated = seen(director)
    assert "Niveau 1" in escalated and "ERUN Lattes" in escalated
    shot(director, "school-02-escalated")
    assert_links_answer(director)
    assert ticket_state(product, reference)["desk"] == "erun-lattes"

    # The teacher reads the public answer, in her words.
    teacher.goto(f"/demandes/{reference}/")
    assert "Je regarde avec vous demain matin" in seen(teacher)


def test_erun_sees_the_ticket_arrive_live_asks_and_escalates_with_qualification(product, page_for, shot):
    erun = page_for("erun")
    home = seen(erun)
    assert "Bonjour Alex Durand." in home and "Signaler un problème" not in home
    erun.get_by_role("link", name="ERUN Lattes").click()
    erun.wait_for_url("**/guichets/erun-lattes/")
    assert heading(erun) == "ERUN Lattes"
    erun.wait_for_selector("#live-status[data-live='on']")
    assert "Niveau 1" in seen(erun)
    assert_links_answer(erun)

    # A teacher reports, the school passes it on: it appears on the ERUN's board over the websocket.
    teacher = page_for("enseignant")
    title = unique_title("Séance impossible à enregistrer dans le cahier de textes")
    reference = report(teacher, title)
    director = page_for("directeur")
    director.goto(f"/demandes/{reference}/")
    act(director, "escalate", {"Message pour le niveau suivant": "Pas de solution à l'école."})
    erun.wait_for_selector(f"#row-{reference}")
    shot(erun, "erun-01-board-live")
    seen(erun)

    # The ERUN takes it and asks the teacher; the teacher answers.
    with erun.expect_navigation():
        erun.locator(f"#row-{reference} a").first.click()
    assert heading(erun) == title
    page = seen(erun)
    assert "Transmis au niveau supérieur" in page and "Pas de solution à l'école" in page
    assert_links_answer(erun)
    act(erun, "take")
    act(erun, "request_info", {"Votre question au demandeur": "Quel navigateur utilisez-vous ?"})
    teacher.goto(f"/demandes/{reference}/")
    teacher.get_by_label("Votre message").fill("Firefox 128 sur l'ordinateur de la classe.")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Envoyer ma réponse").click()
    done(teacher)

    # Qualified and proven, it goes to the académie DSI (level 2).
    erun.reload()
    assert "Firefox 128 sur l'ordinateur de la classe." in seen(erun)
    qualify_and_escalate(erun)
    escalated = seen(erun)
    assert "Niveau 2" in escalated and "Pôle d'assistance DSII Montpellier" in escalated
    shot(erun, "erun-02-escalated")
    assert_links_answer(erun)
    assert ticket_state(product, reference) | {"state": None} == {"state": None, "level": 2, "desk": "dsi-montpellier"}

    # The service interruptions page of a level-1 agent.
    erun.goto("/interruptions/")
    assert heading(erun) == "Interruptions de service"
    assert "Déclarer une interruption" in seen(erun)
    assert_links_answer(erun)


def test_erun_moves_stay_inside_the_conventions_support_chain(product, page_for, shot):
    """The ERUN is offered only the desks the Montpellier matrix names at level 1 for this school
    (the commune's for network faults, the académie's GAR desk), each saying why; a hand-made
    request to route the ticket to another convention's vendor desk is refused: the ticket stays
    where it is, that vendor never reads it."""
    title = unique_title("Emploi du temps absent de l'ENT")
    reference = ticket_at_level(page_for, 1, title)
    erun = page_for("erun")
    erun.goto(f"/demandes/{reference}/")
    unfold(erun, "escalate")
    page = seen(erun)
    assert heading(erun) == title and "Transmettre au niveau supérieur" in page
    labels = erun.locator("#action-route select option").evaluate_all("os => os.map(o => o.textContent)")
    assert any("Commune de Villeneuve-lès-Maguelone" in o and " — " in o for o in labels), labels
    assert not any("Kosmos" in o or "Sète" in o or "Nancy-Metz" in o for o in labels), labels
    shot(erun, "erun-03-route-inside-the-chain")
    kosmos = product.query("from directory.models import Desk; print(Desk.objects.get(slug='kosmos-vie-scolaire').pk)")
    token = erun.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    version = erun.locator("input[name='escalate-version']").first.input_value()
    response = erun.request.post(f"/demandes/{reference}/action/route/", form={
        "csrfmiddlewaretoken": token, "route-desk": str(kosmos), "route-reason": "Essai hors convention",
        "route-version": version,
    })
    assert response.status == 400
    assert "Vérifiez les champs signalés" in response.text()
    assert ticket_state(product, reference)["desk"] == "erun-lattes"
    assert product.query(
        "import json; from tickets.access import can_view; from tickets.models import Ticket; from directory.models import User, "
        "Desk, Membership; u, _ = User.objects.get_or_create(username='kosmos-parcours'); "
        "Membership.objects.get_or_create(user=u, role='agent', desk=Desk.objects.get(slug='kosmos-vie-scolaire')); "
        f"print(json.dumps(can_view(u, Ticket.objects.get(reference={reference!r}))))"
    ) is False


def test_academie_dsi_receives_the_qualified_ticket_and_passes_it_to_the_vendor(product, page_for, shot):
    title = unique_title("Erreur 500 du cahier de textes pour toute une classe")
    reference = ticket_at_level(page_for, 2, title)
    dsi = page_for("dsi")
    dsi.get_by_role("link", name="Pôle d'assistance DSII Montpellier").click()
    dsi.wait_for_url("**/guichets/dsi-montpellier/")
    assert heading(dsi) == "Pôle d'assistance DSII Montpellier"
    assert "Niveau 2" in seen(dsi)
    assert dsi.locator(f"#row-{reference}").count() == 1
    assert_links_answer(dsi)
    with dsi.expect_navigation():
        dsi.locator(f"#row-{reference} a").first.click()
    page = seen(dsi)
    assert heading(dsi) == title
    assert "Dysfonctionnement avéré" in page  # the qualification came with it
    assert "Erreur 500, la séance est perdue." in page or "Qualification" in page
    assert_links_answer(dsi)
    act(dsi, "take")
    act(dsi, "escalate", {"Message pour le niveau suivant": "Hébergement hors de cause : pour l'éditeur."})
    escalated = seen(dsi)
    assert "Niveau 3" in escalated and "Open Digital Education" in escalated
    shot(dsi, "dsi-01-escalated")
    assert_links_answer(dsi)
    assert ticket_state(product, reference)["level"] == 3


def test_vendor_agent_answers_and_resolves_in_the_web_ui(product, page_for, shot):
    title = unique_title("Séances du cahier de textes perdues à l'enregistrement")
    reference = ticket_at_level(page_for, 3, title)
    vendor = page_for("editeur")
    home = seen(vendor)
    assert "Bonjour Charlie Moreau." in home
    vendor.get_by_role("link", name="Open Digital Education — support éditeur").click()
    vendor.wait_for_url("**/guichets/ode-support/")
    assert "Niveau 3" in seen(vendor)
    assert vendor.locator(f"#row-{reference}").count() == 1
    assert_links_answer(vendor)
    with vendor.expect_navigation():
        vendor.locator(f"#row-{reference} a").first.click()
    assert heading(vendor) == title
    page = seen(vendor)
    assert "Dysfonctionnement avéré" in page
    assert_links_answer(vendor)
    act(vendor, "take")
    act(vendor, "comment", {"Message": "Anomalie reproduite sur notre recette ; correctif en préparation."})
    act(vendor, "resolve", {"Résumé de la résolution": "Correctif déployé : les séances s'enregistrent de nouveau."})
    resolved = seen(vendor)
    assert "Correctif déployé" in resolved
    shot(vendor, "vendor-01-resolved")
    assert_links_answer(vendor)
    assert ticket_state(product, reference)["state"] == "resolved"

    # The teacher reads the vendor's resolution in the single desk.
    teacher = page_for("enseignant")
    teacher.goto(f"/demandes/{reference}/")
    assert "Correctif déployé" in seen(teacher)


def test_formateur_follows_vendor_tickets_of_the_area_and_comments(product, page_for, shot):
    formateur = page_for("formateur")
    home = seen(formateur)
    assert "Suivre les demandes transmises à l'éditeur" in home
    assert_links_answer(formateur)
    formateur.get_by_role("link", name="Voir les demandes").click()
    formateur.wait_for_url("**/guichets/")
    assert heading(formateur) == "Tableaux de tri"
    listed = seen(formateur)
    assert "Demandes de votre secteur transmises à l'éditeur" in listed
    followed = formateur.locator("table", has_text="Vous pouvez les lire et les commenter").locator("tbody a")
    assert followed.count() >= 1, "the demo holds a vendor ticket of the Lattes area"
    assert_links_answer(formateur)
    shot(formateur, "formateur-01-followed")

    with formateur.expect_navigation():
        followed.first.click()
    page = seen(formateur)
    assert "Prendre en charge" not in page and "Résoudre" not in page  # read + comment, no decisions
    assert "Interne" not in page
    assert_links_answer(formateur)
    note = f"Je peux accompagner l'enseignante en classe jeudi ({uuid.uuid4().hex[:4]})."
    formateur.get_by_label("Votre message").fill(note)
    with formateur.expect_navigation():
        formateur.get_by_role("button", name="Envoyer").click()
    done(formateur)
    assert note in seen(formateur)
    shot(formateur, "formateur-02-commented")


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def test_manager_sees_twelve_months_of_availability_with_a_month_below_target(product, page_for, shot):
    manager = page_for("manager")
    assert "Pilotage" in seen(manager)
    manager.get_by_role("link", name="Ouvrir le tableau de bord").click()
    manager.wait_for_url("**/pilotage/")
    assert heading(manager) == "Pilotage"
    manager.wait_for_selector("#table-disponibilite")
    dashboard = seen(manager)
    assert re.search(r"99,7\s%", dashboard) and re.search(r"\b97\s%", dashboard)
    shot(manager, "manager-01-dashboard")

    # Twelve months, month by month, inside the contract window; one of them under 99,7 % flagged.
    months = manager.locator("#table-disponibilite-mois tbody tr")
    assert months.count() == 12, seen(manager, "#table-disponibilite-mois")
    labels = [months.nth(i).locator("th").inner_text().strip().lower() for i in range(12)]
    assert all(any(m in label for m in MONTHS) for label in labels), labels
    flagged = manager.locator("#table-disponibilite-mois tbody tr", has_text=re.compile(r"sous l'objectif de 99,7\s%"))
    assert flagged.count() >= 1, seen(manager, "#table-disponibilite-mois")
    inside = flagged.first.locator("td").first.inner_text()
    figure = re.match(r"(\d{2,3},\d+)\s%", inside)
    assert figure and float(figure.group(1).replace(",", ".")) < 99.7, inside
    assert_links_answer(manager)  # the CSV exports included

    with manager.expect_download() as info:
        manager.locator("a[href*='/pilotage/export/disponibilite-mois.csv']").click()
    content = open(info.value.path(), encoding="utf-8-sig").read()
    assert content.count("\n") >= 13, content


def test_dpo_sees_the_card_and_opens_the_seeded_breach_and_data_subject_request(product, page_for, shot):
    seeded = product.query(
        "import json; from tickets.models import Ticket; "
        "print(json.dumps({c: list(Ticket.objects.filter(category=c, school__academie__name__icontains='Montpellier')"
        ".order_by('-created_at').values_list('reference', flat=True)[:1]) for c in ('security_incident', 'data_protection')}))"
    )
    assert seeded["security_incident"], "the demo seeds a security incident in the académie de Montpellier"
    assert seeded["data_protection"], "the demo seeds a data-subject request in the académie de Montpellier"
    dpo = page_for("dpo")
    home = seen(dpo)
    assert "Protection des données" in home and "Bonjour Maxime Lefebvre." in home
    shot(dpo, "dpo-01-home")
    assert_links_answer(dpo)

    # From the card to the breach: the incident, then its notification form.
    breach_ref = seeded["security_incident"][0]
    card = dpo.locator("section", has=dpo.get_by_role("heading", name="Protection des données"))
    with dpo.expect_navigation():
        card.locator(f"a[href$='/demandes/{breach_ref}/']").first.click()
    incident = seen(dpo)
    assert "Incident de sécurité" in incident
    assert_links_answer(dpo)
    dpo.go_back()
    with dpo.expect_navigation():
        card.locator(f"a[href$='/vie-privee/violations/{breach_ref}/']").first.click()
    assert heading(dpo) == f"Violation de données — {breach_ref}"
    breach = seen(dpo)
    assert "Partage retiré" in breach or dpo.locator("main textarea").count() > 0
    # The demo's DPO recorded both notifications: the other party in time, the CNIL late.
    steps = dpo.locator("#breach-steps").inner_text()
    assert "Autre partie notifiée" in steps and "CNIL notifiée" in steps, steps
    clocks = dpo.locator("#breach-clocks").inner_text()
    assert "Tenu dans le délai le" in clocks and "Tenu en retard le" in clocks, clocks
    assert "Autorité académique — Académie de Montpellier" in dpo.locator("#cnil-notifier").inner_text()
    shot(dpo, "dpo-02-breach")
    assert_links_answer(dpo)

    # The data-subject request received by the wrong party.
    dsr_ref = seeded["data_protection"][0]
    dpo.goto("/")
    with dpo.expect_navigation():
        card.locator(f"a[href$='/demandes/{dsr_ref}/']").first.click()
    request = seen(dpo)
    assert "Demande relative aux données personnelles" in request
    shot(dpo, "dpo-03-data-subject-request")
    assert_links_answer(dpo)


def test_admin_opens_the_admin_background_tasks_and_a_french_changelist(product, page_for, shot):
    admin = page_for("admin")
    seen(admin)
    with admin.expect_navigation():
        admin.get_by_role("link", name="Administration").click()
    index = admin.inner_text("#content")
    assert "Annuaire" in index or "ANNUAIRE" in index
    shot(admin, "admin-01-index")
    # French model names: no project model left with Django's default (English, from the class name).
    defaults = product.query(
        "import json; from django.apps import apps; "
        "print(json.dumps(sorted({str(m._meta.verbose_name_plural) for m in apps.get_models() "
        "if m.__module__.split('.')[0] in ('directory', 'tickets', 'sla', 'helpdesk', 'privacy', 'journal', 'api') "
        "and 'verbose_name' not in m._meta.original_attrs})))"
    )
    english = [name for name in defaults if admin.locator("#content").get_by_text(name.capitalize(), exact=True).count()]
    assert not english, f"English model names in the admin: {english}"
    assert_links_answer(admin, "#content")

    # The background tasks: every periodic task in service.
    admin.goto("/admin/helpdesk/backgroundtask/")
    tasks = admin.inner_text("#content")
    assert "tâche" in tasks.lower()
    periodic = product.query(
        "import json; from helpdesk.models import BackgroundTask as T; "
        "print(json.dumps(sorted(T.objects.filter(periodic=True).values_list('name', flat=True))))"
    )
    assert len(periodic) >= 5
    for name in periodic:
        row = admin.locator("#result_list tbody tr", has_text=name)
        assert row.count() == 1, name
        assert "en service" in row.inner_text(), row.inner_text()
    assert not raw_values(tasks), raw_values(tasks)
    shot(admin, "admin-02-background-tasks")
    assert_links_answer(admin, "#content")

    # A changelist with French names and rows named in French.
    admin.goto("/admin/directory/school/")
    schools = admin.inner_text("#content")
    assert "École" in schools and "0341255E" in schools
    assert not raw_values(schools), raw_values(schools)
    assert_links_answer(admin, "#content")
    with admin.expect_navigation():
        admin.locator("#result_list tbody a").first.click()
    change = admin.inner_text("#content")
    assert not raw_values(change), raw_values(change)
    shot(admin, "admin-03-school")

    admin.goto("/admin/directory/convention/")
    with admin.expect_navigation():
        admin.locator("#result_list tbody a").first.click()
    convention = admin.inner_text("#content")
    assert not raw_values(convention), raw_values(convention)
    shot(admin, "admin-04-convention")


KOSMOS_AGENT = (
    "import json; from directory.models import Desk, Membership, User; "
    "u, _ = User.objects.get_or_create(username='kosmos-parcours', defaults={'first_name': 'Agent', 'last_name': 'Kosmos (fictif)'}); "
    "u.set_password('demo-ent-2026'); u.save(); "
    "Membership.objects.get_or_create(user=u, role='agent', desk=Desk.objects.get(slug='kosmos-vie-scolaire')); "
    "print(json.dumps(u.username))"
)


def test_a_colleges_network_fault_reaches_its_departement_never_the_vendor_and_an_academie_note_stays_inside(
        product, page_for, shot):
    """Issue 14: the CPE of collège La Source (Moselle) reports a network fault; the Grand Est matrix
    skips level 0 for network and names the collectivité competent for a collège — the Département.
    Its agent reads why, and routes it to the académie's guichet unique (not the network after all);
    the guichet writes a note for the académie only. The vendor (Kosmos) never sees the ticket, the
    Département and the CPE never read the académie's note."""
    cpe = page_for("cpe")
    cpe.goto("/")
    cpe.get_by_role("link", name="Signaler un problème").first.click()
    cpe.wait_for_url("**/signaler/")
    title = unique_title("Plus de Wi-Fi en salle 12")
    cpe.get_by_label("Réseau et matériel").check()
    cpe.get_by_label("En une phrase, que se passe-t-il ?").fill(title)
    cpe.get_by_label("Détails").fill("Depuis lundi, les tablettes ne se connectent plus au Wi-Fi en salle 12.")
    cpe.get_by_label("Ma classe ou un groupe").check()
    cpe.get_by_label("Non, je suis bloqué·e").check()
    with cpe.expect_navigation(url="**/demandes/ENT-*/"):
        cpe.get_by_role("button", name="Envoyer ma demande").click()
    reference = cpe.url.rstrip("/").rsplit("/", 1)[-1]
    assert title in seen(cpe)
    assert ticket_state(product, reference) == {"state": "new", "level": 1, "desk": "moselle-tech"}
    shot(cpe, "routing-01-cpe-reported")

    departement = page_for("collectivite")
    departement.goto(f"/demandes/{reference}/")
    page = seen(departement)
    assert "Transmis à Support technique Département de la Moselle" in page
    assert "compétence du Département" in page or "Département de la Moselle" in page
    act(departement, "take")
    unfold(departement, "route")
    box = departement.locator("#action-route")
    box.locator("summary").click()
    select = box.locator("select")
    labels = select.locator("option").all_inner_texts()
    assert any("Guichet unique académique Nancy-Metz" in o for o in labels), labels
    assert not any("Kosmos" in o or "Région" in o for o in labels), labels  # never the vendor, not the lycées' Région
    select.select_option(label=next(o for o in labels if "Guichet unique académique Nancy-Metz" in o))
    box.get_by_label("Motif").fill("Le réseau du collège répond : c'est l'ENT qui refuse les tablettes.")
    with departement.expect_navigation():
        box.locator("button[type=submit]").click()
    done(departement)
    assert ticket_state(product, reference)["desk"] == "guichet-nancy-metz"
    shot(departement, "routing-02-departement-routed")

    guichet = page_for("guichet")
    guichet.goto(f"/demandes/{reference}/")
    seen(guichet)
    note = f"Collège déjà signalé à la DANE en 2025, ne pas relancer le principal ({uuid.uuid4().hex[:4]})."
    unfold(guichet, "comment")
    box = guichet.locator("#action-comment")
    box.locator("summary").click()
    box.get_by_label("Message", exact=True).fill(note)
    audience = box.get_by_label("Qui pourra lire ce message")
    choice = next(o for o in audience.locator("option").all_inner_texts() if o.startswith("Mon organisation seulement"))
    assert "Nancy-Metz" in choice
    audience.select_option(label=choice)
    with guichet.expect_navigation():
        box.locator("button[type=submit]").click()
    done(guichet)
    assert note in seen(guichet)
    shot(guichet, "routing-03-academie-note")

    # The Département still follows the ticket it held, without the académie's note.
    departement.goto(f"/demandes/{reference}/")
    page = seen(departement)
    assert "Le réseau du collège répond" in page and note not in page
    # The CPE reads their request, neither the route's reason nor the note.
    cpe.goto(f"/demandes/{reference}/")
    page = seen(cpe)
    assert title in page and note not in page and "Le réseau du collège répond" not in page
    # Kosmos, the ENT vendor of the convention: no such ticket for them.
    kosmos = page_for(product.query(KOSMOS_AGENT))
    response = kosmos.goto(f"/demandes/{reference}/")
    assert response.status == 404
    kosmos.goto("/guichets/")
    assert reference not in kosmos.inner_text("main")
    # No e-mail carried the note outside the académie.
    assert not mails_to(product, "support@example.org", note, timeout=3)
    assert not mails_to(product, "cpe@example.org", note, timeout=1)


def test_dpo_is_alerted_opens_the_incident_from_home_and_stops_both_legal_clocks_on_time(product, page_for, shot):
    # A teacher reports a security incident through the report form.
    teacher = page_for("enseignant")
    teacher.get_by_role("link", name="Signaler un problème").first.click()
    teacher.wait_for_url("**/signaler/")
    teacher.get_by_label("Incident de sécurité").check()
    title = unique_title("Liste d'élèves visible depuis le compte d'un autre parent")
    teacher.get_by_label("En une phrase, que se passe-t-il ?").fill(title)
    teacher.get_by_label("Détails").fill("Un parent voit les notes de la classe voisine depuis ce matin.")
    teacher.get_by_label("Ma classe ou un groupe").check()
    with teacher.expect_navigation(url="**/demandes/ENT-*/"):
        teacher.get_by_role("button", name="Envoyer ma demande").click()
    reference = teacher.url.rstrip("/").rsplit("/", 1)[-1]
    teacher.context.close()

    # The académie's DPO is told by e-mail that both legal clocks started.
    alerts = mails_to(product, "dpo@example.org", reference, at_least=2)  # the 48 h and the 72 h clocks
    subjects = " ".join(subject for subject, _body in alerts)
    assert "Délai légal démarré" in subjects and "CNIL" in subjects and "48 h" in subjects, subjects
    assert any(f"/vie-privee/violations/{reference}/" in body for _subject, body in alerts)

    # And in the app: the notifications list the alert, which opens the incident's record.
    dpo = page_for("dpo")
    dpo.get_by_role("link", name="Notifications").first.click()
    dpo.wait_for_url("**/notifications/")
    alert = dpo.locator("#notifications li", has_text=reference).filter(has_text="Délai légal démarré").first
    assert "Non lue" in alert.inner_text()
    with dpo.expect_navigation():
        alert.get_by_role("link").click()
    assert heading(dpo) == f"Violation de données — {reference}"
    dpo.goto("/")

    # From the home page: the card lists the incident and links to the board of both clocks.
    home = seen(dpo)
    assert "Protection des données" in home and reference in home
    dpo.get_by_role("link", name="Incidents de sécurité et délais légaux").click()
    dpo.wait_for_url("**/vie-privee/violations/")
    assert heading(dpo) == "Incidents de sécurité"
    row = dpo.locator(f"#incident-{reference}")
    assert "Reste" in row.inner_text()
    seen(dpo)
    assert_links_answer(dpo)
    shot(dpo, "dpo-01-board")
    row.get_by_role("link", name=f"{reference} — {title}").click()
    dpo.wait_for_url(f"**/vie-privee/violations/{reference}/")
    page = seen(dpo)
    assert "Délais légaux" in page and "Aucune étape enregistrée" in page

    # The other party, then the CNIL (with its reference), notified.
    form = dpo.locator("#step-form")
    form.get_by_label("Autre partie notifiée").check()
    form.get_by_label("Preuve").fill("Courriel au DPD de la collectivité, accusé de réception reçu.")
    with dpo.expect_navigation():
        form.get_by_role("button", name="Enregistrer l'étape").click()
    done(dpo)
    cnil_ref = f"CNIL-{uuid.uuid4().hex[:6].upper()}"
    form = dpo.locator("#step-form")
    form.get_by_label("CNIL notifiée").check()
    form.get_by_label("Preuve").fill("Notification en ligne sur le téléservice de la CNIL.")
    form.get_by_label("Référence").fill(cnil_ref)
    with dpo.expect_navigation():
        form.get_by_role("button", name="Enregistrer l'étape").click()
    done(dpo)

    # Both clocks stopped on time, on the record and on the board.
    clocks = dpo.locator("#breach-clocks").inner_text()
    assert clocks.count("Tenu dans le délai le") == 2, clocks
    assert cnil_ref in seen(dpo)
    shot(dpo, "dpo-02-breach-record")
    assert_links_answer(dpo)
    dpo.get_by_role("link", name="Tous les incidents de sécurité").click()
    dpo.wait_for_url("**/vie-privee/violations/")
    assert dpo.locator(f"#incident-{reference}").inner_text().count("Tenu dans le délai le") == 2
    state = product.query(
        "import json; from sla.models import Clock; "
        f"print(json.dumps(sorted([c.kind, c.state, c.met_within_target] for c in Clock.objects.filter(ticket__reference={reference!r}, kind__in=['breach_notice', 'cnil_notice']))))"
    )
    assert state == [["breach_notice", "met", True], ["cnil_notice", "met", True]]

    # The ticket page links to the breach record, and back.
    dpo.goto(f"/demandes/{reference}/")
    dpo.get_by_role("link", name="Violation de données : délais légaux et notification").click()
    dpo.wait_for_url(f"**/vie-privee/violations/{reference}/")
