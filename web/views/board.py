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

from core.params import choice_param
from directory.choices import Category
from journal.services import record_bulk_read
from sla import selectors as sla_selectors
from tickets import selectors as ticket_selectors
from tickets.models import ACTIVE, Priority, State

PAGE_SIZE = 50
SORTS = {
    "sla": _("Urgence SLA (échéance la plus proche)"),
    "priority": _("Priorité"),
    "age": _("Ancienneté"),
}
ACTIVE_STATES = [s for s in ACTIVE]


class CountedPaginator(Paginator):
    """The count is known from the per-state counters when only the state is filtered."""

    def __init__(self, object_list, per_page, known_count=None):
        super().__init__(object_list, per_page)
        if known_count is not None:
            self.__dict__["count"] = known_count


def _desk_for(user, slug):
    desk = ticket_selectors.board_desk(user, slug)
    if desk is None:
        raise Http404(_("Guichet introuvable ou hors de votre périmètre."))
    return desk


@login_required
def board(request, slug):
    desk = _desk_for(request.user, slug)
    # Checked here: the selector's isdigit() lets "²" through to int() (a 500).
    choice_param(request.GET, "priorite", Priority.values)
    qs, counts, sort, known = ticket_selectors.board_tickets(request.user, desk, request.GET)
    page = CountedPaginator(qs, PAGE_SIZE, known).get_page(request.GET.get("page"))
    tickets = list(page.object_list)
    sla_selectors.annotate_board_rows(tickets)
    record_bulk_read(request, f"web:board {desk.slug}", tickets)
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
