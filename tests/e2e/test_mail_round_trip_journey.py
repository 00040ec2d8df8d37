"""Issue 19's round trip through the running product, with real mail servers on loopback: a teacher
mails the school's desk (dovecot's INBOX, polled by the product's own worker) → a ticket; the
correspondent asks a question in the browser → the teacher gets a threaded mail (aiosmtpd) with the
ticket's link and a Reply-To carrying its token → she answers by mail with a screenshot → the
worker adds it: the ticket is back in progress and the agent opens the attached file."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.e2e.test_journeys import act
from tests.mailin.conftest import PNG, make_mail
from tests.mailin.dovecot import Dovecot, dovecot_binary, free_port
from tests.mailin.test_imap import Collect
from tests.product import Product

pytestmark = [pytest.mark.browser, pytest.mark.product]

POLL_WAIT = 150  # the worker polls every minute (crontab), twice at most


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    import os
    import shutil
    import tempfile
    from pathlib import Path

    if dovecot_binary() is None:
        pytest.fail("dovecot is not installed (`make mailservers`)") if os.environ.get("CI") else pytest.skip("no dovecot")
    base = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    imap = Dovecot(base).start()
    sink = Collect()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield imap, smtp, sink
    smtp.stop()
    imap.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def product(tmp_path_factory, servers):
    imap, smtp, _sink = servers
    p = Product(tmp_path_factory.mktemp("mail-journey"), extra_env={
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port), "HELPDESK_IMAP_PASSWORD_N0_0341255E": imap.password}).setup()
    p.query(f"""
import json
from directory.models import Desk
from mailin.models import DeskMailbox
DeskMailbox.objects.create(desk=Desk.objects.get(slug="n0-0341255e"), address="ent.0341255e@example.org",
    imap_host="127.0.0.1", imap_port={imap.port}, imap_ssl=False, imap_user={imap.user!r},
    imap_password_env="HELPDESK_IMAP_PASSWORD_N0_0341255E")
print(json.dumps(True))
""")
    p.start()
    (p.data_dir / "screenshots").mkdir(exist_ok=True)
    yield p
    p.stop()


def mails_to(sink, address: str, containing: str):
    found = []
    for rcpts, content in sink.messages:
        mail = message_from_bytes(content, policy=policy.default)
        if address in rcpts and containing in mail.get_body(("plain",)).get_content():
            found.append(mail)
    return found


def wait(what, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"nothing after {timeout} s")


def test_a_teacher_writes_the_desk_and_answers_by_mail(product, servers, page_for, shot):
    imap, _smtp, sink = servers
    imap.append(make_mail(subject="Le cahier de textes reste vide (parcours courriel)",
                          body="Bonjour,\n\nLe cahier de textes de la classe reste vide depuis lundi.\n\nCamille Martin"))
    reference = product.wait_for("""
import json
from tickets.models import Ticket
t = Ticket.objects.filter(title__contains="parcours courriel").first()
print(json.dumps(t and t.reference))
""", timeout=POLL_WAIT, interval=2)
    assert reference, f"the worker opened no ticket from the mail:\n{product.log()[-3000:]}"

    # The correspondent of the school's desk sees it, opened by mail, and asks a question.
    director = page_for("directeur")
    director.goto(f"/demandes/{reference}/")
    expect(director.get_by_role("heading", level=1)).to_contain_text("Le cahier de textes reste vide")
    expect(director.locator("main")).to_contain_text("Le cahier de textes de la classe reste vide depuis lundi")
    act(director, "take")
    act(director, "request_info", {"Votre question au demandeur": "Quelle classe est concernée ?"})

    # The teacher's mail: threaded, with the link, answerable.
    [mail] = wait(lambda: mails_to(sink, "enseignant@example.org", "Quelle classe est concernée"), 60)[-1:]
    assert reference in mail["Subject"] and mail["In-Reply-To"] and mail["Auto-Submitted"] == "auto-generated"
    assert f"/demandes/{reference}/" in mail.get_body(("plain",)).get_content()
    assert "+t" in mail["Reply-To"]

    reply = EmailMessage()
    reply["From"], reply["To"] = "enseignant@example.org", mail["Reply-To"]
    reply["Subject"] = f"Re: {mail['Subject']}"
    reply["Message-ID"] = make_msgid(domain="ent.example")
    reply["In-Reply-To"] = mail["Message-ID"]
    reply["References"] = f"{mail['References'] or ''} {mail['Message-ID']}".strip()
    reply.set_content("La classe de CM2 B.\n\nLe 4 décembre, L'assistance ENT a écrit :\n> Quelle classe est concernée ?")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="cahier.png")
    imap.append(reply.as_bytes())
    assert product.wait_for(f"""
import json
from tickets.models import Ticket
print(json.dumps(Ticket.objects.get(reference={reference!r}).state == "in_progress"))
""", timeout=POLL_WAIT, interval=2), product.log()[-3000:]

    # Back in progress; her answer without the quoted history, and her screenshot opens.
    director.reload()
    main = director.locator("main")
    expect(main).to_contain_text("La classe de CM2 B.")
    assert "a écrit" not in main.inner_text()
    link = director.get_by_role("link", name="cahier.png").first
    expect(link).to_be_visible()
    response = director.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    shot(director, "mail-round-trip")
