import pytest


@pytest.mark.parametrize("rate", ["3/min", "1/hour"])
def test_a_client_over_its_rate_gets_429_with_retry_after(make_client, rate):
    client, http = make_client(vendor="ode")
    client.throttle_rate = rate
    client.save(update_fields=["throttle_rate"])
    allowed = int(rate.split("/")[0])
    for _ in range(allowed):
        assert http.get("/api/v1/tickets/").status_code == 200
    response = http.get("/api/v1/tickets/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    period = 60 if rate.endswith("min") else 3600
    assert 0 < int(response["Retry-After"]) <= period
    # A refused request is not counted, and another client has its own allowance.
    assert http.get("/api/v1/tickets/").status_code == 429
    _other, other_http = make_client(vendor="kosmos")
    assert other_http.get("/api/v1/tickets/").status_code == 200


def test_requests_older_than_the_window_no_longer_count(make_client, time_machine):
    time_machine.move_to("2026-03-02 08:00:00+00:00", tick=False)
    client, http = make_client(vendor="ode")
    client.throttle_rate = "2/min"
    client.save(update_fields=["throttle_rate"])
    assert http.get("/api/v1/tickets/").status_code == 200
    time_machine.move_to("2026-03-02 08:00:30+00:00", tick=False)
    assert http.get("/api/v1/tickets/").status_code == 200
    assert http.get("/api/v1/tickets/").status_code == 429
    time_machine.move_to("2026-03-02 08:01:01+00:00", tick=False)  # the first request has left the window
    assert http.get("/api/v1/tickets/").status_code == 200
    assert http.get("/api/v1/tickets/").status_code == 429
