"""Date-time filters the database cannot compare with are refused with a 400 naming the parameter
(PostgreSQL rejects UTC offsets of 16 h or more: a 500 and an aborted transaction otherwise)."""

import pytest

from .factories import vendor_ticket

PROBLEM = "application/problem+json"


@pytest.fixture
def ode(make_client):
    return make_client(vendor="ode")[1]


@pytest.mark.parametrize("path", ["/api/v1/pivot/tickets/", "/api/v1/tickets/"])
@pytest.mark.parametrize("value", [
    "2648-04-25T11:55:55+23:47",    # found by schemathesis: offset out of PostgreSQL's range
    "2024-01-01T00:00:00-16:00",
    "0001-01-01T00:00:00+01:00",    # year 0 once in UTC
    "9999-12-31T23:59:59-01:00",    # year 10000 once in UTC
])
def test_out_of_range_date_time_filter_is_a_400_naming_the_parameter(world, ode, path, value):
    vendor_ticket(world)
    response = ode.get(path, {"updated_since": value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert [error["field"] for error in body["errors"]] == ["updated_since"]
    assert "updated_since" in body["detail"]
    # The connection is still usable: the next request is answered normally.
    assert ode.get(path).status_code == 200


def test_the_message_says_what_is_wrong(world, ode):
    body = ode.get("/api/v1/pivot/tickets/", {"updated_since": "2648-04-25T11:55:55+23:47"}).json()
    assert body["errors"] == [{"field": "updated_since", "code": "invalid",
                               "message": "UTC offset out of range (between -15:59 and +15:59)."}]


@pytest.mark.parametrize("value", ["2020-01-01T00:00:00+15:59", "2020-01-01T00:00:00-15:59", "2020-01-01T10:00:00+14:00"])
def test_extreme_but_valid_offsets_filter_normally(world, ode, value):
    vendor_ticket(world)
    for path in ("/api/v1/pivot/tickets/", "/api/v1/tickets/"):
        response = ode.get(path, {"updated_since": value})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == 1
    assert ode.get("/api/v1/tickets/", {"updated_since": "2999-01-01T00:00:00+15:00"}).json()["results"] == []
