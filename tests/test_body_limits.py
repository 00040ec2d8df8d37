"""Bodies too large are refused by the server before they are read (issue 16 item 8): a 150 MB
upload announced by Content-Length gets a 413 at once and the process does not grow; a chunked
body without length is cut once past the cap; an ordinary upload still goes through."""

import http.client
import socket
import time

import pytest

from tests.product import Product

pytestmark = pytest.mark.product

MB = 1024 * 1024


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    p = Product(tmp_path_factory.mktemp("limits")).setup()
    p.start()
    yield p
    p.stop()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def send(product, path: str, *, length: int, chunked: bool = False, body_mb: int = 150) -> tuple[int, bytes, float]:
    """Stream `body_mb` MB (or until the server closes); (status, body, seconds to the answer)."""
    host, port = "127.0.0.1", product.port
    sock = socket.create_connection((host, port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/octet-stream\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
    sock.sendall((head + "\r\n").encode())
    start = time.monotonic()
    chunk = b"x" * MB
    try:
        for _ in range(body_mb):
            sock.sendall((f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: what we want
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        status, body = response.status, response.read()
    except (ConnectionResetError, http.client.RemoteDisconnected):
        status, body = 0, b""
    sock.close()
    return status, body, time.monotonic() - start


def test_a_150_mb_body_is_refused_on_its_length_and_memory_stays_flat(product):
    pid = product.process.pid
    before = rss_kb(pid)
    status, body, _seconds = send(product, "/api/v1/tickets/ENT-2026-000001/attachments/", length=150 * MB)
    assert status == 413 and "trop volumineuse" in body.decode()
    status, body, _seconds = send(product, "/signaler/", length=150 * MB)
    assert status == 413 and "au plus" in body.decode()
    assert rss_kb(pid) - before < 30 * 1024, "the server read the refused bodies into memory"


def test_a_chunked_body_is_cut_past_the_cap(product):
    pid = product.process.pid
    before = rss_kb(pid)
    status, body, _seconds = send(product, "/api/v1/tickets/", length=0, chunked=True, body_mb=120)
    assert status in (413, 0)  # answered 413, or cut before the client could read it
    assert rss_kb(pid) - before < 30 * 1024


def test_a_small_body_still_reaches_the_application(product):
    conn = http.client.HTTPConnection("127.0.0.1", product.port, timeout=30)
    conn.request("POST", "/api/v1/tickets/", body=b"{}", headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 401  # the API answered (no token), not the server's 413


CLIENT = (
    "import json; from api.services import create_api_client; from directory.models import Vendor; "
    "c, secret = create_api_client(vendor=Vendor.objects.get(slug='open-digital-education'), scopes='tickets:read tickets:write'); "
    "print(json.dumps([c.application.client_id, secret]))"
)


def test_the_status_line_names_428(product):
    """Twisted knew no reason phrase for 428: the status line read "428 Unknown Status"."""
    import base64
    import json
    import urllib.parse

    client_id, secret = product.query(CLIENT)
    conn = http.client.HTTPConnection("127.0.0.1", product.port, timeout=30)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    conn.request("POST", "/api/v1/oauth/token/", body=urllib.parse.urlencode({"grant_type": "client_credentials"}),
                 headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(conn.getresponse().read())["access_token"]
    reference = product.query("import json; from tickets.models import Ticket; "
                              "print(json.dumps(Ticket.objects.filter(desk__vendor__slug='open-digital-education').first().reference))")
    conn.request("PATCH", f"/api/v1/tickets/{reference}/", body=b'{"vendor_reference": "X"}',
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    assert (response.status, response.reason) == (428, "Precondition Required")
