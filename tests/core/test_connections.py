"""Persistent SQLite connections (core.db, issue 21): requests through Django's real ASGI handler
(each sync view in a thread of its own, as under daphne) reuse pooled connections, leak none, and
still see every committed change on the very next request (a revoked token, a removed membership)."""

import asyncio
import os
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.db.backends.sqlite3 import base as sqlite3_base

from api.services import create_api_client, revoke_client
from core.db.sqlite3 import base as pool
from directory.demo import build_demo_world
from directory.models import Membership
from tests.api.conftest import fetch_token
from tests.api.factories import open_ticket, to_level

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded profile's SQLite pool")

N = 40


@pytest.fixture
def connects(monkeypatch):
    """Counts the real sqlite3 connections opened (not the ones taken from the pool)."""
    opened = []
    real = sqlite3_base.DatabaseWrapper.get_new_connection

    def counting(self, conn_params):
        opened.append(1)
        return real(self, conn_params)

    monkeypatch.setattr(sqlite3_base.DatabaseWrapper, "get_new_connection", counting)
    return opened


@pytest.fixture
def asgi(settings):
    settings.ROOT_URLCONF = "helpdesk.urls"
    app = ASGIHandler()

    def get(path, headers=()):
        query = path.partition("?")[2]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path.partition("?")[0], "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
            "headers": [(b"host", b"testserver"), *((k.encode(), v.encode()) for k, v in headers)],
        }
        sent, messages = [], [{"type": "http.request", "body": b"", "more_body": False}]

        async def run():
            done = asyncio.Event()

            async def receive():
                if messages:
                    return messages.pop()
                await done.wait()  # the client stays until the answer is sent
                return {"type": "http.disconnect"}

            async def send(message):
                sent.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    done.set()

            await app(scope, receive, send)

        async_to_sync(run)()
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status, body

    return get


def open_database_files() -> int:
    """File descriptors of this process on the database file itself (one per open connection)."""
    name = os.path.realpath(connection.settings_dict["NAME"])
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.path.realpath(os.readlink(fd)) == name
        except OSError:
            pass
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts file descriptors in /proc")
def test_requests_through_the_asgi_handler_reuse_connections_and_leak_none(transactional_db, asgi, connects):
    asgi("/healthz")  # warm: one connection in the pool
    before, opened_before = open_database_files(), len(connects)
    for _ in range(N):
        assert asgi("/healthz")[0] == 200
    assert len(connects) - opened_before <= 1  # requests run one after the other: the same connection
    assert open_database_files() - before <= 1
    assert pool.idle_count(connection.settings_dict["NAME"]) <= pool.POOL_SIZE


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts file descriptors in /proc")
def test_without_the_pool_each_request_opens_and_closes_its_own(transactional_db, asgi, connects, monkeypatch):
    monkeypatch.setattr(pool, "POOL_SIZE", 0)
    pool.close_pool()
    asgi("/healthz")
    before, opened_before = open_database_files(), len(connects)
    for _ in range(10):
        assert asgi("/healthz")[0] == 200
    assert len(connects) - opened_before == 10
    assert open_database_files() == before  # closed, not left to the garbage collector


def test_a_half_read_cursor_never_keeps_its_snapshot_in_the_pool(transactional_db):
    from django.db import connections

    with connection.cursor() as c:
        c.execute("CREATE TABLE pool_probe (n integer)")
        c.executemany("INSERT INTO pool_probe VALUES (%s)", [(i,) for i in range(500)])
    connection.close()
    reader = connections.create_connection("default")
    cursor = reader.cursor()
    cursor.execute("SELECT n FROM pool_probe")
    cursor.fetchone()  # left unfinished: its statement holds a WAL read snapshot
    raw = reader.connection
    reader.close()  # back to the pool, the statement reset
    assert pool.idle_count(connection.settings_dict["NAME"]) >= 1
    with connection.cursor() as c:  # another connection commits
        c.execute("INSERT INTO pool_probe VALUES (1000)")
    connection.close()
    again = connections.create_connection("default")
    with again.cursor() as c:
        c.execute("SELECT count(*) FROM pool_probe")
        assert c.fetchone()[0] == 501
    assert again.connection is raw or again.connection is not None
    again.close()
    with connection.cursor() as c:
        c.execute("DROP TABLE pool_probe")


def test_an_open_transaction_never_goes_back_to_the_pool(transactional_db):
    from django.db import connections

    pool.close_pool()
    other = connections.create_connection("default")
    other.ensure_connection()
    other.connection.execute("BEGIN")
    raw = other.connection
    other.close()
    assert pool.idle_count(connection.settings_dict["NAME"]) == 0
    with pytest.raises(Exception):
        raw.execute("SELECT 1")  # closed


@pytest.mark.parametrize("pool_size", [pool.POOL_SIZE, 0], ids=["pooled", "new-connection"])
def test_revocation_and_membership_changes_take_effect_on_the_next_request(transactional_db, asgi, connects,
                                                                           monkeypatch, pool_size):
    monkeypatch.setattr(pool, "POOL_SIZE", pool_size)
    world = build_demo_world("test-password-123")
    ticket = to_level(world, open_ticket(world), 1)  # at ERUN Lattes
    client, secret = create_api_client(desk=world.desks["erun-lattes"], scopes="tickets:read",
                                       owner_email="owner@example.org")
    token = fetch_token(client.application.client_id, secret).json()["access_token"]
    bearer = [("authorization", f"Bearer {token}")]

    status, body = asgi("/api/v1/tickets/", bearer)
    assert status == 200 and ticket.reference.encode() in body
    opened = len(connects)

    Membership.objects.filter(user=client.service_user, desk=ticket.desk).delete()
    status, body = asgi("/api/v1/tickets/", bearer)
    assert status == 200 and ticket.reference.encode() not in body

    revoke_client(client)
    assert asgi("/api/v1/tickets/", bearer)[0] == 401
    # pooled: both answers came from connections kept since the first request, not new ones
    assert (len(connects) - opened == 0) if pool_size else (len(connects) - opened >= 2)
