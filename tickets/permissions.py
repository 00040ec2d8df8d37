"""Compatibility door, kept so callers' imports keep working.

- Who may READ a ticket, and which role a person holds on it: `tickets.access` (one rule).
- Who may DO what now: `tickets.rights`, derived from the workflow table (`tickets.workflow`).
"""

from __future__ import annotations

from .access import (  # noqa: F401
    can_see_internal, can_view, covers, is_agent_at_desk, is_observer_of, is_requester_side, may_view_breach,
)
from .models import ACTIVE, WORKING  # noqa: F401

_FROM_RIGHTS = ("allowed", "available_transitions", "check")


def __getattr__(name):
    # Read from tickets.rights on first use: rights imports the role predicates above from here,
    # so an import at the top would be circular.
    if name in _FROM_RIGHTS:
        from . import rights

        return getattr(rights, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ACTIVE", "WORKING", "allowed", "available_transitions", "can_view", "check"]
