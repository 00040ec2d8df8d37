"""Database connections per request under daphne (issue 21): PostgreSQL with the per-process pool
(DB_POOL_MAX_SIZE=8, the default) against a new connection per request (DB_POOL_MAX_SIZE=0); and
the embedded profile's SQLite pool (core.db.sqlite3, SQLITE_POOL_SIZE=8) against a new connection
per request (SQLITE_POOL_SIZE=0), with the API list against a one-query bare view.

    .venv/bin/python bench/connection_bench.py [--requests 300] [--rounds 5]
    .venv/bin/python bench/connection_bench.py --profile embedded [--tickets 100000] [--rounds 5] [--seconds 3]

Embedded: one throw-away SQLite file, the demo world plus --tickets tickets (a third at ERUN
Lattes), a desk API client of ERUN Lattes; two `manage.py serve` processes (daphne + the embedded
Huey consumer, the product's own process) on that file, one per variant; Debian's `wrk` (one
connection, keep-alive) on /healthz, the API list (50 per page, bearer token) and /bench-bare/ (the
same 50 rows with `.values()` + JsonResponse, one query, bench/connection_urls.py), interleaved
rounds. Prints requests/s per variant and page, pool ÷ new, and API ÷ bare for each variant.

Starts PostgreSQL and Redis on loopback (scripts/with_services.sh) unless DATABASE_URL is set, then
two daphne processes of the production profile on the same database, one per variant, and sends
the same keep-alive GETs to each in interleaved rounds: `/healthz` (one query: the per-request
floor) and the public status page `/etat/`. Prints the median latency of each variant and their
ratio within the run. (CONN_MAX_AGE is no answer under daphne: each request runs in a thread of
its own, asgiref's per-request executor, so a "persistent" connection is one more per request.)
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/healthz", "/etat/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"daphne on port {port} did not answer")


def latencies(port: int, path: str, n: int) -> list[float]:
    c = http.client.HTTPConnection("127.0.0.1", port)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        c.request("GET", path, headers={"X-Forwarded-Proto": "https", "Host": "localhost"})
        r = c.getresponse()
        r.read()
        out.append(time.perf_counter() - start)
        if r.status != 200:
            raise SystemExit(f"{path} answered {r.status}")
    c.close()
    return out


def seed_embedded(total: int, token_file: str) -> None:
    """Runs inside the bench's environment (DJANGO_SETTINGS_MODULE set): tickets and an API token."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from api.services import create_api_client
    from bench.volume import insert_tickets
    from directory.demo import build_demo_world

    world = build_demo_world("bench-password-1")
    insert_tickets(world, total)
    client, secret = create_api_client(desk=world.desks["erun-lattes"], scopes="tickets:read")
    token = Client().post("/api/v1/oauth/token/", {"grant_type": "client_credentials", "client_id": client.application.client_id,
                                                   "client_secret": secret}).json()["access_token"]
    Path(token_file).write_text(token)


def wrk(port: int, path: str, seconds: int, headers: dict[str, str]) -> tuple[float, float]:
    """(requests/s, median latency in ms) of one keep-alive connection, from Debian's wrk."""
    cmd = ["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{path} failed under wrk:\n{out}")
    rate = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec:")))
    p50 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("50%"))
    p50_ms = float(p50[:-2]) if p50.endswith("ms") else float(p50[:-2]) / 1000 if p50.endswith("us") else float(p50[:-1]) * 1000
    return rate, p50_ms


