"""Compatibility door, kept so callers' imports keep working.

- Who may READ a ticket, and which role a person holds on it: `tickets.access` (one rule).
- Who may DO what now: `tickets.rights`, derived from the workflow table (`tickets.workflow`).
"""

from __future__ import annotations

from .access import (  # noqa: F401
    can_see_internal, can_view, covers, is_agent_at_desk, is_observer_of, is_requester_side, may_view_breach,
)
from .models import ACTIVE, WORKING  # noqa: F401
from .rights import allowed, available_transitions, check  # noqa: F401

__all__ = ["ACTIVE", "WORKING", "allowed", "available_transitions", "can_view", "check"]
