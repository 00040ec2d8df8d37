"""Canned answers (macros) of a desk or of an organisation: a text with placeholders and,
optionally, an action of the workflow table (`tickets.workflow`) applied with it.

- `macros_for(user, ticket)`: the macros an agent may use on a ticket (those of their desks and of
  their organisations), none for someone who does not answer on it as the support side;
- `fill(macro, ticket)`: the text with `{demandeur}`, `{reference}`, `{ecole}` replaced;
- `apply_macro(actor, ticket, macro)`: in one transaction, the reply through the comment action
  (the audience an agent's reply gets by default) and the macro's action through its own service,
  with the same rights checks: if the actor may not do it, nothing is written.

An action that takes a text (request_info's question, resolve's summary) receives the filled text
as that input instead of a separate reply: the requester reads (and is mailed) the text once.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from directory.choices import Role
from directory.selectors import organisation_keys, perimeter_for

from . import workflow
from .access import can_see_internal
from .exceptions import PermissionDenied
from .models import Macro, Ticket
from .rights import allowed, check
from .workflow import Input

PLACEHOLDERS = {
    "demandeur": _("nom du demandeur"),
    "reference": _("référence de la demande"),
    "ecole": _("nom de l'école"),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def macro_transitions() -> dict[str, workflow.Transition]:
    """The actions a macro may apply: the agents' rows of the table that keep the ticket at its
    desk, other than the reply itself, whose required inputs are at most one text (filled with
    the macro's text)."""
    found = {}
    for row in workflow.TRANSITIONS:
        if row.side != "agent" or row.name == "comment" or row.level != workflow.Level.SAME:
            continue  # a level or desk move is the support chain's decision, not a canned answer's
        required = [f for f in row.fields if f.required]
        if len(required) <= 1 and all(f.kind == Input.TEXT for f in required):
            found[row.name] = row
    return found


def transition_choices() -> list[tuple[str, str]]:
    return [("", _("Aucune (simple réponse)"))] + [(name, str(row.label)) for name, row in macro_transitions().items()]


def _text_input(row) -> str | None:
    return next((f.name for f in row.fields if f.required and f.kind == Input.TEXT), None)


def check_macro(macro: Macro) -> None:
    """The model's rules, keyed by field: known placeholders, a known action, one owner."""
    errors = {}
    unknown = sorted({name for name in _PLACEHOLDER.findall(macro.body or "") if name not in PLACEHOLDERS})
    if unknown:
        errors["body"] = _("Champs inconnus : %(unknown)s (possibles : %(known)s).") % {
            "unknown": ", ".join("{%s}" % u for u in unknown), "known": ", ".join("{%s}" % k for k in PLACEHOLDERS)}
    if macro.transition and macro.transition not in macro_transitions():
        errors["transition"] = _("Action inconnue ou impossible avec une réponse type : « %(name)s ».") % {"name": macro.transition}
    if bool(macro.desk_id) == bool(macro.organisation):
        errors["desk"] = _("Une réponse type appartient soit à un guichet, soit à une organisation.")
    if errors:
        raise ValidationError(errors)


def fill(macro: Macro, ticket: Ticket) -> str:
    """The macro's text for this ticket; an unknown placeholder stays as written."""
    requester = ticket.requester
    values = {
        "demandeur": requester.get_full_name() or requester.get_username(),
        "reference": ticket.reference,
        "ecole": ticket.school.name,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), macro.body)


def _owners_q(user) -> Q | None:
    """Macros of the user's desks (as an agent) and of their agent grants' organisations; None: all."""
    p = perimeter_for(user)
    if p.everything:
        return None
    grants = [g for g in p.grants if g.role == Role.AGENT]
    desks = sorted({g.desk_id for g in grants if g.desk_id})
    keys = sorted({k for k in organisation_keys(grants, p) if k})
    return Q(desk_id__in=desks) | Q(organisation__in=keys)


def macros_for(user, ticket: Ticket) -> QuerySet[Macro]:
    """The active macros `user` may use on `ticket`: none unless they answer on it as the support
    side (they may reply, and read its internal page); then those of their desks and organisations."""
    if user is None or not user.is_authenticated:
        return Macro.objects.none()
    if not (allowed("comment", user, ticket) and can_see_internal(user, ticket)):
        return Macro.objects.none()
    q = _owners_q(user)
    qs = Macro.objects.filter(active=True)
    return (qs if q is None else qs.filter(q)).order_by("title", "pk")


@transaction.atomic
def apply_macro(actor, ticket: Ticket, macro: Macro, *, expected_version=None) -> Ticket:
    """The macro on the ticket, in one transaction: its reply (the comment action, an agent's
    default audience) and its action (its own service), or nothing at all.

    PermissionDenied when the macro is not one of `macros_for(actor, ticket)` or the action is not
    the actor's to do now; the services' GuardFailed / Conflict / ValidationError otherwise."""
    from . import services

    if not macros_for(actor, ticket).filter(pk=macro.pk).exists():
        raise PermissionDenied(_("Cette réponse type n'est pas disponible pour vous sur cette demande."))
    text = fill(macro, ticket)
    row = macro_transitions().get(macro.transition) if macro.transition else None
    if macro.transition and row is None:
        raise ValidationError({"macro": _("L'action « %(name)s » de cette réponse type n'existe plus.") % {"name": macro.transition}})
    if row is not None:
        check(row.name, actor, ticket)  # refused before anything is written
    field = _text_input(row) if row is not None else None
    if row is None:
        return services.comment(ticket, actor=actor, expected_version=expected_version, body=text)
    action = getattr(services, row.name)
    if field is not None:
        return action(ticket, actor=actor, expected_version=expected_version, **{field: text})
    # An action without text (take): it happens first, then the reply.
    ticket = action(ticket, actor=actor, expected_version=expected_version)
    return services.comment(ticket, actor=actor, body=text)
