"""Daily counts for the manager dashboard (`DayCount`), exact and always in step with the tickets.

A ticket counts 1 under a few (day, measure, dimensions) keys: the day it was opened, that day
again while it is still open (the backlog), the day it was resolved (at levels 0–1 without the
vendor, or not), the day each of its ticket clocks was met (within target or late), and the due
day of each clock past due and not met (from the moment the breach is raised). Every ticket change
sends `ticket_transitioned` with the values before it; the SLA receiver moves the clocks, then
calls `apply(before, after)` in the same transaction; the breach sweep adds its own (`breached`): the difference between the two
contributions is upserted as increments, so concurrent changes add up instead of overwriting each
other, and a rolled-back change leaves no count behind. `rebuild()` recomputes every row from the
tickets and clocks (after a bulk load; `manage.py rebuild_day_counts --check` compares).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from directory.choices import Level
from tickets.models import ACTIVE

from .models import Clock, ClockKind, ClockState, DayCount

Measure = DayCount.Measure
TICKET_CLOCKS = (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.LEVEL)  # not the legal ones
# The ticket values a contribution depends on (attnames, as in the ticket services' snapshots).
FIELDS = ("school_id", "convention_id", "desk_id", "level", "category", "service", "state",
          "created_at", "resolved_at", "reached_vendor", "resolved_by_desk_id")
KEY = ("day", "measure", "school_id", "convention_key", "desk_key", "level", "category", "service")


def local_day(moment) -> date:
    return timezone.localtime(moment).date()


def _dims(values) -> tuple:
    return (values["school_id"], values["convention_id"] or 0, values["desk_id"] or 0, values["level"],
            values["category"], values["service"] or "")


def ticket_contributions(values: dict, desk_level) -> Counter:
    """The keys one ticket counts in. `desk_level(desk_id)` gives the level of the resolving desk."""
    dims = _dims(values)
    out = Counter()
    opened = local_day(values["created_at"])
    out[(opened, Measure.OPENED.value, *dims)] += 1
    if values["state"] in ACTIVE:
        out[(opened, Measure.OPEN.value, *dims)] += 1
    if values["resolved_at"] is not None:
        by = values["resolved_by_desk_id"]
        low = not values["reached_vendor"] and by is not None and desk_level(by) <= Level.AUTHORITY
        measure = Measure.RESOLVED_LOW if low else Measure.RESOLVED_HIGH
        out[(local_day(values["resolved_at"]), measure.value, *dims)] += 1
    return out


def clock_contribution(values: dict, state, met_at, within_target, due_at, breached_at) -> tuple | None:
    if state == ClockState.MET:
        return (local_day(met_at), (Measure.SLA_MET if within_target else Measure.SLA_LATE).value, *_dims(values))
    if breached_at is not None and state in (ClockState.RUNNING, ClockState.PAUSED):
        return (local_day(due_at or breached_at), Measure.SLA_OVERDUE.value, *_dims(values))
    return None


CLOCK_FIELDS = ("state", "met_at", "met_within_target", "due_at", "breached_at")


def _results(clocks):
    """The clocks that count: met (current run), or past due and still counting."""
    return (clocks.filter(kind__in=TICKET_CLOCKS).filter(Q(state=ClockState.MET) | Q(breached_at__isnull=False))
            .exclude(state=ClockState.CANCELLED).order_by())


def clock_results(ticket_id) -> list[tuple]:
    return list(_results(Clock.objects.filter(ticket_id=ticket_id)).values_list(*CLOCK_FIELDS))


def snapshot(ticket) -> dict:
    return {name: getattr(ticket, name) for name in FIELDS}


def _contributions(values, outcomes, desk_level) -> Counter:
    out = ticket_contributions(values, desk_level)
    for result in outcomes:
        if key := clock_contribution(values, *result):
            out[key] += 1
    return out


def _desk_levels(*snapshots):
    from directory.models import Desk

    ids = {s["resolved_by_desk_id"] for s in snapshots if s and s["resolved_at"] is not None and s["resolved_by_desk_id"]}
    levels = dict(Desk.objects.filter(pk__in=ids).values_list("pk", "level")) if ids else {}
    return levels.__getitem__


def breached(clock, ticket) -> None:
    """The sweep raised `clock`'s breach (ticket locked by the caller): it now counts as overdue."""
    if clock.kind not in TICKET_CLOCKS or clock.state not in (ClockState.RUNNING, ClockState.PAUSED):
        return  # a met clock already counts as met late
    if key := clock_contribution(snapshot(ticket), *[getattr(clock, f) for f in CLOCK_FIELDS]):
        _increment([(key, 1)])


def apply(before: dict | None, before_outcomes, after: dict, after_outcomes) -> None:
    """Move one ticket's counts from its values and clock results before a change (None when it
    is new) to those after it."""
    level = _desk_levels(before, after)
    delta = _contributions(after, after_outcomes, level)
    if before is not None:
        delta.subtract(_contributions(before, before_outcomes, level))
    changes = sorted((key, n) for key, n in delta.items() if n)  # one lock order: no deadlock
    if changes:
        _increment(changes)


def _increment(changes) -> None:
    table = connection.ops.quote_name(DayCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(DayCount._meta.get_field(c.removesuffix("_id")).column) for c in KEY)
    count = connection.ops.quote_name("count")
    rows, params = [], []
    for (day, *rest), n in changes:
        rows.append("(" + ", ".join(["%s"] * (len(KEY) + 1)) + ")")
        params += [connection.ops.adapt_datefield_value(day), *rest, n]
    sql = (f"INSERT INTO {table} ({columns}, {count}) VALUES {', '.join(rows)} "  # nosec B608 - our own quoted names
           f"ON CONFLICT ({columns}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def compute(Ticket=None, Desk=None, Clock=Clock) -> Counter:
    """Every count, recomputed from the tickets and clocks (models passable for a data migration)."""
    if Ticket is None:
        from directory.models import Desk
        from tickets.models import Ticket
    levels = dict(Desk.objects.values_list("pk", "level"))
    counts = Counter()
    for row in Ticket.objects.order_by().values(*FIELDS).iterator(chunk_size=5000):
        counts.update(ticket_contributions(row, levels.__getitem__))
    ticket_fields = [f"ticket__{name}" for name in FIELDS]
    clocks = _results(Clock.objects.filter(ticket__isnull=False)).values_list(*CLOCK_FIELDS, *ticket_fields)
    for row in clocks.iterator(chunk_size=5000):
        result, values = row[:len(CLOCK_FIELDS)], dict(zip(FIELDS, row[len(CLOCK_FIELDS):], strict=True))
        if key := clock_contribution(values, *result):
            counts[key] += 1
    return +counts  # drops zeros


def rebuild(Ticket=None, Desk=None, Clock=Clock, DayCount=DayCount) -> int:
    counts = compute(Ticket, Desk, Clock)
    with transaction.atomic():
        DayCount.objects.all().delete()
        DayCount.objects.bulk_create((DayCount(**dict(zip(KEY, key, strict=True)), count=n) for key, n in counts.items()),
                                     batch_size=2000)
    return len(counts)


def stored() -> Counter:
    return +Counter({tuple(row[:-1]): row[-1] for row in DayCount.objects.values_list(*KEY, "count")})
