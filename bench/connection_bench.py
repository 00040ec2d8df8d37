"""Database connections per request under daphne (issue 21): PostgreSQL with the per-process pool
(DB_POOL_MAX_SIZE=8, the default) against a new connection per request (DB_POOL_MAX_SIZE=0).

    .venv/bin/python bench/connection_bench.py [--requests 300] [--rounds 5]

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
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
