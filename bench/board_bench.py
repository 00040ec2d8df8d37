"""Triage board with 100,000 open tickets: server time and query count of one page.

Usage: `.venv/bin/python bench/board_bench.py [N]` (default 100000). Uses a throw-away SQLite file
in var/bench/ (or DATABASE_URL when set); tickets are bulk-inserted (the services' cost is measured
by the tickets benchmark), spread over the ERUN desk and the rest of the demo world.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
if not os.environ.get("DATABASE_URL"):
    bench_db = ROOT / "var" / "bench" / "board.sqlite3"
    bench_db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bench_db}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(bench_db)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from directory.demo import build_demo_world  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def main(n):
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password")
    desks = list(world.desks.values())
    erun_desk = world.desks["erun-lattes"]
    school = world.schools["0341255E"]
    requester = world.users["enseignant"]
    now = timezone.now()
    rnd = random.Random(6)
    t0 = time.perf_counter()
    batch = []
    for i in range(n):
        # A third of the tickets on the ERUN's desk, the rest elsewhere.
        desk = erun_desk if i % 3 == 0 else rnd.choice(desks)
        batch.append(Ticket(
            reference=f"ENT-2026-{i + 1:06d}", school=school, requester=requester, title=f"Demande {i}",
            description="Banc d'essai", category="malfunction", impact=rnd.randint(1, 3), urgency=rnd.randint(1, 3),
            priority=rnd.randint(1, 4), state=rnd.choice(["new", "in_progress", "waiting_requester"]),
            level=desk.level, desk=desk, created_at=now - timedelta(minutes=rnd.randint(0, 60 * 24 * 60)),
            updated_at=now,
        ))
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    print(f"inserted {n} open tickets in {time.perf_counter() - t0:.1f} s ({Ticket.objects.filter(desk=erun_desk).count()} on {erun_desk.name})")

    client = Client()
    client.force_login(world.users["erun"])
    url = f"/guichets/{erun_desk.slug}/"
    for label, params in (("default (open, SLA sort)", {}), ("priority 1, sort by age", {"priorite": 1, "tri": "age"}),
                          ("search by title", {"q": "Demande 99999"}), ("page 200", {"page": 200})):
        client.get(url, params)  # warm-up
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, params)
                timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        print(f"board {label}: median {statistics.median(timings) * 1000:.0f} ms, {len(queries)} queries")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
