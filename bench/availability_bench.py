"""Availability report over one year with 10,000 outages (overlapping, random lengths), in a
throw-away SQLite database. Usage: .venv/bin/python bench/availability_bench.py"""

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
tmp = tempfile.mkdtemp(prefix="availability-bench-")
os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0, run_syncdb=True, skip_checks=True)

from directory.models import Academie  # noqa: E402
from sla.availability import availability_report  # noqa: E402
from sla.calendar import PARIS, ServiceCalendar  # noqa: E402
from sla.models import Outage, Service  # noqa: E402

N = 10_000
academie = Academie.objects.create(code="12", name="Nancy-Metz", holiday_zone="B", holiday_subdivision="57")
service = Service.objects.create(slug="ent", name="ENT")
rng = random.Random(7)
start, end = datetime(2025, 1, 1, tzinfo=PARIS), datetime(2026, 1, 1, tzinfo=PARIS)
span = int((end - start).total_seconds())
rows = []
for i in range(N):
    s = start + timedelta(seconds=rng.randint(0, span))
    rows.append(Outage(service=service, started_at=s, ended_at=s + timedelta(seconds=rng.randint(60, 4 * 3600)),
                       scope="academie" if i % 3 else "all", academie=academie if i % 3 else None))
Outage.objects.bulk_create(rows, batch_size=2000)
ServiceCalendar.clear_cache()
availability_report(service, start, end, academie=academie)  # warm the calendar index (built once per process)

times = []
for _ in range(5):
    t0 = time.perf_counter()
    report = availability_report(service, start, end, academie=academie)
    times.append(time.perf_counter() - t0)
inside, outside = report["inside"], report["outside"]
print(f"{report['outages']} outages over one year, académie scope (zone B, 57)")
print(f"report: best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms (5 runs, database query included)")
print(f"inside window: {inside['availability']} % (target {inside['target']} %), downtime {inside['downtime_seconds']} s, "
      f"remaining budget {inside['remaining_budget_minutes']} min")
print(f"outside window: {outside['availability']} % (target {outside['target']} %), downtime {outside['downtime_seconds']} s")
print(f"machine: {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.2f}")
ok = max(times) < 1.0
print("target < 1 s:", "OK" if ok else "NOT MET")
sys.exit(0 if ok else 1)
