"""The ticket page shows one primary action for the current state (the workflow table's `primary`)
and the other actions in a menu; the actions follow the state: once taken, "Prendre en charge" is
no longer offered to the agent who took it."""

import re

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import State
from tickets.permissions import available_transitions
from tickets.workflow import TRANSITIONS, primary_for

from .test_pages import at_erun

pytestmark = pytest.mark.django_db
PRIMARY = re.compile(r'<div class="primary-action" id="primary-action">.*?id="action-(\w+)"', re.S)


def page(client, ticket) -> str:
    return client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()


def primary(html) -> str | None:
    found = PRIMARY.search(html)
    return found.group(1) if found else None


def test_take_is_no_longer_offered_once_taken(client, world):
    ticket = at_erun(world)
    erun = world.users["erun"]
    assert "take" in available_transitions(erun, ticket)
    services.take(ticket, actor=erun)
    ticket.refresh_from_db()
    assert "take" not in available_transitions(erun, ticket)
    client.force_login(erun)
    html = page(client, ticket)
    assert 'id="action-take"' not in html and "Prendre en charge</button>" not in html


def test_the_table_names_one_primary_row_per_state():
    for state in (State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER):
        names = [row.name for row in TRANSITIONS if state in row.primary]
        assert names, state
    assert primary_for(State.NEW, ["comment", "take", "resolve"]).name == "take"
    assert primary_for(State.IN_PROGRESS, ["take", "comment", "resolve"]).name == "take"
    assert primary_for(State.IN_PROGRESS, ["comment", "resolve"]).name == "comment"
    assert primary_for(State.IN_PROGRESS, ["resolve", "cancel"]).name == "resolve"
    assert primary_for(State.CLOSED, ["take"]) is None


def test_primary_action_follows_the_state_and_the_rest_is_in_a_menu(client, world):
    ticket = at_erun(world)
    erun = world.users["erun"]
    client.force_login(erun)
    html = page(client, ticket)
    assert primary(html) == "take"
    menu = re.search(r'<details class="action-menu" id="more-actions">.*?</details>\s*</section>', html, re.S)
    assert menu and 'id="action-resolve"' in menu.group(0) and 'id="action-take"' not in menu.group(0)
    assert "<summary" in menu.group(0)  # a native disclosure: keyboard accessible
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "take"]),
                           {"take-version": ticket.version}, follow=True)
    html = response.content.decode()
    assert "Vous avez pris la demande en charge." in html
    assert primary(html) == "comment"
    assert 'id="action-take"' not in html


def test_an_open_form_of_the_menu_opens_the_menu(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "resolve"]),
                           {"resolve-version": ticket.version, "resolve-summary": ""})
    assert response.status_code == 400
    assert '<details class="action-menu" id="more-actions" open>' in response.content.decode()
