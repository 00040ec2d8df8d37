"""Live sections of bench/production_bench.py: real processes on PostgreSQL + Redis.

- fanout: 500 websocket clients of one desk board, half on each of two daphne processes; a
  transition made by the services (outbox → Huey worker → Redis channel layer → both processes);
  latency from the call to each client receiving the `ticket.changed` message.
- load: a bounded Monday-morning peak on loopback through the same two daphne processes: 2,000
  teachers (read their tickets, open some through the web form), 100 agents (board, ticket pages,
  take), 5 vendors (API list polling, answers); threads + urllib, think times, a fixed duration.
"""

from __future__ import annotations

import asyncio
import heapq
import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Servers:
    """Two daphne processes and one Huey worker with the child's environment (production profile)."""

    def __init__(self, workdir):
        self.ports = [_free_port(), _free_port()]
        self.procs = []
        self.workdir = Path(workdir)

    def __enter__(self):
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)  # hashed names (manifest), as deployed
        env = dict(os.environ)
        for port in self.ports:
            log = open(self.workdir / f"daphne-{port}.log", "w")
            # 500 handshakes queue behind each process's single sync thread (session lookup):
            # daphne's default 5 s connect timeout would drop the last ones.
            self.procs.append(subprocess.Popen([str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                                                "--websocket_connect_timeout", "120", "helpdesk.asgi:application"],
                                               cwd=ROOT, env=env, stdout=log, stderr=log))
        log = open(self.workdir / "huey.log", "w")
        self.procs.append(subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "4"], cwd=ROOT, env=env,
                                           stdout=log, stderr=log))
        deadline = time.time() + 120
        for port in self.ports:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion/", timeout=5)
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"daphne on port {port} did not answer") from None
                    time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _session_cookie(user):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _ticket_at_erun(world, title="Le cahier de textes ne s'enregistre pas"):
    from tickets import services

    t = services.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title=title,
                             description="Erreur à l'enregistrement", category="malfunction", impact=2, urgency=2)
    return services.escalate(t, actor=world.users["directeur"], reason="Pas de solution à l'école")


# --- fan-out -------------------------------------------------------------------------------------------

def section_fanout(record, demo_world, clients=500, transitions=20):
    import websockets

    clients = int(os.environ.get("BENCH_FANOUT_CLIENTS", clients))

    from tickets import services

    world = demo_world()
    desk = world.desks["erun-lattes"]
    erun = world.users["erun"]
    cookie = _session_cookie(erun)
    ticket = _ticket_at_erun(world)
    workdir = Path(os.environ["HELPDESK_DATA_DIR"])
    with Servers(workdir) as servers:
        received: dict[int, list[float]] = {}  # version → receive times
        lock = threading.Lock()
        connected = 0

        async def client(i, ready):
            nonlocal connected
            port = servers.ports[i % 2]
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/desks/{desk.pk}/", open_timeout=120,
                                          additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"},
                                          max_queue=None) as ws:
                connected += 1
                if connected == clients:
                    ready.set()
                async for raw in ws:
                    now = time.time()
                    version = json.loads(raw).get("version")
                    with lock:
                        received.setdefault(version, []).append(now)

        async def main():
            ready = asyncio.Event()
            tasks = []
            for i in range(clients):
                tasks.append(asyncio.create_task(client(i, ready)))
                if i % 50 == 49:
                    await asyncio.sleep(0.2)  # no thundering herd on the accept queue
            await asyncio.wait_for(ready.wait(), 300)
            await asyncio.sleep(2)
            results = []
            t = ticket
            for n in range(transitions):
                start = time.time()
                t = await asyncio.to_thread(services.comment, t, actor=erun, body=f"Note {n}", internal=True)
                version = t.version
                deadline = start + 30
                while time.time() < deadline:
                    with lock:
                        got = len(received.get(version, []))
                    if got >= clients:
                        break
                    await asyncio.sleep(0.01)
                with lock:
                    times = list(received.get(version, []))
                results.append((start, times))
                await asyncio.sleep(0.5)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return results

        from bench.production_bench import median, percentile

        results = asyncio.run(main())
    latencies = [(r - start) * 1000 for start, times in results for r in times]
    all_clients = [(max(times) - start) * 1000 for start, times in results if len(times) >= clients]
    delivered = sum(len(times) for _s, times in results)
    record("fanout", "postgres", clients=clients, processes=2, transitions=transitions, delivered=delivered,
           expected=clients * transitions, p50_ms=round(percentile(latencies, 50), 1), p95_ms=round(percentile(latencies, 95), 1),
           p99_ms=round(percentile(latencies, 99), 1), max_ms=round(max(latencies), 1),
           all_clients_median_ms=round(median(all_clients), 1) if all_clients else None)


