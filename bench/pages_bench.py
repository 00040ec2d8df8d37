"""The pages people open most, in-process at 1,000,000 tickets: server time through the full middleware.

Usage: `.venv/bin/python bench/pages_bench.py [N] [rounds]` (defaults 1000000 and 30).

Measures, with Django's test Client (every middleware, sessions, CSRF, the access journal), the
ERUN's triage board, the teacher's "mes demandes", the ticket page (agent and requester) and a
trivial page (the legal notice) in interleaved rounds: median, p95 and query count of each, and
each page's median as a multiple of the trivial page's.

The data dir is throw-away SQLite (embedded profile) under /tmp/bench-pages-<N>/, kept between
runs (seeding a million tickets takes minutes): delete it, or pass `--fresh`, to rebuild. Tickets
are bulk-inserted as in board_bench.py (the services' cost is the tickets benchmark's): a third on
the ERUN's desk, one in 500 requested by the teacher (so "mes demandes" shows its full 200 rows),
the rest by other people of the demo world. The ticket page's ticket is opened and escalated
through the services, with a few messages.
"""

import os
import random
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 1_000_000
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 else 30
DATA = Path(f"/tmp/bench-pages-{N}")
if "--fresh" in sys.argv and DATA.exists():
    shutil.rmtree(DATA)
READY = DATA / "seeded"
if not READY.exists() and DATA.exists():
    shutil.rmtree(DATA)  # an interrupted seeding
DATA.mkdir(parents=True, exist_ok=True)
os.environ["HELPDESK_DATA_DIR"] = str(DATA)
os.environ.pop("SQLITE_PATH", None)
os.environ.pop("DATABASE_URL", None)
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from directory.choices import Category  # noqa: E402
from directory.demo import build_demo_world  # noqa: E402
from directory.models import Desk, School  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Ticket  # noqa: E402

ERUN_DESK, UAI = "erun-lattes", "0341255E"


def seed(n):
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password")
    desks = list(world.desks.values())
    erun_desk = world.desks[ERUN_DESK]
    school = world.schools[UAI]
    teacher = world.users["enseignant"]
    others = [u for name, u in world.users.items() if name != "enseignant"]
    now = timezone.now()
    rnd = random.Random(6)
    t0 = time.perf_counter()
    batch = []
    with transaction.atomic():
        for i in range(n):
            desk = erun_desk if i % 3 == 0 else rnd.choice(desks)
            batch.append(Ticket(
                reference=f"ENT-2025-{i + 1:07d}", school=school,
                requester=teacher if i % 500 == 0 else rnd.choice(others), title=f"Demande {i}",
                description="Banc d'essai", category="malfunction", impact=rnd.randint(1, 3), urgency=rnd.randint(1, 3),
                priority=rnd.randint(1, 4), state=rnd.choice(["new", "in_progress", "waiting_requester"]),
                level=desk.level, desk=desk, created_at=now - timedelta(minutes=rnd.randint(0, 60 * 24 * 60)),
                updated_at=now,
            ))
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
    print(f"inserted {n} tickets in {time.perf_counter() - t0:.0f} s", flush=True)
    t = services.open_ticket(actor=teacher, school=school, title="L'ENT ne s'ouvre plus",
                             description="Depuis ce matin la page reste blanche.", category=Category.MALFUNCTION,
                             impact=2, urgency=2)
    services.escalate(t, actor=world.users["directeur"], reason="Pas de solution à l'école")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    READY.write_text(t.reference)


def measure(rounds):
    User = get_user_model()
    reference = READY.read_text().strip()
    erun_desk = Desk.objects.get(slug=ERUN_DESK)
    assert School.objects.filter(uai=UAI).exists()
    clients = {}
    for username in ("erun", "enseignant"):
        c = Client()
        c.force_login(User.objects.get(username=username))
        clients[username] = c
    pages = [
        ("trivial page (legal notice)", "enseignant", "/mentions-d-information/"),
        ("ERUN board", "erun", f"/guichets/{erun_desk.slug}/"),
        ("mes demandes (teacher)", "enseignant", "/mes-demandes/"),
        ("ticket page (agent)", "erun", f"/demandes/{reference}/"),
        ("ticket page (requester)", "enseignant", f"/demandes/{reference}/"),
    ]
    timings = {label: [] for label, _, _ in pages}
    queries = {}
    for label, who, url in pages:  # warm-up (and the query count, once)
        clients[who].get(url)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = clients[who].get(url)
        assert response.status_code == 200, (label, response.status_code)
        queries[label] = len(ctx.captured_queries)
    for _ in range(rounds):
        for label, who, url in pages:
            start = time.perf_counter()
            response = clients[who].get(url)
            timings[label].append(time.perf_counter() - start)
            assert response.status_code == 200
    base = statistics.median(timings[pages[0][0]])
    print(f"{Ticket.objects.count()} tickets, {rounds} interleaved rounds")
    for label, _, _ in pages:
        runs = sorted(timings[label])
        median = statistics.median(runs)
        p95 = runs[min(len(runs) - 1, int(round(0.95 * (len(runs) - 1))))]
        print(f"{label:30s} median {median * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  "
              f"{queries[label]:3d} queries  ×{median / base:4.1f} trivial")


if __name__ == "__main__":
    if not READY.exists():
        seed(N)
    else:
        print(f"reusing {DATA} (--fresh to rebuild)")
    measure(ROUNDS)