def embedded(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="connection-bench-embedded-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "HELPDESK_PROFILE")}
    env.update({"HELPDESK_DATA_DIR": str(work), "DJANGO_SETTINGS_MODULE": "bench.connection_settings",
                "API_THROTTLE_RATE": "100000000/min", "LOG_LEVEL": "WARNING", "DEBUG": "0",
                "PYTHONPATH": str(ROOT)})
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    token_file = work / "token"
    t0 = time.perf_counter()
    subprocess.run([py, __file__, "--seed", str(args.tickets), str(token_file)], cwd=ROOT, env=env, check=True)
    print(f"demo world + {args.tickets} tickets in {time.perf_counter() - t0:.0f} s ({work})")
    base = {"Host": "localhost", "X-Forwarded-Proto": "https"}
    pages = {"/healthz": base, "/bench-bare/": base,
             "/api/v1/tickets/?page_size=50": {**base, "Authorization": f"Bearer {token_file.read_text()}"}}
    variants = {"pool": "8", "new": "0"}
    servers = {}
    try:
        for name, size in variants.items():
            port = free_port()
            servers[name] = (port, subprocess.Popen(
                [py, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env={**env, "SQLITE_POOL_SIZE": size},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, _ in servers.values():
            wait_for(port)
        for port, _ in servers.values():  # warm-up
            for path, headers in pages.items():
                wrk(port, path, 1, headers)
        results = {(name, path): [] for name in servers for path in pages}
        for _ in range(args.rounds):
            for path, headers in pages.items():
                for name, (port, _) in servers.items():
                    results[(name, path)].append(wrk(port, path, args.seconds, headers))
        print(f"{args.rounds} interleaved rounds × {args.seconds} s of wrk (1 thread, 1 keep-alive connection) per "
              f"variant and page; `manage.py serve`, SQLite, {args.tickets} tickets; medians of the rounds")
        rate = {k: statistics.median(r for r, _ in v) for k, v in results.items()}
        p50 = {k: statistics.median(m for _, m in v) for k, v in results.items()}
        for path in pages:
            a, b = rate[("pool", path)], rate[("new", path)]
            print(f"{path:32} pool {a:7.1f} req/s (p50 {p50[('pool', path)]:5.2f} ms) · new connection {b:7.1f} req/s "
                  f"(p50 {p50[('new', path)]:5.2f} ms) · pool/new {a / b:4.2f}")
        api, bare = "/api/v1/tickets/?page_size=50", "/bench-bare/"
        for name in servers:
            ratios = [r_api / r_bare for (r_api, _), (r_bare, _) in zip(results[(name, api)], results[(name, bare)])]
            print(f"API list / bare view, {name:4}: {statistics.median(ratios):.2f} (rounds: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)})")
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            process.wait(timeout=30)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--seed":
        return seed_embedded(int(sys.argv[2]), sys.argv[3])
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", choices=("production", "embedded"), default="production")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=100_000, help="embedded: tickets in the database")
    parser.add_argument("--seconds", type=int, default=3, help="embedded: seconds of wrk per variant, page and round")
    args = parser.parse_args()
    if args.profile == "embedded":
        return embedded(args)
    if not os.environ.get("DATABASE_URL"):
        os.execvp("bash", ["bash", str(ROOT / "scripts/with_services.sh"), sys.executable, *sys.argv])

    work = Path(tempfile.mkdtemp(prefix="connection-bench-"))
    env = {**os.environ, "HELPDESK_PROFILE": "production", "HELPDESK_DATA_DIR": str(work),
           "SECRET_KEY": "connection-bench-not-a-secret", "ALLOWED_HOSTS": "localhost,127.0.0.1"}
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "seed_demo", "--force"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    variants = {"pool (DB_POOL_MAX_SIZE=8)": "8", "new connection per request (DB_POOL_MAX_SIZE=0)": "0"}
    servers = {}
    try:
        for name, size in variants.items():
            port = free_port()
            servers[name] = (port, subprocess.Popen(
                [str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port), "helpdesk.asgi:application"],
                cwd=ROOT, env={**env, "DB_POOL_MAX_SIZE": size}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, _ in servers.values():
            wait_for(port)
        for port, _ in servers.values():  # warm-up
            for path in PATHS:
                latencies(port, path, 20)
        results = {(name, path): [] for name in servers for path in PATHS}
        for _ in range(args.rounds):
            for path in PATHS:
                for name, (port, _) in servers.items():
                    results[(name, path)].extend(latencies(port, path, args.requests))
        pool, fresh = list(servers)
        print(f"{args.rounds} interleaved rounds × {args.requests} keep-alive GETs per variant and page, one client")
        for path in PATHS:
            a = statistics.median(results[(pool, path)]) * 1000
            b = statistics.median(results[(fresh, path)]) * 1000
            print(f"{path:10} pool {a:6.2f} ms · new connection {b:6.2f} ms · requests/s ratio pool/new {b / a:4.2f}")
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
