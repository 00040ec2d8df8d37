"""Ticket references: ENT-<year>-<6 digits>, numbered per year (gaps are tolerated)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from .models import TicketCounter


def next_reference(today: date | None = None) -> str:
    """ENT-<year>-<6 digits>, numbered per year (gaps are tolerated).

    PostgreSQL: a sequence per year, whose `nextval` never waits (a counter row would be locked
    until the end of each opening's transaction: under a Monday-morning peak every opening queued
    behind it). SQLite has a single writer anyway: a counter row bumped in the transaction."""
    year = (today or timezone.localdate()).year
    if connection.vendor == "postgresql":
        return f"ENT-{year}-{_next_in_sequence(year):06d}"
    number = _bump_counter(year)
    if number is None:
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last=1)
            number = 1
        except IntegrityError:  # created by a concurrent transaction meanwhile
            number = _bump_counter(year)
    return f"ENT-{year}-{number:06d}"


def _next_in_sequence(year: int) -> int:
    name = f"tickets_reference_{int(year)}"
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():  # savepoint: the sequence may not exist yet
                cursor.execute("SELECT nextval(%s)", [name])
                return cursor.fetchone()[0]
        except ProgrammingError:
            pass
        # First ticket of the year on PostgreSQL: start after what the counter row already gave
        # (a database that numbered with it before). A concurrent creator may win: then use theirs.
        start = (TicketCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0) + 1
        try:
            with transaction.atomic():
                cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START {int(start)}')  # nosec B608 - int year/start
        except (IntegrityError, ProgrammingError):
            pass
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


def _bump_counter(year: int) -> int | None:
    # One round trip (SQLite ≥ 3.35 knows UPDATE … RETURNING); None: no row yet.
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        # The only interpolated name is our own model's quoted table name; the value is a parameter.
        cursor.execute(f'UPDATE {table} SET "last" = "last" + 1 WHERE "year" = %s RETURNING "last"', [year])  # nosec B608
        row = cursor.fetchone()
    return row[0] if row else None
