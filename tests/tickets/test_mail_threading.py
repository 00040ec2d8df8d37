"""Mail clients show one conversation per ticket (issue 19, outgoing): every mail about a ticket has
its own stable Message-ID, refers to the ticket's thread (In-Reply-To, References), names the
ticket's reference in its subject, says it is automatic (RFC 3834) and carries an HTML part that
says what the text says — escaped, with the ticket's link clickable."""

import re

import pytest
from django.core import mail

from tickets import outbox, services
from tickets.models import OutboxMessage

pytestmark = pytest.mark.django_db


def sent():
    outbox.deliver_pending()
    mails = list(mail.outbox)
    mail.outbox.clear()
    return mails


def test_every_mail_of_a_ticket_is_in_its_thread(open_mtp, u):
    t = open_mtp(title="Le <b>cahier</b> & l'agenda")
    t = services.take(t, actor=u["directeur"])
    services.request_info(t, actor=u["directeur"], body="Quel navigateur ?")
    mails = sent()
    assert len(mails) >= 2 and any("<b>cahier</b>" in m.body for m in mails)
    root = outbox.thread_id(t)
    assert re.fullmatch(r"<ticket-\d+-\d+@[^>]+>", root)
    ids = [m.extra_headers["Message-ID"] for m in mails]
    assert len(set(ids)) == len(ids) and root not in ids
    for m in mails:
        assert m.extra_headers["In-Reply-To"] == root and m.extra_headers["References"] == root
        assert m.extra_headers["Auto-Submitted"] == "auto-generated"
        assert f"[{t.reference}]" in m.subject or t.reference in m.subject
        html, kind = m.alternatives[0]
        assert kind == "text/html"
        if "<b>cahier</b>" in m.body:  # the title as typed, shown as text, never as markup
            assert "<b>cahier</b>" not in html and "&lt;b&gt;cahier&lt;/b&gt;" in html
        assert f'href="{outbox.ticket_url(t)}"' in html


def test_a_redelivered_row_keeps_its_message_id(open_mtp):
    t = open_mtp()
    row = OutboxMessage.objects.filter(ticket=t, channel="email").first()
    assert outbox.mail_headers(row)["Message-ID"] == outbox.mail_headers(OutboxMessage.objects.get(pk=row.pk))["Message-ID"]


def test_mail_about_no_ticket_has_no_thread(db):
    row = OutboxMessage(channel="email", event_name="privacy.clock_started", payload={"to": ["dpo@example.org"], "subject": "Délai", "body": "x"})
    row.save()
    headers = outbox.mail_headers(row)
    assert "In-Reply-To" not in headers and headers["Auto-Submitted"] == "auto-generated"
    assert outbox.mail_subject(row) == "Délai"
