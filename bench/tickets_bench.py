"""Tickets: create 10,000 tickets through the services, then list an ERUN's queue among 100,000.

Usage: `.venv/bin/python bench/tickets_bench.py [created] [total]` (defaults 10000 and 100000).
Runs in a throw-away SQLite database (embedded profile) under a temporary directory: the demo
world, `created` tickets opened by `services.open_ticket` (one in five escalated to the ERUN, with
outbox rows and after-commit Huey enqueueing, as in production), then filler tickets bulk-inserted
(with their "opened" event) up to `total`, a third of them in the ERUN's queue. Prints timings and
query counts.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.TemporaryDirectory(prefix="bench-tickets-")
os.environ["HELPDESK_DATA_DIR"] = TMP.name
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from directory.choices import Category  # noqa: E402
from directory.demo import build_demo_world  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import OutboxMessage, Ticket, TicketEvent  # noqa: E402
from tickets.selectors import actionable_by, visible_to  # noqa: E402


def timed(fn, repeat=5):
    runs, queries = [], None
    for _ in range(repeat):
        connection.queries_log.clear()  # the log is capped: keep counts exact
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(runs), queries


def main(created=10_000, total=100_000):
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password-1")
    u, d = world.users, world.desks
    school = world.schools["0341255E"]
    categories = [Category.USAGE, Category.MALFUNCTION, Category.ACCOUNT, Category.VIE_SCOLAIRE]
    rnd = random.Random(3)

    # --- 1. tickets through the services -----------------------------------------------------
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        services.open_ticket(actor=u["enseignant"], school=school, title="Échauffement", description="x",
                             category=Category.USAGE, impact=3, urgency=3)
    open_queries = len(ctx.captured_queries)
    start = time.perf_counter()
    for i in range(created - 1):
        t = services.open_ticket(
            actor=u["enseignant"], school=school, title=f"Demande {i}", description="Le **cahier de textes** ne répond plus.",
            category=rnd.choice(categories), impact=rnd.randint(1, 3), urgency=rnd.randint(1, 3),
        )
        if i % 5 == 0:
            services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
    create_s = time.perf_counter() - start
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        services.escalate(services.open_ticket(actor=u["enseignant"], school=school, title="Mesure", description="x",
                                               category=Category.USAGE, impact=3, urgency=3), actor=u["directeur"])
    escalate_queries = len(ctx.captured_queries) - open_queries
    print(f"services: {created} tickets opened (+{created // 5} escalated) in {create_s:.1f} s "
          f"= {created / create_s:.0f} tickets/s; queries: open_ticket {open_queries}, escalate {escalate_queries}; "
          f"outbox rows {OutboxMessage.objects.count()}, events {TicketEvent.objects.count()}")

    # --- 2. filler up to `total` -----------------------------------------------------------------
    schools = list(world.schools.values())
    lattes = [s for s in schools if s.circonscription_id == d["erun-lattes"].circonscription_id]
    other_desks = [d[k] for k in ("erun-antibes", "erun-sete", "dsi-montpellier", "guichet-nancy", "moselle-tech", "ode", "kosmos-n2")]
    filler = total - Ticket.objects.count()
    now = timezone.now()
    start = time.perf_counter()
    batch = 5000
    states = ["new", "in_progress", "waiting_requester", "resolved", "closed", "closed"]
    for offset in range(0, filler, batch):
        rows = []
        for i in range(offset, min(offset + batch, filler)):
            if i % 3 == 0:
                desk, sch = d["erun-lattes"], rnd.choice(lattes)
            else:
                desk = rnd.choice(other_desks)
                sch = rnd.choice(schools)
            rows.append(Ticket(
                reference=f"ENT-2024-{i:06d}", school=sch, requester=u["enseignant"], title=f"Ancien ticket {i}",
                description="x", category=rnd.choice(categories), impact=2, urgency=2, priority=rnd.randint(1, 4),
                level=desk.level, desk=desk, state=rnd.choice(states), convention=world.conventions["montpellier"],
                created_at=now - timezone.timedelta(minutes=i), updated_at=now,
            ))
        with transaction.atomic():
            Ticket.objects.bulk_create(rows)
            TicketEvent.objects.bulk_create(
                TicketEvent(ticket=t, kind="opened", to_state=t.state, to_level=t.level, to_desk_id=t.desk_id, version=1)
                for t in rows
            )
    print(f"filler: {filler} tickets (+ events) bulk-inserted in {time.perf_counter() - start:.1f} s; "
          f"total {Ticket.objects.count()} tickets, {TicketEvent.objects.count()} events")

    # --- 3. the ERUN's queue ---------------------------------------------------------------------
    User = type(u["erun"])

    def fresh(name):
        return User.objects.get(pk=u[name].pk)  # perimeter not cached: counted in the figures

    def page(qs_fn, name, size):
        def run():
            rows = list(qs_fn(fresh(name))[:size])
            for t in rows:
                (t.school.name, t.desk.name if t.desk else "", t.requester.username, t.assignee)
        return run

    queue_size = actionable_by(fresh("erun")).count()
    visible_size = visible_to(fresh("erun")).count()
    print(f"erun: {queue_size} tickets in the queue (actionable), {visible_size} visible")
    for size in (25, 100, 1000):
        s, q = timed(page(actionable_by, "erun", size))
        print(f"  actionable_by(erun) first {size:>4}: {s * 1000:7.1f} ms, {q} queries")
    for size in (25, 100):
        s, q = timed(page(visible_to, "erun", size))
        print(f"  visible_to(erun)    first {size:>4}: {s * 1000:7.1f} ms, {q} queries")
    s, q = timed(lambda: actionable_by(fresh("erun")).count())
    print(f"  actionable_by(erun).count()  : {s * 1000:7.1f} ms, {q} queries")
    s, q = timed(lambda: list(actionable_by(fresh("erun")).filter(priority=1)[100:125]))
    print(f"  P1 filter, page 5 of 25      : {s * 1000:7.1f} ms, {q} queries")
    for name in ("editeur", "formateur", "manager"):
        s, q = timed(page(visible_to, name, 25))
        print(f"  visible_to({name}) first 25: {s * 1000:7.1f} ms, {q} queries")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
