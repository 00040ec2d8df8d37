"""Availability of a région académique for one year, in school-minutes (docs/sla.md): 10,000
schools in three académies (zones A and B, Alsace-Moselle departments 57/67 included), 400
collectivités (fictif), 10,000 outages of mixed scopes (all, an académie, a collectivité, one to
five schools; some planned maintenance), in a throw-away SQLite database — or, with DATABASE_URL
set, in that PostgreSQL database (a fresh one: scripts/with_services.sh makes a throw-away cluster). Target: under 2 s for the twelve months.
Usage: .venv/bin/python bench/availability_bench.py
       scripts/with_services.sh .venv/bin/python bench/availability_bench.py   (PostgreSQL)"""

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SECRET_KEY", "bench-availability-not-a-real-secret-" + "x" * 20)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
else:
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="availability-bench-")) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0, run_syncdb=True, skip_checks=True)
from django.db import connection  # noqa: E402

from directory.models import Academie, Collectivite, RegionAcademique, School  # noqa: E402
from sla.availability import availability_report, yearly_availability  # noqa: E402
from sla.calendar import PARIS, ServiceCalendar  # noqa: E402
from sla.models import Outage, Service  # noqa: E402

SCHOOLS, OUTAGES = 10_000, 10_000
rng = random.Random(7)
region = RegionAcademique.objects.create(code="GE", name="Grand Est (fictif)")
academies = [Academie.objects.create(code=c, name=n, region=region, holiday_zone=z, holiday_subdivision=s)
             for c, n, z, s in [("12", "Nancy-Metz (fictif)", "B", "57"), ("15", "Strasbourg (fictif)", "B", "6AE"),
                                ("19", "Reims (fictif)", "B", "")]]
collectivites = Collectivite.objects.bulk_create(
    [Collectivite(name=f"Commune {i} (fictif)", kind="commune") for i in range(400)])
depts = {"12": ["054", "055", "057", "088"], "15": ["067", "068"], "19": ["008", "010", "051", "052"]}


def uai(first7):
    return first7 + "ABCDEFGHJKLMNPRSTUVWXYZ"[int(first7) % 23]


schools = []
for i in range(SCHOOLS):
    a = academies[i % 3]
    schools.append(School(uai=uai(f"{rng.choice(depts[a.code])}{i:04d}"), name=f"École {i} (fictif)", academie=a,
                          collectivite=collectivites[i % 400]))
schools = School.objects.bulk_create(schools, batch_size=2000)
service = Service.objects.create(slug="ent", name="ENT")
start, end = datetime(2025, 1, 1, tzinfo=PARIS), datetime(2026, 1, 1, tzinfo=PARIS)
span = int((end - start).total_seconds())
rows, listed = [], []
for i in range(OUTAGES):
    s = start + timedelta(seconds=rng.randint(0, span))
    kind = i % 4
    o = Outage(service=service, started_at=s, ended_at=s + timedelta(seconds=rng.randint(60, 4 * 3600)),
               scope=["all", "academie", "collectivite", "schools"][kind], academie=academies[i % 3] if kind == 1 else None,
               collectivite=collectivites[i % 400] if kind == 2 else None, planned=i % 17 == 0,
               announced_at=s - timedelta(hours=rng.choice([2, 72])) if i % 17 == 0 else None)
    rows.append(o)
    if kind == 3:
        listed.append((i, rng.sample(schools, rng.randint(1, 5))))
rows = Outage.objects.bulk_create(rows, batch_size=2000)
through = Outage.schools.through
through.objects.bulk_create([through(outage_id=rows[i].pk, school_id=s.pk) for i, picked in listed for s in picked], batch_size=5000)

now = datetime(2026, 6, 1, tzinfo=PARIS)
qs = School.objects.filter(academie__region=region)
timings = []
for run in range(3):
    ServiceCalendar.clear_cache()
    t0 = time.perf_counter()
    year = yearly_availability(service, qs, 2025, now=now)
    timings.append(time.perf_counter() - t0)
print(f"[{connection.vendor}] région académique, {SCHOOLS} schools, {OUTAGES} outages, 12 months: "
      f"cold {timings[0] * 1000:.0f} ms, warm {min(timings[1:]) * 1000:.0f} ms")
for m in year[:3]:
    print(f"  {m.year}-{m.month:02d}: inside {m.inside.availability} % (budget {m.inside.remaining_budget_minutes:,.0f} min), "
          f"outside {m.outside.availability} %, {m.outages} outages, {m.excluded_maintenance} maintenance excluded")
t0 = time.perf_counter()
availability_report(service, start, end, academie=academies[0], now=now)
print(f"availability_report (the API: one académie, the year as one period): {(time.perf_counter() - t0) * 1000:.0f} ms")
if os.environ.get("PROFILE"):
    import cProfile
    import pstats
    ServiceCalendar.clear_cache()
    cProfile.run("yearly_availability(service, qs, 2025, now=now)", "/tmp/av/prof")
    pstats.Stats("/tmp/av/prof").sort_stats("cumulative").print_stats(18)
assert timings[0] < 2.0, f"over 2 s: {timings[0]:.2f} s"
