"""The ticket page: conversation for the requester, timeline and transitions for agents.

Views only bind forms and call `tickets.services`; permissions, guards and concurrency are the
services' job (they raise PermissionDenied / GuardFailed / Conflict, shown here in words).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from directory.selectors import desks_for, perimeter_for
from tickets import permissions as ticket_permissions
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets import workflow
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import State, Ticket
from tickets.rights import holds
from tickets.workflow import Input, Level

from .. import forms as web_forms
from ..forms import MessageForm
from .attachments import attach_files, with_links
from .sla_view import ticket_clocks

# The buttons are the rows of the workflow table shown on the web (`side`), in the table's order.
ROWS = {row.name: row for row in workflow.TRANSITIONS if row.side in ("agent", "requester")}
MAIN_PATH = (State.IN_PROGRESS, State.RESOLVED, State.CLOSED)


def _style(row) -> str:
    """Primary: the row moves the ticket along its main path at its level (take, answer, resolve,
    confirm); tertiary: it sets the ticket aside (cancels it, links it to another ticket)."""
    if row.target == State.CANCELLED or any(f.kind == Input.TICKET for f in row.fields):
        return "fr-btn--tertiary"
    if row.level == Level.SAME and row.target in MAIN_PATH:
        return ""
    return "fr-btn--secondary"


def _hidden_fields(row, user, ticket, perimeter):
    """The row's fields this person is not shown: those needing a right they do not hold (the
    internal note), and the optional ones of the requester's buttons (one click to confirm)."""
    for field in row.fields:
        if field.right is not None and not holds(field.right, user, ticket, perimeter):
            yield field
        elif row.side == "requester" and not field.required:
            yield field


def _nothing_to_choose(form) -> bool:
    """A required choice with no option: the action cannot be filled in, so it is not offered."""
    return any(f.required and hasattr(f, "queryset") and not f.queryset.exists() for f in form.fields.values())


def _get_ticket(user, reference) -> Ticket:
    ticket = (
        ticket_selectors.visible_to(user)
        # Not duplicate_of / parent: two more joins of the ticket table (and its indexes) that
        # PostgreSQL must plan (the query: 22 → 13 ms at 1M tickets); read lazily, only when set.
        .select_related("school", "desk", "requester", "assignee", "convention")
        .filter(reference=reference)
        .first()
    )
    if ticket is None:
        raise Http404(_("Demande introuvable ou hors de votre périmètre."))
    return ticket


def _page(request, ticket, *, open_action=None, bound_form=None, error=None, status=200):
    user = request.user
    available = ticket_permissions.available_transitions(user, ticket)
    see_internal = ticket_permissions.can_see_internal(user, ticket)
    is_requester = ticket_permissions.is_requester_side(user, ticket)
    perimeter = perimeter_for(user)
    agent_actions, requester_actions = [], []
    for name, row in ROWS.items():
        if name not in available:
            continue
        if row.side == "agent" and is_requester and not see_internal:
            continue  # the requester's own buttons, and the message form below the conversation
        form = bound_form if name == open_action and bound_form is not None else web_forms.transition_form(row, ticket, user)
        for field in _hidden_fields(row, user, ticket, perimeter):
            form.drop(field)
        if name != open_action and _nothing_to_choose(form):
            continue  # e.g. route when the support chain has no other desk at this level
        entry = {"name": name, "label": row.label, "style": _style(row), "form": form,
                 "open": name == open_action, "fields": [f for f in form if not f.is_hidden]}
        (requester_actions if row.side == "requester" else agent_actions).append(entry)
    events = list(ticket_selectors.timeline_for(user, ticket).select_related("comment"))
    can_comment = "comment" in available
    message_form = MessageForm(initial={"version": ticket.version}) if can_comment and not see_internal else None
    context = {
        "ticket": ticket,
        "events": events,
        "see_internal": see_internal,
        "is_requester": is_requester,
        "agent_actions": agent_actions,
        "requester_actions": requester_actions,
        "message_form": message_form,
        "attachments": with_links(list(ticket_selectors.attachments_for(user, ticket))),
        "clocks": ticket_clocks(ticket) if see_internal else [],
        "error": error,
        "can_attach": ticket_permissions.allowed("add_attachment", user, ticket),
        # Back to the ticket's desk only if it is one of the person's: once escalated or routed
        # elsewhere, its board is out of their perimeter (404); their list of boards then.
        "back_desk": desks_for(user).filter(pk=ticket.desk_id).first() if see_internal and ticket.desk_id else None,
    }
    return render(request, "web/ticket.html", context, status=status)


@login_required
def ticket_detail(request, reference):
    return _page(request, _get_ticket(request.user, reference))


def _call(row, ticket, user, form):
    action = getattr(ticket_services, row.name)
    return action(ticket, actor=user, expected_version=form.cleaned_data.get("version"), **form.service_kwargs())


@login_required
@require_POST
def ticket_action(request, reference, action):
    ticket = _get_ticket(request.user, reference)
    row = ROWS.get(action)
    if row is None:
        raise Http404
    form = web_forms.transition_form(row, ticket, request.user, data=request.POST)
    if not form.is_valid():
        return _page(request, ticket, open_action=action, bound_form=form, error=_("Vérifiez les champs signalés."), status=400)
    try:
        with transaction.atomic():
            _call(row, ticket, request.user, form)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", reference=reference)
    except ValidationError as exc:
        add_service_errors(form, exc, form.field_name)
        ticket.refresh_from_db()
        return _page(request, ticket, open_action=action, bound_form=form, error=" ".join(exc.messages), status=400)
    except (GuardFailed, PermissionDenied) as exc:
        ticket.refresh_from_db()
        return _page(request, ticket, open_action=action, bound_form=form, error=exc.message, status=409 if isinstance(exc, GuardFailed) else 403)
    messages.success(request, row.done)
    return redirect("web:ticket", reference=reference)


@login_required
@require_POST
def ticket_message(request, reference):
    """The requester's (or observer's) message under the conversation, with attachments: answers a
    question when the ticket waits for them, otherwise adds a public comment."""
    ticket = _get_ticket(request.user, reference)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Votre message est vide ou une pièce jointe est refusée : %(e)s") % {"e": " ".join(e for errs in form.errors.values() for e in errs)})
        return redirect("web:ticket", reference=reference)
    version = form.cleaned_data.get("version")
    try:
        with transaction.atomic():
            if ticket.state == Ticket.State.WAITING_REQUESTER and ticket_permissions.allowed("answer", request.user, ticket):
                ticket_services.answer(ticket, actor=request.user, expected_version=version, body=form.cleaned_data["body"])
            else:
                ticket_services.comment(ticket, actor=request.user, expected_version=version, body=form.cleaned_data["body"])
            attach_files(ticket, form.cleaned_data["attachments"], request.user)
    except (Conflict, GuardFailed, PermissionDenied) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Votre message est envoyé."))
    return redirect("web:ticket", reference=reference)
