"""The LMTP receiver (a real socket, aiosmtpd) and the worker's periodic polling."""

import smtplib

import pytest

from mailin.models import InboundMessage, Status
from tickets.models import Ticket

from .conftest import make_mail
from .dovecot import free_port


@pytest.mark.django_db(transaction=True)
def test_lmtp_receiver_ingests_and_refuses_unknown_recipients(world, mailbox):
    from mailin.lmtp import controller

    port = free_port()
    server = controller("127.0.0.1", port)
    server.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            refused = client.sendmail("enseignant@example.org", ["ent.0341255e+t1-abc@example.org", "personne@example.org"],
                                      make_mail(message_id="<lmtp-1@ent.example>"))
    finally:
        server.stop()
    assert list(refused) == ["personne@example.org"]
    row = InboundMessage.objects.get(message_id="<lmtp-1@ent.example>")
    assert row.status == Status.OPENED and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_worker_polls_nothing_without_a_configured_mailbox(world, mailbox):
    from helpdesk import worker
    from mailin.tasks import poll_mailboxes

    assert "mailin.tasks.poll_mailboxes" in set(worker.register_tasks())
    assert poll_mailboxes.call_local() is None  # the mailbox has no IMAP server: `make run` polls nothing
