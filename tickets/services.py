"""Writes on tickets: the public module callers use (`services.take(ticket, actor=…)`).

The pieces live by concern, re-exported here:
- `tickets.actions`: `open_ticket` and one action per row of the workflow table
  (`tickets.workflow.TRANSITIONS`), all on one skeleton (lock, version, right + state + guards,
  FSM move, conditional UPDATE, one timeline event, outbox), each in one transaction;
- `tickets.attachments`: `add_attachment` (an action too);
- `tickets.numbering`: `next_reference`; `tickets.qualification`: `apply_qualification`.

Errors: `PermissionDenied` (who), `GuardFailed` (workflow rule), `Conflict` (someone else changed
the ticket meanwhile), Django's `ValidationError` (bad input, keyed by field name).
"""

from __future__ import annotations

from . import attachments  # noqa: F401 - registers the add_attachment action
from .actions import ACTIONS, auto_close_due, convention_for, open_ticket
from .exceptions import Conflict, GuardFailed, PermissionDenied
from .numbering import next_reference
from .access import covers
from .qualification import FIELD_LABELS, apply_qualification

# One action per row of the workflow table (take, comment, route…, add_attachment), as registered by
# `tickets.actions.action`: a new row's action is public here without another list.
globals().update(ACTIONS)

__all__ = [
    "open_ticket", *ACTIONS, "auto_close_due", "convention_for", "next_reference", "covers",
    "apply_qualification", "ACTIONS", "FIELD_LABELS", "Conflict", "GuardFailed", "PermissionDenied",
]
