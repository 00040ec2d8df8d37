from pathlib import Path

from django.conf import settings

from tickets.diagram import mermaid, transitions


def test_committed_state_diagram_is_up_to_date():
    committed = (Path(settings.BASE_DIR) / "docs" / "ticket-states.md").read_text(encoding="utf-8")
    assert committed == mermaid(), "run: python manage.py ticket_state_diagram"


def test_diagram_covers_the_workflow():
    edges = {(s, t) for s, t, _ in transitions()}
    assert {("new", "in_progress"), ("in_progress", "waiting_requester"), ("waiting_requester", "in_progress"),
            ("in_progress", "resolved"), ("resolved", "closed"), ("resolved", "in_progress"),
            ("in_progress", "cancelled")} <= edges
    assert not any(s in ("closed", "cancelled") and t != "in_progress" for s, t in edges)
