"""POST /api/v1/tickets/{reference}/attachments/: allowed files, refused HTML/SVG, oversized → 413."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .factories import vendor_ticket
from .test_pivot import PNG

PROBLEM = "application/problem+json"


@pytest.fixture
def ode(make_client):
    return make_client(vendor="ode")[1]


def post(http, ticket, name, data, content_type="application/octet-stream", **extra):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return http.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload, **extra}, format="multipart")


def test_an_allowed_file_is_attached_with_its_detected_type(world, ode):
    ticket = vendor_ticket(world)
    response = post(ode, ticket, "capture.png", PNG)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "capture.png" and body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert ticket.attachments.count() == 1


@pytest.mark.parametrize("name,data", [
    ("page.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("faux.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),   # the name lies
])
def test_html_and_svg_are_refused_whatever_their_name(world, ode, name, data):
    ticket = vendor_ticket(world)
    response = post(ode, ticket, name, data, content_type="image/png")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert ticket.attachments.count() == 0


def test_an_oversized_body_gets_413_problem(world, ode, settings):
    settings.HELPDESK = {**settings.HELPDESK, "ATTACHMENT_MAX_BYTES": 1024}
    ticket = vendor_ticket(world)
    response = post(ode, ticket, "big.png", PNG + b"\0" * (200 * 1024))
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["limit"] == 1024 + 64 * 1024
    assert ticket.attachments.count() == 0


def test_a_file_over_the_limit_but_within_the_body_margin_is_refused_too(world, ode, settings):
    settings.HELPDESK = {**settings.HELPDESK, "ATTACHMENT_MAX_BYTES": 1024}
    ticket = vendor_ticket(world)
    response = post(ode, ticket, "big.png", PNG + b"\0" * 4096)
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert ticket.attachments.count() == 0


def test_another_vendors_ticket_is_not_found(world, ode):
    theirs = vendor_ticket(world, uai="0570098X")
    response = post(ode, theirs, "capture.png", PNG)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
