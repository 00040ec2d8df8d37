"""Bulk actions on a desk's board: each ticked ticket goes through its own service call in its own
transaction (rights, guards and audit of one action), the message counts the successes and says
why the others were refused; the counters are filter links; the board list's queries stay constant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilotage import services as pilotage_services
from tickets import services
from tickets.guards import route_targets
from tickets.models import State, Ticket, TicketEvent

from .test_pages import at_erun

pytestmark = pytest.mark.django_db
DESK = "erun-lattes"


def bulk(client, world, data):
    url = reverse("web:board_bulk", args=[world.desks[DESK].slug])
    return client.post(url, data, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_bulk_take_counts_successes_and_says_why_others_were_refused(client, world):
    one, two, taken = at_erun(world, title="Un"), at_erun(world, title="Deux"), at_erun(world, title="Trois")
    services.take(taken, actor=world.users["erun"])
    client.force_login(world.users["erun"])
    response = bulk(client, world, {"action": "take", "tickets": [one.reference, two.reference, taken.reference, "ENT-1999-000001"]})
    assert response.status_code == 200
    text = messages_of(response)
    assert "2 demandes sur 4 traitées" in text
    assert "2 refusées" in text and taken.reference in text and "déjà pris en charge" in text
    assert "ENT-1999-000001 — introuvable sur ce guichet" in text
    for t in (one, two):
        t.refresh_from_db()
        assert t.assignee == world.users["erun"] and t.state == State.IN_PROGRESS
        # One audit line per ticket, as if taken from its page.
        assert TicketEvent.objects.filter(ticket=t, kind="taken").count() == 1


def test_bulk_route_uses_the_route_service_and_its_chain(client, world):
    ticket = at_erun(world)
    target = route_targets(ticket)[0]
    other = at_erun(world, title="Autre")
    client.force_login(world.users["erun"])
    # The reason is required, named by its field.
    response = bulk(client, world, {"action": "route", "tickets": [ticket.reference], "desk": target.pk})
    assert "Motif" in messages_of(response)
    response = bulk(client, world, {"action": "route", "tickets": [ticket.reference, other.reference],
                                    "desk": target.pk, "reason": "Relève de la commune"})
    assert "2 demandes sur 2 traitées" in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.desk_id == target.pk


def test_bulk_route_to_a_desk_outside_the_board_level_is_refused_with_the_field(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    response = bulk(client, world, {"action": "route", "tickets": [ticket.reference], "desk": "999999", "reason": "x"})
    assert "Vers le guichet" in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.desk.slug == DESK


def test_bulk_close_duplicates(client, world):
    original, dup1, dup2 = at_erun(world, title="Origine"), at_erun(world, title="Doublon 1"), at_erun(world, title="Doublon 2")
    client.force_login(world.users["erun"])
    response = bulk(client, world, {"action": "duplicate", "reference": original.reference,
                                    "tickets": [dup1.reference, dup2.reference, original.reference]})
    text = messages_of(response)
    assert "2 demandes sur 3 traitées" in text and "1 refusée" in text and original.reference in text
    for t in (dup1, dup2):
        t.refresh_from_db()
        assert t.state == State.CANCELLED and t.duplicate_of_id == original.pk
    original.refresh_from_db()
    assert original.state != State.CANCELLED


def test_bulk_link_to_a_major_incident(client, world):
    parent, child = at_erun(world, title="Panne générale"), at_erun(world, title="Moi aussi")
    declared = False
    for who in ("erun", "manager", "admin"):
        try:
            pilotage_services.declare_major_incident(parent, actor=world.users[who])
            declared = True
            break
        except Exception:  # noqa: BLE001 - the first role allowed to declare
            continue
    assert declared
    client.force_login(world.users["erun"])
    # A reference that is not a major incident is refused, the field named.
    response = bulk(client, world, {"action": "major_incident", "reference": child.reference, "tickets": [child.reference]})
    assert "Référence" in messages_of(response)
    response = bulk(client, world, {"action": "major_incident", "reference": parent.reference, "tickets": [child.reference]})
    assert "1 demande sur 1 traitée" in messages_of(response)
    child.refresh_from_db()
    assert child.parent_id == parent.pk


def test_bulk_needs_an_action_and_tickets_and_is_post_only(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    assert "Action" in messages_of(bulk(client, world, {"tickets": [ticket.reference]}))
    assert "Cochez" in messages_of(bulk(client, world, {"action": "take"}))
    assert client.get(reverse("web:board_bulk", args=[world.desks[DESK].slug])).status_code == 405
    # Another desk's board: 404, nothing done.
    response = client.post(reverse("web:board_bulk", args=[world.desks["guichet-nancy"].slug]),
                           {"action": "take", "tickets": [ticket.reference]})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_a_teacher_cannot_bulk_take(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["enseignant"])
    response = client.post(reverse("web:board_bulk", args=[world.desks[DESK].slug]),
                           {"action": "take", "tickets": [ticket.reference]})
    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_board_has_labelled_checkboxes_filter_link_counters_and_shortcuts_with_constant_queries(client, world):
    desk = world.desks[DESK]
    client.force_login(world.users["erun"])
    first = at_erun(world, title="Premier")
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("web:board", args=[desk.slug])).content.decode()
    assert f'id="pick-{first.reference}"' in html and f'for="pick-{first.reference}"' in html
    assert 'form="board-bulk"' in html and 'id="board-bulk"' in html
    assert f'href="{reverse("web:board", args=[desk.slug])}?etat=in_progress"' in html
    assert "Raccourcis clavier" in html and "<kbd>j</kbd>" in html and "board_keys.js" in html
    assert 'class="wide-only"' in html and 'class="narrow-only"' in html
    for i in range(12):
        at_erun(world, title=f"Lot {i}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("web:board", args=[desk.slug])).content.decode()
    assert "Lot 11" in html
    assert len(many) == len(few)
