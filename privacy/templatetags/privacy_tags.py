from django import template

register = template.Library()


@register.simple_tag
def information_notice():
    """The published information notice edited by the administrator (None: the built-in text)."""
    from privacy.models import InformationNotice

    return InformationNotice.current()
