"""The journal's append-only rule holds in the database too: triggers refuse UPDATE and DELETE
of journal rows, whatever the client (raw SQL, a bulk QuerySet write); only the retention purge
deletes, and only rows older than its cutoff."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.test import override_settings
from django.utils import timezone

from journal.models import AccessEntry, Action, Interface, ObjectType
from journal.services import purge_expired, record

TABLE = AccessEntry._meta.db_table


def backdated(days, label):
    """A line written `days` ago (an INSERT: the only write the journal accepts)."""
    entry = AccessEntry(at=timezone.now() - timedelta(days=days), interface=Interface.SYSTEM,
                        action=Action.VIEW, object_type=ObjectType.OTHER, object_label=label)
    entry.save()
    return entry


def refused(sql, params=()):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_is_refused_by_the_database(world, u):
    e = record(u["dpo"], Action.VIEW, u["enseignant"])
    refused(f"UPDATE {TABLE} SET object_label = %s WHERE id = %s", ["réécrit", e.pk])
    refused(f"UPDATE {TABLE} SET at = %s", [timezone.now() - timedelta(days=4000)])
    assert AccessEntry.objects.get(pk=e.pk).object_label == "enseignant"


def test_raw_delete_is_refused_by_the_database_even_for_old_rows(world, u):
    e = record(u["dpo"], Action.VIEW, u["enseignant"])
    old = backdated(4000, "ancienne ligne")
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [e.pk])
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [old.pk])
    refused(f"DELETE FROM {TABLE}")
    assert AccessEntry.objects.filter(pk__in=[e.pk, old.pk]).count() == 2


def test_orm_bulk_writes_that_bypass_the_queryset_guard_are_refused(world, u):
    e = record(u["dpo"], Action.VIEW, u["enseignant"])
    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet.update(AccessEntry.objects.filter(pk=e.pk), object_label="réécrit")
    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet.delete(AccessEntry.objects.filter(pk=e.pk))
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEntry.objects.filter(pk=e.pk)._raw_delete(connection.alias)
    assert AccessEntry.objects.filter(pk=e.pk, object_label="enseignant").exists()


@override_settings(HELPDESK={"ACCESS_LOG_RETENTION_DAYS": 365})
def test_purge_still_deletes_past_retention_and_the_gate_closes_after_it(world):
    old, recent = backdated(366, "vieille"), backdated(364, "récente")
    assert purge_expired() == 1
    assert not AccessEntry.objects.filter(pk=old.pk).exists()
    assert AccessEntry.objects.filter(pk=recent.pk).exists()
    # Once the purge is over, nothing is deletable again, old rows included.
    older = backdated(4000, "très vieille")
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [older.pk])


@override_settings(HELPDESK={"ACCESS_LOG_RETENTION_DAYS": 365})
def test_purge_gate_is_closed_even_when_the_purge_fails(world, monkeypatch):
    import journal.services as services

    backdated(400, "vieille")
    monkeypatch.setattr(services, "record", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        purge_expired()
    older = backdated(4000, "très vieille")
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [older.pk])


@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_still_empties_the_journal():
    """SQLite's flush is a DELETE per table: it opens the gate for its own statements only."""
    backdated(1, "ligne d'un test transactionnel")
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert not AccessEntry.objects.exists()
    e = backdated(4000, "après le flush")
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [e.pk])
