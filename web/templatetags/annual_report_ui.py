"""`{% load annual_report_ui %}`: whether to offer the annual report link (managers, administrators)."""

from django import template

from pilotage.report import may_read_reports

register = template.Library()


@register.filter
def reads_reports(user) -> bool:
    return bool(user and user.is_authenticated and may_read_reports(user))
