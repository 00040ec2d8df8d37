"""Security incidents: the steps that stop the 48 h (other party, conventions) and 72 h (CNIL, GDPR
art. 33) clocks — met on time, late, late stays late — who may record them, their timeline line."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from privacy.models import BreachStep, BreachStepKind
from privacy.steps import breach_clocks, clock_status, record_breach_step
from sla.clocks import raise_due_events
from sla.models import ClockKind, ClockState
from tickets.models import EventKind, TicketEvent

from .breach_fixtures import breach, u  # noqa: F401 — fixtures

H = timedelta(hours=1)


def _step(breach, actor, kind, after, *, now_after=None, **kw):
    t0 = breach.created_at
    kw.setdefault("evidence", "Courriel du 12 au DPD de la collectivité, accusé de réception joint.")
    if kind == BreachStepKind.CNIL:
        kw.setdefault("reference", "CNIL-2026-000123")
    return record_breach_step(breach, actor=actor, kind=kind, done_at=t0 + after, now=t0 + (now_after or after), **kw)


def test_other_party_notified_within_48_hours_is_met_on_time(breach, u):
    step = _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 47 * H)
    clock = breach_clocks(breach)[ClockKind.BREACH_NOTICE]
    assert step.clock == clock and step.recorded_by == u["dpo"]
    assert clock.state == ClockState.MET and clock.met_within_target is True
    assert clock.met_at == breach.created_at + 47 * H and clock.met_by == u["dpo"]
    assert clock_status(clock)["state"] == "met"
    # The other clock runs on.
    assert breach_clocks(breach)[ClockKind.CNIL_NOTICE].state == ClockState.RUNNING


def test_cnil_notified_after_72_hours_is_late(breach, u):
    _step(breach, u["dpo"], BreachStepKind.CNIL, 73 * H)
    clock = breach_clocks(breach)[ClockKind.CNIL_NOTICE]
    assert clock.state == ClockState.MET and clock.met_within_target is False
    assert clock_status(clock)["state"] == "late"
    # The sweep still counts the breach once; the result stays late.
    assert raise_due_events(breach.created_at + 74 * H)["breach"] >= 1
    clock.refresh_from_db()
    assert clock.breached_at is not None and clock.met_within_target is False


def test_exactly_at_the_due_second_is_on_time(breach, u):
    _step(breach, u["dpo"], BreachStepKind.CNIL, 72 * H)
    assert breach_clocks(breach)[ClockKind.CNIL_NOTICE].met_within_target is True


def test_a_late_step_stays_late_and_is_never_rewritten(breach, u):
    clock = breach_clocks(breach)[ClockKind.BREACH_NOTICE]
    due, target = clock.due_at, clock.target_seconds
    raise_due_events(breach.created_at + 49 * H)  # the deadline passes: breach raised
    clock.refresh_from_db()
    breached_at = clock.breached_at
    assert breached_at is not None
    step = _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 50 * H, now_after=60 * H)
    clock.refresh_from_db()
    assert clock.met_within_target is False
    assert (clock.due_at, clock.target_seconds, clock.breached_at) == (due, target, breached_at)
    with pytest.raises(ValidationError) as again:
        _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 40 * H, now_after=61 * H)
    assert "kind" in again.value.message_dict
    with pytest.raises(ValueError):
        step.evidence = "réécrite"
        step.save()
    clock.refresh_from_db()
    assert clock.met_within_target is False


def test_done_in_time_but_entered_after_the_deadline_counts_from_when_it_was_done(breach, u):
    raise_due_events(breach.created_at + 49 * H)
    _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 40 * H, now_after=60 * H)
    clock = breach_clocks(breach)[ClockKind.BREACH_NOTICE]
    assert clock.met_within_target is True and clock.breached_at is not None  # the flag raised stays


def test_each_step_writes_one_timeline_line(breach, u):
    before = TicketEvent.objects.filter(ticket=breach).count()
    _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 2 * H)
    _step(breach, u["dpo"], BreachStepKind.CNIL, 3 * H)
    _step(breach, u["dpo"], BreachStepKind.PERSONS, 4 * H)
    lines = TicketEvent.objects.filter(ticket=breach).order_by("pk")[before:]
    assert [e.kind for e in lines] == [EventKind.LEGAL_NOTICE] * 3
    assert lines[1].payload["reference"] == "CNIL-2026-000123" and lines[1].payload["within_target"] is True
    assert lines[2].payload["step"] == "persons" and lines[2].actor == u["dpo"]
    assert BreachStep.objects.filter(ticket=breach).count() == 3


@pytest.mark.parametrize("username, allowed", [("dpo", True), ("admin", True), ("editeur", False),
                                                ("enseignant", False), ("manager", False), ("dsi", False)])
def test_who_may_record(breach, u, username, allowed):
    if allowed:
        assert _step(breach, u[username], BreachStepKind.OTHER_PARTY, H).pk
    else:
        with pytest.raises(PermissionDenied):
            _step(breach, u[username], BreachStepKind.OTHER_PARTY, H)
        assert breach_clocks(breach)[ClockKind.BREACH_NOTICE].state == ClockState.RUNNING


def test_bad_input_names_the_field(breach, u, world):
    cases = [
        (dict(kind=BreachStepKind.CNIL, reference=" "), "reference"),
        (dict(kind=BreachStepKind.OTHER_PARTY, evidence=" "), "evidence"),
        (dict(kind="courrier"), "kind"),
    ]
    for kw, field in cases:
        kind = kw.pop("kind")
        with pytest.raises(ValidationError) as error:
            _step(breach, u["dpo"], kind, H, **kw)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, 5 * H, now_after=H)
    assert "futur" in error.value.message_dict["done_at"][0]
    with pytest.raises(ValidationError) as error:
        _step(breach, u["dpo"], BreachStepKind.OTHER_PARTY, -H, now_after=H)
    assert "done_at" in error.value.message_dict
    assert not BreachStep.objects.exists()


def test_only_a_security_incident_has_steps(world, u):
    from tickets import services

    ticket = services.open_ticket(actor=u["enseignant"], school=world.schools["0341255E"], title="Panne",
                                  description="Rien ne marche", category="malfunction", impact=3, urgency=3)
    with pytest.raises(ValidationError) as error:
        record_breach_step(ticket, actor=u["dpo"], kind=BreachStepKind.OTHER_PARTY, evidence="x")
    assert "ticket" in error.value.message_dict
