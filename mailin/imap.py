"""Polling a desk's IMAP mailbox (imap-tools): each unseen message is ingested from its raw bytes
(`services.ingest`, idempotent on the Message-ID), then flagged seen. A message that crashes nothing
but fails to be flagged is ingested again next time, and ignored as a duplicate."""

from __future__ import annotations

import logging
import os

from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from . import services
from .models import DeskMailbox

logger = logging.getLogger(__name__)
BATCH = 200


class MailboxNotConfigured(Exception):
    pass


def _connect(mailbox: DeskMailbox):
    password = os.environ.get(mailbox.imap_password_env or "", None)
    if not mailbox.imap_host or not mailbox.imap_user or password is None:
        raise MailboxNotConfigured(
            f"{mailbox.address}: serveur, identifiant ou variable d'environnement du mot de passe "
            f"({mailbox.imap_password_env or 'non renseignée'}) manquant")
    cls = MailBox if mailbox.imap_ssl else MailBoxUnencrypted
    box = cls(mailbox.imap_host, mailbox.imap_port, timeout=30)
    return box.login(mailbox.imap_user, password, initial_folder=mailbox.imap_folder or "INBOX")


def poll(mailbox: DeskMailbox) -> dict:
    """Ingest the unseen messages of one mailbox; returns counts by status."""
    counts: dict[str, int] = {}
    try:
        with _connect(mailbox) as box:
            uids = box.uids(AND(seen=False))[:BATCH]
            for uid in uids:
                typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
                if typ != "OK" or raw is None:
                    continue
                row = services.ingest(raw, mailbox)
                counts[row.status] = counts.get(row.status, 0) + 1
                box.flag(uid, MailMessageFlags.SEEN, True)
        error = ""
    except Exception as exc:  # noqa: BLE001 — recorded on the mailbox, retried at the next poll
        logger.warning("IMAP poll of %s failed: %s", mailbox.address, exc)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    DeskMailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error)
    return counts


def pollable():
    return DeskMailbox.objects.filter(active=True).exclude(imap_host="").select_related("desk")


def poll_all() -> dict:
    totals: dict[str, int] = {}
    for mailbox in pollable():
        for status, n in poll(mailbox).items():
            totals[status] = totals.get(status, 0) + n
    return totals
