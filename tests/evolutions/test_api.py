"""/api/v1/evolutions/: scoped list and detail; the vendor reads a request only once retained and
marks it delivered; another vendor sees nothing; constant queries on the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import create_api_client
from evolutions import services
from tests.api.conftest import fetch_token

from .conftest import advance


@pytest.fixture(autouse=True)
def _api(settings):
    from django.core.cache import cache

    settings.ROOT_URLCONF = "tests.api.urls"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vendor_http(world):
    def _make(vendor):
        client, secret = create_api_client(vendor=world.vendors[vendor], scopes="tickets:read tickets:write",
                                           owner_email="owner@example.org")
        token = fetch_token(client.application.client_id, secret).json()["access_token"]
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="fr")
        return http
    return _make


def test_the_vendor_sees_only_retained_requests_and_delivers(world, proposal, vendor_http):
    http = vendor_http("ode")
    assert http.get("/api/v1/evolutions/").json()["results"] == []
    assert http.get(f"/api/v1/evolutions/{proposal.pk}/").status_code == 404
    e = advance(proposal, world.users["manager"], "instruct", "retain")
    rows = http.get("/api/v1/evolutions/").json()["results"]
    assert [r["reference"] for r in rows] == [e.reference] and rows[0]["status"] == "retained" and rows[0]["priority"] == 2
    early = http.post(f"/api/v1/evolutions/{e.pk}/transitions/deliver/", {}, format="json")
    assert early.status_code == 400 and "retenue" in early.content.decode()
    e = advance(e, world.users["manager"], "transmit")
    detail = http.get(f"/api/v1/evolutions/{e.pk}/").json()
    assert detail["transitions"] == ["deliver"] and [h["kind"] for h in detail["history"]][-1] == "transmit"
    done = http.post(f"/api/v1/evolutions/{e.pk}/transitions/deliver/", {"note": "Version 4.2 (fictif)", "version": e.version},
                     format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "delivered" and done.json()["delivery_note"] == "Version 4.2 (fictif)"
    assert http.get("/api/v1/evolutions/?status=delivered").json()["results"][0]["id"] == e.pk
    assert http.get("/api/v1/evolutions/?status=nimporte").status_code == 400


def test_another_vendor_sees_nothing(world, proposal, vendor_http):
    e = advance(proposal, world.users["manager"], "instruct", "retain", "transmit")
    http = vendor_http("kosmos")
    assert http.get("/api/v1/evolutions/").json()["results"] == []
    assert http.get(f"/api/v1/evolutions/{e.pk}/").status_code == 404
    assert http.post(f"/api/v1/evolutions/{e.pk}/transitions/deliver/", {}, format="json").status_code == 404


def test_unknown_field_is_refused(world, proposal, vendor_http):
    e = advance(proposal, world.users["manager"], "instruct", "retain", "transmit")
    response = vendor_http("ode").post(f"/api/v1/evolutions/{e.pk}/transitions/deliver/", {"statut": "x"}, format="json")
    assert response.status_code == 400 and "statut" in response.content.decode()


def test_list_queries_are_constant(world, bodies, school, vendor_http):
    http = vendor_http("ode")
    manager = world.users["manager"]

    def retained(n):
        for i in range(n):
            e = services.submit(world.users["enseignant"], school=school, service="Blog", title=f"D{i} (fictif)", description="…")
            advance(e, manager, "instruct", "retain")

    retained(1)
    http.get("/api/v1/evolutions/")
    with CaptureQueriesContext(connection) as few:
        assert len(http.get("/api/v1/evolutions/").json()["results"]) == 1
    retained(6)
    with CaptureQueriesContext(connection) as many:
        assert len(http.get("/api/v1/evolutions/").json()["results"]) == 7
    assert len(many) == len(few)


def test_deliver_is_idempotent_with_a_key(world, proposal, vendor_http):
    e = advance(proposal, world.users["manager"], "instruct", "retain", "transmit")
    http = vendor_http("ode")
    url = f"/api/v1/evolutions/{e.pk}/transitions/deliver/"
    first = http.post(url, {"note": "v1 (fictif)"}, format="json", HTTP_IDEMPOTENCY_KEY="evo-1")
    again = http.post(url, {"note": "v1 (fictif)"}, format="json", HTTP_IDEMPOTENCY_KEY="evo-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert [h["kind"] for h in first.json()["history"]].count("deliver") == 1
