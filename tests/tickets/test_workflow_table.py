"""There is no second list: the workflow table (tickets.workflow) is the only place a transition is
declared; the FSM, the actions, the rights, the guards and the diagram follow from it."""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings

from tickets import actions, diagram, guards, rights, services, workflow
from tickets.models import Ticket
from tickets.workflow import BY_NAME, TRANSITIONS, Input

ROLES = ["enseignant", "directeur", "erun", "dsi", "editeur", "formateur", "manager", "dpo", "admin", "guichet"]
# The modules of the workflow core: none may keep a list of transitions of its own.
CORE = ["workflow", "models", "states", "rights", "guards", "actions", "services", "attachments", "diagram",
        "numbering", "qualification"]


def test_every_row_has_one_action_and_every_action_one_row():
    assert set(actions.ACTIONS) == set(BY_NAME)
    for row in TRANSITIONS:
        fn = getattr(services, row.name)
        assert fn is actions.ACTIONS[row.name], row.name
        assert fn.transition is row


def test_every_row_is_one_fsm_transition_on_ticket():
    field = Ticket._meta.get_field("state")
    declared = {}
    for tr in field.get_all_transitions(Ticket):
        declared.setdefault(tr.name, set()).add((tr.source, tr.target))
    assert set(declared) == {f"fsm_{row.name}" for row in TRANSITIONS}
    for row in TRANSITIONS:
        assert declared[f"fsm_{row.name}"] == {(s, row.target) for s in row.source}, row.name
    assert field.protected


def test_fields_are_the_actions_keyword_arguments():
    for row in TRANSITIONS:
        params = inspect.signature(getattr(services, row.name)).parameters
        assert {"ticket", "actor", "expected_version"} <= set(params), row.name
        for f in row.fields:
            if f.kind == Input.QUALIFICATION:
                assert any(p.kind == p.VAR_KEYWORD for p in params.values()), row.name
            else:
                assert f.name in params, (row.name, f.name)
                assert (params[f.name].default is inspect.Parameter.empty) == f.required, (row.name, f.name)


def test_guards_named_in_the_table_exist_and_all_are_used():
    named = {g for row in TRANSITIONS for g in row.guards}
    assert named <= set(guards.GUARDS), named - set(guards.GUARDS)
    assert set(guards.GUARDS) <= named, set(guards.GUARDS) - named
    assert all(fn.needs in ("", "actor", "target") for fn in guards.GUARDS.values())


def test_diagram_arrows_are_the_rows():
    assert {label for _s, _t, label in diagram.transitions()} == set(BY_NAME)


def test_no_second_list_in_the_core():
    base = Path(settings.BASE_DIR) / "tickets"
    for name in CORE:
        text = (base / f"{name}.py").read_text(encoding="utf-8")
        assert "OTHER_ACTIONS" not in text, name
        assert not re.search(r"permissions import[^\n]*\b(TRANSITIONS|check|allowed|available_transitions)\b", text), name
        assert not re.search(r"permissions\.(TRANSITIONS|check|allowed|available_transitions)\b", text), name
        if name not in ("actions", "services", "attachments", "workflow"):
            assert not re.search(r"\bdef (take|route|escalate|resolve)\(", text), name


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_buttons_are_the_allowed_rows(role, at_n1, at_vendor, u):
    for ticket in (at_n1, at_vendor):
        offered = rights.available_transitions(u[role], ticket)
        for row in TRANSITIONS:
            if row.side:
                assert (row.name in offered) == rights.allowed(row.name, u[role], ticket), (role, row.name)
            else:
                assert row.name not in offered
        assert offered == [r.name for r in TRANSITIONS if r.name in offered]  # the table's order


def test_unknown_action_is_an_error():
    with pytest.raises(ValueError):
        workflow.get("teleport")
