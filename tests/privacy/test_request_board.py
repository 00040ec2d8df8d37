"""The DPO board lists the open data-subject requests of the perimeter with their clocks, beside the
security incidents, each linking to its page; the queries do not grow with the number of requests."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.choices import Role
from directory.models import Membership, User
from privacy.models import Party, Right, StepKind
from privacy.requests import record_request, record_step

D = timedelta(days=1)


def _request(c, actor, at, *, received_by=Party.COLLECTIVITE, one_school=True):
    return record_request(actor=actor, convention=c, school=c.schools.order_by("pk").first() if one_school else None,
                          person_name="Camille Parent", person_contact="camille@example.org", right=Right.ACCESS,
                          received_by=received_by, module="messagerie", received_at=at)


def _board(client):
    response = client.get(reverse("privacy:board"))
    assert response.status_code == 200
    return response.content.decode()


def test_board_lists_open_requests_with_their_clocks(client, convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    now = timezone.now()
    late = _request(c, user, now - 10 * D)  # forwarding (8 days) overdue, answer running
    met = _request(c, user, now - 3 * D, one_school=False)
    record_step(met, kind=StepKind.FORWARDED, actor=user, at=now - 2 * D)
    answered = _request(c, user, now - 5 * D, received_by=Party.ACADEMIE)
    record_step(answered, kind=StepKind.ANSWERED, actor=user, at=now - D)
    client.force_login(user)
    body = _board(client)
    board = body[body.index('id="request-board"'):]
    assert f'id="request-{late.pk}"' in board and f'id="request-{met.pk}"' in board
    assert f'id="request-{answered.pk}"' not in board  # answered: no longer open
    assert reverse("privacy:request", args=[late.pk]) in board and reverse("privacy:request", args=[met.pk]) in board
    late_row = board[board.index(f'id="request-{late.pk}"'):board.index(f'id="request-{met.pk}"')]
    assert "clock--overdue" in late_row and "En retard de" in late_row and "clock--running" in late_row
    assert "Reste" in late_row and " j " in late_row  # a month reads in days
    met_row = board[board.index(f'id="request-{met.pk}"'):]
    assert "Tenu dans le délai" in met_row and "Au-delà d'une seule école" in met_row
    assert "Camille" not in board  # no person's name in a list


def test_board_scope_is_the_requests_rule(client, convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    req = _request(c, user, timezone.now() - D)
    other = convention("occitanie")
    stranger = User.objects.create_user("autre")
    Membership.objects.create(user=stranger, role=Role.DPO, academie=other.schools.first().academie)
    client.force_login(stranger)
    assert f'id="request-{req.pk}"' not in _board(client)


def test_board_queries_do_not_grow_with_the_requests(client, convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    now = timezone.now()
    _request(c, user, now - 10 * D)
    client.force_login(user)
    _board(client)  # warm caches (session, perimeter)
    with CaptureQueriesContext(connection) as one:
        _board(client)
    for days in (1, 2, 3, 9):
        req = _request(c, user, now - days * D, one_school=days % 2 == 0)
        if days == 9:
            record_step(req, kind=StepKind.EXTENDED, actor=user, detail="Complexe")
    with CaptureQueriesContext(connection) as five:
        body = _board(client)
    assert body.count('<tr id="request-') == 5 and "prolongé de deux mois" in body
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries][len(one):]
