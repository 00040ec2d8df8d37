"""Webhooks, security round 2 (issue 16): outages reach only the subscribers who may list them,
destinations are checked against SSRF (at subscription and again at connect time), recorded
errors are status classes, and the signing secret is shown only when it is created."""

import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from sla import selectors as sla_selectors
from sla.models import Service
from sla.outages import declare_outage
from tickets import outbox

PARIS = ZoneInfo("Europe/Paris")


def run_all():
    outbox.deliver_pending(limit=1000)
    for pk in webhooks.due_ids():
        webhooks.attempt(pk)


@pytest.fixture
def no_loopback(settings):
    settings.HELPDESK = {**settings.HELPDESK, "WEBHOOK_ALLOW_LOOPBACK": False}
    settings.DEBUG = False


def _fake_dns(monkeypatch, answers):
    """Resolve the names of `answers` to the given addresses (a list: one per successive call)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            ip = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", getaddrinfo)


# --- item 2: outages follow GET /api/v1/outages/ -------------------------------------------------

def test_an_outage_goes_only_to_subscribers_who_may_list_it(world, make_client, captured):
    ode_client, ode = make_client(vendor="ode")
    kosmos_client, kosmos = make_client(vendor="kosmos")
    for http in (ode, kosmos):
        assert http.post("/api/v1/webhooks/", {"url": "https://vendor.example/hook", "events": ["outage.opened"]},
                         format="json").status_code == 201
    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    outage = declare_outage(ent, actor=world.users["erun"], scope="academie", academie=world.academies["montpellier"],
                            started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS), cause="Panne SSO")
    # The rule of the list: ODE (Montpellier's ENT) lists it, Kosmos (Grand Est) does not.
    assert sla_selectors.visible_outages(ode_client.service_user).filter(pk=outage.pk).exists()
    assert not sla_selectors.visible_outages(kosmos_client.service_user).filter(pk=outage.pk).exists()
    assert outage.pk not in [o["id"] for o in kosmos.get("/api/v1/outages/").json()["results"]]
    run_all()
    assert WebhookDelivery.objects.filter(subscription__client=ode_client, event_type="outage.opened").count() == 1
    assert not WebhookDelivery.objects.filter(subscription__client=kosmos_client).exists()


# --- item 4: SSRF ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook", "https://10.1.2.3/hook",
    "https://192.168.0.10/hook", "https://172.16.5.4/hook", "https://169.254.169.254/latest/meta-data/",
    "https://224.0.0.1/hook", "https://0.0.0.0/hook", "https://240.0.0.1/hook", "https://[::ffff:127.0.0.1]/hook",
    "https://[fe80::1]/hook", "https://100.64.0.1/hook", "https://2130706433/hook",
])
def test_internal_destinations_are_refused(world, make_client, no_loopback, url):
    _c, http = make_client(vendor="ode")
    response = http.post("/api/v1/webhooks/", {"url": url, "events": ["ticket.resolved"]}, format="json")
    assert response.status_code == 400, (url, response.content)
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert "url" in errors, response.json()
    assert not WebhookSubscription.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_in_french(world, make_client, no_loopback, monkeypatch):
    _fake_dns(monkeypatch, {"intranet.vendor.example": ["10.0.0.7"]})
    _c, http = make_client(vendor="ode", lang="fr")
    response = http.post("/api/v1/webhooks/", {"url": "https://intranet.vendor.example/h", "events": ["ticket.resolved"]},
                         format="json")
    assert response.status_code == 400
    error = next(e for e in response.json()["errors"] if e["field"] == "url")
    assert "adresse" in error["message"] and "10.0.0.7" not in error["message"]
    # A PATCH is checked the same way.
    ok = http.post("/api/v1/webhooks/", {"url": "https://vendor.example/h", "events": ["ticket.resolved"]}, format="json")
    assert ok.status_code == 201
    patched = http.patch(f"/api/v1/webhooks/{ok.json()['id']}/", {"url": "https://intranet.vendor.example/h"}, format="json")
    assert patched.status_code == 400 and "url" in {e["field"] for e in patched.json()["errors"]}


def test_http_is_refused_in_production_unless_loopback_is_allowed(world, make_client, no_loopback, settings):
    _c, http = make_client(vendor="ode")
    response = http.post("/api/v1/webhooks/", {"url": "http://vendor.example/h", "events": ["ticket.resolved"]}, format="json")
    assert response.status_code == 400 and "url" in {e["field"] for e in response.json()["errors"]}
    settings.HELPDESK = {**settings.HELPDESK, "WEBHOOK_ALLOW_LOOPBACK": True}
    for url in ("http://vendor.example/h", "http://127.0.0.1:8001/hook"):
        response = http.post("/api/v1/webhooks/", {"url": url, "events": ["ticket.resolved"]}, format="json")
        assert response.status_code == 201, (url, response.content)
    # The loopback setting opens loopback only, never the private networks.
    response = http.post("/api/v1/webhooks/", {"url": "https://10.0.0.1/h", "events": ["ticket.resolved"]}, format="json")
    assert response.status_code == 400


def test_loopback_is_allowed_by_default_outside_production(settings):
    """On in the embedded profile (development, tests), off in production (this suite runs in both)."""
    import os

    if "HELPDESK_WEBHOOK_ALLOW_LOOPBACK" in os.environ:
        pytest.skip("set explicitly in this environment")
    assert settings.HELPDESK["WEBHOOK_ALLOW_LOOPBACK"] is (settings.PROFILE != "production")


def test_dns_rebinding_is_caught_at_connect_time(no_loopback, monkeypatch):
    """The name resolved to a public address when subscribing, to 127.0.0.1 when sending: nothing
    is connected to; the one checked address is the one connected to."""
    _fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    connected = []
    monkeypatch.setattr(webhooks.socket, "create_connection", lambda address, *a, **k: connected.append(address))
    status, error = webhooks._post("https://rebind.example/hook", "{}", {"content-type": "application/json"})
    assert (status, error) == (None, "destination refused") and connected == []


def test_the_checked_address_is_the_one_connected_to(no_loopback, monkeypatch):
    _fake_dns(monkeypatch, {"public.example": ["93.184.216.34", "127.0.0.1"]})   # second answer: rebinding
    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("[Errno 111] secret internal detail")

    monkeypatch.setattr(webhooks.socket, "create_connection", create_connection)
    status, error = webhooks._post("https://public.example:8443/hook", "{}", {})
    assert connected == [("93.184.216.34", 8443)]
    assert (status, error) == (None, "connection refused")


def test_recorded_errors_are_status_classes_never_the_remote_text(world, make_client, monkeypatch):
    from .factories import vendor_ticket

    _c, ode = make_client(vendor="ode")
    ode.post("/api/v1/webhooks/", {"url": "https://vendor.example/hook", "events": ["ticket.escalated"]}, format="json")
    monkeypatch.setattr(webhooks, "transport", lambda url, body, headers: (503, "Service down: db password=hunter2"))
    vendor_ticket(world)
    run_all()
    errors = set(WebhookDelivery.objects.values_list("last_error", flat=True))
    assert errors == {"HTTP 5xx"}
    assert all("hunter2" not in str(d.log) for d in WebhookDelivery.objects.all())
    # The transport's own errors are classes too.
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(socket.gaierror("x")))
    assert webhooks._post("https://nowhere.example/h", "{}", {}) == (None, "DNS resolution failed")

    def timeout(*a, **k):
        raise TimeoutError("timed out after reading b'secret'")

    _fake_dns(monkeypatch, {"slow.example": ["93.184.216.34"]})
    monkeypatch.setattr(webhooks.socket, "create_connection", timeout)
    assert webhooks._post("https://slow.example/h", "{}", {}) == (None, "timeout")


# --- item 5: the secret is shown once ----------------------------------------------------------

def test_the_secret_is_shown_only_at_creation_and_rotation(world, make_client):
    _c, http = make_client(vendor="ode")
    created = http.post("/api/v1/webhooks/", {"url": "https://vendor.example/h", "events": ["ticket.resolved"]}, format="json")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    pk = created.json()["id"]
    listed = http.get("/api/v1/webhooks/").json()
    assert listed and all("secret" not in row for row in listed)
    assert "secret" not in http.get(f"/api/v1/webhooks/{pk}/").json()
    assert "secret" not in http.patch(f"/api/v1/webhooks/{pk}/", {"description": "x"}, format="json").json()
    rotated = http.post(f"/api/v1/webhooks/{pk}/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created.json()["secret"]
    assert WebhookSubscription.objects.get(pk=pk).secret == rotated["secret"]
    assert "secret" not in http.get(f"/api/v1/webhooks/{pk}/").json()


def test_the_real_transport_posts_to_a_local_receiver_when_loopback_is_allowed(settings, monkeypatch):
    """End to end through the pinned connection: the Host header names the URL's host, the remote's
    text never comes back, a redirect is not followed."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append((self.path, self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"]))))
            code = {"/ok": 204, "/boom": 502, "/moved": 302}[self.path.split("?")[0]]
            self.send_response(code)
            if code == 302:
                self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()
            self.wfile.write(b"internal stack trace")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    _fake_dns(monkeypatch, {"receiver.test": ["127.0.0.1"]})
    try:
        settings.HELPDESK = {**settings.HELPDESK, "WEBHOOK_ALLOW_LOOPBACK": True}
        assert webhooks._post(f"http://receiver.test:{port}/ok?x=1", '{"a":1}', {"content-type": "application/json"}) == (204, "")
        assert seen[-1] == ("/ok?x=1", f"receiver.test:{port}", b'{"a":1}')
        assert webhooks._post(f"http://127.0.0.1:{port}/boom", "{}", {}) == (502, "HTTP 5xx")
        assert webhooks._post(f"http://127.0.0.1:{port}/moved", "{}", {}) == (302, "HTTP 3xx")
        assert len(seen) == 3
        settings.HELPDESK = {**settings.HELPDESK, "WEBHOOK_ALLOW_LOOPBACK": False}
        assert webhooks._post(f"http://127.0.0.1:{port}/ok", "{}", {}) == (None, "destination refused")
        assert len(seen) == 3
    finally:
        server.shutdown()
        server.server_close()
