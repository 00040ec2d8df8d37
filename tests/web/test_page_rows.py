"""The board's and "Mes demandes"' precomputed row values give the bytes the tags gave."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from web.templatetags.web_ui import sla_html, ticket_url_maker

TAG = Template('{% load web_ui %}{% sla_countdown due paused=paused warning_at=warning label=_("Échéance") %}')


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("case", [
    {"due": None},
    {"due": None, "paused": True},
    {"due": 5 * 3600, "paused": True},
    {"due": 5 * 3600},
    {"due": 3 * 86400 + 60},
    {"due": 600, "warning": -60},
    {"due": 600, "warning": 60},
    {"due": -7200},
])
def test_sla_html_is_the_tags_output(case, language):
    now = timezone.now() + timedelta(seconds=30)  # half a minute off the minute: both read the same
    due = now + timedelta(seconds=case["due"]) if case["due"] is not None else None
    warning = now - timedelta(seconds=30) + timedelta(seconds=case["warning"]) if "warning" in case else None
    paused = case.get("paused", False)
    with translation.override(language):
        label = translation.gettext("Échéance")
        expected = TAG.render(Context({"due": due, "paused": paused, "warning": warning}))
        assert sla_html(due, paused=paused, warning_at=warning, label=label) == expected


def test_ticket_url_maker_is_reverse():
    url = ticket_url_maker()
    for reference in ("ENT-2026-000001", "ent-2026-12", "A B é"):
        assert url(reference) == reverse("web:ticket", args=[reference])