# --- load ----------------------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []

    def add(self, name, seconds, ok, detail=""):
        with self.lock:
            self.times.setdefault(name, []).append(seconds)
            if not ok:
                self.errors[name] = self.errors.get(name, 0) + 1
                if len(self.samples) < 10:
                    self.samples.append(f"{name}: {detail}"[:300])


def _csrf_cookie(headers) -> str:
    cookies = headers.get_all("Set-Cookie") if headers else None
    return next((c.split(";")[0] for c in cookies or [] if c.startswith("csrftoken=")), "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def section_load(record, demo_world, teachers=2000, agents=100, vendors=5, duration=180, threads=48):
    from django.contrib.auth import get_user_model

    from api.services import create_api_client
    from directory.choices import Role
    from directory.models import Membership

    from bench.production_bench import median, percentile

    duration = int(os.environ.get("BENCH_LOAD_SECONDS", duration))
    teachers = int(os.environ.get("BENCH_TEACHERS", teachers))
    world = demo_world()
    User = get_user_model()
    school = world.schools["0341255E"]
    desk = world.desks["erun-lattes"]
    # Accounts: teachers of the school, agents of the ERUN desk, vendor API clients of ODE.
    users = User.objects.bulk_create([User(username=f"prof{i:04d}", first_name="Prof", last_name=f"N°{i}") for i in range(teachers)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.REQUESTER, school=school) for u in users])
    agent_users = User.objects.bulk_create([User(username=f"agent{i:03d}", first_name="Agent", last_name=f"N°{i}") for i in range(agents)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.AGENT, desk=desk) for u in agent_users])
    # A backlog at the desk so boards and the API have rows (100 tickets through the services).
    backlog = [_ticket_at_erun(world, title=f"Demande préexistante {i}").reference for i in range(100)]
    vendor_tokens = []
    for _ in range(vendors):
        api_client, secret = create_api_client(vendor=world.vendors["ode"], scopes="tickets:read tickets:write")
        vendor_tokens.append((api_client, secret))
    teacher_cookies = [_session_cookie(u) for u in users]
    agent_cookies = [_session_cookie(u) for u in agent_users]
    stats = Stats()
    opener = urllib.request.build_opener(NoRedirect)
    workdir = Path(os.environ["HELPDESK_DATA_DIR"])

    with Servers(workdir) as servers:
        base = [f"http://127.0.0.1:{p}" for p in servers.ports]

        def call(name, method, url, cookie=None, data=None, headers=None, expect=(200,)):
            headers = dict(headers or {})
            if cookie:
                headers["Cookie"] = cookie
            body = None
            if data is not None:
                if isinstance(data, (dict, list)) and headers.get("Content-Type") == "application/json":
                    body = json.dumps(data).encode()
                else:
                    body = urllib.parse.urlencode(data).encode()
                    headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            req = urllib.request.Request(url, data=body, method=method, headers=headers)
            start = time.perf_counter()
            try:
                with opener.open(req, timeout=60) as resp:
                    status, content, resp_headers = resp.status, resp.read(), resp.headers
            except urllib.error.HTTPError as exc:
                status, content, resp_headers = exc.code, exc.read(), exc.headers
            except OSError as exc:
                stats.add(name, time.perf_counter() - start, False, repr(exc))
                return None, b"", {}
            ok = status in expect
            stats.add(name, time.perf_counter() - start, ok, f"{status} {content[:200]!r}")
            return status, content, resp_headers

        tokens = {}
        for i, (api_client, secret) in enumerate(vendor_tokens):
            _s, content, _h = call("api token", "POST", f"{base[i % 2]}/api/v1/oauth/token/", data={
                "grant_type": "client_credentials", "client_id": api_client.application.client_id, "client_secret": secret})
            tokens[i] = json.loads(content)["access_token"]

        csrf_re = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
        school_pk = school.pk
        my_refs: dict[int, list[str]] = {}

        def teacher(i, rnd):
            cookie = teacher_cookies[i]
            host = base[i % 2]
            if rnd.random() < 0.3:
                _s, content, headers = call("teacher: report form", "GET", f"{host}/signaler/", cookie)
                match = csrf_re.search(content or b"")
                csrf_cookie = _csrf_cookie(headers)
                if not match:
                    return
                status, _c, headers = call("teacher: open ticket (POST)", "POST", f"{host}/signaler/", f"{cookie}; {csrf_cookie}", data={
                    "csrfmiddlewaretoken": match.group(1).decode(), "school": school_pk, "category": "usage", "service": "",
                    "title": f"Je n'arrive pas à publier dans le cahier de textes ({i})",
                    "description": "Le bouton Publier reste grisé depuis ce matin.", "impact": 3, "urgency": 2, "contact": "",
                }, expect=(302,))
                if status == 302:
                    ref = headers["Location"].rstrip("/").rsplit("/", 1)[-1]
                    my_refs.setdefault(i, []).append(ref)
                    call("teacher: read ticket", "GET", f"{host}/demandes/{ref}/", cookie)
            else:
                call("teacher: my tickets", "GET", f"{host}/mes-demandes/", cookie)
                if my_refs.get(i):
                    call("teacher: read ticket", "GET", f"{host}/demandes/{rnd.choice(my_refs[i])}/", cookie)

        def agent(i, rnd):
            cookie = agent_cookies[i]
            host = base[i % 2]
            call("agent: board", "GET", f"{host}/guichets/{desk.slug}/", cookie)
            ref = rnd.choice(backlog)
            status, content, headers = call("agent: ticket page", "GET", f"{host}/demandes/{ref}/", cookie)
            if rnd.random() < 0.2 and content:
                match = csrf_re.search(content)
                if match:
                    call("agent: answer (POST)", "POST", f"{host}/demandes/{ref}/message/", f"{cookie}; {_csrf_cookie(headers)}", data={
                        "csrfmiddlewaretoken": match.group(1).decode(), "body": "Vu, je regarde.",
                    }, expect=(302,))

        def vendor(i, rnd):
            host = base[i % 2]
            auth = {"Authorization": f"Bearer {tokens[i]}", "Accept": "application/json"}
            _s, content, _h = call("vendor: API list", "GET", f"{host}/api/v1/tickets/?page_size=50", headers=auth)
            rows = json.loads(content).get("results", []) if content else []
            if rows and rnd.random() < 0.3:
                ref = rnd.choice(rows)["reference"]
                call("vendor: API comment (POST)", "POST", f"{host}/api/v1/tickets/{ref}/comments/", data={"body": "Analyse en cours."},
                     headers={**auth, "Content-Type": "application/json", "Idempotency-Key": f"v{i}-{time.time_ns()}"},
                     expect=(201, 200, 403, 404, 409))

        # Virtual users: (kind, index, mean think time in seconds).
        # Mean think times: a teacher acts every 4 minutes, an agent every 30 s, a vendor polls every 10 s.
        population = ([("teacher", i, 240.0) for i in range(teachers)] + [("agent", i, 30.0) for i in range(agents)]
                      + [("vendor", i, 10.0) for i in range(vendors)])
        actions = {"teacher": teacher, "agent": agent, "vendor": vendor}
        start = time.time()
        ramp = min(60, duration / 3)
        heap = [(start + random.uniform(0, ramp), n) for n in range(len(population))]
        heapq.heapify(heap)
        heap_lock = threading.Lock()
        stop_at = start + duration

        def worker(seed):
            rnd = random.Random(seed)
            while True:
                with heap_lock:
                    due, n = heapq.heappop(heap)
                if due > stop_at:
                    return
                wait = due - time.time()
                if wait > 0:
                    time.sleep(wait)
                kind, index, think = population[n]
                try:
                    actions[kind](index, rnd)
                except Exception as exc:  # noqa: BLE001 - counted as an error of the scenario
                    stats.add(f"{kind}: exception", 0, False, repr(exc))
                with heap_lock:
                    heapq.heappush(heap, (time.time() + rnd.expovariate(1 / think), n))

        pool = [threading.Thread(target=worker, args=(s,), daemon=True) for s in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(duration + 120)
        elapsed = time.time() - start

    rows = []
    total = errors = 0
    all_times = []
    for name, times in sorted(stats.times.items()):
        n, e = len(times), stats.errors.get(name, 0)
        total += n
        errors += e
        all_times += times
        rows.append({"request": name, "count": n, "errors": e, "median_ms": round(median(times) * 1000, 1),
                     "p95_ms": round(percentile(times, 95) * 1000, 1)})
    record("load", "postgres", teachers=teachers, agents=agents, vendors=vendors, duration_s=round(elapsed), threads=threads,
           requests=total, errors=errors, rps=round(total / elapsed, 1), p95_ms=round(percentile(all_times, 95) * 1000, 1),
           median_ms=round(median(all_times) * 1000, 1), rows=rows, error_samples=stats.samples)
