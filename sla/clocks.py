"""The clock engine: start / pause / resume / stop / restart with explicit instants.

Every change appends one ClockSegment row (the log is never edited) and refreshes the cached figures
on the Clock: `elapsed_seconds` (finished running segments), `running_since`, `due_at` and
`warning_at`. The due time is always recomputed from the target and the exact elapsed seconds, so it
never drifts however many pauses there are.

Warning and breach events are raised by `raise_due_events(now)` (run every minute by a Huey task):
each is claimed with a conditional UPDATE (`… WHERE warned_at IS NULL`), so two runs at the same
time raise it once.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from .calendar import _epoch
from .models import Clock, ClockEvent, ClockEventKind, ClockSegment, ClockState, SegmentState, TimeBasis

log = logging.getLogger(__name__)


class ClockError(ValueError):
    pass


def _check(at: datetime, name: str = "at"):
    _epoch(at, name)  # refuses naive datetimes with a clear message


def warning_seconds(target: int, ratio) -> int:
    return int((Decimal(target) * Decimal(str(ratio))).to_integral_value(ROUND_CEILING))


def _reschedule(clock: Clock):
    """due_at / warning_at from the exact elapsed seconds (only while running)."""
    if clock.state != ClockState.RUNNING:
        # While paused the due time is unknown (it moves with the pause) unless already passed.
        if clock.state == ClockState.PAUSED and clock.elapsed_seconds < clock.target_seconds:
            clock.due_at = None
        if clock.state == ClockState.PAUSED and clock.warned_at is None:
            clock.warning_at = None
        return
    cal = clock.calendar
    since = clock.running_since
    remaining = clock.target_seconds - clock.elapsed_seconds
    if remaining >= 0:
        clock.due_at = cal.add_business_seconds(since, remaining)
    elif clock.due_at is None:
        clock.due_at = since  # already over target when it resumed
    to_warning = warning_seconds(clock.target_seconds, clock.warning_ratio) - clock.elapsed_seconds
    clock.warning_at = cal.add_business_seconds(since, to_warning) if to_warning >= 0 else since


def _append(clock: Clock, state: str, at: datetime, reason: str = ""):
    clock.segments.create(state=state, at=at, reason=reason[:64], elapsed_before=clock.elapsed_seconds)
    sync_ticket_due(clock.ticket_id)


# Ticket.sla_due_at caches the earliest due time of the ticket's running clocks (the board's sort
# key). It is rewritten in the clock change's transaction; inside `batched_ticket_due()` (one ticket
# event moving several clocks) it is rewritten once at the end of the block.
_batch = threading.local()


def sync_ticket_due(ticket_id):
    if ticket_id is None:
        return
    pending = getattr(_batch, "ids", None)
    if pending is not None:
        pending.add(ticket_id)
    else:
        _write_ticket_due([ticket_id])


def _write_ticket_due(ticket_ids):
    from tickets.annotations import set_sla_due

    due = dict(Clock.objects.filter(ticket_id__in=ticket_ids, state=ClockState.RUNNING).order_by()
               .values("ticket_id").annotate(m=Min("due_at")).values_list("ticket_id", "m"))
    for ticket_id in sorted(ticket_ids):  # one order, as the ticket locks
        set_sla_due(ticket_id, due.get(ticket_id))


@contextmanager
def batched_ticket_due():
    if getattr(_batch, "ids", None) is not None:  # nested: the outer block writes
        yield
        return
    _batch.ids = set()
    try:
        yield
        ids = _batch.ids
    finally:
        _batch.ids = None
    if ids:
        _write_ticket_due(ids)


def _locked(clock: Clock) -> Clock:
    return Clock.objects.select_for_update().get(pk=clock.pk)


def _last_at(clock: Clock, at: datetime):
    last = clock.segments.order_by("-at", "-pk").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise ClockError(f"at: {at.isoformat()} is before the clock's last change ({last.isoformat()})")


def _new_clock(
    *, kind: str, target_seconds: int, at: datetime, time_basis: str = TimeBasis.BUSINESS,
    calendar_zone: str = "", calendar_subdivision: str = "", warning_ratio=Decimal("0.75"),
    policy=None, level=None, ticket=None, paused: bool = False, note: str = "",
) -> Clock:
    _check(at)
    if target_seconds <= 0:
        raise ClockError(f"target_seconds: {target_seconds} must be positive")
    fields = dict(
        kind=kind, target_seconds=target_seconds, time_basis=time_basis, calendar_zone=calendar_zone or "",
        calendar_subdivision=calendar_subdivision or "", warning_ratio=warning_ratio, policy=policy, level=level,
        state=ClockState.PAUSED if paused else ClockState.RUNNING, started_at=at,
        running_since=None if paused else at, note=note,
    )
    if ticket is not None:
        fields["ticket"] = ticket
    clock = Clock(**fields)
    _reschedule(clock)
    return clock


@transaction.atomic
def start_clock(**spec) -> Clock:
    """Arguments: see `_new_clock` (kind, target_seconds, at, time_basis, calendar_zone, …)."""
    clock = _new_clock(**spec)
    clock.save()
    _append(clock, SegmentState.PAUSED if spec.get("paused") else SegmentState.RUNNING, spec["at"], "start")
    return clock


@transaction.atomic
def start_clocks(specs: list[dict]) -> list[Clock]:
    """Several clocks at once (a ticket's targets when it opens): two INSERTs whatever their number."""
    clocks = [_new_clock(**spec) for spec in specs]
    if not clocks:
        return []
    Clock.objects.bulk_create(clocks)
    ClockSegment.objects.bulk_create([
        ClockSegment(clock=c, state=SegmentState.PAUSED if spec.get("paused") else SegmentState.RUNNING,
                     at=spec["at"], reason="start", elapsed_before=0)
        for c, spec in zip(clocks, specs)
    ])
    for ticket_id in {c.ticket_id for c in clocks}:
        sync_ticket_due(ticket_id)
    return clocks


@transaction.atomic
def pause_clock(clock: Clock, at: datetime, reason: str = "waiting_requester") -> Clock:
    _check(at)
    clock = _locked(clock)
    if clock.state != ClockState.RUNNING:
        return clock  # idempotent: pausing a paused or stopped clock changes nothing
    _last_at(clock, at)
    clock.elapsed_seconds += clock.calendar.business_seconds(clock.running_since, at)
    clock.state = ClockState.PAUSED
    clock.running_since = None
    _reschedule(clock)
    clock.save()
    _append(clock, SegmentState.PAUSED, at, reason)
    return clock


@transaction.atomic
def resume_clock(clock: Clock, at: datetime, reason: str = "resume") -> Clock:
    _check(at)
    clock = _locked(clock)
    if clock.state != ClockState.PAUSED:
        return clock
    _last_at(clock, at)
    clock.state = ClockState.RUNNING
    clock.running_since = at
    _reschedule(clock)
    clock.save()
    _append(clock, SegmentState.RUNNING, at, reason)
    return clock


@transaction.atomic
def stop_clock(clock: Clock, at: datetime, *, by=None, reason: str = "met", cancel: bool = False) -> Clock:
    """Met (or cancelled): the clock stops counting; `met_within_target` is exact to the second
    (met exactly at the due second counts as within target)."""
    _check(at)
    clock = _locked(clock)
    if clock.state in (ClockState.MET, ClockState.CANCELLED):
        return clock
    _last_at(clock, at)
    if clock.state == ClockState.RUNNING:
        clock.elapsed_seconds += clock.calendar.business_seconds(clock.running_since, at)
    clock.running_since = None
    if cancel:
        clock.state = ClockState.CANCELLED
    else:
        clock.state = ClockState.MET
        clock.met_at = at
        clock.met_by = by
        clock.met_within_target = clock.elapsed_seconds <= clock.target_seconds
    clock.save()
    _append(clock, SegmentState.STOPPED, at, reason)
    if not cancel:
        _record_event(clock, ClockEventKind.MET, at)
    return clock


@transaction.atomic
def restart_clock(clock: Clock, at: datetime, *, reset: bool = True, reason: str = "reopen") -> Clock:
    """Reopen: a new run from zero (`reset`, the default of policies) or counting on from the
    elapsed seconds at stop. The previous run's result stays in the log and in its MET event."""
    _check(at)
    clock = _locked(clock)
    if clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        return clock
    _last_at(clock, at)
    if reset:
        clock.run += 1
        clock.elapsed_seconds = 0
        clock.warned_at = clock.breached_at = None
        clock.due_at = None
    clock.state = ClockState.RUNNING
    clock.running_since = at
    clock.met_at = clock.met_by = clock.met_within_target = None
    _reschedule(clock)
    clock.save()
    _append(clock, SegmentState.RUNNING, at, reason)
    return clock


def _record_event(clock: Clock, kind: str, at: datetime) -> ClockEvent | None:
    try:
        with transaction.atomic():
            event = ClockEvent.objects.create(clock=clock, kind=kind, run=clock.run, at=at)
    except IntegrityError:
        return None  # already raised for this run
    from .notify import clock_event_raised

    clock_event_raised(clock, event)
    return event


def _claim_breaches(candidates, still, now, due) -> int:
    """Claim each breach once (conditional UPDATE) and count it on the dashboard (rollup). The
    ticket is locked first, as a transition does, so the two never see each other half-way."""
    from tickets.models import Ticket

    from . import rollup

    raised = 0
    for pk, ticket_id in list(candidates.values_list("pk", "ticket_id")[:5000]):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first() if ticket_id else None
            if Clock.objects.filter(still, pk=pk, breached_at__isnull=True).update(breached_at=now):
                clock = Clock.objects.get(pk=pk)
                if ticket is not None:
                    rollup.breached(clock, ticket)
                if _record_event(clock, ClockEventKind.BREACH, due(clock)):
                    raised += 1
    return raised


def raise_due_events(now: datetime | None = None) -> dict[str, int]:
    """Warning and breach events due at `now`, each raised exactly once."""
    now = now or timezone.now()
    _check(now, "now")
    raised = {"warning": 0, "breach": 0}
    candidates = Clock.objects.filter(state=ClockState.RUNNING, warned_at__isnull=True, warning_at__lte=now)
    for pk in list(candidates.values_list("pk", flat=True)[:5000]):
        with transaction.atomic():
            claimed = Clock.objects.filter(
                pk=pk, state=ClockState.RUNNING, warned_at__isnull=True, warning_at__lte=now
            ).update(warned_at=now)
            if claimed:
                clock = Clock.objects.get(pk=pk)
                if _record_event(clock, ClockEventKind.WARNING, clock.warning_at):
                    raised["warning"] += 1
    # Breach: strictly after the due second (met exactly at the due second is within target).
    candidates = Clock.objects.filter(state=ClockState.RUNNING, breached_at__isnull=True, due_at__lt=now)
    raised["breach"] += _claim_breaches(candidates, Q(state=ClockState.RUNNING, due_at__lt=now), now, lambda c: c.due_at)
    # A clock paused (or met late) after crossing its due time between two runs still breaches once.
    late = Clock.objects.filter(
        state__in=[ClockState.PAUSED, ClockState.MET], breached_at__isnull=True,
        elapsed_seconds__gt=F("target_seconds"),
    )
    raised["breach"] += _claim_breaches(late, Q(), now, lambda c: c.due_at or now)
    return raised
