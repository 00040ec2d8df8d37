from django import template

from knowledge import selectors

register = template.Library()


@register.filter
def may_write_articles(user) -> bool:
    """Is `user` an agent who writes help articles (académie, collectivité, vendor)?"""
    return bool(user and user.is_authenticated and selectors.may_write(user))
