"""The ticket page: conversation for the requester, timeline and transitions for agents.

Views only bind forms and call `tickets.services`; permissions, guards and concurrency are the
services' job (they raise PermissionDenied / GuardFailed / Conflict, shown here in words).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from directory.selectors import desks_for, organisation_labels, perimeter_for
from tickets import access as ticket_access
from tickets import permissions as ticket_permissions
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets import workflow
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import QUALIFICATION_FIELDS, State, Ticket
from tickets.rights import holds
from tickets.states import Visibility
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


def _audience_choices(user, ticket) -> list[tuple[str, str]]:
    """The audiences this person may write to, their default first (`tickets.access.audiences_for`),
    the organisation named."""
    allowed = ticket_access.audiences_for(user, ticket)
    labels = dict(Visibility.choices)
    if Visibility.ORGANISATION in allowed:
        key = ticket_access.author_organisation(user, ticket)
        if key:
            labels[Visibility.ORGANISATION] = _("Mon organisation seulement (%(name)s)") % {
                "name": organisation_labels([key]).get(key, key)}
    return [(v, labels[v]) for v in allowed]


def _with_audience(form, user, ticket, field="visibility"):
    """The comment's (or message's) audience field, narrowed to what this person may choose; none
    when they have only one (the requester's side writes public)."""
    choices = _audience_choices(user, ticket)
    if len(choices) < 2:
        form.fields.pop(field, None)
        return form
    if field not in form.fields:
        form.fields[field] = forms.ChoiceField(label=_("Qui pourra lire ce message"), required=False)
    form.fields[field].choices = choices
    form.fields[field].initial = choices[0][0]
    return form


def _destinations(ticket, names) -> dict:
    """Where escalate and route would send the ticket (named in their forms before sending)."""
    found = {}
    if "escalate" in names:
        found["escalate"] = ticket_selectors.escalation_preview(ticket)
    if "route" in names:
        found["route"] = ticket_selectors.route_preview(ticket)
    return found


def _aimed(form, name, destination):
    """Shape a move's form by where it goes: before a vendor desk without direct access, the
    qualification the guard reads is required (errors beside each field); route's desks say why
    the matrix names them, and a desk the guard would always refuse is not offered."""
    if name == "escalate" and destination is not None and destination.needs_qualification:
        for field in QUALIFICATION_FIELDS:
            if field in form.fields:
                form.fields[field].required = True
                form.fields[field].error_messages["required"] = TO_FILL
    if name == "route" and destination is not None and "desk" in form.fields:
        field = form.fields["desk"]
        field.queryset = field.queryset.exclude(pk__in=[pk for pk, d in destination.items() if d.blocked])

        def label(desk, found=destination):
            d = found.get(desk.pk)
            if d is None:
                return desk.name
            return d.line + (_(" (éditeur : qualification complète exigée)") if d.needs_qualification else "")

        field.label_from_instance = label
        if sum(1 for d in destination.values() if not d.blocked) == 1:
            field.empty_label = None  # the one desk named above is the choice
    return form


STATEMENTS = ("malfunction_proven", "no_solution_found")
TO_FILL = _lazy("À renseigner pour transmettre à l'éditeur.")


def _qualification_errors(form, destination) -> bool:
    """Put beside each field what the vendor guard would refuse (empty qualification field, neither
    statement ticked); True if any. The guard stays the rule: this only places its reasons."""
    if destination is None or not destination.needs_qualification:
        return False
    data, found = form.cleaned_data, False
    for name in QUALIFICATION_FIELDS:
        if name in form.fields and data.get(name) in (None, "") and name not in form.errors:
            form.add_error(name, TO_FILL)
            found = True
    if all(name in form.fields for name in STATEMENTS) and not any(data.get(name) for name in STATEMENTS):
        for name in STATEMENTS:
            form.add_error(name, _("Cochez le dysfonctionnement avéré ou l'absence de solution aux niveaux inférieurs."))
        found = True
    return found


def _guard_says(ticket, form) -> str:
    """The vendor guard's own refusal for what the form holds (on a copy of the ticket), or ""."""
    from copy import copy

    from tickets.qualification import INPUTS, apply_qualification, check_ready_for_vendor

    probe = copy(ticket)
    try:
        apply_qualification(probe, {k: v for k, v in form.cleaned_data.items() if k in INPUTS})
        check_ready_for_vendor(probe)
    except GuardFailed as exc:
        return exc.message
    except ValidationError:
        return ""
    return ""


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
    destinations = _destinations(ticket, available) if see_internal else {}
    agent_actions, requester_actions = [], []
    for name, row in ROWS.items():
        if name not in available:
            continue
        if row.side == "agent" and is_requester and not see_internal:
            continue  # the requester's own buttons, and the message form below the conversation
        form = bound_form if name == open_action and bound_form is not None else web_forms.transition_form(row, ticket, user)
        if name == "comment":
            _with_audience(form, user, ticket)
        for field in _hidden_fields(row, user, ticket, perimeter):
            form.drop(field)
        destination = destinations.get(name)
        _aimed(form, name, destination)
        if name != open_action and _nothing_to_choose(form):
            continue  # e.g. route when the support chain has no other desk at this level
        entry = {"name": name, "label": row.label, "style": _style(row), "form": form,
                 "open": name == open_action, "fields": [f for f in form if not f.is_hidden]}
        if name == "escalate":
            # Named before sending; when the next level cannot be reached, why — instead of the button.
            entry.update(destination=destination, blocked=destination.blocked if destination else "")
        elif name == "route" and destination:
            # One desk possible: named as for escalate; several: each option of the list says why.
            offered = [d for d in destination.values() if not d.blocked]
            entry["destination"] = offered[0] if len(offered) == 1 else None
        (requester_actions if row.side == "requester" else agent_actions).append(entry)
    # One primary action for the state (the table's `primary`), the others in a menu.
    shown = [a["name"] for a in agent_actions if not a.get("blocked")]
    main = workflow.primary_for(ticket.state, shown)
    primary_action = next((a for a in agent_actions if main and a["name"] == main.name), None)
    more_actions = [a for a in agent_actions if a is not primary_action]
    if primary_action is not None:
        primary_action["style"] = ""
    events = ticket_selectors.with_audiences(ticket_selectors.timeline_for(user, ticket).select_related("comment"))
    can_comment = "comment" in available
    message_form = None
    if can_comment and not see_internal:
        message_form = _with_audience(MessageForm(initial={"version": ticket.version}), user, ticket)
    context = {
        "ticket": ticket,
        "events": events,
        "qualification": _qualification_panel(ticket, ticket_access.reads_chain(user, ticket)),
        "see_internal": see_internal,
        "is_requester": is_requester,
        "agent_actions": agent_actions,
        "primary_action": primary_action,
        "more_actions": more_actions,
        "more_open": any(a["open"] for a in more_actions),
        "requester_actions": requester_actions,
        "message_form": message_form,
        "attachments": with_links(ticket_selectors.with_audiences(ticket_selectors.attachments_for(user, ticket))),
        # Each entry's audience is shown to those who read more than the public ones.
        "show_audiences": ticket_access.reads_chain(user, ticket),
        "clocks": ticket_clocks(ticket) if see_internal else [],
        "error": error,
        "can_attach": ticket_permissions.allowed("add_attachment", user, ticket),
        # Back to the ticket's desk only if it is one of the person's: once escalated or routed
        # elsewhere, its board is out of their perimeter (404); their list of boards then.
        "back_desk": desks_for(user).filter(pk=ticket.desk_id).first() if see_internal and ticket.desk_id else None,
    }
    return render(request, "web/ticket.html", context, status=status)


def _qualification_panel(ticket, reads_chain: bool) -> dict:
    """What the qualification panel shows. The facts (steps, expected and observed behaviour,
    users, first seen, device) describe the fault the requester reported: every reader of the
    ticket reads them (the requester can correct them). "Dysfonctionnement avéré" and "aucune
    solution trouvée" are the support chain's statements for the vendor rule, written with the
    escalation (a chain entry): only the chain's readers see them, and what is still missing."""
    from tickets.qualification import FIELD_LABELS, may_reach_vendor

    facts = [(FIELD_LABELS[name], getattr(ticket, name)) for name in QUALIFICATION_FIELDS
             if getattr(ticket, name) not in (None, "")]
    statements = []
    if reads_chain:
        if ticket.malfunction_proven:
            statements.append(_("Dysfonctionnement avéré (reproduit)"))
        if ticket.no_solution_found:
            statements.append(_("Aucune solution trouvée aux niveaux inférieurs"))
    # What the vendor rule still asks: pointless for a fault that never goes to a vendor.
    missing = [FIELD_LABELS[name] for name in ticket.qualification_missing] if reads_chain and may_reach_vendor(ticket) else []
    return {"facts": facts, "statements": statements, "missing": missing, "reads_chain": reads_chain,
            "shown": bool(facts or statements or missing)}


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
    if action == "comment":
        _with_audience(form, request.user, ticket)
    destination = _destinations(ticket, {action}).get(action)
    _aimed(form, action, destination)
    valid = form.is_valid()
    error = _("Vérifiez les champs signalés.")
    if action == "escalate" and destination is not None and destination.needs_qualification:
        error = _guard_says(ticket, form) or error
        valid = not _qualification_errors(form, destination) and valid
    if not valid:
        return _page(request, ticket, open_action=action, bound_form=form, error=error, status=400)
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
        if isinstance(exc, GuardFailed) and action == "escalate":
            _qualification_errors(form, destination)
        return _page(request, ticket, open_action=action, bound_form=form, error=exc.message, status=409 if isinstance(exc, GuardFailed) else 403)
    messages.success(request, row.done)
    return redirect("web:ticket", reference=reference)


@login_required
@require_POST
def ticket_message(request, reference):
    """The requester's (or observer's) message under the conversation, with attachments: answers a
    question when the ticket waits for them, otherwise adds a comment (public from the requester's
    side; an observer's to the support chain unless they chose the teacher)."""
    ticket = _get_ticket(request.user, reference)
    form = _with_audience(MessageForm(request.POST, request.FILES), request.user, ticket)
    if not form.is_valid():
        messages.error(request, _("Votre message est vide ou une pièce jointe est refusée : %(e)s") % {"e": " ".join(e for errs in form.errors.values() for e in errs)})
        return redirect("web:ticket", reference=reference)
    version = form.cleaned_data.get("version")
    # An observer's message goes to the support chain unless they chose the teacher; files follow it.
    audience = form.cleaned_data.get("visibility") or ""
    try:
        with transaction.atomic():
            if ticket.state == Ticket.State.WAITING_REQUESTER and ticket_permissions.allowed("answer", request.user, ticket):
                ticket_services.answer(ticket, actor=request.user, expected_version=version, body=form.cleaned_data["body"])
                audience = ""
            else:
                ticket_services.comment(ticket, actor=request.user, expected_version=version, body=form.cleaned_data["body"],
                                        visibility=audience)
            attach_files(ticket, form.cleaned_data["attachments"], request.user, visibility=audience)
    except (Conflict, GuardFailed, PermissionDenied) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Votre message est envoyé."))
    return redirect("web:ticket", reference=reference)
