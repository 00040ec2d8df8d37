"""Requester pages: report a problem (with similar open tickets shown first) and "Mes demandes"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from directory.choices import Role
from directory.models import School
from directory.selectors import perimeter_for
from sla.selectors import current_outages
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.exceptions import TicketError
from tickets.models import OPEN_STATES, Ticket

from ..forms import ReportForm
from .attachments import attach_files


def reporting_schools(user):
    """Schools this person may report for: where they are a requester or a level-0 agent."""
    perimeter = perimeter_for(user)
    return School.objects.filter(perimeter.schools_q(roles={Role.REQUESTER, Role.AGENT})).order_by("name")


@login_required
def report(request):
    schools = reporting_schools(request.user)
    if not schools.exists():
        messages.error(request, _("Votre compte n'est rattaché à aucune école : vous ne pouvez pas signaler de problème."))
        return redirect("home")
    form = ReportForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket = ticket_services.open_ticket(
                    actor=request.user, school=data["school"], title=data["title"],
                    description=data["description"], category=data["category"], service=data["service"],
                    impact=data["impact"], urgency=data["urgency"], contact=data["contact"],
                )
                attach_files(ticket, data["attachments"], request.user)
        except TicketError as exc:
            form.add_error(None, exc.message)
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
    return {"similar": similar_open_tickets(user, school_id), "outages": current_outages(school_id)}


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
    school_id = request.GET.get("school")
    if school_id and not reporting_schools(request.user).filter(pk=school_id).exists():
        school_id = None
    return render(
        request,
        "web/_similar.html",
        {"similar": similar_open_tickets(request.user, school_id), "outages": current_outages(school_id)},
    )


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
    return render(request, "web/my_tickets.html", {"tickets": tickets, "show": show, "waiting": waiting})
