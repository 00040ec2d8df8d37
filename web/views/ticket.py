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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from directory.selectors import desks_for
from tickets import permissions as ticket_permissions
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import Ticket

from .. import forms as web_forms
from ..forms import MessageForm
from .attachments import attach_files, with_links
from .sla_view import ticket_clocks

# action name → (form class, button label, service function name, button style)
ACTIONS = {
    "take": (web_forms.TakeForm, gettext_lazy("Prendre en charge"), "take", ""),
    "request_info": (web_forms.RequestInfoForm, gettext_lazy("Demander une information"), "request_info", "fr-btn--secondary"),
    "comment": (web_forms.CommentForm, gettext_lazy("Répondre ou noter"), "comment", "fr-btn--secondary"),
    "route": (web_forms.RouteForm, gettext_lazy("Réorienter vers un autre guichet"), "route", "fr-btn--secondary"),
    "escalate": (web_forms.EscalateForm, gettext_lazy("Transmettre au niveau supérieur"), "escalate", "fr-btn--secondary"),
    "send_back": (web_forms.SendBackForm, gettext_lazy("Renvoyer au niveau inférieur"), "send_back", "fr-btn--secondary"),
    "resolve": (web_forms.ResolveForm, gettext_lazy("Résoudre"), "resolve", ""),
    "cancel": (web_forms.CancelForm, gettext_lazy("Annuler le ticket"), "cancel", "fr-btn--tertiary"),
    "link_duplicate": (web_forms.LinkForm, gettext_lazy("Marquer comme doublon de…"), "link_duplicate", "fr-btn--tertiary"),
    "set_parent": (web_forms.LinkForm, gettext_lazy("Rattacher à un incident majeur…"), "set_parent", "fr-btn--tertiary"),
}
REQUESTER_ACTIONS = {
    "answer": (web_forms.AnswerForm, gettext_lazy("Envoyer ma réponse"), "answer", ""),
    "confirm": (web_forms.ConfirmForm, gettext_lazy("Oui, c'est réglé : confirmer"), "confirm", ""),
    "reopen": (web_forms.ReopenForm, gettext_lazy("Non, le problème continue : rouvrir"), "reopen", "fr-btn--secondary"),
}
FORMS_WITH_TICKET = {"route", "escalate"}

# What the person reads once the action is done (a sentence, not the button's label).
DONE = {
    "take": gettext_lazy("Vous avez pris la demande en charge."),
    "request_info": gettext_lazy("Votre question est envoyée au demandeur : la demande attend sa réponse."),
    "comment": gettext_lazy("Votre message est ajouté à la demande."),
    "route": gettext_lazy("La demande est réorientée vers le guichet choisi."),
    "escalate": gettext_lazy("La demande est transmise au niveau supérieur."),
    "send_back": gettext_lazy("La demande est renvoyée au niveau inférieur."),
    "resolve": gettext_lazy("La demande est résolue : le demandeur est invité à confirmer."),
    "cancel": gettext_lazy("La demande est annulée."),
    "link_duplicate": gettext_lazy("La demande est marquée comme doublon."),
    "set_parent": gettext_lazy("La demande est rattachée à l'incident majeur."),
    "answer": gettext_lazy("Votre réponse est envoyée au support."),
    "confirm": gettext_lazy("Merci : vous avez confirmé que le problème est réglé."),
    "reopen": gettext_lazy("La demande est rouverte : le support la reprend."),
}

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


def _make_form(action, ticket, data=None):
    form_class = (ACTIONS | REQUESTER_ACTIONS)[action][0]
    kwargs = {"ticket": ticket} if action in FORMS_WITH_TICKET else {}
    if data is None:
        form = form_class(prefix=action, **kwargs)
        form.fields["version"].initial = ticket.version
        return form
    return form_class(data, prefix=action, **kwargs)


def _page(request, ticket, *, open_action=None, bound_form=None, error=None, status=200):
    user = request.user
    available = ticket_permissions.available_transitions(user, ticket)
    see_internal = ticket_permissions.can_see_internal(user, ticket)
    is_requester = ticket_permissions.is_requester_side(user, ticket)
    agent_actions, requester_actions = [], []
    for name in available:
        table = REQUESTER_ACTIONS if name in REQUESTER_ACTIONS else ACTIONS if name in ACTIONS else None
        if table is None:
            continue
        if name == "cancel" and is_requester and not see_internal:
            continue  # a requester cancels through the agents (keeps the list short)
        if name == "comment" and is_requester and not see_internal:
            continue  # the requester's message form is below the conversation
        form = bound_form if name == open_action and bound_form is not None else _make_form(name, ticket)
        if name == "comment" and not see_internal:
            form.fields.pop("internal", None)
        entry = {"name": name, "label": table[name][1], "style": table[name][3], "form": form,
                 "open": name == open_action, "fields": [f for f in form if not f.is_hidden]}
        (requester_actions if table is REQUESTER_ACTIONS else agent_actions).append(entry)
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


def _call(action, ticket, user, form):
    kwargs = form.service_kwargs()
    version = form.cleaned_data.get("version")
    fn = getattr(ticket_services, (ACTIONS | REQUESTER_ACTIONS)[action][2])
    if action in ("link_duplicate", "set_parent"):
        target = ticket_selectors.visible_to(user).filter(reference=kwargs.pop("target").strip().upper()).first()
        if target is None:
            raise GuardFailed(_("Aucun ticket de votre périmètre ne porte cette référence."))
        kwargs["duplicate_of" if action == "link_duplicate" else "parent"] = target
    if action == "escalate":
        kwargs["reason"] = kwargs.pop("note", "")
    return fn(ticket, actor=user, expected_version=version, **kwargs)


@login_required
@require_POST
def ticket_action(request, reference, action):
    ticket = _get_ticket(request.user, reference)
    if action not in ACTIONS and action not in REQUESTER_ACTIONS:
        raise Http404
    form = _make_form(action, ticket, data=request.POST)
    if not form.is_valid():
        return _page(request, ticket, open_action=action, bound_form=form, error=_("Vérifiez les champs signalés."), status=400)
    try:
        with transaction.atomic():
            _call(action, ticket, request.user, form)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", reference=reference)
    except ValidationError as exc:
        for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
        ticket.refresh_from_db()
        return _page(request, ticket, open_action=action, bound_form=form, error=" ".join(exc.messages), status=400)
    except (GuardFailed, PermissionDenied) as exc:
        ticket.refresh_from_db()
        return _page(request, ticket, open_action=action, bound_form=form, error=exc.message, status=409 if isinstance(exc, GuardFailed) else 403)
    messages.success(request, DONE[action])
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
