"""Who may do what on a ticket now, derived from the workflow table (`tickets.workflow`).

`check(action, user, ticket, **context)` raises PermissionDenied (who) or GuardFailed (state, or a
named guard that depends only on the ticket). In order:
1. a system row (`Right.SYSTEM`) is for the platform or an administrator; any other row for an
   identified person;
2. security incidents: only those who may see a breach act on it;
3. field rights (`Field.right`, e.g. an internal note), with the field's own reason, when the
   field is set in `context`;
4. the row's rights (`Transition.who`), else the row's `denied` reason;
5. the state (`Transition.source`), then the row's guards that need only the ticket.
Rules needing the actor or the target desk are checked by the action core (`tickets.actions`);
rules on the action's input (reason given, qualification valid…) by the action itself.

Services call it inside their transaction on the locked row; `available_transitions` lists the
buttons of the page (rows with a `side`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from directory.choices import Category
from directory.selectors import perimeter_for

from . import access, guards
from .exceptions import GuardFailed, PermissionDenied
from .states import State
from .workflow import TRANSITIONS, Right, get

STATE_LABEL = dict(State.choices)


def holds(right: Right, user, ticket, perimeter) -> bool:
    """Does `user` (None: the platform itself) hold `right` on `ticket`? Administrators hold all."""
    if right == Right.SYSTEM:
        return user is None or perimeter.everything
    if user is None:
        return False
    if perimeter.everything:
        return True
    if right == Right.REQUESTER:
        return access.is_requester_side(user, ticket, perimeter)
    if right == Right.REQUESTER_WHILE_NEW:
        return ticket.state == State.NEW and access.is_requester_side(user, ticket, perimeter)
    if right == Right.DESK_AGENT:
        return access.is_agent_at_desk(user, ticket, perimeter)
    if right == Right.VENDOR_DESK_AGENT:
        return access.is_agent_at_desk(user, ticket, perimeter) and ticket.desk.vendor_id is not None
    if right == Right.OBSERVER:
        return access.is_observer_of(user, ticket, perimeter)
    if right == Right.FOLLOWER:
        return access.is_follower_of(user, ticket, perimeter)
    raise ValueError(f"unknown right {right!r}")


class _Subject:
    """One user facing one ticket: each right is resolved at most once (buttons ask many rows)."""

    def __init__(self, user, ticket, perimeter=None):
        self.user, self.ticket = user, ticket
        self.perimeter = perimeter or (perimeter_for(user) if user is not None else None)
        self._held: dict[Right, bool] = {}

    def holds(self, right: Right) -> bool:
        if right not in self._held:
            self._held[right] = holds(right, self.user, self.ticket, self.perimeter)
        return self._held[right]

    def holds_any(self, rights) -> bool:
        # Sorted: the same order whatever the set's, so the queries made are reproducible.
        return any(self.holds(r) for r in sorted(rights))


def _deny(message=None):
    raise PermissionDenied(message or _("Vous n'avez pas le droit d'effectuer cette action sur ce ticket."))


def _check(row, subject: _Subject, context: dict) -> None:

    user, ticket = subject.user, subject.ticket
    system_row = Right.SYSTEM in row.who
    if user is None and not system_row:
        _deny(_("Action réservée à une personne identifiée."))
    if system_row and not subject.holds_any(row.who):
        _deny(row.denied)  # the platform's own actions do not depend on the ticket's content
    if user is not None and ticket.category == Category.SECURITY and not access.may_view_breach(user, ticket, subject.perimeter):
        _deny(_("Incident de sécurité : réservé aux délégués à la protection des données et aux autorités compétentes."))
    for field in row.fields:
        if field.right is not None and context.get(field.name) and not subject.holds(field.right):
            _deny(field.denied)
    if not subject.holds_any(row.who):
        _deny(row.denied)
    if ticket.state not in row.source:
        raise GuardFailed(
            row.wrong_state
            or _("Action « %(action)s » impossible : le ticket est à l'état « %(state)s ».")
            % {"action": row.label, "state": STATE_LABEL.get(ticket.state, ticket.state)}
        )
    guards.run(row, ticket)


def check(action: str, user, ticket, **context) -> None:
    """Raise PermissionDenied / GuardFailed if `user` (None: the platform) may not do `action` now."""
    _check(get(action), _Subject(user, ticket), context)


def allowed(action: str, user, ticket, **context) -> bool:
    try:
        check(action, user, ticket, **context)
    except (PermissionDenied, GuardFailed):
        return False
    return True


def available_transitions(user, ticket) -> list[str]:
    """The actions `user` may attempt now (right + state + ticket and actor guards), in the table's order:
    the rows shown as buttons (`side`). Input rules are checked on submit."""
    if user is None or not user.is_authenticated:
        return []
    subject = _Subject(user, ticket)
    names = []
    for row in TRANSITIONS:
        if not row.side:
            continue
        try:
            _check(row, subject, {})
            # And the guards on who acts (take after taking: "vous avez déjà pris en charge").
            guards.run(row, ticket, "actor", actor=user)
        except (PermissionDenied, GuardFailed):
            continue
        names.append(row.name)
    return names


__all__ = ["allowed", "available_transitions", "check", "holds"]
