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

from .actions import (
    ACTIONS,
    answer,
    auto_close,
    auto_close_due,
    cancel,
    comment,
    confirm,
    convention_for,
    escalate,
    link_duplicate,
    open_ticket,
    reopen,
    request_info,
    resolve,
    route,
    send_back,
    set_parent,
    set_vendor_reference,
    take,
    update_qualification,
)
from .attachments import add_attachment
from .exceptions import Conflict, GuardFailed, PermissionDenied
from .numbering import next_reference
from .permissions import covers
from .qualification import FIELD_LABELS, apply_qualification

__all__ = [
    "open_ticket", "take", "comment", "request_info", "answer", "route", "escalate", "send_back", "resolve",
    "confirm", "reopen", "auto_close", "auto_close_due", "cancel", "link_duplicate", "set_parent",
    "update_qualification", "set_vendor_reference", "add_attachment", "convention_for", "next_reference", "covers",
    "apply_qualification", "ACTIONS", "FIELD_LABELS", "Conflict", "GuardFailed", "PermissionDenied",
]
