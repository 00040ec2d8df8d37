#!/usr/bin/env bash
# The production profile end to end, with the documented commands (docs/deploy.md): migrate, demo
# data, collectstatic, two daphne processes and a separate Huey worker on PostgreSQL + Redis; then
# checks that both web processes answer, that a session opened on one is valid on the other, that
# WhiteNoise serves hashed static files with long cache headers, and that a job queued by one
# process is run by the worker.
#
#   scripts/production_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-$PWD/.venv/bin/python}"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    exec scripts/with_services.sh "$0" "$@"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-prod.XXXXXX")"
PIDS=()
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ "$status" -ne 0 ] && tail -n 30 "$WORK"/*.log >&2
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

export HELPDESK_PROFILE=production HELPDESK_DATA_DIR="$WORK/data"
export SECRET_KEY="production-check-$(date +%s%N)-not-a-real-secret"
export ALLOWED_HOSTS="localhost,127.0.0.1"
export SECURE_SSL_REDIRECT=0   # no TLS proxy in front of this local check
mkdir -p "$HELPDESK_DATA_DIR"

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo --force | tail -n 1
"$PY" manage.py collectstatic --noinput -v 0

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORTS=("$(free_port)" "$(free_port)")
for port in "${PORTS[@]}"; do
    .venv/bin/daphne -b 127.0.0.1 -p "$port" helpdesk.asgi:application >"$WORK/daphne-$port.log" 2>&1 &
    PIDS+=($!)
done
"$PY" manage.py run_huey --workers 2 >"$WORK/huey.log" 2>&1 &
PIDS+=($!)

"$PY" - "${PORTS[@]}" <<'PY'
import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ports = sys.argv[1:]


def wait_up(port):
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    sys.exit(f"daphne on port {port} did not answer")


for port in ports:
    assert b"ok" in wait_up(port), port
print(f"[production-check] two daphne processes answer on ports {', '.join(ports)}")

# Sign in through process A, then use the session on process B.
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
login_a = f"http://127.0.0.1:{ports[0]}/connexion/"
page = opener.open(login_a).read().decode()
csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode(
    {"username": "manager", "password": "demo-ent-2026", "csrfmiddlewaretoken": csrf}
).encode()
opener.addheaders = [("Referer", login_a)]
opener.open(urllib.request.Request(login_a, data=data))
assert any(c.name == "sessionid" for c in jar), "sign-in on process A gave no session"
home_b = opener.open(f"http://127.0.0.1:{ports[1]}/").read().decode()
assert "manager" in home_b.lower() or "déconnexion" in home_b.lower(), "session from A not valid on B"
print("[production-check] a session opened on process A is valid on process B")

# A hashed static file, compressed, cached for a year.
match = re.search(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
assert match, "no hashed static file referenced by the sign-in page"
request = urllib.request.Request(f"http://127.0.0.1:{ports[1]}{match.group(1)}", headers={"Accept-Encoding": "gzip"})
with urllib.request.urlopen(request) as response:
    cache_control = response.headers.get("Cache-Control", "")
    assert "max-age=31536000" in cache_control and "immutable" in cache_control, cache_control
    encoding = response.headers.get("Content-Encoding")
print(f"[production-check] WhiteNoise serves {match.group(1)} ({encoding or 'identity'}, {cache_control})")
PY

# A job queued by this process, run by the separate worker.
"$PY" manage.py shell -v 0 -c '
import time, uuid
from django.core.cache import cache
from helpdesk.tasks import heartbeat
token = uuid.uuid4().hex
start = time.monotonic()
heartbeat(token)
while cache.get(f"heartbeat:{token}") is None:
    if time.monotonic() - start > 30:
        raise SystemExit("the Huey worker did not run the queued job within 30 s")
    time.sleep(0.05)
print(f"[production-check] the Huey worker ran a queued job after {(time.monotonic() - start) * 1000:.0f} ms")
'
echo "[production-check] production profile OK"
