"""Production-profile benchmarks, one command: `make bench-production`.

    scripts/with_services.sh .venv/bin/python bench/production_bench.py [section ...]

Sections (default: all): api, create, board, calendar (SQLite and, when DATABASE_URL is set,
PostgreSQL), fanout and load (PostgreSQL + Redis with two daphne processes and a Huey worker; they
need DATABASE_URL and REDIS_URL, which scripts/with_services.sh exports).

Each (section, database) pair runs in a child process on a fresh database: a temporary SQLite file,
or the PostgreSQL database emptied (schema dropped) and migrated. Figures are medians of several
rounds; ratios are taken inside each round (same process, interleaved) and their median reported.
Every result is printed and appended as one JSON line to var/bench/production.jsonl, from which
docs/benchmarks.md is written (with the machine's description printed by `machine`).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench" / "production.jsonl"
SECTIONS = ["machine", "api", "create", "board", "calendar", "fanout", "load"]
BOTH_DATABASES = {"api", "create", "board"}
SERVICES_ONLY = {"fanout", "load"}


# --- driver ------------------------------------------------------------------------------------------

def driver(sections):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    pg = bool(os.environ.get("DATABASE_URL"))
    failed = []
    for section in sections:
        if section in BOTH_DATABASES:
            dbs = ["sqlite", "postgres"] if pg else ["sqlite"]
        elif section in SERVICES_ONLY:
            if not (pg and os.environ.get("REDIS_URL")):
                print(f"=== {section}: skipped (needs DATABASE_URL and REDIS_URL: run through scripts/with_services.sh)")
                continue
            dbs = ["postgres"]
        else:
            dbs = ["-"]
        for db in dbs:
            print(f"=== {section} ({db})", flush=True)
            if subprocess.call([sys.executable, __file__, "--child", section, db], cwd=ROOT) != 0:
                failed.append(f"{section}/{db}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


def record(section, db, **figures):
    row = {"section": section, "db": db, "at": time.strftime("%Y-%m-%d %H:%M:%S"), **figures}
    with RESULTS.open("a") as f:
        f.write(json.dumps(row, default=str) + "\n")
    print("RESULT " + json.dumps(row, default=str), flush=True)


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


# --- child: database set-up ---------------------------------------------------------------------------

def setup_django(db):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["API_THROTTLE_RATE"] = "100000000/min"
    os.environ["DEBUG"] = "0"
    if db == "sqlite":
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
        os.environ["HELPDESK_PROFILE"] = "embedded"
        tmp = tempfile.mkdtemp(prefix="bench-prod-", dir=ROOT / "var" / "bench")
        os.environ["HELPDESK_DATA_DIR"] = tmp
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    else:
        os.environ["HELPDESK_PROFILE"] = "production"
        os.environ.setdefault("SECRET_KEY", "bench-production-not-a-real-secret-" + "x" * 20)
        os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
        os.environ.setdefault("HELPDESK_DATA_DIR", tempfile.mkdtemp(prefix="bench-prod-", dir=ROOT / "var" / "bench"))
        os.environ["SECURE_SSL_REDIRECT"] = "0"
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if db == "postgres":  # production profile: hashed static names from the manifest, as deployed
        call_command("collectstatic", interactive=False, verbosity=0)


def demo_world():
    from directory.demo import build_demo_world
    from sla.services import publish_policy

    world = build_demo_world("bench-password-1")
    h = 3600
    for convention in world.conventions.values():
        publish_policy(convention, targets=[
            {"kind": "first_response", "seconds": 4 * h}, {"kind": "resolution", "seconds": 40 * h},
            {"kind": "level", "level": 0, "seconds": 8 * h}, {"kind": "level", "level": 1, "seconds": 16 * h},
        ])
    return world


def fill_tickets(world, total, open_count, desk_shares, start_number=1, days=365, seed=7, clocks=False):
    """Insert `total` tickets fast (COPY on PostgreSQL, executemany on SQLite), the newest
    `open_count` of them open. desk_shares: [(desk, weight)]. With `clocks`, two SLA clocks per
    ticket (fill_clocks). The timeline and outbox are not generated (the services' cost is the
    `create` section); `sla_due_at` is, for open tickets, and the dashboard's daily counts."""
    import random
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from tickets.models import Ticket

    rnd = random.Random(seed)
    now = timezone.now()
    school = world.schools["0341255E"]
    requester = world.users["enseignant"]
    convention = world.conventions["montpellier"]
    fields = [f for f in Ticket._meta.concrete_fields if f.attname != "id"]
    template = Ticket(school=school, requester=requester, convention=convention, title="", description="Banc d'essai",
                      category="malfunction", created_at=now, updated_at=now)
    constant = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = [f.column for f in fields]
    attnames = [f.attname for f in fields]
    desks = [d for d, _w in desk_shares]
    weights = [w for _d, w in desk_shares]
    adapt = connection.ops.adapt_datetimefield_value
    step = days * 86400 / total
    rows = []

    def flush():
        if not rows:
            return
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                with cur.cursor.copy(f'COPY {Ticket._meta.db_table} ({", ".join(columns)}) FROM STDIN') as copy:
                    for r in rows:
                        copy.write_row(r)
        else:
            marks = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cur:
                cur.executemany(f'INSERT INTO {Ticket._meta.db_table} ({", ".join(columns)}) VALUES ({marks})', rows)
        rows.clear()

    with transaction.atomic():
        for i in range(total):
            age = (total - i) * step  # seconds; the last rows are the newest
            created = now - timedelta(seconds=age)
            is_open = i >= total - open_count
            desk = rnd.choices(desks, weights)[0]
            values = dict(constant)
            if is_open:
                state = rnd.choice(["new", "in_progress", "in_progress", "waiting_requester"])
                due = None if state == "waiting_requester" else created + timedelta(hours=rnd.randint(1, 80))
                resolved = closed = None
            else:
                state = rnd.choice(["closed"] * 8 + ["resolved", "cancelled"])
                due = None
                resolved = created + timedelta(hours=rnd.randint(1, 72))
                closed = resolved + timedelta(days=7) if state == "closed" else None
            priority = rnd.randint(1, 4)
            values.update(
                reference=f"ENT-{2000 + (start_number + i) // 1_000_000}-{(start_number + i) % 1_000_000:06d}",
                title=f"Demande {start_number + i}", priority=priority, impact=min(3, priority), urgency=2,
                state=state, level=desk.level, desk_id=desk.pk, vendor_id=desk.vendor_id, reached_vendor=desk.vendor_id is not None,
                created_at=adapt(created), updated_at=adapt(resolved or created), resolved_at=adapt(resolved),
                closed_at=adapt(closed), sla_due_at=adapt(due),
                resolved_by_desk_id=desk.pk if resolved else None,
            )
            rows.append([values[a] for a in attnames])
            if len(rows) >= 20_000:
                flush()
        flush()
    if clocks:
        fill_clocks(now)
    from sla import rollup

    rollup.rebuild()  # the dashboard's daily counts, as migration sla.0005 does for existing tickets
    with connection.cursor() as cur:
        # Fresh statistics (and PostgreSQL's visibility map, for index-only scans), as in production.
        if connection.vendor == "postgresql":
            for table in ("tickets_ticket", "sla_clock", "sla_daycount"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cur.execute("ANALYZE")


def fill_clocks(now):
    """Two ticket clocks per ticket, in SQL: first response (4 h) and resolution (40 h). Met for
    resolved tickets (1 in 10 first responses and 1 in 7 resolutions late), running for open ones,
    with the breach raised when the due time has passed (as the sweep does)."""
    from django.db import connection

    pg = connection.vendor == "postgresql"

    def plus(column, seconds):
        return f"{column} + make_interval(secs => {seconds})" if pg else f"datetime({column}, '+{seconds} seconds')"

    late_fr, late_res = "(id %% 10 = 0)", "(id %% 7 = 0)"  # %% : the query has parameters
    due_fr, due_res = plus("created_at", 8 * 3600), plus("created_at", 80 * 3600)
    now_sql = "%s"
    specs = [
        ("first_response", 14400,
         f"CASE WHEN {late_fr} THEN {plus('created_at', 30 * 3600)} ELSE {plus('created_at', 2 * 3600)} END",
         f"NOT {late_fr}", due_fr),
        ("resolution", 144000, "resolved_at", f"NOT {late_res}", due_res),
    ]
    with connection.cursor() as cur:
        for kind, target, met_at, within, due in specs:
            cur.execute(
                "INSERT INTO sla_clock (ticket_id, kind, level, target_seconds, warning_ratio, time_basis, calendar_zone,"
                " calendar_subdivision, state, started_at, running_since, elapsed_seconds, due_at, warning_at, met_at,"
                " met_within_target, breached_at, run, note) "
                f"SELECT id, '{kind}', NULL, {target}, 0.75, 'business', 'C', '', "
                "CASE WHEN resolved_at IS NULL THEN 'running' ELSE 'met' END, created_at, "
                "CASE WHEN resolved_at IS NULL THEN created_at END, 0, "
                f"CASE WHEN resolved_at IS NULL THEN {due} END, NULL, "
                f"CASE WHEN resolved_at IS NOT NULL THEN {met_at} END, "
                f"CASE WHEN resolved_at IS NOT NULL THEN {within} END, "
                f"CASE WHEN resolved_at IS NULL AND {due} < {now_sql} THEN {due} END, 1, '' "
                "FROM tickets_ticket",  # nosec B608 - constants of this benchmark
                [connection.ops.adapt_datetimefield_value(now)],
            )


def timed_requests(fn, rounds=5, warmup=1):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    times, queries = [], 0
    for _ in range(rounds):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        queries = len(ctx.captured_queries)
    return median(times) * 1000, queries


# --- sections -----------------------------------------------------------------------------------------

def section_machine(db):
    import django

    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10, shell=True).stdout.strip()
        except Exception as exc:  # noqa: BLE001 - a description line, never fatal
            return f"? ({exc})"

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    record("machine", db, nproc=os.cpu_count(), cpu=cpu, ram_gib=round(int(mem) / 1024 / 1024, 1),
           kernel=platform.release(), python=platform.python_version(), django=django.get_version(),
           sqlite=__import__("sqlite3").sqlite_version, postgres=out("ls /usr/lib/postgresql | sort -V | tail -1") + " / " + out(
               "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres --version"),
           redis=out("redis-server --version"), loadavg=os.getloadavg())


