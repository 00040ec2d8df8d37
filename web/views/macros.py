"""Apply a canned answer (macro) on the ticket page: the reply and, if the macro says so, its action,
or nothing (`tickets.macros.apply_macro`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal.middleware import register as journal_route, ticket_by_reference
from tickets import macros
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied

from .ticket import _get_ticket, _page


journal_route("web:ticket_macro", ticket_by_reference)  # a ticket's page action: journaled as the ticket's


@login_required
@require_POST
def ticket_macro(request, reference):
    ticket = _get_ticket(request.user, reference)
    raw = (request.POST.get("macro") or "").strip()
    macro = macros.macros_for(request.user, ticket).filter(pk=int(raw)).first() if raw.isdigit() else None
    if macro is None:
        return _page(request, ticket, error=_("Réponse type : choisissez une réponse type de la liste."), status=400)
    raw_version = (request.POST.get("version") or "").strip()
    version = int(raw_version) if raw_version.isdigit() else None
    try:
        macros.apply_macro(request.user, ticket, macro, expected_version=version)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", reference=reference)
    except ValidationError as exc:
        ticket.refresh_from_db()
        return _page(request, ticket, error=" ".join(exc.messages), status=400)
    except (GuardFailed, PermissionDenied) as exc:
        ticket.refresh_from_db()
        return _page(request, ticket, error=exc.message, status=403 if isinstance(exc, PermissionDenied) else 409)
    messages.success(request, _("Réponse type « %(title)s » appliquée.") % {"title": macro.title})
    return redirect("web:ticket", reference=reference)
