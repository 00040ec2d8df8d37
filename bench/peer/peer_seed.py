"""The peer's side, run by the driver with bench/peer/.venv's python (django-helpdesk from PyPI):
migrate, seed N tickets (bulk_create: one queue, one superuser agent), a session for the agent,
then in-process figures. Writes a JSON file. Usage (by bench/peer/run.py):
    PEER_DATA_DIR=dir .venv/bin/python peer_seed.py N out.json
"""

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproject.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402

import inproc  # noqa: E402

LIST = "/helpdesk/api/tickets/?page_size=50"
BARE = "/bench/bare/"


def seed(total):
    call_command("migrate", verbosity=0)
    if Ticket.objects.count() == total:
        return 0.0
    Ticket.objects.all().delete()
    start = time.perf_counter()
    agent = get_user_model().objects.filter(username="agent").first() or get_user_model().objects.create_superuser(
        "agent", "agent@example.org", "bench-password-1")
    queue, _ = Queue.objects.get_or_create(slug="ent", defaults={"title": "Assistance ENT", "email_address": "ent@example.org"})
    now = timezone.now()
    for offset in range(0, total, 5000):
        with transaction.atomic():
            Ticket.objects.bulk_create(Ticket(
                title=f"Ticket {i}", queue=queue, submitter_email="enseignant@example.org", assigned_to=agent if i % 3 == 0 else None,
                description="Le cahier de textes ne s'ouvre plus depuis ce matin.", status=Ticket.OPEN_STATUS, priority=3,
                created=now - timezone.timedelta(seconds=i), modified=now - timezone.timedelta(seconds=i),
            ) for i in range(offset, min(offset + 5000, total)))
    return time.perf_counter() - start


def main(total, out):
    seconds = seed(total)
    client = Client()
    client.force_login(get_user_model().objects.get(username="agent"))
    cookie = client.cookies["sessionid"].value
    list_queries, list_seconds, listed = inproc.queries_and_time(client.get, LIST)
    bare_queries, _, _ = inproc.queries_and_time(client.get, BARE)
    anon = Client()
    result = {
        "tickets": Ticket.objects.count(), "seed_seconds": seconds, "cookie": f"sessionid={cookie}",
        "list_path": LIST, "bare_path": BARE, "list_queries": list_queries, "list_ms_inprocess": list_seconds * 1000,
        "list_rows": len(listed.json()["results"]), "list_count": listed.json()["count"], "bare_queries": bare_queries,
        "bare_ms_inprocess_kept": inproc.median_ms(anon.get, BARE, 500),
        "bare_ms_inprocess_closed": inproc.median_ms(anon.get, BARE, 500, close_each=True),
        **inproc.connect_ms(Ticket._meta.db_table), "middleware": list(django.conf.settings.MIDDLEWARE),
    }
    Path(out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
