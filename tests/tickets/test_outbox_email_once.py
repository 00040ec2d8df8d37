"""E-mails after a worker crash (issue 16, item 13): each row's mail has a stable Message-ID, and a
row already handed to the mail server is not sent again by the retry."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tickets import outbox, services, tasks
from tickets.models import OutboxMessage

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """kill -9 of the worker: nothing after this point runs (not an Exception: no retry bookkeeping)."""


def _reply_row(ticket, agent):
    outbox.deliver_pending()  # what the fixtures left pending
    mail.outbox.clear()
    services.comment(ticket, actor=agent, body="Avez-vous vidé le cache ?")
    return OutboxMessage.objects.get(channel="email", event_name="ticket.commented")


def test_message_id_is_derived_from_the_row_and_stable_across_deliveries(at_n1, u):
    row = _reply_row(at_n1, u["erun"])
    outbox.deliver_pending()
    assert len(mail.outbox) == 1
    first = mail.outbox[0].message()["Message-ID"]
    domain = urlsplit(outbox.base_url()).hostname
    assert first.startswith(f"<outbox-{row.pk}-") and first.endswith(f"@{domain}>")
    # The crash window (accepted by the server, not yet marked): the row is delivered once more.
    row.refresh_from_db()
    payload = {k: v for k, v in row.payload.items() if k != outbox.HANDED_OVER}
    OutboxMessage.objects.filter(pk=row.pk).update(status="pending", payload=payload, next_attempt_at=timezone.now())
    outbox.deliver_pending()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].message()["Message-ID"] == first  # receivers can drop the copy


def test_a_row_handed_to_the_mail_server_is_not_sent_again_after_a_crash(at_n1, u):
    row = _reply_row(at_n1, u["erun"])

    def crash(message):
        raise Killed

    outbox.register_handler("email", crash)  # runs after send_email: the worker dies before marking the row sent
    try:
        with pytest.raises(Killed):
            outbox.deliver_pending()
    finally:
        outbox.unregister_handler("email", crash)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == "pending" and row.payload.get(outbox.HANDED_OVER)
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):  # the lease expires
        tasks.retry_outbox.call_local()
    row.refresh_from_db()
    assert row.status == "sent"
    assert len(mail.outbox) == 1  # not twice
