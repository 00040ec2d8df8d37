"""The timeline is append-only and complete: the ticket's history is rebuilt from it."""

import pytest

from tickets import services
from tickets.models import Ticket, TicketEvent

from .conftest import QUALIF

pytestmark = pytest.mark.django_db


def test_events_cannot_be_updated_or_deleted(at_n1):
    event = at_n1.events.first()
    event.payload = {"forged": True}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=at_n1).update(visibility="chain")
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=at_n1).delete()
    with pytest.raises(TypeError):
        at_n1.events.all().delete()


def test_state_is_protected():
    t = Ticket()
    with pytest.raises(AttributeError):
        t.state = "closed"


def _replay(events):
    state = level = desk = None
    for i, e in enumerate(events):
        if i:
            assert (e.from_state, e.from_level, e.from_desk_id) == (state, level, desk), e
        assert e.version == i + 1  # one event per version: none missing
        state, level, desk = e.to_state, e.to_level, e.to_desk_id
    return state, level, desk


def test_full_history_is_rebuilt_from_the_timeline(at_vendor, u, open_mtp):
    t = services.set_vendor_reference(at_vendor, actor=u["editeur"], vendor_reference="ODE-1")
    t = services.comment(t, actor=u["editeur"], body="Analyse en cours")
    t = services.send_back(t, actor=u["editeur"], reason="Logs ?")
    t = services.update_qualification(t, actor=u["dsi"], users_affected=40)
    t = services.escalate(t, actor=u["dsi"], reason="Logs joints")
    t = services.resolve(t, actor=u["editeur"], summary="Corrigé")
    t = services.reopen(t, actor=u["enseignant"], reason="Toujours en erreur")
    t = services.request_info(t, actor=u["editeur"], body="Heure exacte ?")
    t = services.answer(t, actor=u["enseignant"], body="9h12")
    t = services.resolve(t, actor=u["editeur"], summary="Corrigé pour de bon")
    t = services.confirm(t, actor=u["enseignant"])
    t = Ticket.objects.get(pk=t.pk)
    events = list(t.events.order_by("id"))
    assert _replay(events) == (t.state, t.level, t.desk_id)
    assert events[-1].version == t.version
    assert all(e.actor_id for e in events)
    assert {e.kind for e in events} >= {"opened", "taken", "escalated", "sent_back", "resolved", "reopened",
                                        "info_requested", "answered", "confirmed", "commented", "qualified",
                                        "vendor_reference"}


def test_internal_events_are_hidden_from_the_requester(at_n1, u):
    from tickets.selectors import timeline_for

    services.comment(at_n1, actor=u["erun"], body="Interne", internal=True)
    assert not timeline_for(u["enseignant"], at_n1).filter(kind="note").exists()
    assert timeline_for(u["erun"], at_n1).filter(kind="note").exists()
    assert timeline_for(u["manager"], at_n1).filter(kind="note").exists()


def test_guard_failure_writes_nothing(at_n1, u):
    from tickets.exceptions import GuardFailed

    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"])
    count, version = t.events.count(), t.version
    with pytest.raises(GuardFailed):
        services.escalate(t, actor=u["dsi"], steps_to_reproduce="x")  # incomplete
    t.refresh_from_db()
    assert (t.events.count(), t.version, t.level, t.steps_to_reproduce) == (count, version, 2, "")
    with pytest.raises(Exception):
        services.escalate(t, actor=u["dsi"], **{**QUALIF, "users_affected": "beaucoup"}, malfunction_proven=True)
