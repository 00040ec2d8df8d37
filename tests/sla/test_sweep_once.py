"""The periodic clock sweep runs once per minute however many Huey workers enqueue it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from helpdesk.locks import tick
from sla import clocks
from sla.tasks import check_sla_clocks

pytestmark = pytest.mark.django_db
NOON = datetime(2031, 5, 6, 12, 0, 10, tzinfo=UTC)


@pytest.fixture
def sweeps(monkeypatch):
    """Count the sweeps actually done; forget the lock keys of the minutes used here (shared cache)."""
    done = []
    keys = [f"lock:sla-sweep:{tick(60, (NOON + timedelta(minutes=m)).timestamp())}" for m in (0, 1)]
    cache.delete_many(keys)
    monkeypatch.setattr(clocks, "raise_due_events", lambda: done.append(1) or {"warning": 0, "breach": 0})
    yield done
    cache.delete_many(keys)


def test_a_second_concurrent_copy_in_the_same_minute_does_nothing(sweeps, monkeypatch):
    inner = []

    def sweep_while_another_worker_picks_up_its_copy():
        inner.append(check_sla_clocks.call_local())  # runs while the first sweep holds the tick
        sweeps.append(1)
        return {"warning": 0, "breach": 0}

    monkeypatch.setattr(clocks, "raise_due_events", sweep_while_another_worker_picks_up_its_copy)
    with time_machine.travel(NOON, tick=False):
        assert check_sla_clocks.call_local() == {"warning": 0, "breach": 0}
    assert inner == [None] and sweeps == [1]


def test_copies_from_several_workers_sweep_once_per_minute(sweeps):
    results = []
    start = threading.Barrier(4)

    def worker():
        start.wait()
        results.append(check_sla_clocks.call_local())

    with time_machine.travel(NOON, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert check_sla_clocks.call_local() is None  # a copy picked up late in the same minute
    assert len(sweeps) == 1 and results.count(None) == 3

    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        assert check_sla_clocks.call_local() is not None  # the next minute sweeps again
    assert len(sweeps) == 2
