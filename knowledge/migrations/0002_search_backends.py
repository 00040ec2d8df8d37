"""The search backends (knowledge.search): on PostgreSQL the `unaccent` extension, the
`french_unaccent` text search configuration (french Snowball stems after unaccent) and the GIN
index on SearchEntry.vector; on SQLite the FTS5 table `knowledge_fts`. Each runs on its own
database only. Existing tickets and comments are then indexed."""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION french_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS kb_entry_vector_gin ON knowledge_searchentry USING gin (vector)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS kb_entry_vector_gin", "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent"]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5(title, body, "
    "tokenize='unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS knowledge_fts"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = PG_FORWARD if vendor == "postgresql" else SQLITE_FORWARD if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql)
    backfill(apps, schema_editor)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def backfill(apps, schema_editor):
    from knowledge.search import write_entries

    Ticket = apps.get_model("tickets", "Ticket")
    Comment = apps.get_model("tickets", "Comment")
    SearchEntry = apps.get_model("knowledge", "SearchEntry")
    batch = []
    for t in Ticket.objects.only("pk", "title", "description", "resolution_summary").iterator(chunk_size=2000):
        body = "\n".join(p for p in (t.description, t.resolution_summary) if p)
        batch.append(SearchEntry(ticket_id=t.pk, visibility="public", title=t.title, body=body))
    for c in Comment.objects.only("pk", "ticket_id", "body", "visibility", "organisation").iterator(chunk_size=2000):
        batch.append(SearchEntry(ticket_id=c.ticket_id, comment_id=c.pk, visibility=c.visibility,
                                 organisation=c.organisation, body=c.body))
    for i in range(0, len(batch), 2000):
        write_entries(SearchEntry.objects.bulk_create(batch[i:i + 2000]), perimeter=False)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial"), ("tickets", "0011_notification_without_ticket")]
    operations = [migrations.RunPython(forward, backward)]
