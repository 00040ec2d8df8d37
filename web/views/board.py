"""The live triage board of a desk: counts per state, filters, SLA-urgency sort, countdowns.

One page costs a constant number of queries whatever the number of tickets (asserted in tests):
the perimeter, the desk, the counts (one GROUP BY on an index), the rows (sorted on the indexed
`Ticket.sla_due_at`), the page's running/paused clocks (one query).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.params import choice_param
from directory.choices import Category
from directory.models import Desk
from pilotage.selectors import is_major
from journal.services import record_bulk_read
from sla import selectors as sla_selectors
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import ACTIVE, Priority, State
from web.presenters import state_badge
from web.templatetags.web_ui import choice_labels, sla_html, ticket_url_maker

PAGE_SIZE = 50
SORTS = {
    "sla": _("Urgence SLA (échéance la plus proche)"),
    "priority": _("Priorité"),
    "age": _("Ancienneté"),
}
ACTIVE_STATES = [s for s in ACTIVE]


class CountedPaginator(Paginator):
    """The count is known from the per-state counters when only the state is filtered; otherwise
    it is counted up to `cap` rows past the page asked for (`capped`: there are more), so that a
    desk of 300,000 tickets is not counted to show fifty of them."""

    def __init__(self, object_list, per_page, known_count=None, cap=None):
        super().__init__(object_list, per_page)
        self.capped = False
        if known_count is not None:
            self.__dict__["count"] = known_count
        elif cap is not None:
            n = object_list[: cap + 1].count()
            self.capped = n > cap
            self.__dict__["count"] = n


def _count_cap(page_param) -> int:
    """Rows to count: the usual cap, or enough to reach one row past the page asked for."""
    text = str(page_param or "")
    number = int(text) if text.isascii() and text.isdigit() else 1
    return max(ticket_selectors.COUNT_CAP, min(number, 10**6) * PAGE_SIZE)


def _more_than(n) -> str:
    return gettext("plus de %(n)s") % {"n": number_format(n, force_grouping=True)}


def _desk_for(user, slug):
    desk = ticket_selectors.board_desk(user, slug)
    if desk is None:
        raise Http404(_("Guichet introuvable ou hors de votre périmètre."))
    return desk


def _precompute_rows(tickets):
    """What each row shows, computed once per page rather than by a tag or a translation per row
    (the countdown's HTML, the labels of the priority and state, the badge, the link)."""
    priorities, states = choice_labels(Priority.choices), choice_labels(State.choices)
    url = ticket_url_maker()
    label = str(_("Échéance"))
    select = gettext("Sélectionner %(ref)s")
    now = timezone.now()
    for t in tickets:
        t.sla_html = sla_html(t.sla_due, paused=t.sla_paused, warning_at=t.sla_warning, label=label, now=now)
        t.priority_label = priorities.get(t.priority, t.priority)
        t.state_label = states.get(t.state, t.state)
        t.badge = state_badge(t.state)
        t.url = url(t.reference)
        t.select_label = mark_safe(select % {"ref": conditional_escape(t.reference)})  # nosec B308 B703 - escaped reference


@login_required
def board(request, slug):
    desk = _desk_for(request.user, slug)
    # Checked here: the selector's isdigit() lets "²" through to int() (a 500).
    choice_param(request.GET, "priorite", Priority.values)
    qs, counts, sort, known = ticket_selectors.board_tickets(request.user, desk, request.GET)
    cap = _count_cap(request.GET.get("page"))
    paginator = CountedPaginator(qs, PAGE_SIZE, known, cap=cap)
    page = paginator.get_page(request.GET.get("page"))
    tickets = list(page.object_list)
    sla_selectors.annotate_board_rows(tickets)
    _precompute_rows(tickets)
    record_bulk_read(request, f"web:board {desk.slug}", tickets)
    cap = ticket_selectors.COUNT_CAP
    state_counts = [(value, label, n if (n := counts.get(value, 0)) <= cap else _more_than(cap))
                    for value, label in State.choices]
    context = {
        "desk": desk,
        "page": page,
        "count_text": _more_than(paginator.count - 1) if paginator.capped else None,
        "pages_text": _more_than(paginator.num_pages - 1) if paginator.capped else None,
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
        "bulk_actions": BULK_ACTIONS,
        "route_desks": route_choices(desk),
    }
    template = "web/_board_results.html" if request.htmx else "web/board.html"
    return render(request, template, context)


@login_required
def boards(request):
    """Desks the person works on or supervises, with their number of open tickets."""
    rows, followed = ticket_selectors.boards_overview(request.user)
    return render(request, "web/boards.html", {"rows": rows, "followed": followed})


# --- bulk actions --------------------------------------------------------------------------------

BULK_ACTIONS = {
    "take": _("Prendre en charge"),
    "route": _("Réorienter vers un autre guichet"),
    "major_incident": _("Rattacher à un incident majeur"),
    "duplicate": _("Clore comme doublons"),
}
MAX_BULK = PAGE_SIZE


def route_choices(desk):
    """The desks offered to route to in bulk: the other desks of the board's level. The service's
    guard (the ticket's support chain) stays the rule: a desk outside a ticket's chain is refused
    for that ticket, with the guard's reason."""
    return Desk.objects.filter(level=desk.level).exclude(pk=desk.pk).order_by("name")


def _bulk_call(action, ticket, user, data):
    """One ticket, one transaction, through the service of the action (rights, guards, audit)."""
    if action == "take":
        return ticket_services.take(ticket, actor=user)
    if action == "route":
        return ticket_services.route(ticket, actor=user, desk=data["desk"], reason=data["reason"])
    if action == "major_incident":
        return ticket_services.set_parent(ticket, actor=user, parent=data["parent"])
    return ticket_services.cancel(ticket, actor=user, reason=data["reason"] or str(_("Doublon")),
                                  duplicate_of=data["original"])


def _bulk_input(request, desk, action):
    """The action's input, or the message naming the missing field."""
    post = request.POST
    data = {"reason": post.get("reason", "").strip()}
    if action == "route":
        desk_id = post.get("desk", "")
        target = route_choices(desk).filter(pk=int(desk_id)).first() if desk_id.isdigit() else None
        if target is None:
            return None, _("Choisissez le guichet vers lequel réorienter (champ « Vers le guichet »).")
        if not data["reason"]:
            return None, _("Indiquez le motif de la réorientation (champ « Motif »).")
        data["desk"] = target
    elif action == "major_incident":
        parent = ticket_selectors.visible_to(request.user).filter(reference=post.get("reference", "").strip().upper()).first()
        if parent is None or not is_major(parent):
            return None, _("Indiquez la référence de la demande d'un incident majeur de votre périmètre (champ « Référence »).")
        data["parent"] = parent
    elif action == "duplicate":
        original = ticket_selectors.visible_to(request.user).filter(reference=post.get("reference", "").strip().upper()).first()
        if original is None:
            return None, _("Indiquez la référence de la demande d'origine (champ « Référence »).")
        data["original"] = original
    return data, ""


@login_required
@require_POST
def board_bulk(request, slug):
    """Apply one action to the tickets ticked on the board: each ticket in its own transaction
    through the existing service, so rights and the audit line stay those of one action; the
    message counts the successes and says why the others were refused."""
    desk = _desk_for(request.user, slug)
    back = redirect(reverse("web:board", args=[desk.slug]) + _back_query(request))
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choisissez une action à appliquer (champ « Action »)."))
        return back
    references = list(dict.fromkeys(r.strip().upper() for r in request.POST.getlist("tickets") if r.strip()))[:MAX_BULK]
    if not references:
        messages.error(request, _("Cochez au moins une demande du tableau."))
        return back
    data, error = _bulk_input(request, desk, action)
    if error:
        messages.error(request, error)
        return back
    found = {t.reference: t for t in ticket_selectors.visible_to(request.user).filter(desk=desk, reference__in=references)}
    done, refused = 0, []
    for reference in references:
        ticket = found.get(reference)
        if ticket is None:
            refused.append((reference, _("introuvable sur ce guichet")))
            continue
        try:
            with transaction.atomic():
                _bulk_call(action, ticket, request.user, data)
        except (Conflict, GuardFailed, PermissionDenied) as exc:
            refused.append((reference, exc.message))
        except ValidationError as exc:
            refused.append((reference, " ".join(exc.messages)))
        else:
            done += 1
    total = len(references)
    summary = ngettext("%(done)s demande sur %(total)s traitée : %(action)s.",
                       "%(done)s demandes sur %(total)s traitées : %(action)s.", done) % {
        "done": done, "total": total, "action": BULK_ACTIONS[action]}
    if refused:
        reasons = " ; ".join(f"{ref} — {why}" for ref, why in refused)
        summary += " " + ngettext("%(n)s refusée : %(why)s", "%(n)s refusées : %(why)s", len(refused)) % {
            "n": len(refused), "why": reasons}
    (messages.success if not refused else messages.warning)(request, summary)
    return back


def _back_query(request) -> str:
    """Back to the same filters (only the board's own parameters)."""
    keep = {k: v for k, v in request.POST.items() if k.startswith("f_") and v}
    return ("?" + urlencode({k[2:]: v for k, v in keep.items()})) if keep else ""
