"""The live triage board of a desk: counts per state, filters, SLA-urgency sort, countdowns.

One page costs a constant number of queries whatever the number of tickets (asserted in tests):
the perimeter, the desk, the counts (one GROUP BY on an index), the rows (sorted on the indexed
`Ticket.sla_due_at`), the page's running/paused clocks (one query).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from directory.choices import Category, Role
from directory.selectors import desks_for, perimeter_for
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
    """Tickets of the board after filters, sorted; the counts per state (before the state filter,
    one GROUP BY on the desk's index); and the number of rows when it follows from those counts."""
    base = ticket_selectors.desk_tickets(user, desk)
    counts = dict(base.order_by().values_list("state").annotate(n=Count("*")))  # COUNT(*): index-only scan
    state = params.get("etat") or ""
    if state == "tous":
        scoped, known = base, sum(counts.values())
    elif state in State.values:
        scoped, known = base.filter(state=state), counts.get(state, 0)
    else:
        # Same IN list as the partial index ticket_desk_sla_idx, so the database can use it.
        scoped, known = base.filter(state__in=ACTIVE_STATES), sum(counts.get(s, 0) for s in ACTIVE_STATES)
    if (priority := params.get("priorite")) and priority.isdigit():
        scoped, known = scoped.filter(priority=int(priority)), None
    if (category := params.get("categorie")) in Category.values:
        scoped, known = scoped.filter(category=category), None
    assigned = params.get("pris")
    if assigned == "moi":
        scoped, known = scoped.filter(assignee=user), None
    elif assigned == "personne":
        scoped, known = scoped.filter(assignee__isnull=True), None
    if q := (params.get("q") or "").strip():
        scoped, known = scoped.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(school__name__icontains=q) | Q(school__uai__iexact=q)), None
    sort = params.get("tri") if params.get("tri") in SORTS else "sla"
    if sort == "sla":
        # Ticket.sla_due_at is kept by the clock engine: an indexed sort, no subquery per row.
        scoped = scoped.order_by(F("sla_due_at").asc(nulls_last=True), "priority", "created_at", "pk")
    elif sort == "age":
        scoped = scoped.order_by("created_at", "pk")
    else:
        scoped = scoped.order_by("priority", "created_at", "pk")
    return scoped, counts, sort, known


def _desk_for(user, slug):
    desk = desks_for(user).filter(slug=slug).first()
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
    visible = ticket_selectors.visible_to(request.user).filter(state__in=ACTIVE_STATES)
    desks = list(desks_for(request.user).order_by("level", "name"))
    counts = dict(visible.filter(desk__in=[d.pk for d in desks]).order_by().values_list("desk").annotate(n=Count("pk")))
    rows = [(d, counts.get(d.pk, 0)) for d in desks]
    followed = []
    if Role.OBSERVER in perimeter_for(request.user).roles:
        # Local trainers follow the tickets of their area sent to the vendor (read + comment).
        followed = list(visible.filter(reached_vendor=True).select_related("desk", "school").order_by("-created_at")[:100])
    return render(request, "web/boards.html", {"rows": rows, "followed": followed})
