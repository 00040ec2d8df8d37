"""The agents' page of held messages (unknown sender, failed DKIM/SPF, oversized, unreadable), for
the desks they work on or supervise; accept (opens the ticket for the requester chosen) and reject,
each a POST through `services` (one `MailEvent`). Thin: reads in `selectors`, writes in `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.choices import BeneficiaryKind
from directory.models import School
from journal.middleware import register as journal_route
from journal.models import ObjectType
from tickets.exceptions import Conflict, PermissionDenied
from tickets.opening import openable_schools

from . import parse as mailparse
from . import selectors, services


def held_by_pk(kwargs):
    return ObjectType.OTHER, str(kwargs.get("pk", "")), _("courriel retenu"), None


for _name in ("mailin:held_detail", "mailin:held_accept", "mailin:held_reject"):  # reads and refusals journaled
    journal_route(_name, held_by_pk)


@login_required
def held_list(request):
    held = list(selectors.held_for(request.user)[:200])
    return render(request, "mailin/held.html", {"held": held})


def _message_or_404(user, pk):
    message = selectors.held_message(user, pk)
    if message is None:
        raise Http404(_("Aucun courriel retenu n° %(pk)s dans vos guichets.") % {"pk": pk})
    return message


def _detail(request, message, *, errors=None, values=None, status=200):
    parsed = mailparse.parse(bytes(message.raw), None) if message.raw else None
    schools = openable_schools(request.user)[:300]
    default_school = services.school_of(message.sender_user) if message.sender_user else None
    return render(request, "mailin/held_detail.html", {
        "message": message, "text": (parsed.text if parsed else "") or message.text,
        "attachments": parsed.attachments if parsed else [], "schools": schools,
        "kinds": [(v, label) for v, label in BeneficiaryKind.choices if v],
        "errors": errors or {}, "values": values or {
            "requester": message.sender_user.username if message.sender_user else "",
            "school": default_school.pk if default_school else "",
            "beneficiary_name": message.sender_name if not message.sender_user else "",
        },
    }, status=status)


@login_required
def held_detail(request, pk):
    return _detail(request, _message_or_404(request.user, pk))


def _requester(value):
    value = (value or "").strip()
    if not value:
        return None
    user = get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value), is_active=True).order_by("pk").first()
    if user is None:
        raise ValidationError({"requester": _("Aucun compte actif « %(value)s » (identifiant ou courriel).") % {"value": value[:80]}})
    return user


def _school(value):
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not (school := School.objects.filter(pk=int(value)).first()):
        raise ValidationError({"school": _("École inconnue.")})
    return school


@login_required
@require_POST
def held_accept(request, pk):
    message = _message_or_404(request.user, pk)
    values = {k: request.POST.get(k, "") for k in ("requester", "school", "beneficiary_name", "beneficiary_kind")}
    try:
        requester = _requester(values["requester"])
        school = _school(values["school"])
        if requester is not None and values["beneficiary_name"].strip():
            raise ValidationError({"requester": _("Choisissez un compte ou saisissez le nom d'une personne sans compte, pas les deux.")})
        done = services.accept_held(message, actor=request.user, requester=requester, school=school,
                                    beneficiary_name=values["beneficiary_name"], beneficiary_kind=values["beneficiary_kind"])
    except ValidationError as exc:
        errors = {k: " ".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {"requester": " ".join(exc.messages)}
        return _detail(request, message, errors=errors, values=values, status=400)
    except PermissionDenied as exc:
        return _detail(request, message, errors={"requester": str(exc)}, values=values, status=403)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("mailin:held")
    messages.success(request, _("Courriel accepté : demande %(ref)s.") % {"ref": done.ticket.reference})
    return redirect("web:ticket", reference=done.ticket.reference)


@login_required
@require_POST
def held_reject(request, pk):
    message = _message_or_404(request.user, pk)
    try:
        services.reject_held(message, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _detail(request, message, errors={k: " ".join(v) for k, v in exc.message_dict.items()}, status=400)
    except (PermissionDenied, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("mailin:held")
    messages.success(request, _("Courriel refusé."))
    return redirect("mailin:held")
