"""Two agents at once: exactly one wins, the other gets a clear conflict (real threads)."""

import threading

import pytest
from django.db import close_old_connections, connection

from directory.choices import Category
from tickets import services
from tickets.exceptions import Conflict
from tickets.models import Ticket, TicketCounter

from .conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = ("ok", fn(i))
        except Exception as exc:  # noqa: BLE001
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    close_old_connections()
    return results


@pytest.fixture
def two_erun(world, at_n1):
    from directory.choices import Role

    make_user(world, "erun2", Role.AGENT, desk=world.desks["erun-lattes"])
    return at_n1


def test_two_agents_take_at_once_one_wins(two_erun, world):
    u = world.users
    ticket = two_erun
    agents = [u["erun"], u["erun2"]]
    results = _race(2, lambda i: services.take(ticket, actor=agents[i], expected_version=ticket.version))
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["error", "ok"], results
    error = next(r[1] for r in results if r[0] == "error")
    assert isinstance(error, Conflict) and ("modifié" in error.message or "pris en charge" in error.message)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.version == ticket.version + 1 and fresh.events.filter(kind="taken", version__gt=ticket.version).count() == 1


def test_resolve_against_escalate_one_wins(two_erun, world):
    u = world.users
    t = services.take(two_erun, actor=u["erun"])
    v = t.version
    actions = [
        lambda: services.resolve(t, actor=u["erun"], expected_version=v, summary="Réglé"),
        lambda: services.escalate(t, actor=u["erun2"], expected_version=v, reason="Expertise"),
    ]
    results = _race(2, lambda i: actions[i]())
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert isinstance(next(r[1] for r in results if r[0] == "error"), Conflict)
    assert Ticket.objects.get(pk=t.pk).version == v + 1


def test_take_without_version_second_agent_learns_it_is_taken(two_erun, world):
    u = world.users
    agents = [u["erun"], u["erun2"]]
    results = _race(2, lambda i: services.take(two_erun, actor=agents[i]))
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert "pris en charge par" in next(r[1] for r in results if r[0] == "error").message


def test_stale_version_is_a_conflict(at_n1, world):
    with pytest.raises(Conflict, match="rechargez"):
        services.comment(at_n1, actor=world.users["erun"], body="x", expected_version=at_n1.version - 1)


def test_references_are_unique_under_concurrent_creation(world, bouissinet):
    u = world.users
    n = 8
    results = _race(n, lambda i: services.open_ticket(
        actor=u["enseignant"], school=bouissinet, title=f"Ticket {i}", description="x",
        category=Category.USAGE, impact=3, urgency=3).reference)
    refs = [r[1] for r in results]
    assert all(r[0] == "ok" for r in results), results
    assert len(set(refs)) == n


@pytest.mark.django_db(transaction=False)
def test_numbering_goes_on_after_the_counter_row(db):
    """A year already numbered by the counter row (SQLite, or PostgreSQL before its sequences)
    continues after it, whatever the database."""
    from datetime import date

    TicketCounter.objects.create(year=2031, last=41)
    assert services.next_reference(date(2031, 1, 5)) == "ENT-2031-000042"
    assert services.next_reference(date(2031, 3, 5)) == "ENT-2031-000043"
