"""Our API against django-helpdesk (the peer), same volume, same server, same run (issue 21).

    .venv/bin/python bench/peer/run.py [--tickets 100000] [--workers 1] [--rounds 3] [--duration 5]

1. The peer's virtual environment: bench/peer/.venv (gitignored), `python3.11 -m venv` and
   `pip install -r bench/peer/requirements.txt` (django-helpdesk and gunicorn pinned, from PyPI;
   nothing of the peer is in the repository). gunicorn is not in our requirements.lock: for our
   side the same pinned version is installed with `pip install --target` into
   bench/peer/.work/gunicorn (gitignored) and put on PYTHONPATH, our .venv untouched.
2. A fresh work directory: the peer migrated and seeded with N tickets (bench/peer/peer_seed.py,
   in the peer's venv), ours with the same N as bench/api_bench.py seeds them (bench/peer/ours_seed.py,
   in our venv); each prints its queries per request and in-process medians.
3. gunicorn (sync workers, `--workers`) for each variant: ours as configured, ours with the peer's
   middleware list, ours with CONN_MAX_AGE=600 (with and without the peer's middleware), ours
   without the SQLite PRAGMAs; the peer as
   configured, the peer with CONN_MAX_AGE=600, the peer with our PRAGMAs. Debian's wrk
   (`apt-get install wrk`), one connection, keep-alive, interleaved rounds: our API list
   (bearer token), each bare view (the same one-query JsonResponse of 50 rows in both). The peer's
   list (/helpdesk/api/tickets/, session cookie of a superuser agent) runs one query per ticket of
   the whole table, so it is timed with sequential requests (`--peer-list-requests`) instead of wrk.
Prints requests/s, p50 and p99 (medians over rounds) and the ratios ours/peer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEER_VENV = HERE / ".venv"
WORK = HERE / ".work"
OUR_PY = ROOT / ".venv/bin/python"


def gunicorn_pin() -> str:
    return next(line.strip() for line in (HERE / "requirements.txt").read_text().splitlines() if line.startswith("gunicorn=="))


def setup_envs() -> None:
    marker = PEER_VENV / "requirements.txt"
    wanted = (HERE / "requirements.txt").read_text()
    if not (marker.exists() and marker.read_text() == wanted):
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        subprocess.run(["python3.11", "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin/pip"), "install", "-q", "-r", str(HERE / "requirements.txt")], check=True)
        marker.write_text(wanted)
    target = WORK / "gunicorn"
    if not (target / "gunicorn").exists():
        subprocess.run([str(OUR_PY), "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), gunicorn_pin()], check=True)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, headers, timeout=900):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", path, headers={"Host": "localhost", **headers})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def wait_for(port, path, headers, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(port, path, headers, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"no answer on port {port}")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(port, path, headers, duration):
    cmd = ["wrk", "-t1", "-c1", f"-d{duration}s", "--latency", "--timeout", "30s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {path}:\n{out}")

    def pct(p):
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": pct(50), "p99": pct(99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per target and round")
    parser.add_argument("--peer-list-requests", type=int, default=1, help="sequential peer list requests, in the first round")
    parser.add_argument("--ours", default="HEAD",
                        help="the git revision of our product to measure, exported with git archive (the checkout may be "
                             "shared and half-edited), or '.' for the working tree as it is")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases)")
    args = parser.parse_args()
    setup_envs()
    work = WORK / f"run-{os.getpid()}"
    (work / "peer").mkdir(parents=True)
    (work / "ours").mkdir(parents=True)
    tree = ROOT
    if args.ours != ".":
        tree = work / "ours-tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ours], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        (tree / "bench/peer").mkdir(parents=True, exist_ok=True)
        for script in ("ours_seed.py", "ours_settings.py", "ours_urls.py", "inproc.py"):
            shutil.copy(HERE / script, tree / "bench/peer" / script)
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.ours], capture_output=True, text=True).stdout.strip()
        print(f"ours: {args.ours} ({rev}) exported to {tree}", flush=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HELPDESK_", "PYTHONPATH"))}
    ours_env = {**base, "HELPDESK_DATA_DIR": str(work / "ours"), "DJANGO_SETTINGS_MODULE": "bench.peer.ours_settings",
                "LOG_LEVEL": "WARNING", "DEBUG": "0", "API_THROTTLE_RATE": "1000000/min", "API_TOKEN_SECONDS": "86400"}
    peer_env = {**base, "PEER_DATA_DIR": str(work / "peer"), "DJANGO_SETTINGS_MODULE": "peerproject.settings"}
    servers = {}
    try:
        print(f"seeding {args.tickets} tickets on each side…", flush=True)
        t0 = time.perf_counter()
        subprocess.run([str(PEER_VENV / "bin/python"), str(HERE / "peer_seed.py"), str(args.tickets), str(work / "peer.json")],
                       cwd=HERE, env=peer_env, check=True)
        subprocess.run([str(OUR_PY), str(tree / "bench/peer/ours_seed.py"), str(args.tickets), str(work / "ours.json")],
                       cwd=tree, env=ours_env, check=True)
        print(f"seeded and measured in-process in {time.perf_counter() - t0:.0f} s", flush=True)
        peer = json.loads((work / "peer.json").read_text())
        ours = json.loads((work / "ours.json").read_text())
        gunicorn = ["-m", "gunicorn", "-w", str(args.workers), "--timeout", "900", "--log-level", "warning"]
        variants = {
            "ours": (ours_env, {}), "ours, peer's middleware": (ours_env, {"BENCH_MIDDLEWARE": "peer"}),
            "ours, CONN_MAX_AGE=600": (ours_env, {"BENCH_CONN_MAX_AGE": "600"}), "ours, no PRAGMAs": (ours_env, {"BENCH_PRAGMAS": "0"}),
            "ours, CONN_MAX_AGE=600, peer's middleware": (ours_env, {"BENCH_CONN_MAX_AGE": "600", "BENCH_MIDDLEWARE": "peer"}),
            "peer": (peer_env, {}), "peer, CONN_MAX_AGE=600": (peer_env, {"PEER_CONN_MAX_AGE": "600"}),
            "peer, our PRAGMAs": (peer_env, {"PEER_PRAGMAS": "1"}),
        }
        for name, (env, extra) in variants.items():
            port = free_port()
            if env is ours_env:
                cmd = [str(OUR_PY), *gunicorn, "-b", f"127.0.0.1:{port}", "helpdesk.wsgi:application"]
                env = {**env, **extra, "PYTHONPATH": str(WORK / "gunicorn")}
                cwd = tree
            else:
                cmd = [str(PEER_VENV / "bin/python"), *gunicorn, "-b", f"127.0.0.1:{port}", "peerproject.wsgi:application"]
                env = {**env, **extra}
                cwd = HERE
            servers[name] = (port, subprocess.Popen(cmd, cwd=cwd, env=env))
        for port, _ in servers.values():
            wait_for(port, "/bench/bare/", {})
        api_headers = {"Authorization": f"Bearer {ours['token']}"}
        peer_headers = {"Cookie": peer["cookie"]}
        targets = [("ours API list", "ours", ours["list_path"], api_headers)]
        targets += [(f"bare view: {name}", name, "/bench/bare/", {}) for name in variants]
        for _, name, path, headers in targets:  # warm-up and check
            status, body = get(servers[name][0], path, headers)
            assert status == 200 and len(json.loads(body)["results"]) == 50, (name, status, body[:200])
            wrk(servers[name][0], path, headers, 1)
        results = {label: [] for label, *_ in targets}
        peer_list = []
        for r in range(args.rounds):
            for label, name, path, headers in targets:
                results[label].append(wrk(servers[name][0], path, headers, args.duration))
            for _ in range(args.peer_list_requests if r == 0 else 0):
                start = time.perf_counter()
                status, body = get(servers["peer"][0], peer["list_path"], peer_headers)
                assert status == 200 and len(json.loads(body)["results"]) == 50, (status, body[:200])
                peer_list.append((time.perf_counter() - start) * 1000)
            print(f"round {r + 1}/{args.rounds} done", flush=True)
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            process.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    med = {label: {k: statistics.median(x[k] for x in runs) for k in ("rps", "p50", "p99")} for label, runs in results.items()}
    peer_ms = statistics.median(peer_list)
    print(f"\n{args.tickets} tickets each; gunicorn {gunicorn_pin().split('==')[1]}, {args.workers} sync worker(s); "
          f"wrk -t1 -c1, {args.rounds} interleaved rounds × {args.duration} s; medians over rounds")
    print(f"{'target':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for label, m in med.items():
        print(f"{label:44} {m['rps']:9.1f} {m['p50']:8.2f} {m['p99']:8.2f}")
    print(f"{'peer list (sequential, ' + str(len(peer_list)) + ' requests)':44} {1000 / peer_ms:9.3f} {peer_ms:8.0f}")
    print(f"\nratio ours/peer, list (requests/s): {med['ours API list']['rps'] * peer_ms / 1000:,.0f}×")
    print(f"ratio ours/peer, bare view (requests/s): {med['bare view: ours']['rps'] / med['bare view: peer']['rps']:.2f}")
    print(f"ours API list / ours bare view: {med['ours API list']['rps'] / med['bare view: ours']['rps']:.2f}")
    print("\nin-process (Django test client), per request:")
    for side, d in (("ours", ours), ("peer", peer)):
        print(f"  {side}: list {d['list_queries']} queries ({d['list_rows']} rows), {d['list_ms_inprocess']:.1f} ms; "
              f"bare {d['bare_queries']} query: {d['bare_ms_inprocess_kept']:.2f} ms connection kept, "
              f"{d['bare_ms_inprocess_closed']:.2f} ms closed after each; new connection {d['connect_ms']:.2f} ms, "
              f"+ first read {d['connect_and_first_read_ms']:.2f} ms ({d['schema_objects']} objects in sqlite_master); "
              f"{len(d['middleware'])} middleware")


if __name__ == "__main__":
    main()
