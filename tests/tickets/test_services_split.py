"""The action core: one skeleton for every row; services is only the public face of the pieces."""

from pathlib import Path

import pytest
from django.conf import settings

from tickets import actions, services
from tickets.exceptions import Conflict, GuardFailed
from tickets.models import Comment, State, Ticket

pytestmark = pytest.mark.django_db


def test_services_only_re_exports():
    text = (Path(settings.BASE_DIR) / "tickets" / "services.py").read_text(encoding="utf-8")
    assert "\ndef " not in text and "@transaction" not in text
    for name in ("open_ticket", "take", "add_attachment", "convention_for", "next_reference", "covers", "auto_close_due"):
        assert callable(getattr(services, name)), name


def test_attachments_use_the_public_core():
    text = (Path(settings.BASE_DIR) / "tickets" / "attachments.py").read_text(encoding="utf-8")
    assert "services._" not in text and "_lock(" not in text and "_commit(" not in text


def test_a_requester_reply_is_the_answer_row(at_n1, u):
    t = services.request_info(at_n1, actor=u["erun"], body="Quel navigateur ?")
    t = services.comment(t, actor=u["enseignant"], body="Firefox")
    assert t.state == State.IN_PROGRESS
    event = t.events.last()
    assert event.kind == "answered" and event.version == t.version
    assert Comment.objects.get(event=event).body == "Firefox"


def test_a_refused_move_writes_nothing(at_n1, u, world):
    with pytest.raises(GuardFailed):
        services.route(at_n1, actor=u["erun"], desk=world.desks["erun-sete"], reason="Autre circonscription")
    fresh = Ticket.objects.get(pk=at_n1.pk)
    assert (fresh.version, fresh.desk_id, fresh.events.count()) == (at_n1.version, at_n1.desk_id, at_n1.version)


def test_stale_version_is_a_conflict_before_anything_else(at_n1, u):
    with pytest.raises(Conflict):
        services.resolve(at_n1, actor=u["erun"], expected_version=at_n1.version - 1, summary="Fait")


def test_a_major_incident_resolves_its_children_on_the_same_skeleton(at_n1, open_mtp, u):
    child = services.escalate(open_mtp(title="Enfant"), actor=u["directeur"])
    services.set_parent(child, actor=u["erun"], parent=at_n1.reference)
    services.resolve(at_n1, actor=u["erun"], summary="Corrigé")
    child.refresh_from_db()
    assert child.state == State.RESOLVED and child.events.last().payload["parent"] == at_n1.reference
    assert child.events.last().version == child.version


def test_every_action_is_registered_once():
    assert len(actions.ACTIONS) == len(set(actions.ACTIONS.values()))
