"""API of the data-subject requests: list and detail scoped by the requests' rule (tickets:read), a
step recorded through privacy.requests.record_step (tickets:write); French errors naming the field."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import create_api_client
from directory.choices import Role
from directory.models import Membership, User
from journal.models import AccessEntry
from privacy.models import DataSubjectRequestStep, Party, Right, StepKind
from privacy.requests import record_request, record_step

D = timedelta(days=1)


def _request(c, actor, at, *, one_school=True):
    return record_request(actor=actor, convention=c, school=c.schools.order_by("pk").first() if one_school else None,
                          person_name="Camille Parent", person_contact="camille@example.org", right=Right.ERASURE,
                          received_by=Party.COLLECTIVITE, module="messagerie", received_at=at)


def _session(user):
    http = APIClient()
    http.force_login(user)
    http.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    return http


@pytest.fixture
def setup(convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    req = _request(c, user, timezone.now() - 10 * D)
    return c, user, req


def test_list_and_detail(setup):
    c, user, req = setup
    http = _session(user)
    listed = http.get("/api/v1/privacy/requests/")
    assert listed.status_code == 200, listed.content
    row = listed.json()["results"][0]
    assert row["id"] == req.pk and row["competent"] == ["academie"] and row["misdirected"] is True
    assert row["forward_clock"]["state"] == "overdue" and row["answer_clock"]["state"] == "running"
    assert row["available_steps"] == ["forwarded", "extended", "answered"]
    assert "person_name" not in row and "Camille" not in listed.content.decode()  # minimisation in a list
    assert AccessEntry.objects.filter(object_label="api:privacy-requests").exists()
    detail = http.get(f"/api/v1/privacy/requests/{req.pk}/")
    assert detail.status_code == 200 and detail.json()["person_name"] == "Camille Parent"


def test_list_queries_do_not_grow(setup):
    c, user, req = setup
    http = _session(user)
    http.get("/api/v1/privacy/requests/")
    with CaptureQueriesContext(connection) as one:
        http.get("/api/v1/privacy/requests/")
    for days in (1, 2, 3):
        other = _request(c, user, timezone.now() - days * D, one_school=days % 2 == 0)
        record_step(other, kind=StepKind.FORWARDED, actor=user)
    with CaptureQueriesContext(connection) as four:
        assert len(http.get("/api/v1/privacy/requests/").json()["results"]) == 4
    assert len(four) == len(one)


def test_outside_the_perimeter_is_404(setup, convention):
    c, user, req = setup
    stranger = User.objects.create_user("autre")
    Membership.objects.create(user=stranger, role=Role.DPO, academie=convention("occitanie").schools.first().academie)
    http = _session(stranger)
    assert http.get("/api/v1/privacy/requests/").json()["results"] == []
    assert http.get(f"/api/v1/privacy/requests/{req.pk}/").status_code == 404
    assert http.post(f"/api/v1/privacy/requests/{req.pk}/steps/", {"kind": "answered"}, format="json").status_code == 404
    assert http.get("/api/v1/privacy/requests/999999/").status_code == 404


def test_record_a_step(setup):
    c, user, req = setup
    response = _session(user).post(f"/api/v1/privacy/requests/{req.pk}/steps/", {"kind": "forwarded"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "forwarded" and response.json()["within_target"] is False  # 10 days > 8: late
    assert DataSubjectRequestStep.objects.filter(request=req, kind="forwarded").exists()
    listed = _session(user).get(f"/api/v1/privacy/requests/{req.pk}/steps/")
    assert listed.status_code == 200 and [s["kind"] for s in listed.json()] == ["forwarded"]
    again = _session(user).post(f"/api/v1/privacy/requests/{req.pk}/steps/", {"kind": "forwarded"}, format="json")
    assert again.status_code == 400 and "déjà enregistrée" in again.content.decode()


@pytest.mark.parametrize("body, field, text", [
    ({"kind": "fax"}, "kind", "étape inconnue"),
    ({"kind": "extended"}, "detail", "motif"),
    ({"kind": "answered", "at": "demain"}, "at", ""),
    ({"kind": "answered", "at": (timezone.now() + 2 * D).isoformat()}, "at", "futur"),
    ({"kind": "answered", "couleur": "bleu"}, "couleur", "Champ inconnu"),
    ({}, "kind", ""),
])
def test_bad_input_is_400_naming_the_field(setup, body, field, text):
    c, user, req = setup
    response = _session(user).post(f"/api/v1/privacy/requests/{req.pk}/steps/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode() and text in response.content.decode()


def test_scopes(setup):
    from directory.models import Vendor

    c, user, req = setup
    client, secret = create_api_client(vendor=Vendor.objects.first(), scopes="tickets:read", owner_email="o@example.org")
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = APIClient().post("/api/v1/oauth/token/", {"grant_type": "client_credentials"}, format=None,
                             HTTP_AUTHORIZATION=f"Basic {basic}").json()["access_token"]
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = http.get("/api/v1/privacy/requests/")
    assert listed.status_code == 200 and listed.json()["results"] == []  # tickets:read; nothing in its perimeter
    assert http.post(f"/api/v1/privacy/requests/{req.pk}/steps/", {"kind": "answered"}, format="json").status_code == 403


def test_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    ops = {op["operationId"] for item in schema["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}
    assert {"privacy_requests_list", "privacy_requests_retrieve", "privacy_requests_steps_list",
            "privacy_requests_steps_create"} <= ops


def test_a_vendors_support_sees_no_request(setup):
    """The publisher's support (an agent of a vendor's desk, a processor) does not hold the register."""
    from django.urls import reverse

    from directory.models import Desk, Vendor
    from privacy.requests import may_record, visible_requests

    c, user, req = setup
    vendor = Vendor.objects.first()
    desk = Desk.objects.filter(vendor=vendor).first() or Desk.objects.create(vendor=vendor, name="N3", slug="n3-test", level=3)
    agent = User.objects.create_user("support-editeur")
    Membership.objects.create(user=agent, role=Role.AGENT, desk=desk)
    assert not visible_requests(agent).exists() and not may_record(agent)
    assert _session(agent).get(f"/api/v1/privacy/requests/{req.pk}/").status_code == 404
    client = APIClient()
    client.force_login(agent)
    assert client.get(reverse("privacy:requests")).status_code == 403
