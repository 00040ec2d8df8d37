"""The database side of the journal's append-only rule (triggers of migration 0003): the one
opening they allow, for the retention purge, and the test/dev flush on SQLite."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

TABLE = "journal_accessentry"
SQLITE_GATE = "journal_purge_gate"  # written literally in the SQL below
POSTGRES_SETTING = "journal.purge_cutoff"


def _set_cutoff(cursor, cutoff) -> None:
    vendor = connection.vendor
    if vendor == "postgresql":
        value = cutoff.isoformat() if cutoff is not None else ""
        cursor.execute("SELECT set_config(%s, %s, true)", [POSTGRES_SETTING, value])
    elif vendor == "sqlite":
        value = connection.ops.adapt_datetimefield_value(cutoff) if cutoff is not None else None
        cursor.execute("UPDATE journal_purge_gate SET cutoff = %s WHERE id = 1", [value])


@contextmanager
def purge_gate(cutoff):
    """Lets DELETE through for rows older than `cutoff`, for the enclosing transaction only.

    Must run inside transaction.atomic: on an error the rollback undoes the opening as well (an
    aborted PostgreSQL transaction accepts no statement to close it)."""
    if not connection.in_atomic_block:
        raise RuntimeError("purge_gate needs a transaction")
    with connection.cursor() as cursor:
        _set_cutoff(cursor, cutoff)
    yield
    with connection.cursor() as cursor:
        _set_cutoff(cursor, None)


def install_sqlite_flush_gate() -> None:
    """`flush` (TransactionTestCase, `manage.py flush`) empties every table with DELETE on SQLite:
    it opens the gate for everything around its own statements, in its own transaction.
    PostgreSQL flushes with TRUNCATE, which row triggers do not see."""
    from django.conf import settings

    if not any("sqlite3" in db.get("ENGINE", "") for db in settings.DATABASES.values()):
        return
    # Through the backend's base module: importing `operations` first is a circular import.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class
    original = DatabaseOperations.sql_flush
    if getattr(original, "journal_gate", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if statements and TABLE in tables and SQLITE_GATE in self.connection.introspection.table_names():
            statements = ["UPDATE journal_purge_gate SET cutoff = '9999-12-31' WHERE id = 1;", *statements,
                          "UPDATE journal_purge_gate SET cutoff = NULL WHERE id = 1;"]
        return statements

    sql_flush.journal_gate = True
    DatabaseOperations.sql_flush = sql_flush
