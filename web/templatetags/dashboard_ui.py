"""Filters of the manager dashboard (templates/web/dashboard.html)."""

import json

from django import template

register = template.Library()


@register.filter
def json_attr(value) -> str:
    """A value as JSON for a data-* attribute (the template's autoescape quotes it)."""
    return json.dumps(value, ensure_ascii=False)


@register.filter
def last_missed(row) -> bool:
    """Does the row end with a missed-target flag (web.dashboards.Flag)?"""
    return bool(row) and bool(getattr(row[-1], "missed", False))
