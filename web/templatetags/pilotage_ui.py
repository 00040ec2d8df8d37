"""Pilotage pieces other pages include in one line: the "Déclarer incident majeur" button of an
outage or a ticket, and the open improvement actions panel of the manager's dashboard."""

from django import template

from pilotage import selectors

register = template.Library()


@register.inclusion_tag("pilotage/_major_button.html", takes_context=True)
def major_incident_button(context, obj):
    """The review's link when `obj` (an outage or a ticket) is a major incident the user reads,
    else the declaration button for those who may declare it, else nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    kind = "outage" if hasattr(obj, "service_id") else "ticket"
    review = selectors.review_of(obj)
    if review is not None:
        readable = selectors.visible_reviews(user).filter(pk=review.pk).exists()
        return {"review": review if readable else None, "kind": kind, "obj": obj}
    may = selectors.may_declare_outage_major(user, obj) if kind == "outage" else selectors.may_declare_ticket_major(user, obj)
    return {"may_declare": may, "kind": kind, "obj": obj, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("pilotage/_open_actions.html", takes_context=True)
def open_actions_panel(context, limit=10):
    request = context.get("request")
    qs = selectors.open_actions(request.user)
    actions = list(qs[:limit])
    return {"actions": actions, "more": len(actions) == limit and qs.count() > limit, "csrf_token": context.get("csrf_token")}
