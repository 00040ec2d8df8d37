"""The live triage board of a desk: counts per state, filters, SLA-urgency sort, countdowns.

One page costs a constant number of queries whatever the number of tickets (asserted in tests):
the perimeter, the desk, the counts (one GROUP BY on an index), the rows (sorted on the indexed
`Ticket.sla_due_at`), the page's running/paused clocks (one query).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from directory.choices import Category
from sla.models import Clock
from tickets import selectors as ticket_selectors
from tickets.models import ACTIVE, Priority, State

PAGE_SIZE = 50
SORTS = {
    "sla": _("Urgence SLA (échéance la plus proche)"),
    "priority": _("Priorité"),
    "age": _("Ancienneté"),
}
ACTIVE_STATES = [s for s in ACTIVE]


def _sla_details(tickets):
    """Warning time and pause flag of the page's rows, in one query (the due time is on the row)."""
    for t in tickets:
        t.sla_due, t.sla_warning, t.sla_paused = t.sla_due_at, None, False
    if not tickets:
        return
    by_pk = {t.pk: t for t in tickets}
    rows = (Clock.objects.filter(ticket_id__in=sorted(by_pk), state__in=["running", "paused"])
            .order_by("ticket_id", "due_at").values_list("ticket_id", "state", "due_at", "warning_at"))
    for ticket_id, state, due_at, warning_at in rows:
        t = by_pk[ticket_id]
        if state == "paused":
            t.sla_paused = True
        elif t.sla_warning is None and due_at == t.sla_due_at:
            t.sla_warning = warning_at  # of the running clock that sets the due time


class CountedPaginator(Paginator):
    """The count is known from the per-state counters when only the state is filtered."""

    def __init__(self, object_list, per_page, known_count=None):
        super().__init__(object_list, per_page)
        if known_count is not None:
            self.__dict__["count"] = known_count


def board_queryset(user, desk, params):
    """Kept for callers: `tickets.selectors.board_tickets`."""
    return ticket_selectors.board_tickets(user, desk, params)


def _desk_for(user, slug):
    desk = ticket_selectors.board_desk(user, slug)
    if desk is None:
        raise Http404(_("Guichet introuvable ou hors de votre périmètre."))
    return desk


@login_required
def board(request, slug):
    desk = _desk_for(request.user, slug)
    qs, counts, sort, known = board_queryset(request.user, desk, request.GET)
    page = CountedPaginator(qs, PAGE_SIZE, known).get_page(request.GET.get("page"))
    tickets = list(page.object_list)
    _sla_details(tickets)
    state_counts = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    context = {
        "desk": desk,
        "page": page,
        "tickets": tickets,
        "state_counts": state_counts,
        "active_total": sum(counts.get(s, 0) for s in ACTIVE_STATES),
        "sort": sort,
        "sorts": SORTS,
        "params": request.GET,
        "states": State.choices,
        "priorities": Priority.choices,
        "categories": Category.choices,
        "query": request.GET.urlencode(),
    }
    template = "web/_board_results.html" if request.htmx else "web/board.html"
    return render(request, template, context)


@login_required
def boards(request):
    """Desks the person works on or supervises, with their number of open tickets."""
    rows, followed = ticket_selectors.boards_overview(request.user)
    return render(request, "web/boards.html", {"rows": rows, "followed": followed})
