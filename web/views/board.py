"""The live triage board of a desk: counts per state, filters, SLA-urgency sort, countdowns.

One page costs a constant number of queries whatever the number of tickets (asserted in tests):
the perimeter, the desk, the counts (one GROUP BY), the rows (one query, SLA due time annotated
by a correlated subquery on the clocks).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from directory.choices import Category, Role
from directory.selectors import desks_for, perimeter_for
from tickets import selectors as ticket_selectors
from tickets.models import ACTIVE, Priority, State

from .sla_view import _clock_model

PAGE_SIZE = 50
SORTS = {
    "sla": _("Urgence SLA (échéance la plus proche)"),
    "priority": _("Priorité"),
    "age": _("Ancienneté"),
}
ACTIVE_STATES = [s for s in ACTIVE]


def _annotate_sla(qs):
    Clock = _clock_model()
    if Clock is None:
        return qs, False
    running = Clock.objects.filter(ticket_id=OuterRef("pk"), state="running").order_by("due_at")
    return (
        qs.annotate(
            sla_due=Subquery(running.values("due_at")[:1]),
            sla_warning=Subquery(running.values("warning_at")[:1]),
            sla_paused=Exists(Clock.objects.filter(ticket_id=OuterRef("pk"), state="paused")),
        ),
        True,
    )


def board_queryset(user, desk, params):
    """Tickets of the board after filters, sorted; and the counts per state (before the state filter)."""
    base = ticket_selectors.visible_to(user).filter(desk=desk)
    state = params.get("etat") or ""
    if state == "tous":
        scoped = base
    elif state in State.values:
        scoped = base.filter(state=state)
    else:
        scoped = base.filter(state__in=ACTIVE_STATES)
    if (priority := params.get("priorite")) and priority.isdigit():
        scoped = scoped.filter(priority=int(priority))
    if (category := params.get("categorie")) in Category.values:
        scoped = scoped.filter(category=category)
    assigned = params.get("pris")
    if assigned == "moi":
        scoped = scoped.filter(assignee=user)
    elif assigned == "personne":
        scoped = scoped.filter(assignee__isnull=True)
    if q := (params.get("q") or "").strip():
        scoped = scoped.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(school__name__icontains=q) | Q(school__uai__iexact=q))
    scoped, has_sla = _annotate_sla(scoped)
    sort = params.get("tri") if params.get("tri") in SORTS else "sla"
    if sort == "sla" and has_sla:
        scoped = scoped.order_by(F("sla_due").asc(nulls_last=True), "priority", "created_at")
    elif sort == "age":
        scoped = scoped.order_by("created_at")
    else:
        scoped = scoped.order_by("priority", "created_at")
    counts = dict(base.order_by().values_list("state").annotate(n=Count("pk")))
    return scoped, counts, sort


def _desk_for(user, slug):
    desk = desks_for(user).filter(slug=slug).first()
    if desk is None:
        raise Http404(_("Guichet introuvable ou hors de votre périmètre."))
    return desk


@login_required
def board(request, slug):
    desk = _desk_for(request.user, slug)
    qs, counts, sort = board_queryset(request.user, desk, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    state_counts = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    context = {
        "desk": desk,
        "page": page,
        "tickets": list(page.object_list),
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
