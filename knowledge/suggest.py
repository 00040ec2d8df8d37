"""What the report form offers while the teacher types its title: published articles that match,
and similar OPEN tickets — of the chosen school, and of the same ENT service in the schools the
person reports for (`tickets.opening.openable_schools`: a teacher's school, an ERUN's
circonscription…). A ticket the person may read in full (tickets.access) comes with its link; a
colleague's ticket they may not read is listed by reference and title only, so they can join it
("Je suis aussi concerné·e") rather than open a duplicate. Personal-data and security cases are
never offered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from directory.choices import Category
from tickets import access, opening
from tickets.models import OPEN_STATES, Ticket

from .models import SearchEntry, Status
from .search import highlight, matching
from .selectors import readable_articles

NEVER_OFFERED = (Category.SECURITY, Category.DATA_PROTECTION)


def offered_tickets(user):
    """Open tickets the report form may name to `user` (title and reference at least)."""
    schools = opening.openable_schools(user).values("pk")
    return Ticket.objects.filter(state__in=list(OPEN_STATES), school__in=schools).exclude(category__in=NEVER_OFFERED)


@dataclass
class Offer:
    ticket: Ticket
    title_html: str
    readable: bool
    concerned: bool


def suggestions(user, q: str, *, school_id=None, service: str = "", limit: int = 5):
    """(articles, offers) matching what the person typed (the last word may be incomplete)."""
    articles = []
    found = matching(SearchEntry.objects.filter(article__in=readable_articles(user).filter(status=Status.PUBLISHED)),
                     q, prefix_last=True)
    if found is not None:
        ids = list(found.values_list("article_id", flat=True)[:limit])
        by_id = readable_articles(user).in_bulk(ids)
        articles = [(by_id[i], highlight(by_id[i].title, q)) for i in ids if i in by_id]
    offers = []
    where = Q(pk__in=[])
    if school_id:
        where |= Q(school_id=school_id)
    if service:
        where |= Q(service=service)
    tickets = offered_tickets(user).filter(where)
    # Only the ticket's own entry (title and description) is matched: never a contribution the
    # person may not read.
    found = matching(SearchEntry.objects.filter(comment__isnull=True, ticket__in=tickets.values("pk")), q, prefix_last=True)
    if found is not None:
        ids = list(found.values_list("ticket_id", flat=True)[:limit])
        rows = Ticket.objects.in_bulk(ids)
        q_visible = access.visible_q(user)
        readable = set(Ticket.objects.filter(pk__in=ids).filter(q_visible if q_visible is not None else Q())
                       .values_list("pk", flat=True))
        from .models import Concerned

        joined = set(Concerned.objects.filter(user=user, ticket_id__in=ids).values_list("ticket_id", flat=True))
        offers = [Offer(rows[i], highlight(rows[i].title, q), i in readable, i in joined) for i in ids if i in rows]
    return articles, offers
