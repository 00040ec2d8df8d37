"""The annual report ("bilan annuel", pilotage/report.py) of a région académique's convention for
the school year 2025-2026: 10,000 schools in three académies (zone B, departments 57/67/68 among
them), 400 collectivités, one convention covering every school, 10,000 outages of mixed scopes,
150,000 daily ticket counts (the dashboard's rollup), 30 major incidents with their reviews and 90
improvement actions — fictif, in a throw-away SQLite database. Times the engine (every section,
queries included), the HTML page's rendering and the PDF. Target: the report under 2 s.
Usage: .venv/bin/python bench/annual_report_bench.py"""

import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
tmp = tempfile.mkdtemp(prefix="annual-report-bench-")
os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0, run_syncdb=True, skip_checks=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402

from directory.choices import Category, Level  # noqa: E402
from directory.models import (  # noqa: E402
    Academie, Collectivite, Convention, ConventionSchool, Desk, EntProduct, RegionAcademique, School, Vendor,
)
from pilotage import report as engine  # noqa: E402
from pilotage.models import ImprovementAction, MajorIncident, Review  # noqa: E402
from sla.calendar import PARIS, ServiceCalendar  # noqa: E402
from sla.models import DayCount, Outage, Service  # noqa: E402

SCHOOLS, OUTAGES, COUNTS, INCIDENTS = 10_000, 10_000, 150_000, 30
rng = random.Random(7)
translation.activate("fr")
region = RegionAcademique.objects.create(code="GE", name="Grand Est (fictif)")
academies = [Academie.objects.create(code=c, name=n, region=region, holiday_zone=z, holiday_subdivision=s)
             for c, n, z, s in [("12", "Nancy-Metz (fictif)", "B", "57"), ("15", "Strasbourg (fictif)", "B", "6AE"),
                                ("19", "Reims (fictif)", "B", "")]]
collectivites = Collectivite.objects.bulk_create([Collectivite(name=f"Commune {i} (fictif)", kind="commune") for i in range(400)])
depts = {"12": ["054", "055", "057", "088"], "15": ["067", "068"], "19": ["008", "010", "051", "052"]}


def uai(first7):
    return first7 + "ABCDEFGHJKLMNPRSTUVWXYZ"[int(first7) % 23]


schools = School.objects.bulk_create(
    [School(uai=uai(f"{rng.choice(depts[academies[i % 3].code])}{i:04d}"), name=f"École {i} (fictif)", academie=academies[i % 3],
            collectivite=collectivites[i % 400]) for i in range(SCHOOLS)], batch_size=2000)
vendor = Vendor.objects.create(slug="editeur", name="Éditeur (fictif)")
product = EntProduct.objects.create(slug="ent", name="ENT (fictif)", vendor=vendor)
convention = Convention.objects.create(reference="GE-BENCH", title="Convention régionale (fictif)", region=region, product=product,
                                       starts_on=date(2023, 9, 1), ends_on=date(2028, 8, 31))
ConventionSchool.objects.bulk_create([ConventionSchool(convention=convention, school=s) for s in schools], batch_size=5000)
desks = [Desk.objects.create(slug=f"guichet-{i}", name=f"Guichet {i} (fictif)", level=lvl, academie=academies[i % 3])
         for i, lvl in enumerate([Level.AUTHORITY, Level.AUTHORITY, Level.AUTHORITY, Level.EXPERTISE, Level.VENDOR])]

services = [Service.objects.create(slug="ent", name="ENT"), Service.objects.create(slug="authentification", name="Authentification")]
start, end = datetime(2025, 9, 1, tzinfo=PARIS), datetime(2026, 9, 1, tzinfo=PARIS)
span = int((end - start).total_seconds())
rows, listed = [], []
for i in range(OUTAGES):
    s = start + timedelta(seconds=rng.randint(0, span))
    kind = i % 4
    rows.append(Outage(service=services[i % 2], started_at=s, ended_at=s + timedelta(seconds=rng.randint(60, 4 * 3600)),
                       scope=["all", "academie", "collectivite", "schools"][kind], academie=academies[i % 3] if kind == 1 else None,
                       collectivite=collectivites[i % 400] if kind == 2 else None, planned=i % 17 == 0,
                       announced_at=s - timedelta(hours=rng.choice([2, 72])) if i % 17 == 0 else None))
    if kind == 3:
        listed.append((i, rng.sample(schools, rng.randint(1, 5))))
