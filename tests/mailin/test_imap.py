"""Against real servers: dovecot (IMAP, the desk's mailbox) and aiosmtpd (SMTP, receiving the
product's mail). A teacher mails the desk → ticket → the agent asks a question on the web → the teacher
receives a threaded e-mail with the link → answers by mail with a file → the ticket is back in
progress, the file attached."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller

from mailin import imap, services
from mailin.models import DeskMailbox, InboundMessage, Status
from tickets import outbox
from tickets.models import Ticket
from tickets.outbox import thread_id

from .conftest import PNG, make_mail
from .dovecot import dovecot, free_port  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.HELPDESK = {**settings.HELPDESK, "REQUESTER_MAIL_BATCH_SECONDS": 0}
    yield handler
    controller.stop()


@pytest.fixture
def imap_mailbox(world, dovecot, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MAILIN_TEST_IMAP_PASSWORD", dovecot.password)
    return DeskMailbox.objects.create(
        desk=world.desks["n0-0341255E"], address="ent.0341255e@example.org", imap_host="127.0.0.1",
        imap_port=dovecot.port, imap_ssl=False, imap_user=dovecot.user, imap_password_env="MAILIN_TEST_IMAP_PASSWORD")


def test_poll_ingests_unseen_messages_once(world, dovecot, imap_mailbox):  # noqa: F811
    dovecot.append(make_mail(message_id="<imap-1@ent.example>"))
    dovecot.append(make_mail(subject="Absence", headers={"Auto-Submitted": "auto-replied"}))
    assert imap.poll(imap_mailbox) == {Status.OPENED: 1, Status.IGNORED: 1}
    assert imap.poll(imap_mailbox) == {}  # flagged seen: not read again
    dovecot.append(make_mail(message_id="<imap-1@ent.example>"))  # the same message delivered twice
    imap.poll(imap_mailbox)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 2
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == "" and imap_mailbox.last_polled_at is not None


def test_wrong_password_is_recorded_not_raised(world, dovecot, imap_mailbox, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MAILIN_TEST_IMAP_PASSWORD", "faux")
    assert imap.poll(imap_mailbox) == {}
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error


def test_no_mailbox_configured_polls_nothing(world):
    assert imap.poll_all() == {}


def test_mail_journey(world, dovecot, imap_mailbox, smtp, client):  # noqa: F811
    teacher, agent = world.users["enseignant"], world.users["directeur"]
    dovecot.append(make_mail(subject="Le cahier de textes reste vide"))
    imap.poll(imap_mailbox)
    ticket = Ticket.objects.get()
    assert ticket.requester == teacher and ticket.desk == imap_mailbox.desk
    outbox.deliver_pending()
    smtp.messages.clear()

    client.force_login(agent)
    response = client.post(f"/demandes/{ticket.reference}/action/request_info/",
                           {"request_info-body": "Quelle classe est concernée ?", "request_info-version": ticket.version})
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "rreur" in line or "error" in line][:8]
    ticket.refresh_from_db()
    assert ticket.state == "waiting_requester"
    outbox.deliver_pending()
    to_teacher = [message_from_bytes(content, policy=policy.default)
                  for rcpts, content in smtp.messages if teacher.email in rcpts]
    assert to_teacher, smtp.messages
    mail = to_teacher[-1]
    assert mail["In-Reply-To"] == thread_id(ticket)
    assert outbox.ticket_url(ticket) in mail.get_body(("plain",)).get_content()

    # "Répondre" in a mail client: to the Reply-To, the desk's address with the ticket's token.
    assert mail["Reply-To"] == services.reply_address(ticket) and "+t" in mail["Reply-To"]
    reply = EmailMessage()
    reply["From"], reply["To"] = teacher.email, mail["Reply-To"]
    reply["Subject"] = f"Re: {mail['Subject']}"
    reply["Message-ID"] = make_msgid(domain="ent.example")
    reply["In-Reply-To"] = mail["Message-ID"]
    reply["References"] = f"{mail['References']} {mail['Message-ID']}"
    reply.set_content("La classe de CM2 B.\n\nLe 3 décembre, L'assistance ENT a écrit :\n> Quelle classe est concernée ?")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="cahier.png")
    dovecot.append(reply.as_bytes())
    imap.poll(imap_mailbox)

    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    assert ticket.comments.order_by("-pk").first().body == "La classe de CM2 B."
    assert ticket.attachments.filter(original_name="cahier.png", uploaded_by=teacher).exists()
