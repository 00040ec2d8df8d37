import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyKey
from tickets.models import Ticket

BODY = {"school": "0341255E", "title": "Connexion impossible", "description": "Depuis 8 h.", "category": "account"}


@pytest.fixture
def school_desk(make_client):
    return make_client(desk="n0-0341255E")[1]


def post(http, body=BODY, key="k-1"):
    return http.post("/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_response(world, school_desk):
    first = post(school_desk)
    again = post(school_desk, {**{k: BODY[k] for k in reversed(list(BODY))}})  # same meaning, other key order
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Location"] == first["Location"]
    assert again["Idempotency-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_same_key_other_body_is_422(world, school_desk):
    post(school_desk)
    response = post(school_desk, {**BODY, "title": "Autre chose"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert Ticket.objects.count() == 1


def test_while_in_flight_is_409(world, school_desk):
    post(school_desk)
    # As if the first request were still running (its row claimed, its response not yet stored).
    IdempotencyKey.objects.filter(key="k-1").update(state=IdempotencyKey.State.IN_FLIGHT, response_body=None)
    response = post(school_desk)
    assert response.status_code == 409 and response.json()["type"].endswith("idempotency-in-flight")
    assert Ticket.objects.count() == 1


def test_keys_expire_after_24_hours(world, school_desk):
    post(school_desk)
    row = IdempotencyKey.objects.get(key="k-1")
    assert timedelta(hours=23, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=24)
    IdempotencyKey.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert post(school_desk).status_code == 201
    assert Ticket.objects.count() == 2


def test_keys_are_per_client(world, school_desk, make_client):
    _c, other = make_client(desk="n0-0342026T")
    post(school_desk)
    assert post(other, {**BODY, "school": "0342026T"}).status_code == 201
    assert Ticket.objects.count() == 2


def test_failed_requests_are_not_remembered(world, school_desk):
    assert post(school_desk, {**BODY, "category": "nope"}).status_code == 400
    assert post(school_desk).status_code == 201


def test_invalid_key_is_400(world, school_desk):
    assert post(school_desk, key="x" * 300).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_exactly_one_ticket(make_client):
    from rest_framework.test import APIClient

    _client, http = make_client(desk="n0-0341255E")
    auth = http._credentials["HTTP_AUTHORIZATION"]
    barrier = threading.Barrier(6)
    results = []

    def worker():
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=auth)
        barrier.wait()
        try:
            results.append(post(c).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Ticket.objects.count() == 1
    assert results.count(201) >= 1 and set(results) <= {201, 409}
    assert post(http).status_code == 201  # a later retry replays
    assert Ticket.objects.count() == 1