SCALE = float(os.environ.get("BENCH_SCALE", "1"))  # e.g. 0.01 for a quick try of the script


def section_api(db, total=int(100_000 * SCALE), requests=100, rounds=5):
    """API ticket list (a vendor, 50 per page) vs a bare JsonResponse of the same 50 rows."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, include, path

    from api.services import create_api_client
    from tickets.selectors import visible_to

    world = demo_world()
    desks = [(world.desks["ode"], 1), (world.desks["erun-lattes"], 1), (world.desks["n0-0341255E"], 1)]
    t0 = time.perf_counter()
    fill_tickets(world, total, total, desks)
    fill_s = time.perf_counter() - t0
    api_client, secret = create_api_client(vendor=world.vendors["ode"], scopes="tickets:read")
    user = api_client.service_user
    fields = ["reference", "title", "description", "school__uai", "school__name", "category", "service", "impact",
              "urgency", "priority", "state", "level", "desk_id", "desk__slug", "desk__name", "contact",
              "vendor_reference", "reached_vendor", "version", "created_at", "updated_at"]

    def bare(request):
        rows = list(visible_to(user).order_by("-updated_at", "-pk").values(*fields)[:50])
        return JsonResponse({"results": rows})

    module = type(sys)("bench_urls")
    module.urlpatterns = [path("api/v1/", include("api.urls")), path("bare/", bare)]
    sys.modules["bench_urls"] = module
    settings.ROOT_URLCONF = "bench_urls"
    clear_url_caches()
    http = Client()
    token = http.post("/api/v1/oauth/token/", {"grant_type": "client_credentials", "client_id": api_client.application.client_id,
                                               "client_secret": secret}).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def api():
        return http.get("/api/v1/tickets/?page_size=50", **auth)

    def plain():
        return http.get("/bare/")

    for fn in (api, plain):
        response = fn()
        assert response.status_code == 200 and len(response.json()["results"]) == 50, response.content[:300]
    api_ms, api_q = timed_requests(api, rounds=3)
    bare_ms, bare_q = timed_requests(plain, rounds=3)
    rates = {"api": [], "bare": [], "ratio": []}
    for _ in range(rounds):
        got = {}
        for name, fn in (("api", api), ("bare", plain)):
            start = time.perf_counter()
            for _ in range(requests):
                fn()
            got[name] = requests / (time.perf_counter() - start)
            rates[name].append(got[name])
        rates["ratio"].append(got["api"] / got["bare"])
    record("api", db, tickets=total, visible_to_vendor=visible_to(user).count(), fill_seconds=round(fill_s, 1),
           api_rps=round(median(rates["api"]), 1), bare_rps=round(median(rates["bare"]), 1),
           ratio=round(median(rates["ratio"]), 3), api_ms=round(api_ms, 1), bare_ms=round(bare_ms, 1),
           api_queries=api_q, bare_queries=bare_q, rounds=rounds, requests_per_round=requests)


def section_create(db, per_round=100, rounds=5):
    """POST /api/v1/tickets/ by a school's ENT help module: ticket, timeline, clocks, outbox."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api.services import create_api_client
    from sla.models import Clock
    from tickets.models import OutboxMessage, Ticket, TicketEvent

    world = demo_world()
    api_client, secret = create_api_client(desk=world.desks["n0-0341255E"], scopes="tickets:read tickets:write")
    http = Client()
    token = http.post("/api/v1/oauth/token/", {"grant_type": "client_credentials", "client_id": api_client.application.client_id,
                                               "client_secret": secret}).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"school": "0341255E", "title": "Le cahier de textes ne s'enregistre plus",
            "description": "Depuis ce matin, **impossible** d'enregistrer une séance.", "category": "malfunction",
            "impact": 2, "urgency": 2}
    n = 0

    def post():
        nonlocal n
        n += 1
        response = http.post("/api/v1/tickets/", body, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"bench-{n}", **auth)
        assert response.status_code == 201, response.content[:300]
        return response

    for _ in range(10):
        post()
    with CaptureQueriesContext(connection) as ctx:
        post()
    statements = [q["sql"] for q in ctx.captured_queries]
    queries = sum(1 for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            post()
        rates.append(per_round / (time.perf_counter() - start))
    last = Ticket.objects.order_by("-pk").first()
    record("create", db, tickets_per_s=round(median(rates), 1), per_round=per_round, rounds=rounds,
           queries_per_request=queries, statements_per_request=len(statements),
           events=TicketEvent.objects.filter(ticket=last).count(), clocks=Clock.objects.filter(ticket=last).count(),
           outbox=OutboxMessage.objects.filter(ticket=last).count(), min_rate=round(min(rates), 1), max_rate=round(max(rates), 1))


def section_board(db, total=int(1_000_000 * SCALE), open_count=int(100_000 * SCALE)):
    """Triage board and manager dashboard with 1,000,000 tickets (100,000 open)."""
    from django.test import Client

    from tickets.models import Ticket

    world = demo_world()
    erun = world.desks["erun-lattes"]
    shares = [(erun, 35)] + [(d, 65 / (len(world.desks) - 1)) for slug, d in world.desks.items() if slug != "erun-lattes"]
    t0 = time.perf_counter()
    fill_tickets(world, total, open_count, shares, clocks=True)
    fill_s = time.perf_counter() - t0
    open_at_desk = Ticket.objects.filter(desk=erun, state__in=["new", "in_progress", "waiting_requester"]).count()
    agent, manager = Client(), Client()
    agent.force_login(world.users["erun"])
    manager.force_login(world.users["manager"])
    url = f"/guichets/{erun.slug}/"
    rows = []
    for label, client, path, params in (
        ("board: open tickets, SLA order (default)", agent, url, {}),
        ("board: priority 1, by age", agent, url, {"priorite": 1, "tri": "age"}),
        ("board: search by title", agent, url, {"q": "Demande 999999"}),
        ("board: page 200", agent, url, {"page": 200}),
        ("board: all states", agent, url, {"etat": "tous"}),
        ("desk list (open counts)", agent, "/guichets/", {}),
        ("manager dashboard (90 days)", manager, "/pilotage/", {}),
    ):
        ms, queries = timed_requests(lambda c=client, p=path, q=params: c.get(p, q), rounds=5)
        rows.append({"page": label, "ms": round(ms, 1), "queries": queries})
        print(f"  {label}: {ms:.0f} ms, {queries} queries", flush=True)
    record("board", db, tickets=total, open=open_count, open_at_desk=open_at_desk, fill_seconds=round(fill_s, 1), rows=rows)


def section_calendar(db):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "HELPDESK_PROFILE")}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "calendar_bench.py")], capture_output=True, text=True, cwd=ROOT, env=env)
    print(out.stdout, out.stderr[-2000:])
    record("calendar", db, output=out.stdout.strip().splitlines(), returncode=out.returncode)


CHILD_SECTIONS = {"api": section_api, "create": section_create, "board": section_board}


def child(section, db):
    if section == "machine":
        import django  # noqa: F401 - version only

        return section_machine(db)
    if section == "calendar":
        return section_calendar(db)
    if section in ("fanout", "load"):
        from bench import production_live

        setup_django(db)
        return getattr(production_live, f"section_{section}")(record, demo_world)
    setup_django(db)
    CHILD_SECTIONS[section](db)


if __name__ == "__main__":
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], sys.argv[3])
    else:
        driver(sys.argv[1:] or SECTIONS)
