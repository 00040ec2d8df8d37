"""Transition × role: who may do what on a level-1 Montpellier ticket (ERUN desk), and why not."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from directory.choices import Category
from tickets import permissions, services
from tickets.exceptions import GuardFailed, PermissionDenied
from tickets.models import State

from .conftest import QUALIF

pytestmark = pytest.mark.django_db

ROLES = ["enseignant", "directeur", "erun", "dsi", "editeur", "formateur", "manager", "dpo", "admin", "guichet"]


def _prepare(name, at_n1, u, open_mtp):
    """A ticket in the state the transition starts from, plus the call to make."""
    t = at_n1
    other = services.escalate(open_mtp(title="Autre"), actor=u["directeur"])
    if name in ("answer",):
        t = services.request_info(t, actor=u["erun"], body="Précisez ?")
    if name in ("confirm", "reopen"):
        t = services.resolve(t, actor=u["erun"], summary="Fait")
    # Routing stays inside the convention's support chain: the commune's desk (network faults of
    # its écoles) is the other level-1 desk for this school.
    commune = u["_desks"]["maguelone-tech"]
    calls = {
        "take": lambda a: services.take(t, actor=a),
        "comment": lambda a: services.comment(t, actor=a, body="Bonjour"),
        "request_info": lambda a: services.request_info(t, actor=a, body="Capture ?"),
        "answer": lambda a: services.answer(t, actor=a, body="Voici"),
        "route": lambda a: services.route(t, actor=a, desk=commune, reason="Panne réseau : la commune"),
        "escalate": lambda a: services.escalate(t, actor=a, reason="Expertise"),
        "send_back": lambda a: services.send_back(t, actor=a, reason="Voir avec l'école"),
        "resolve": lambda a: services.resolve(t, actor=a, summary="Réglé"),
        "confirm": lambda a: services.confirm(t, actor=a),
        "reopen": lambda a: services.reopen(t, actor=a, reason="Encore"),
        "cancel": lambda a: services.cancel(t, actor=a, reason="Hors périmètre"),
        "link_duplicate": lambda a: services.link_duplicate(t, actor=a, duplicate_of=other.reference),
        "set_parent": lambda a: services.set_parent(t, actor=a, parent=other.reference),
    }
    return t, calls[name]


AGENT_ACTIONS = {"erun", "admin"}
REQUESTER_ACTIONS = {"enseignant", "directeur", "admin"}
EXPECTED = {
    "take": AGENT_ACTIONS,
    "comment": AGENT_ACTIONS | REQUESTER_ACTIONS,
    "request_info": AGENT_ACTIONS,
    "answer": REQUESTER_ACTIONS,
    "route": AGENT_ACTIONS,
    "escalate": AGENT_ACTIONS,
    "send_back": AGENT_ACTIONS,
    "resolve": AGENT_ACTIONS,
    "confirm": REQUESTER_ACTIONS,
    "reopen": REQUESTER_ACTIONS,
    "cancel": AGENT_ACTIONS,
    "link_duplicate": AGENT_ACTIONS,
    "set_parent": AGENT_ACTIONS,
}


@pytest.mark.parametrize("transition", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_transition_role_matrix(transition, role, at_n1, u, open_mtp, world):
    u["_desks"] = world.desks
    ticket, call = _prepare(transition, at_n1, u, open_mtp)
    actor = u[role]
    allowed = role in EXPECTED[transition]
    assert (transition in permissions.available_transitions(actor, ticket)) == allowed
    if allowed:
        before = ticket.events.count()
        call(actor)
        assert ticket.events.count() == before + 1  # exactly one event per transition
    else:
        with pytest.raises(PermissionDenied) as exc:
            call(actor)
        assert exc.value.message  # a clear French reason
        assert ticket.events.count() == type(ticket).objects.get(pk=ticket.pk).events.count()


def test_refusal_reasons_name_the_rule(at_n1, u):
    with pytest.raises(PermissionDenied, match="Seul un agent du guichet"):
        services.take(at_n1, actor=u["dsi"])
    with pytest.raises(PermissionDenied, match="Seul le demandeur"):
        services.confirm(at_n1, actor=u["erun"])
    with pytest.raises(PermissionDenied, match="note interne"):
        services.comment(at_n1, actor=u["enseignant"], body="x", internal=True)


def test_observer_reads_and_comments_vendor_tickets_of_the_area_only(at_n1, at_vendor, u):
    from tickets.selectors import visible_to

    formateur = u["formateur"]
    assert list(visible_to(formateur)) == [at_vendor]
    assert permissions.available_transitions(formateur, at_vendor) == ["comment"]
    services.comment(at_vendor, actor=formateur, body="J'accompagne l'enseignante demain")
    for refused in (
        lambda: services.take(at_vendor, actor=formateur),
        lambda: services.resolve(at_vendor, actor=formateur, summary="x"),
        lambda: services.comment(at_vendor, actor=formateur, body="x", internal=True),
    ):
        with pytest.raises(PermissionDenied):
            refused()


def test_vendor_agent_acts_at_its_desk(at_vendor, u):
    assert "take" in permissions.available_transitions(u["editeur"], at_vendor)
    assert "send_back" in permissions.available_transitions(u["editeur"], at_vendor)
    t = services.take(at_vendor, actor=u["editeur"])
    t = services.resolve(t, actor=u["editeur"], summary="Corrigé en 4.2.1")
    assert t.state == State.RESOLVED


def test_managers_and_dpo_only_read(at_n1, u):
    for name in ("manager", "dpo"):
        assert permissions.available_transitions(u[name], at_n1) == []
        assert permissions.can_view(u[name], at_n1)


def test_auto_close_is_for_the_periodic_task_only(at_n1, u):
    t = services.resolve(at_n1, actor=u["erun"], summary="Fait")
    with pytest.raises(PermissionDenied):
        services.auto_close(t, actor=u["erun"])
    with pytest.raises(GuardFailed, match="7 jours"):
        services.auto_close(t, actor=None)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.auto_close_due() == 1
    t.refresh_from_db()
    assert t.state == State.CLOSED and t.events.last().kind == "auto_closed" and t.events.last().actor is None


def test_reopen_is_refused_after_the_configured_delay(at_n1, u, settings):
    settings.HELPDESK = {**settings.HELPDESK, "REOPEN_DAYS": 3}
    t = services.resolve(at_n1, actor=u["erun"], summary="Fait")
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert "reopen" not in permissions.available_transitions(u["enseignant"], t)
        with pytest.raises(GuardFailed, match="3 jours"):
            services.reopen(t, actor=u["enseignant"], reason="Encore")
    t = services.reopen(t, actor=u["enseignant"], reason="Encore")
    assert t.state == State.IN_PROGRESS


def test_who_may_open(u, bouissinet):
    # Vendors, observers and managers open nothing; the ERUN opens for a named person of the school
    # (tests/tickets/test_who_may_open.py has every role).
    from django.core.exceptions import ValidationError

    from directory.choices import Category

    for name in ("editeur", "formateur", "manager"):
        with pytest.raises(PermissionDenied, match="Vous ne pouvez pas ouvrir de demande pour l'école"):
            services.open_ticket(actor=u[name], school=bouissinet, title="x", description="y",
                                 category=Category.USAGE, impact=3, urgency=3)
    with pytest.raises(ValidationError, match="pour le compte de qui"):
        services.open_ticket(actor=u["erun"], school=bouissinet, title="x", description="y",
                             category=Category.USAGE, impact=3, urgency=3)
    t = services.open_ticket(actor=u["erun"], school=bouissinet, title="x", description="y", category=Category.USAGE,
                             impact=3, urgency=3, on_behalf_of=u["enseignant"])
    assert (t.requester, t.opened_by) == (u["enseignant"], u["erun"])
    assert services.open_ticket(actor=u["directeur"], school=bouissinet, title="x", description="y",
                                category=Category.USAGE, impact=3, urgency=3).requester == u["directeur"]


def test_escalation_qualification_is_kept(at_n1, u):
    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"])
    t = services.escalate(t, actor=u["dsi"], malfunction_proven=True, **QUALIF)
    assert t.users_affected == 12 and t.malfunction_proven
