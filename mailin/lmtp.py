"""An inbound LMTP (or SMTP) receiver: the mail server hands each message over to it instead of a
mailbox (`manage.py mailin_lmtp`). A recipient that is no desk's address (its +token aside) is
refused at RCPT; each message is ingested once per mailbox named (`services.ingest`)."""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async

from . import parse as mailparse
from . import services
from .models import DeskMailbox

logger = logging.getLogger(__name__)


def mailbox_for(address: str) -> DeskMailbox | None:
    local, domain = mailparse.address_parts(address or "")
    return DeskMailbox.objects.filter(active=True, address__iexact=f"{local}@{domain}").select_related("desk").first()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if await sync_to_async(mailbox_for)(address) is None:
            return "550 5.1.1 Adresse inconnue de l'assistance"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        def deliver():
            done = set()
            for address in envelope.rcpt_tos:
                mailbox = mailbox_for(address)
                if mailbox is not None and mailbox.pk not in done:
                    done.add(mailbox.pk)
                    services.ingest(envelope.original_content or envelope.content, mailbox)

        try:
            await sync_to_async(deliver)()
        except Exception:  # noqa: BLE001 — the sender's server keeps the message and retries
            logger.exception("LMTP delivery failed")
            return "451 4.3.0 Erreur temporaire, réessayez"
        return "250 OK"


def controller(host: str, port: int, *, smtp: bool = False):
    from aiosmtpd.controller import Controller
    from aiosmtpd.lmtp import LMTP

    class LMTPController(Controller):
        def factory(self):
            return LMTP(self.handler, **self.SMTP_kwargs)

    cls = Controller if smtp else LMTPController
    return cls(Handler(), hostname=host, port=port, data_size_limit=64 * 1024 * 1024, decode_data=False)
