"""Unvalidated input answered with a 400 naming the parameter, never a 500 (issue 16, item 7):
non-ASCII digits after `isdigit()`, integers SQLite cannot bind, dates whose day after (or UTC
conversion) leaves Python's range, NUL bytes PostgreSQL refuses, JSON nested past the parser's
recursion limit."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # > 2**63 - 1: "Python int too large to convert to SQLite INTEGER"

# (demo user, path, query, parameter the message must name)
WEB_CASES = [
    ("enseignant", "/signaler/similaires/", {"school": "abc"}, "school"),
    ("enseignant", "/signaler/similaires/", {"school": HUGE}, "school"),
    ("enseignant", "/signaler/similaires/", {"school": "²"}, "school"),
    ("erun", "/guichets/erun-lattes/", {"priorite": "²"}, "priorite"),
    ("erun", "/guichets/erun-lattes/", {"priorite": HUGE}, "priorite"),
    ("manager", "/pilotage/", {"guichet": "²"}, "guichet"),
    ("manager", "/pilotage/", {"guichet": HUGE}, "guichet"),
    ("manager", "/pilotage/", {"academie": HUGE}, "academie"),
    ("manager", "/pilotage/", {"au": "9999-12-31"}, "au"),
    ("manager", "/pilotage/", {"du": "0001-01-01"}, "du"),
    ("manager", "/pilotage/export/services.csv", {"au": "9999-12-31"}, "au"),
    ("manager", "/pilotage/export/services.csv", {"convention": "²"}, "convention"),
    ("dpo", "/journal-des-acces/", {"since": "0001-01-01"}, "since"),
    ("dpo", "/journal-des-acces/", {"until": "9999-12-31"}, "until"),
    ("admin", "/journal-des-acces/", {"since": "0001-01-01"}, "since"),
    ("erun", "/guichets/erun-lattes/", {"q": "\x00"}, "q"),
    ("dpo", "/journal-des-acces/", {"q": "a\x00b"}, "q"),
]


@pytest.mark.parametrize("username, path, query, parameter", WEB_CASES)
def test_bad_web_parameter_is_a_400_naming_it(client, world, username, path, query, parameter):
    client.force_login(world.users[username])
    response = client.get(path, query)
    assert response.status_code == 400, response.content[:300]
    assert f"« {parameter} »" in response.content.decode()
    # The connection is still usable afterwards.
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/demandes/%00/", "/guichets/a%00b/", "/api/v1/tickets/%00/"])
def test_nul_byte_in_the_path_is_refused_before_the_database(client, world, path):
    client.force_login(world.users["admin"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 400
    assert "adresse" in response.content.decode()
    assert len(queries) == 0


def test_nul_byte_in_the_query_string_is_refused_before_the_database(client, world):
    client.force_login(world.users["erun"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/guichets/erun-lattes/?q=%00")
    assert response.status_code == 400
    assert len(queries) == 0


@pytest.fixture
def api(world):
    http = APIClient()
    http.force_authenticate(world.users["admin"])
    http.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    return http


@pytest.mark.parametrize("query, parameter", [
    ({"desk": "²"}, "desk"),
    ({"desk": HUGE}, "desk"),
    ({"school": "\x00"}, "school"),
])
def test_bad_api_filter_is_a_400_naming_it(api, query, parameter):
    response = api.get("/api/v1/tickets/", query)
    assert response.status_code == 400, response.content[:300]
    assert parameter in response.json()["detail"]
    assert api.get("/api/v1/tickets/").status_code == 200


def test_deeply_nested_json_body_is_a_400(api):
    body = "[" * 10_000 + "]" * 10_000  # 20 kB: past json's recursion limit
    response = api.post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "JSON" in response.json()["detail"]
    nested = json.dumps({"title": "x"})
    assert api.post("/api/v1/tickets/", nested, content_type="application/json").status_code == 400  # ordinary 400


def test_json_nested_past_the_limit_is_refused_even_when_python_parses_it(api):
    from api.parsers import MAX_DEPTH

    body = json.dumps({"title": json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)})  # 33 levels with the object
    response = api.post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


def test_nul_in_a_json_string_is_refused_naming_the_field(api):
    response = api.post("/api/v1/tickets/", json.dumps({"title": "a\x00b"}), content_type="application/json")
    assert response.status_code == 400
    assert "title" in response.json()["detail"]
