"""Load test of the running product driven by `wrk` (Debian's package): the Monday-morning mix.

    .venv/bin/python bench/load/run.py [--connections 4,8,16] [--seconds 30] [--per-type-seconds 5]
    scripts/with_services.sh .venv/bin/python bench/load/run.py --profile production

embedded (default): the product as `make run` starts it (`manage.py serve`: daphne with the Huey
consumer inside the same process) on a throw-away data dir: migrate, seed_demo, then
bench/load/prepare.py adds teachers, agents, a backlog at the ERUN desk and vendor API clients.
production: PostgreSQL + Redis from scripts/with_services.sh, two daphne processes and one Huey
worker as bench/production_live.Servers starts them; one wrk process per daphne process.

Every account logs in beforehand through the login page (GET /connexion/, csrftoken cookie + form
token, POST credentials), then fetches a page with a form for its CSRF token; vendors take a bearer
token by client credentials. bench/load/mix.lua draws each request by the scenario's weights
(closed loop: each of the C connections sends its next request when the previous one answered).
Reported: requests/s, p50/p95/p99, errors (non-2xx/3xx, redirects to the login page, refused
forms, socket errors), and the CPU seconds each process used during the run (/proc utime+stime,
children included: PostgreSQL's backends, wrk itself). Generator and server share the machine.
A second phase runs each request type alone for a few seconds: where the time goes.
Results: printed table, one JSON line appended to var/bench/load.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PY = sys.executable
RESULTS = ROOT / "var" / "bench" / "load.jsonl"
CLK = os.sysconf("SC_CLK_TCK")

# The Monday-morning scenario of bench/production_live.section_load, as request rates: 2,000
# teachers acting every 4 min (30 %: report form, POST, then read their ticket; 70 %: "mes demandes"
# then one of their tickets), 100 agents every 30 s (board, a ticket page, 20 % comment), 5 vendors
# polling the API list every 10 s. Weights are requests per second of that population (≈ 27/s).
MIX = [
    ("teacher_my_tickets", 8.33 * 0.7),
    ("teacher_ticket", 8.33),
    ("teacher_report_form", 8.33 * 0.3),
    ("teacher_report_post", 8.33 * 0.3),
    ("agent_board", 3.33),
    ("agent_ticket", 3.33),
    ("agent_comment_post", 3.33 * 0.2),
    ("vendor_api_list", 0.5),
]


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        print("[load] installing Debian's wrk", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.call(["apt-get", "install", "-y", "-qq", "wrk"], env=env, stdout=subprocess.DEVNULL) != 0:
            subprocess.call(["apt-get", "update", "-qq"], env=env)
            subprocess.call(["apt-get", "install", "-y", "-qq", "wrk"], env=env, stdout=subprocess.DEVNULL)
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is missing: `apt-get install wrk` (Debian package) as root, then run again.")
    return path


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- CPU accounting ------------------------------------------------------------------------------------

def _stat(pid):
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime 14, stime 15, cutime 16, cstime 17
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def tree_cpu(pid) -> float:
    """CPU seconds of a process and its descendants, live or reaped (cutime/cstime)."""
    children: dict[int, list[int]] = {}
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(entry)
            if st:
                stats[int(entry)] = st[1]
                children.setdefault(st[0], []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0)
        todo += children.get(p, [])
    return total / CLK


# --- logging in ----------------------------------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def http(method, url, cookies=None, data=None, headers=None):
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=60) as resp:
            status, content, h = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        status, content, h = exc.code, exc.read(), exc.headers
    for c in h.get_all("Set-Cookie") or []:  # Secure cookies too (production profile over plain HTTP)
        name, _, value = c.split(";")[0].partition("=")
        if cookies is not None:
            cookies[name.strip()] = value
    return status, content.decode("utf-8", "replace"), h


def login(base, username, password, form_path):
    """The browser's way: login page, CSRF cookie + token, credentials; then a page with a form for
    the CSRF token the account's POSTs carry. Returns (Cookie header, form token)."""
    cookies: dict[str, str] = {}
    _s, page, _h = http("GET", f"{base}/connexion/", cookies)
    token = CSRF_RE.search(page).group(1)
    status, _p, h = http("POST", f"{base}/connexion/", cookies, data={"csrfmiddlewaretoken": token, "username": username,
                                                                      "password": password, "next": "/"},
                         headers={"Referer": f"{base}/connexion/"})
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {username} failed: {status}")
    status, page, _h = http("GET", f"{base}{form_path}", cookies)
    match = CSRF_RE.search(page)
    if status != 200 or not match:
        raise RuntimeError(f"{username}: no form on {form_path} ({status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if k in ("sessionid", "csrftoken")), match.group(1)


def lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid Lua string here (ASCII escapes)


def accounts(base, prepared):
    t0 = time.time()
    pw = prepared["password"]
    teachers = []
    for t in prepared["teachers"]:
        cookie, csrf = login(base, t["username"], pw, "/signaler/")
        teachers.append({"cookie": cookie, "csrf": csrf, "refs": t["refs"]})
    agents = []
    for username in prepared["agents"]:
        cookie, csrf = login(base, username, pw, f"/demandes/{prepared['backlog'][0]}/")
        agents.append({"cookie": cookie, "csrf": csrf})
    vendors = []
    for v in prepared["vendors"]:
        status, body, _h = http("POST", f"{base}/api/v1/oauth/token/", data={"grant_type": "client_credentials", **v})
        if status != 200:
            raise RuntimeError(f"token: {status} {body[:200]}")
        vendors.append(json.loads(body)["access_token"])
    print(f"[load] logged in {len(teachers)} teachers, {len(agents)} agents, {len(vendors)} vendor tokens "
          f"in {time.time() - t0:.1f} s", flush=True)
    return {"school": prepared["school"], "desk": prepared["desk"], "backlog": prepared["backlog"],
            "teachers": teachers, "agents": agents, "vendors": vendors}


# --- wrk -----------------------------------------------------------------------------------------------

def run_wrk(wrk, bases, data, types, connections, seconds, workdir, tag):
    """One wrk process (one thread) per base URL, in parallel; returns merged figures and wrk's CPU."""
    procs = []
    per = max(1, connections // len(bases))
    for i, base in enumerate(bases):
        path = Path(workdir) / f"data-{tag}-{i}.lua"
        path.write_text("return " + lua({**data, "base": base, "types": [{"name": n, "weight": w} for n, w in types]}) + "\n")
        env = {**os.environ, "LOAD_DATA": str(path), "LOAD_SEED": str(17 + i)}
        out = open(Path(workdir) / f"wrk-{tag}-{i}.out", "w+")
        procs.append((subprocess.Popen([wrk, "-t1", f"-c{per}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / "mix.lua"), base],
                                       env=env, stdout=out, stderr=subprocess.STDOUT), out))
    results, wrk_cpu = [], 0.0
    for p, out in procs:
        _pid, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wrk_cpu += usage.ru_utime + usage.ru_stime
        out.seek(0)
        text = out.read()
        line = next((l for l in text.splitlines() if l.startswith("LOADRESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no result:\n{text[-3000:]}")
        results.append(json.loads(line[len("LOADRESULT "):]))
    return merge(results), wrk_cpu


def merge(results):
    n = sum(r["requests"] for r in results)
    duration = max(r["duration_us"] for r in results) / 1e6
    socket_errors = sum(sum(r["socket_errors"].values()) for r in results)
    counts, statuses = {}, {}
    for r in results:
        for k, v in r["counts"].items():
            counts[k] = counts.get(k, 0) + v
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v

    def quantile(p):  # merge the processes' distributions (1,000 quantiles each, weighted by count)
        if len(results) == 1:
            return results[0]["latency_us"][f"p{p}"] / 1000
        points = sorted((q, r["requests"] / 1000) for r in results for q in r["quantiles_us"])
        acc, target = 0.0, n * p / 100
        for q, w in points:
            acc += w
            if acc >= target:
                return q / 1000
        return points[-1][0] / 1000

    return {"requests": n, "seconds": round(duration, 1), "rps": round(n / duration, 1),
            "errors": sum(r["bad"] for r in results) + socket_errors, "socket_errors": socket_errors,
            "bad_login": sum(r["bad_login"] for r in results), "bad_form": sum(r["bad_form"] for r in results),
            "p50_ms": round(quantile(50), 1), "p95_ms": round(quantile(95), 1), "p99_ms": round(quantile(99), 1),
            "max_ms": round(max(r["latency_us"]["max"] for r in results) / 1000, 1),
            "counts": counts, "statuses": statuses}


# --- the product ---------------------------------------------------------------------------------------

def manage(env, *args, capture=False):
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                         capture_output=capture, stdout=None if capture else subprocess.DEVNULL)
    return out.stdout if capture else None


def wait_http(url, deadline=120):
    end = time.time() + deadline
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.time() > end:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.3)


def prepare(env, args):
    t0 = time.time()
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--if-empty", *(["--force"] if args.profile == "production" else []))
    out = subprocess.run([PY, str(HERE / "prepare.py"), str(args.teachers), str(args.agents), str(args.vendors), str(args.backlog)],
                         cwd=ROOT, env=env, check=True, text=True, capture_output=True)
    print(f"[load] database ready in {time.time() - t0:.0f} s", flush=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


class Embedded:
    """`make run`'s server: manage.py serve (daphne + the embedded Huey consumer, one process)."""

    def __init__(self, env, workdir):
        self.env, self.workdir, self.port = env, workdir, free_port()

    def __enter__(self):
        self.env["HELPDESK_BASE_URL"] = f"http://127.0.0.1:{self.port}"
        log = open(Path(self.workdir) / "serve.log", "w")
        self.proc = subprocess.Popen([PY, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=ROOT, env=self.env, stdout=log, stderr=log)
        wait_http(f"http://127.0.0.1:{self.port}/connexion/")
        self.bases = [f"http://127.0.0.1:{self.port}"]
        self.processes = {"serve (daphne + worker)": self.proc.pid}
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Production:
    """bench/production_live.Servers: two daphne processes and a Huey worker; PostgreSQL and Redis
    of scripts/with_services.sh (their process trees are measured too)."""

    def __init__(self, env, workdir):
        self.env, self.workdir = env, workdir

    def __enter__(self):
        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from bench.production_live import Servers

        self.servers = Servers(self.workdir).__enter__()
        self.bases = [f"http://127.0.0.1:{p}" for p in self.servers.ports]
        self.processes = {f"daphne :{p.args[4]}": p.pid for p in self.servers.procs[:2]}
        self.processes["huey worker"] = self.servers.procs[2].pid
        services = Path(os.environ["SERVICES_DIR"])
        self.processes["postgres (all backends)"] = int((services / "pgdata" / "postmaster.pid").read_text().split()[0])
        self.processes["redis"] = int((services / "redis.pid").read_text().split()[0])
        return self

    def __exit__(self, *exc):
        self.servers.__exit__(*exc)


def environment(args, workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_DATA_DIR=workdir, DEBUG="0", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    if args.profile == "embedded":
        for k in ("DATABASE_URL", "REDIS_URL"):
            env.pop(k, None)
    else:
        if not (env.get("DATABASE_URL") and env.get("REDIS_URL")):
            sys.exit("--profile production needs DATABASE_URL and REDIS_URL: run through scripts/with_services.sh")
        env.update(HELPDESK_PROFILE="production", SECURE_SSL_REDIRECT="0", ALLOWED_HOSTS="localhost,127.0.0.1",
                   SECRET_KEY=env.get("SECRET_KEY") or "bench-load-not-a-real-secret-" + "x" * 30)
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    return env


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", choices=["embedded", "production"], default="embedded")
    ap.add_argument("--connections", default="4,8,16", help="comma-separated: one mixed run per value")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--per-type-seconds", type=int, default=5, help="0: skip the per-type phase")
    ap.add_argument("--per-type-connections", type=int, default=4)
    ap.add_argument("--teachers", type=int, default=20, help="besides the demo `enseignant`")
    ap.add_argument("--agents", type=int, default=5, help="besides the demo `erun`")
    ap.add_argument("--vendors", type=int, default=5)
    ap.add_argument("--backlog", type=int, default=100)
    args = ap.parse_args()
    wrk = ensure_wrk()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-load-", dir=ROOT / "var" / "bench")
    env = environment(args, workdir)
    prepared = prepare(env, args)
    server_cls = Embedded if args.profile == "embedded" else Production
    runs, per_type = [], []
    try:
        with server_cls(env, workdir) as server:
            data = accounts(server.bases[0], prepared)
            # warm-up: every request type once through each process (imports, template caches)
            run_wrk(wrk, server.bases, data, MIX, len(server.bases), 3, workdir, "warmup")
            for c in (int(x) for x in args.connections.split(",")):
                before = {name: tree_cpu(pid) for name, pid in server.processes.items()}
                figures, wrk_cpu = run_wrk(wrk, server.bases, data, MIX, c, args.seconds, workdir, f"mix-c{c}")
                after = {name: tree_cpu(pid) for name, pid in server.processes.items()}
                cpu = {name: round(after[name] - before[name], 1) for name in before}
                cpu["wrk"] = round(wrk_cpu, 1)
                figures.update(connections=c, cpu_s=cpu,
                               server_cpu_ms_per_request=round(1000 * sum(v for k, v in cpu.items() if k != "wrk") / max(1, figures["requests"]), 1))
                runs.append(figures)
                print(f"[load] c={c}: {figures['rps']} req/s, p95 {figures['p95_ms']} ms, errors {figures['errors']}", flush=True)
            if args.per_type_seconds:
                for name, _w in MIX:
                    before = {n: tree_cpu(pid) for n, pid in server.processes.items()}
                    figures, _cpu = run_wrk(wrk, server.bases, data, [(name, 1)], args.per_type_connections,
                                            args.per_type_seconds, workdir, f"type-{name}")
                    server_cpu = sum(tree_cpu(pid) - before[n] for n, pid in server.processes.items())
                    figures.update(type=name, server_cpu_ms_per_request=round(1000 * server_cpu / max(1, figures["requests"]), 1))
                    per_type.append(figures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    cores = os.cpu_count()
    print(f"\n=== load test, profile {args.profile}, {cores} cores shared by wrk and the server; "
          f"wrk: 1 thread per server process, closed loop, {args.seconds} s per run")
    names = list(runs[0]["cpu_s"])
    table([[r["connections"], r["requests"], r["rps"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["errors"],
            *(r["cpu_s"][n] for n in names), r["server_cpu_ms_per_request"]] for r in runs],
          ["conns", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", *(f"CPU s {n}" for n in names), "srv CPU ms/req"])
    total_w = sum(w for _n, w in MIX)
    print("\nmix (share of requests drawn, last run): " + ", ".join(
        f"{n} {100 * runs[-1]['counts'].get(n, 0) / max(1, runs[-1]['requests']):.0f} % (weight {100 * w / total_w:.0f} %)" for n, w in MIX))
    if per_type:
        print(f"\n=== each request type alone, {args.per_type_connections} connections, {args.per_type_seconds} s")
        table([[r["type"], r["requests"], r["rps"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["errors"], r["server_cpu_ms_per_request"]]
               for r in per_type], ["type", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "srv CPU ms/req"])
    met = [r["connections"] for r in runs if r["rps"] >= 60 and r["p95_ms"] <= 500 and r["errors"] == 0]
    print(f"\ntarget ≥ 60 req/s at p95 ≤ 500 ms, 0 errors: {'met at ' + ', '.join(map(str, met)) + ' connections' if met else 'NOT met'}")
    row = {"at": time.strftime("%Y-%m-%d %H:%M:%S"), "profile": args.profile, "cores": cores, "seconds": args.seconds,
           "accounts": {"teachers": len(prepared["teachers"]), "agents": len(prepared["agents"]), "vendors": len(prepared["vendors"])},
           "runs": runs, "per_type": per_type, "target_met_at": met}
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
