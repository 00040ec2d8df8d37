"""Satisfaction pages: the rating form of the ticket page (signed in) and the page a rating link of
the resolution e-mail opens (the signed token is the credential: no sign-in; it confirms with a
POST, mail scanners following GET links). The rule is `tickets.satisfaction.rate`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from journal.middleware import register as journal_route, ticket_by_reference
from tickets import satisfaction
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import SatisfactionRating

from .ticket import _get_ticket, _page


journal_route("web:ticket_rate", ticket_by_reference)  # a ticket's page action: journaled as the ticket's


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_lazy("Votre note"), coerce=int, widget=forms.RadioSelect,
        choices=[(r, f"{r}/5 — {satisfaction.RATING_LABELS[r]}") for r in satisfaction.RATINGS],
        error_messages={"required": _lazy("Choisissez une note de 1 à 5."),
                        "invalid_choice": _lazy("La note est un nombre de 1 à 5.")},
    )
    comment = forms.CharField(label=_lazy("Un commentaire ?"), required=False, max_length=satisfaction.COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))


def _errors(form) -> str:
    return " ".join(f"{form.fields[name].label} : {' '.join(errs)}" if name in form.fields else " ".join(errs)
                    for name, errs in form.errors.items())


def _status(exc) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    return 409  # already rated, not resolved, someone else changed it meanwhile


@login_required
@require_POST
def ticket_rate(request, reference):
    """The requester's rating from the ticket page."""
    ticket = _get_ticket(request.user, reference)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, error=_("Évaluation refusée : %(why)s") % {"why": _errors(form)}, status=400)
    try:
        satisfaction.rate(ticket, actor=request.user, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"], via=SatisfactionRating.Via.WEB)
    except ValidationError as exc:
        return _page(request, ticket, error=" ".join(exc.messages), status=400)
    except (PermissionDenied, GuardFailed, Conflict) as exc:
        ticket.refresh_from_db()
        return _page(request, ticket, error=exc.message, status=_status(exc))
    messages.success(request, _("Merci pour votre évaluation."))
    return redirect("web:ticket", reference=reference)


@require_http_methods(["GET", "POST"])
def satisfaction_link(request, token):
    """A rating link of the resolution e-mail: GET shows the rating to confirm (and a comment
    field), POST records it for the ticket's requester. A link expired or altered: a clear 4xx."""
    try:
        ticket, rating = satisfaction.read_token(token)
    except satisfaction.BadLink as exc:
        return render(request, "web/satisfaction_link.html", {"error": exc.message}, status=410 if exc.expired else 400)
    context = {"ticket": ticket, "rating": rating, "label": satisfaction.RATING_LABELS[rating], "token": token,
               "max_comment": satisfaction.COMMENT_MAX}
    existing = satisfaction.rating_of(ticket)
    if existing is not None:
        context.update(existing=existing, error=str(satisfaction.AlreadyRated.default_message))
        return render(request, "web/satisfaction_link.html", context, status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render(request, "web/satisfaction_link.html", context)
    comment = request.POST.get("comment", "")
    try:
        done = satisfaction.rate(ticket, actor=ticket.requester, rating=rating, comment=comment,
                                 via=SatisfactionRating.Via.EMAIL)
    except ValidationError as exc:
        context.update(error=" ".join(exc.messages), comment=comment)
        return render(request, "web/satisfaction_link.html", context, status=400)
    except (PermissionDenied, GuardFailed, Conflict) as exc:
        context.update(error=exc.message)
        return render(request, "web/satisfaction_link.html", context, status=_status(exc))
    context.update(done=done)
    return render(request, "web/satisfaction_link.html", context)
