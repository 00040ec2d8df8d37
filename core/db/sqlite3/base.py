"""Django's SQLite backend with a per-process pool of idle sqlite3 connections.

Why: under daphne every request runs its sync code in a thread of its own (Django's ASGI handler
wraps each request in asgiref's ThreadSensitiveContext, whose executor is created and shut down
with the request), so CONN_MAX_AGE > 0 keeps one connection per dead thread instead of reusing
one. Opening a connection costs its PRAGMAs (WAL, synchronous, busy_timeout, foreign keys) and
function registrations, about 0.9 ms per request.

How: Django's own life cycle is unchanged (CONN_MAX_AGE=0: `close_old_connections` closes the
connection at the end of each request, tests and commands close it as before); only the sqlite3
object outlives the close. A connection goes back to the pool only when it is clean:

- no transaction open (`in_transaction` false: autocommit, nothing pending);
- no unfinished statement: every cursor Django made on it is closed first (a cursor left half-read
  would keep its WAL read snapshot, and the next request would read the past);
- made by this process (the pool is keyed by pid: a fork never shares a connection) for the same
  database file.

A connection taken from the pool starts in autocommit with no snapshot, so each request reads the
latest committed data: a revoked token or a removed membership takes effect on the next request,
as with a new connection. The PRAGMAs run once per real connection (Django's `init_command`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref

from django.db.backends.sqlite3 import base as sqlite3_base

POOL_SIZE = int(os.environ.get("SQLITE_POOL_SIZE", "8"))  # idle connections kept per process and file

_lock = threading.Lock()
_idle: dict[tuple[int, str], list["PooledConnection"]] = {}


class PooledConnection(sqlite3.Connection):
    """A sqlite3 connection that knows the cursors made on it (closed when it goes back)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.django_cursors = weakref.WeakSet()
        self.pool_key = None


def _key(conn_params) -> tuple[int, str]:
    return (os.getpid(), str(conn_params["database"]))


def idle_count(name=None) -> int:
    """Idle pooled connections of this process (for one database file, or all): tests, benches."""
    with _lock:
        return sum(len(conns) for (pid, db), conns in _idle.items()
                   if pid == os.getpid() and (name is None or db == str(name)))


def close_pool(name=None) -> None:
    """Close the idle connections of this process (for one database file, or all)."""
    with _lock:
        keys = [k for k in _idle if name is None or k[1] == str(name)]
        # Another pid's connections came through a fork: dropped, never used or closed here.
        conns = [c for k in keys for c in _idle.pop(k) if k[0] == os.getpid()]
    for conn in conns:
        try:
            conn.close()
        except sqlite3.Error:
            pass


def _healthy(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1").fetchone()
    except sqlite3.Error:
        return False
    return not conn.in_transaction


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    def _pooled(self) -> bool:
        return POOL_SIZE > 0 and not self.is_in_memory_db()

    def get_connection_params(self):
        params = super().get_connection_params()
        if self._pooled():
            params.setdefault("factory", PooledConnection)
        return params

    def get_new_connection(self, conn_params):
        if self._pooled() and conn_params.get("factory") is PooledConnection:
            key = _key(conn_params)
            while True:
                with _lock:
                    conns = _idle.get(key)
                    conn = conns.pop() if conns else None
                if conn is None:
                    break
                if _healthy(conn):
                    return conn
                conn.close()
        conn = super().get_new_connection(conn_params)
        if isinstance(conn, PooledConnection):
            conn.pool_key = _key(conn_params)
        return conn

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if isinstance(self.connection, PooledConnection):
            self.connection.django_cursors.add(cursor)
        return cursor

    def _close(self):
        conn = self.connection
        if not isinstance(conn, PooledConnection) or conn.pool_key is None or conn.pool_key[0] != os.getpid():
            return super()._close()
        key = conn.pool_key
        with self.wrap_database_errors:
            for cursor in list(conn.django_cursors):
                try:
                    cursor.close()  # resets its statement: no read snapshot survives the request
                except sqlite3.Error:
                    pass
            conn.django_cursors = weakref.WeakSet()
            if conn.in_transaction:  # never lend a connection with something pending
                return conn.close()
            with _lock:
                conns = _idle.setdefault(key, [])
                if len(conns) < POOL_SIZE:
                    conns.append(conn)
                    return None
            return conn.close()


class DatabaseCreation(sqlite3_base.DatabaseWrapper.creation_class):
    """Test databases are deleted and re-created: drop the pooled connections to them first."""

    def _create_test_db(self, *args, **kwargs):
        close_pool()
        return super()._create_test_db(*args, **kwargs)

    def _destroy_test_db(self, *args, **kwargs):
        close_pool()
        return super()._destroy_test_db(*args, **kwargs)


DatabaseWrapper.creation_class = DatabaseCreation
