#!/usr/bin/env bash
# The production profile end to end, with the documented commands (docs/deploy.md): migrate, demo
# data, collectstatic, two daphne processes and a separate Huey worker on PostgreSQL + Redis; then
# checks that both web processes answer, that a session opened on one is valid on the other, that
# WhiteNoise serves hashed static files with long cache headers, and that a job queued by one
# process is run by the worker; and mail both ways: a teacher's message in a desk's IMAP mailbox
# (Debian's dovecot, scripts/with_dovecot.sh) is polled into a ticket, and the worker's notification
# reaches an SMTP server (aiosmtpd) on loopback.
#
#   scripts/production_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-$PWD/.venv/bin/python}"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    exec scripts/with_services.sh "$0" "$@"
fi
if [ -z "${MAILIN_IMAP_PORT:-}" ]; then
    exec scripts/with_dovecot.sh "$0" "$@"
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
mkdir -p "$HELPDESK_DATA_DIR"
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# The relay the product sends through: an SMTP server on loopback that keeps what it receives.
SMTP_PORT="$(free_port)"
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$WORK/smtp-received" >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)
export EMAIL_HOST=127.0.0.1 EMAIL_PORT="$SMTP_PORT" EMAIL_USE_TLS=0
export HELPDESK_MAILIN_IMAP_PASSWORD="$MAILIN_IMAP_PASSWORD"

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo --force | tail -n 1
"$PY" manage.py collectstatic --noinput -v 0

PORTS=("$(free_port)" "$(free_port)")
for port in "${PORTS[@]}"; do
    .venv/bin/daphne -b 127.0.0.1 -p "$port" helpdesk.asgi:application >"$WORK/daphne-$port.log" 2>&1 &
    PIDS+=($!)
done
"$PY" manage.py run_worker --workers 2 >"$WORK/huey.log" 2>&1 &
PIDS+=($!)

"$PY" - "${PORTS[@]}" <<'PY'
import http.client
import http.cookies
import re
import sys
import time
import urllib.parse

ports = sys.argv[1:]
cookies = {}


def fetch(port, path, method="GET", body=None, headers=None):
    # As behind the TLS reverse proxy: X-Forwarded-Proto says https, so secure cookies are sent back.
    headers = {"X-Forwarded-Proto": "https", "Host": "localhost", **(headers or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in http.cookies.SimpleCookie(header).items():
            cookies[name] = morsel.value
    return response, content


def wait_up(port):
    for _ in range(300):
        try:
            response, content = fetch(port, "/healthz")
            if response.status == 200:
                return content
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"daphne on port {port} did not answer")


start = time.monotonic()
for port in ports:
    assert b"ok" in wait_up(port), port
print(f"[production-check] two daphne processes answer on ports {', '.join(ports)} "
      f"({time.monotonic() - start:.1f} s after start)")

response, _ = fetch(ports[0], "/healthz", headers={"X-Forwarded-Proto": "http"})
assert response.status == 301 and response.headers["Location"].startswith("https://"), response.status
response, _ = fetch(ports[0], "/healthz")
assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", ""), response.headers
print("[production-check] plain HTTP is redirected to HTTPS; HTTPS answers carry HSTS")

# Sign in through process A, then use the session on process B.
response, page = fetch(ports[0], "/connexion/")
page = page.decode()
csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
body = urllib.parse.urlencode({"username": "manager", "password": "demo-ent-2026", "csrfmiddlewaretoken": csrf})
response, _ = fetch(ports[0], "/connexion/", "POST", body, {
    "Content-Type": "application/x-www-form-urlencoded", "Referer": "https://localhost/connexion/",
})
assert response.status == 302 and "sessionid" in cookies, f"sign-in on process A failed: {response.status}"
response, home = fetch(ports[1], "/")
assert response.status == 200 and (b"/deconnexion/" in home or b"manager" in home), "session from A not valid on B"
print("[production-check] a session opened on process A is valid on process B")

# A hashed static file, compressed, cached for a year.
match = re.search(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
assert match, "no hashed static file referenced by the sign-in page"
response, _ = fetch(ports[1], match.group(1), headers={"Accept-Encoding": "gzip"})
cache_control = response.headers.get("Cache-Control", "")
max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
assert response.status == 200 and max_age >= 31536000 and "immutable" in cache_control, cache_control
encoding = response.headers.get("Content-Encoding") or "identity"
print(f"[production-check] WhiteNoise serves {match.group(1)} ({encoding}, {cache_control})")
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
# Mail in and out: a message in the school desk's mailbox becomes a ticket; the desk's agent is
# told by a mail the worker hands to the SMTP server.
"$PY" manage.py shell -v 0 -c '
import imaplib, mailbox, os, time
from email.message import EmailMessage
from email.utils import make_msgid
from directory.models import Desk
from mailin.models import DeskMailbox
from tickets.models import Ticket

box = DeskMailbox.objects.create(
    desk=Desk.objects.get(slug="n0-0341255e"), address="ecole-0341255e@assistance.example",
    imap_host="127.0.0.1", imap_port=int(os.environ["MAILIN_IMAP_PORT"]), imap_ssl=False,
    imap_user=os.environ["MAILIN_IMAP_USER"], imap_password_env="HELPDESK_MAILIN_IMAP_PASSWORD")
mail = EmailMessage()
mail["From"], mail["To"] = "enseignant@example.org", box.address
mail["Subject"], mail["Message-ID"] = "Le cahier de textes reste vide (contrôle de production)", make_msgid(domain="ent.example")
mail.set_content("Bonjour, le cahier de textes de ma classe reste vide depuis ce matin.")
imap = imaplib.IMAP4("127.0.0.1", int(os.environ["MAILIN_IMAP_PORT"]))
imap.login(os.environ["MAILIN_IMAP_USER"], os.environ["MAILIN_IMAP_PASSWORD"])
imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), mail.as_bytes())
imap.logout()
from mailin.imap import poll_all
poll_all()
ticket = Ticket.objects.filter(title__startswith="Le cahier de textes reste vide (contrôle").first()
if ticket is None:
    raise SystemExit("the IMAP poll opened no ticket")
print(f"[production-check] IMAP: the message in the desk mailbox opened {ticket.reference} at {ticket.desk}")
start = time.monotonic()
received = os.path.join(os.environ["HELPDESK_DATA_DIR"], "..", "smtp-received")
while True:
    got = [m for m in mailbox.Maildir(received, create=False) if ticket.reference in str(m["Subject"])] if os.path.isdir(received) else []
    if got:
        break
    if time.monotonic() - start > 60:
        raise SystemExit("no mail about the ticket reached the SMTP server within 60 s")
    time.sleep(0.2)
to = got[0]["To"]
print(f"[production-check] SMTP: the worker mailed {to} about it after {(time.monotonic() - start) * 1000:.0f} ms")
'
echo "[production-check] production profile OK"
