"""Incoming mail: ingest 1,000 messages through `mailin.services.ingest`, from .eml bytes.

Usage: `.venv/bin/python bench/mail_ingest_bench.py [count]` (default 1000). Throw-away SQLite
database (embedded profile) in a temporary directory, the demo world, one mailbox on the school's
level-0 desk. The mix: 60 % new requests of a known teacher (one with a PNG attachment in ten),
20 % replies to those tickets (In-Reply-To the ticket's thread), 10 % auto-replies, 5 % bounces
(multipart/report), 5 % unknown senders (held). Prints messages per second and queries per message,
overall and per kind.
"""

import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.TemporaryDirectory(prefix="bench-mailin-")
os.environ["HELPDESK_DATA_DIR"] = TMP.name
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from directory.demo import build_demo_world  # noqa: E402
from mailin import services  # noqa: E402
from mailin.models import DeskMailbox  # noqa: E402
from tickets.outbox import thread_id  # noqa: E402

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
ADDRESS = "ent.0341255e@example.org"


def mail(i, sender, subject, body, headers=None, png=False) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, ADDRESS, subject, f"<bench-{i}@ent.example>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if png:
        msg.add_attachment(PNG, maintype="image", subtype="png", filename="capture.png")
    return msg.as_bytes()


BOUNCE = (b"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example.org\r\nTo: " + ADDRESS.encode() + b"\r\n"
          b"Subject: Undelivered\r\nMessage-ID: <bounce-%d@mx.example.org>\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\n"
          b"Content-Type: text/plain\r\n\r\nNot delivered.\r\n--B--\r\n")


def main(count=1000):
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password-1")
    mailbox = DeskMailbox.objects.create(desk=world.desks["n0-0341255E"], address=ADDRESS)
    teacher = world.users["enseignant"].email
    rnd = random.Random(7)
    opened, stats = [], defaultdict(lambda: [0, 0.0, 0])  # kind → [n, seconds, queries]
    body = ("Bonjour,\n\nLe cahier de textes ne s'ouvre plus depuis ce matin.\n\n-- \nCamille Martin\n\n"
            "Le 3 déc. 2026, L'assistance ENT a écrit :\n> Bonjour")
    for i in range(count):
        roll = rnd.random()
        if roll < 0.6 or not opened:
            kind, raw = "new", mail(i, teacher, f"Demande {i}", body, png=i % 10 == 0)
        elif roll < 0.8:
            ticket = rnd.choice(opened)
            kind, raw = "reply", mail(i, teacher, f"Re: [{ticket.reference}]", "Toujours en panne.\n\n> cité",
                                      headers={"In-Reply-To": thread_id(ticket), "References": thread_id(ticket)})
        elif roll < 0.9:
            kind, raw = "auto", mail(i, teacher, "Absent", "Je suis absent.", headers={"Auto-Submitted": "auto-replied"})
        elif roll < 0.95:
            kind, raw = "bounce", BOUNCE % i
        else:
            kind, raw = "unknown", mail(i, f"inconnu{i}@example.net", "Question", "Bonjour")
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            row = services.ingest(raw, mailbox)
            elapsed = time.perf_counter() - start
        if kind == "new" and row.ticket_id:
            opened.append(row.ticket)
        s = stats[kind]
        s[0], s[1], s[2] = s[0] + 1, s[1] + elapsed, s[2] + len(ctx.captured_queries)
    n = sum(s[0] for s in stats.values())
    seconds = sum(s[1] for s in stats.values())
    queries = sum(s[2] for s in stats.values())
    print(f"{n} messages in {seconds:.1f} s: {n / seconds:.0f} messages/s, {queries / n:.1f} queries/message")
    for kind, (k, sec, q) in sorted(stats.items()):
        print(f"  {kind:8} {k:5} messages  {k / sec:7.0f} messages/s  {q / k:6.1f} queries/message")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
