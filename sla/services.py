"""Writes of the sla app: SLA policy versions, ticket clocks driven by the ticket workflow, legal
clocks. One function per action, atomic. Outages are in `availability.py`."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from directory.choices import Category, Level, Role
from directory.selectors import perimeter_for

from . import clocks as engine
from .models import Clock, ClockKind, ClockState, Priority, SlaPolicy, SlaTarget, TimeBasis

LEGAL_SECONDS = {
    ClockKind.BREACH_NOTICE: 48 * 3600,  # convention: notify the other party within 48 hours
    ClockKind.CNIL_NOTICE: 72 * 3600,  # GDPR art. 33
}


# --- policies -------------------------------------------------------------------------------------
def check_policy(*, targets: list[dict], time_basis=TimeBasis.BUSINESS, warning_ratio="0.75"):
    """Validate a policy version before publishing it: (ratio, unsaved SlaTarget rows), or a
    ValidationError keyed by the field (`targets[i].seconds`…). Writes nothing."""
    if time_basis not in TimeBasis.values:
        raise ValidationError({"time_basis": f"{time_basis!r} inconnu ({', '.join(TimeBasis.values)})"})
    try:
        ratio = Decimal(str(warning_ratio))
    except InvalidOperation:
        raise ValidationError({"warning_ratio": f"{warning_ratio!r} n'est pas un nombre"}) from None
    if not Decimal("0") < ratio < Decimal("1"):
        raise ValidationError({"warning_ratio": "le seuil d'alerte est strictement entre 0 et 1 (ex. 0.75)"})
    rows, seen = [], set()
    for i, t in enumerate(targets):
        kind, priority, level = t.get("kind"), t.get("priority", "") or "", t.get("level")
        if kind not in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.LEVEL):
            raise ValidationError({f"targets[{i}].kind": f"{kind!r} inconnu"})
        if priority and priority not in Priority.values:
            raise ValidationError({f"targets[{i}].priority": f"{priority!r} inconnue (P1…P4)"})
        if (kind == ClockKind.LEVEL) != (level is not None):
            raise ValidationError({f"targets[{i}].level": "un niveau est donné pour les objectifs de niveau, et pour eux seuls"})
        if level is not None and level not in Level.values:
            raise ValidationError({f"targets[{i}].level": f"{level!r} inconnu (0…3)"})
        seconds = t.get("seconds")
        if not isinstance(seconds, int) or seconds <= 0:
            raise ValidationError({f"targets[{i}].seconds": "un nombre entier de secondes positif"})
        if (kind, priority, level) in seen:
            raise ValidationError({f"targets[{i}]": "cet objectif est déjà donné dans cette version"})
        seen.add((kind, priority, level))
        rows.append(SlaTarget(kind=kind, priority=priority, level=level, seconds=seconds))
    return ratio, rows


@transaction.atomic
def publish_policy(convention, *, targets: list[dict], time_basis=TimeBasis.BUSINESS, warning_ratio="0.75",
                   restart_on_reopen=True, name="", by=None, availability_target="99.7",
                   availability_target_outside="97") -> SlaPolicy:
    """A new version of the convention's policy becomes current. Earlier versions stay as they are:
    running clocks keep the version they started under, finished results never change.

    targets: [{"kind": "first_response"|"resolution"|"level", "priority": "P1"…"P4" or "",
    "level": 0…3 (level targets only), "seconds": int}]"""
    ratio, rows = check_policy(targets=targets, time_basis=time_basis, warning_ratio=warning_ratio)
    previous = SlaPolicy.objects.select_for_update().filter(convention=convention).order_by("-version").first()
    SlaPolicy.objects.filter(convention=convention, is_current=True).update(is_current=False)
    policy = SlaPolicy.objects.create(
        convention=convention, version=(previous.version + 1) if previous else 1, name=name, time_basis=time_basis,
        warning_ratio=ratio, restart_on_reopen=restart_on_reopen, created_by=by, is_current=True,
        availability_target=Decimal(str(availability_target)), availability_target_outside=Decimal(str(availability_target_outside)),
    )
    for row in rows:
        row.policy = policy
    SlaTarget.objects.bulk_create(rows)
    return policy


def current_policy(convention) -> SlaPolicy | None:
    if convention is None:
        return None
    return SlaPolicy.objects.prefetch_related("targets").filter(convention=convention, is_current=True).first()


# --- ticket clocks ----------------------------------------------------------------------------------
def _priority(ticket) -> str:
    return f"P{int(ticket.priority)}"


def _calendar_fields(ticket, policy) -> dict:
    academie = ticket.school.academie
    return {
        "time_basis": policy.time_basis,
        "calendar_zone": academie.holiday_zone or "",
        "calendar_subdivision": academie.holiday_subdivision or "",
        "warning_ratio": policy.warning_ratio,
    }


def _target_spec(ticket, policy, kind, at, level=None) -> dict | None:
    seconds = policy.target_seconds(kind, _priority(ticket), level)
    if not seconds:
        return None
    return dict(kind=kind, target_seconds=seconds, at=at, policy=policy, level=level, ticket=ticket,
                **_calendar_fields(ticket, policy))


def _start_target(ticket, policy, kind, at, level=None) -> Clock | None:
    spec = _target_spec(ticket, policy, kind, at, level)
    return engine.start_clock(**spec) if spec else None


def ticket_clocks(ticket, *, states=None, kinds=None):
    qs = Clock.objects.filter(ticket=ticket)
    if states:
        qs = qs.filter(state__in=states)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return list(qs.order_by("pk"))


TICKET_KINDS = (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.LEVEL)
FIRST_RESPONSE_EVENTS = {"commented", "info_requested", "resolved"}


def on_ticket_event(ticket, event):
    """Drive the ticket's clocks from one timeline event (called inside the transition's transaction)."""
    at = event.at
    kind = event.kind
    if kind == "opened":
        policy = current_policy(ticket.convention)
        if policy is not None:
            specs = [_target_spec(ticket, policy, ClockKind.FIRST_RESPONSE, at), _target_spec(ticket, policy, ClockKind.RESOLUTION, at),
                     _target_spec(ticket, policy, ClockKind.LEVEL, at, level=ticket.level)]
            engine.start_clocks([spec for spec in specs if spec])
        if ticket.category == Category.SECURITY:
            start_security_clocks(ticket, at)
        return
    active = (ClockState.RUNNING, ClockState.PAUSED)
    # First response: the first public word of an agent to the requester.
    if kind in FIRST_RESPONSE_EVENTS and event.public and event.actor_id != ticket.requester_id:
        for clock in ticket_clocks(ticket, states=active, kinds=[ClockKind.FIRST_RESPONSE]):
            engine.stop_clock(clock, at, by=event.actor, reason=kind)
    # Level targets: met when the level takes the ticket or passes it on.
    level_changed = event.from_level is not None and event.to_level is not None and event.from_level != event.to_level
    if kind == "taken" or level_changed or event.to_state in ("resolved", "closed", "cancelled"):
        level = event.from_level if level_changed else ticket.level
        for clock in ticket_clocks(ticket, states=active, kinds=[ClockKind.LEVEL]):
            if clock.level == level or event.to_state in ("resolved", "closed", "cancelled"):
                engine.stop_clock(clock, at, by=event.actor, reason=kind)
    if level_changed and event.to_state not in ("resolved", "closed", "cancelled"):
        policy = _ticket_policy(ticket)
        if policy is not None:
            _start_target(ticket, policy, ClockKind.LEVEL, at, level=event.to_level)
    # Waiting on the requester pauses the ticket clocks (never the legal ones).
    if event.to_state == "waiting_requester" and event.from_state != "waiting_requester":
        for clock in ticket_clocks(ticket, states=[ClockState.RUNNING], kinds=TICKET_KINDS):
            engine.pause_clock(clock, at, reason="waiting_requester")
    elif event.from_state == "waiting_requester" and event.to_state != "waiting_requester":
        for clock in ticket_clocks(ticket, states=[ClockState.PAUSED], kinds=TICKET_KINDS):
            engine.resume_clock(clock, at, reason=kind)
    if event.to_state == "resolved" and event.from_state != "resolved":
        for clock in ticket_clocks(ticket, states=active, kinds=[ClockKind.RESOLUTION, ClockKind.FIRST_RESPONSE]):
            engine.stop_clock(clock, at, by=event.actor, reason="resolved")
    elif event.from_state == "resolved" and event.to_state not in ("resolved", "closed", "cancelled"):
        for clock in ticket_clocks(ticket, states=[ClockState.MET], kinds=[ClockKind.RESOLUTION]):
            reset = clock.policy.restart_on_reopen if clock.policy_id else True
            engine.restart_clock(clock, at, reset=reset, reason=kind)
    if event.to_state in ("closed", "cancelled"):
        for clock in ticket_clocks(ticket, states=active, kinds=TICKET_KINDS):
            engine.stop_clock(clock, at, reason=event.to_state, cancel=True)


def _ticket_policy(ticket):
    """The version the ticket started under (from its first clock), else the current one."""
    clock = Clock.objects.filter(ticket=ticket, policy__isnull=False).select_related("policy").order_by("pk").first()
    return clock.policy if clock else current_policy(ticket.convention)


# --- legal clocks -----------------------------------------------------------------------------------
def _legal_clock(ticket, kind, at, note=""):
    existing = Clock.objects.filter(ticket=ticket, kind=kind).first()
    if existing:
        return existing
    return engine.start_clock(kind=kind, target_seconds=LEGAL_SECONDS[kind], at=at, time_basis=TimeBasis.CALENDAR,
                              warning_ratio=Decimal("0.75"), ticket=ticket, note=note)


def start_request_clock(kind, at: datetime, due_at: datetime, note="") -> Clock:
    """A data-subject request's clock (privacy.DataSubjectRequest holds it, no ticket): calendar
    time up to `due_at`, a date the caller computes in Paris time (a month is not a fixed length)."""
    if kind not in (ClockKind.DSR_ANSWER, ClockKind.DSR_FORWARD):
        raise ValueError(f"kind: {kind!r} is not a data-subject request clock")
    # In UTC: subtracting two datetimes of the same zone would ignore a DST change between them.
    seconds = int((due_at.astimezone(dt_timezone.utc) - at.astimezone(dt_timezone.utc)).total_seconds())
    return engine.start_clock(kind=kind, target_seconds=seconds, at=at, time_basis=TimeBasis.CALENDAR,
                              warning_ratio=Decimal("0.75"), note=note)


def start_security_clocks(ticket, at: datetime | None = None) -> list[Clock]:
    """A security incident (personal-data breach, attempted or suspected): 48 h to notify the other
    party of the convention, 72 h to notify the CNIL (GDPR art. 33); calendar time."""
    at = at or timezone.now()
    return [_legal_clock(ticket, ClockKind.BREACH_NOTICE, at), _legal_clock(ticket, ClockKind.CNIL_NOTICE, at)]


def may_record_legal_notice(user, ticket) -> bool:
    p = perimeter_for(user)
    if p.everything:
        return True
    return p.has_role(Role.DPO) and p.covers_school(ticket.school, roles=[Role.DPO])


@transaction.atomic
def record_legal_notice(clock: Clock, *, actor, at: datetime | None = None, recipient: str, reference: str = "") -> Clock:
    """An authorised person (the DPO covering the school, or an administrator) records that the
    notification was made: the legal clock is met (in time or not, to the second)."""
    if not clock.is_legal:
        raise ValidationError({"clock": "ce compteur n'est pas un délai légal"})
    if not (recipient or "").strip():
        raise ValidationError({"recipient": "indiquer à qui la notification a été faite"})
    ticket = clock.ticket
    if ticket is None or not may_record_legal_notice(actor, ticket):
        raise PermissionDenied("Seul le délégué à la protection des données compétent peut enregistrer cette notification.")
    at = at or timezone.now()
    clock = engine.stop_clock(clock, at, by=actor, reason="notified")
    from .ticket_bridge import write_timeline

    event = clock.events.filter(kind="met", run=clock.run).first()
    if event is not None:
        write_timeline(clock, event, actor=actor, payload={"recipient": recipient.strip(), "reference": reference.strip(),
                                                           "within_target": clock.met_within_target})
    return clock
