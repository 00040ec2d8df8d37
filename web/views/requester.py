"""Requester pages: report a problem (with similar open tickets shown first) and "Mes demandes"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from core.params import id_param
from directory.choices import Category
from sla.selectors import current_outages
from tickets import opening
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.exceptions import TicketError
from tickets.models import OPEN_STATES, Ticket

from .. import presenters
from ..forms import ReportForm
from ..templatetags.web_ui import ticket_url_maker
from .attachments import attach_files
from .status import outage_notice


def reporting_schools(user):
    """Schools this person may report for: their own, and those their perimeter covers (CPC, ERUN,
    académie, collectivité), as `tickets.opening` says."""
    return opening.openable_schools(user)


def _relay_people(user, schools):
    """The accounts of those schools an agent may open for, or None when they relay for nobody."""
    if not opening.may_relay_somewhere(user):
        return None
    return (opening.school_accounts(schools).exclude(pk=user.pk)
            .prefetch_related("memberships__school", "memberships__desk__school"))


@login_required
def report(request):
    schools = reporting_schools(request.user)
    if not schools.exists():
        messages.error(request, _("Votre compte n'est rattaché à aucune école : vous ne pouvez pas signaler de problème."))
        return redirect("home")
    form = ReportForm(request.POST or None, request.FILES or None, schools=schools,
                      people=_relay_people(request.user, schools))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket = ticket_services.open_ticket(
                    actor=request.user, school=data["school"], title=data["title"],
                    description=data["description"], category=data["category"], service=data["service"],
                    impact=data["impact"], urgency=data["urgency"], contact=data["contact"],
                    on_behalf_of=data.get("on_behalf_of"), beneficiary_name=data.get("beneficiary_name", ""),
                    beneficiary_kind=data.get("beneficiary_kind", ""),
                    # A resource chosen, then the category changed: only a third-party request keeps it.
                    resource=data["resource"] if data["category"] == Category.THIRD_PARTY else None,
                )
                attach_files(ticket, data["attachments"], request.user)
        except TicketError as exc:
            # A refusal about "for whom" is shown beside that field (tickets.opening sets exc.field).
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Votre demande %(ref)s est enregistrée. Vous serez prévenu·e par courriel à chaque réponse.")
                % {"ref": ticket.reference},
            )
            return redirect("web:ticket", reference=ticket.reference)
    return render(request, "web/report.html", {"form": form, **_similar_context(request.user, form)})


def _similar_context(user, form):
    school_id = form["school"].value()
    return {"similar": similar_open_tickets(user, school_id), "outages": current_outages(school_id),
            **outage_notice(user, school_id, form.fields["school"].queryset)}


def similar_open_tickets(user, school_id, limit=5):
    if not school_id:
        return []
    try:
        school_id = int(school_id)
    except (TypeError, ValueError):
        return []
    return list(
        ticket_selectors.visible_to(user)
        .filter(school_id=school_id, state__in=OPEN_STATES)
        .select_related("desk")
        .order_by("-created_at")[:limit]
    )


@login_required
def report_similar(request):
    """htmx fragment: open tickets of the chosen school and ongoing outages, before submitting."""
    school_id = id_param(request.GET, "school")
    if school_id and not reporting_schools(request.user).filter(pk=school_id).exists():
        school_id = None
    return render(
        request,
        "web/status_report_fragment.html",
        {"similar": similar_open_tickets(request.user, school_id), "outages": current_outages(school_id),
         **outage_notice(request.user, school_id, reporting_schools(request.user).filter(pk=school_id or 0))},
    )


def _precompute_rows(tickets):
    """Each row's link, badge and sentence, computed once per page (the sentence once per state and
    desk: up to 200 rows would otherwise each run a filter and its translations)."""
    url, sentences = ticket_url_maker(), {}
    for t in tickets:
        key = (t.state, t.desk_id)
        if key not in sentences:
            sentences[key] = str(presenters.requester_status(t))
        t.status_label = sentences[key]
        t.badge = presenters.state_badge(t.state)
        t.url = url(t.reference)


@login_required
def my_tickets(request):
    """The person's own requests, newest first, in teacher words."""
    show = request.GET.get("voir", "en-cours")
    qs = (
        ticket_selectors.visible_to(request.user)
        .filter(requester=request.user)
        .select_related("desk", "school")
        .order_by("-created_at")
    )
    if show == "en-cours":
        qs = qs.exclude(state__in=[Ticket.State.CLOSED, Ticket.State.CANCELLED])
    tickets = list(qs[:200])
    waiting = sum(1 for t in tickets if t.state == Ticket.State.WAITING_REQUESTER)
    _precompute_rows(tickets)
    return render(request, "web/my_tickets.html", {"tickets": tickets, "show": show, "waiting": waiting})