rows = Outage.objects.bulk_create(rows, batch_size=2000)
through = Outage.schools.through
through.objects.bulk_create([through(outage_id=rows[i].pk, school_id=s.pk) for i, picked in listed for s in picked], batch_size=5000)

measures = [m for m, _label in DayCount.Measure.choices]
categories = [c for c, _label in Category.choices if c != Category.SECURITY]
seen, counts = set(), []
while len(counts) < COUNTS:
    key = (date(2025, 9, 1) + timedelta(days=rng.randint(0, 364)), rng.choice(measures), rng.choice(schools).pk,
           rng.choice(desks).pk, rng.choice([0, 1, 2, 3]), rng.choice(categories), rng.choice(["", "Messagerie", "Cahier de textes", "Blog"]))
    if key not in seen:
        seen.add(key)
        day, measure, school, desk, level, category, svc = key
        counts.append(DayCount(day=day, measure=measure, school_id=school, convention_key=convention.pk, desk_key=desk, level=level,
                               category=category, service=svc, count=rng.randint(1, 4)))
DayCount.objects.bulk_create(counts, batch_size=5000)

for i in range(INCIDENTS):
    o = rows[i * 7]  # mixed scopes
    inc = MajorIncident.objects.create(outage=o, title=f"Incident majeur {i} (fictif)", everywhere=o.scope == "all",
                                       academie=o.academie, collectivite=o.collectivite, declared_at=o.started_at)
    if o.scope == "schools":
        inc.schools.set(o.schools.all())
    review = Review.objects.create(incident=inc, status=["planned", "held", "closed"][i % 3])
    for j in range(3):
        done = (i + j) % 2 == 0
        ImprovementAction.objects.create(review=review, title=f"Action {i}.{j} (fictif)", owner=f"academie:{academies[0].pk}",
                                         owner_label="Académie (fictif)", status="done" if done else "todo",
                                         created_at=o.started_at + timedelta(days=2), due_on=(o.started_at + timedelta(days=60)).date(),
                                         done_at=o.started_at + timedelta(days=30) if done else None)

admin = get_user_model().objects.create_superuser("bench-admin", "bench@example.org", "x")
period = engine.Period(2025)
now = datetime(2026, 9, 15, tzinfo=PARIS)
timings = []
for run in range(3):
    ServiceCalendar.clear_cache()
    admin._perimeter = None
    t0 = time.perf_counter()
    scope = engine.report_scope(admin, convention=convention.pk)
    result = engine.build_report(admin, scope, period, now=now)
    timings.append(time.perf_counter() - t0)
t0 = time.perf_counter()
html = render_to_string("pilotage/annual_report_print.html", {"report": result})
render_ms = (time.perf_counter() - t0) * 1000
t0 = time.perf_counter()
from weasyprint import HTML  # noqa: E402

pdf = HTML(string=html).write_pdf()
pdf_ms = (time.perf_counter() - t0) * 1000
tables = list(result.tables())
print(f"annual report, région convention: {SCHOOLS} schools, {OUTAGES} outages, {COUNTS} daily counts, {INCIDENTS} major incidents, "
      f"2 services, 12 months: cold {timings[0] * 1000:.0f} ms, warm {min(timings[1:]) * 1000:.0f} ms "
      f"({len(result.sections)} sections, {len(tables)} tables, {sum(len(t.rows) for t in tables)} rows)")
print(f"  HTML body rendered in {render_ms:.0f} ms; PDF ({len(pdf) // 1024} KiB) in {pdf_ms:.0f} ms")
for s in result.sections:
    print(f"  {s.title}: {' '.join(s.summary)[:160]}")
if os.environ.get("PROFILE"):
    import cProfile
    import pstats
    ServiceCalendar.clear_cache()
    cProfile.run("engine.build_report(admin, scope, period, now=now)", str(Path(tmp) / "prof"))
    pstats.Stats(str(Path(tmp) / "prof")).sort_stats("cumulative").print_stats(20)
assert timings[0] < 2.0, f"over 2 s: {timings[0]:.2f} s"
