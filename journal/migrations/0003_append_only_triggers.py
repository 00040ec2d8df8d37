"""The journal's append-only rule in the database: UPDATE and DELETE of journal rows are refused by
triggers, whatever the client (raw SQL, `QuerySet.update`, another program on the database).

The one exception is the retention purge (`journal.gate.purge_gate`): inside its transaction it
sets a cutoff, and the trigger lets a DELETE through only for rows older than that cutoff.
- PostgreSQL: the transaction-local setting `journal.purge_cutoff` (set_config(…, true)).
- SQLite: the one-row table `journal_purge_gate`, set and cleared inside the purge's transaction.
TRUNCATE (PostgreSQL's flush) is not a row operation and is left to the database's grants.

SQLite drops a table's triggers when a migration rebuilds the table: a later migration that alters
journal_accessentry must create them again (tests/journal/test_append_only_db.py would fail)."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TABLE journal_purge_gate (id INTEGER PRIMARY KEY CHECK (id = 1), cutoff TEXT NULL)",
    "INSERT INTO journal_purge_gate (id, cutoff) VALUES (1, NULL)",
    """CREATE TRIGGER journal_accessentry_no_update BEFORE UPDATE ON journal_accessentry
    BEGIN SELECT RAISE(ABORT, 'journal_accessentry is append-only: UPDATE refused'); END""",
    # Django stores datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: text order is time order.
    """CREATE TRIGGER journal_accessentry_no_delete BEFORE DELETE ON journal_accessentry
    WHEN NOT EXISTS (SELECT 1 FROM journal_purge_gate WHERE id = 1 AND cutoff IS NOT NULL AND OLD.at < cutoff)
    BEGIN SELECT RAISE(ABORT, 'journal_accessentry is append-only: DELETE refused outside the retention purge'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_accessentry_no_delete",
    "DROP TRIGGER IF EXISTS journal_accessentry_no_update",
    "DROP TABLE IF EXISTS journal_purge_gate",
]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION journal_accessentry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        cutoff text := current_setting('journal.purge_cutoff', true);
    BEGIN
        IF TG_OP = 'DELETE' AND coalesce(cutoff, '') <> '' AND OLD.at < cutoff::timestamptz THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'journal_accessentry is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$""",
    """CREATE TRIGGER journal_accessentry_append_only
    BEFORE UPDATE OR DELETE ON journal_accessentry
    FOR EACH ROW EXECUTE FUNCTION journal_accessentry_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_accessentry_append_only ON journal_accessentry",
    "DROP FUNCTION IF EXISTS journal_accessentry_append_only()",
]

SQL = {"sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD), "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD)}


def _run(direction):
    def run(apps, schema_editor):
        statements = SQL.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"journal: no append-only triggers for {schema_editor.connection.vendor}")
        for statement in statements[direction]:
            schema_editor.execute(statement, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("journal", "0002_bulk_reads"),
    ]

    operations = [
        migrations.RunPython(_run(0), _run(1), elidable=False),
    ]
