"""What the ticket page's satisfaction and canned-answer includes need, read in one tag each
(templates/web/_satisfaction.html, templates/web/_macros.html): the pieces stay out of the
ticket view, and cost no query when they have nothing to show."""

from django import template

from tickets import macros, satisfaction
from tickets.models import ACTIVE

register = template.Library()


@register.simple_tag(takes_context=True)
def satisfaction_state(context, ticket):
    """{"rating": the rating or None, "may_rate": bool, "shown": bool} for the person reading."""
    user = getattr(context.get("request"), "user", None)
    if ticket.state not in satisfaction.RATEABLE:
        return {"shown": False}
    rating = satisfaction.rating_of(ticket)
    is_requester = getattr(user, "pk", None) == ticket.requester_id
    see_internal = bool(context.get("see_internal"))
    return {
        "shown": is_requester or (see_internal and rating is not None),
        "rating": rating, "is_requester": is_requester,
        "may_rate": satisfaction.may_rate(user, ticket, rating),
        "choices": [(r, satisfaction.RATING_LABELS[r]) for r in satisfaction.RATINGS],
        "max_comment": satisfaction.COMMENT_MAX,
    }


@register.simple_tag(takes_context=True)
def ticket_macros(context, ticket):
    """[(macro, filled text, action label)] the reader may apply on the ticket (none unless the
    ticket is open and they see its internal page)."""
    user = getattr(context.get("request"), "user", None)
    if ticket.state not in ACTIVE or not context.get("see_internal"):
        return []
    rows = macros.macro_transitions()
    return [(m, macros.fill(m, ticket), rows[m.transition].label if m.transition in rows else "")
            for m in macros.macros_for(user, ticket)]
