from django import template

register = template.Library()


@register.simple_tag
def information_notice():
    """The published information notice edited by the administrator (None: the built-in text)."""
    from privacy.models import InformationNotice

    return InformationNotice.current()


@register.simple_tag(takes_context=True)
def breach_record_link(context, ticket):
    """The breach record's address for who may keep it (the DPO covering the school), else ""."""
    from django.urls import reverse

    from privacy.services import may_manage_breach

    request = context.get("request")
    user = getattr(request, "user", None)
    if ticket is None or ticket.category != "security_incident" or user is None or not user.is_authenticated:
        return ""
    return reverse("privacy:breach", args=[ticket.reference]) if may_manage_breach(user, ticket) else ""
