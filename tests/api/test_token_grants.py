"""The token endpoint offers client credentials only: no other grant checks a password, so it is
no password oracle and never feeds the sign-in lockout (django-axes)."""

import base64

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from rest_framework.test import APIClient

from api.services import create_api_client

from .conftest import fetch_token

TOKEN_URL = "/api/v1/oauth/token/"
RIGHT, WRONG = "test-password-123", "wrong-password"


@pytest.fixture
def api_client(world):
    client, secret = create_api_client(
        vendor=world.vendors["ode"], desk=None, scopes="tickets:read", owner_email="owner@example.org",
    )
    return client.application.client_id, secret


def _post(data, credentials=None, url=TOKEN_URL):
    headers = {}
    if credentials:
        basic = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    return APIClient().post(url, data, format=None, **headers)


@pytest.mark.parametrize("authenticated", [True, False], ids=["client-auth", "no-client-auth"])
def test_password_grant_answers_the_same_for_a_right_and_a_wrong_password(world, api_client, authenticated):
    creds = api_client if authenticated else None
    right = _post({"grant_type": "password", "username": "enseignant", "password": RIGHT}, creds)
    wrong = _post({"grant_type": "password", "username": "enseignant", "password": WRONG}, creds)
    assert right.status_code == wrong.status_code == 400
    assert right.content == wrong.content
    assert right.json()["error"] in ("unsupported_grant_type", "unauthorized_client")
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


def test_password_grant_never_locks_the_account(world, api_client, client, settings):
    for _ in range(6):
        _post({"grant_type": "password", "username": "enseignant", "password": WRONG}, api_client)
    assert not AccessAttempt.objects.exists()
    # the web sign-in of the account is untouched
    settings.ROOT_URLCONF = "helpdesk.urls"
    assert client.post("/connexion/", {"username": "enseignant", "password": RIGHT}).status_code == 302


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token", "implicit",
                                   "urn:ietf:params:oauth:grant-type:device_code", "bogus"])
def test_other_grants_are_refused_alike(world, api_client, grant):
    answer = _post({"grant_type": grant, "code": "x", "refresh_token": "x", "redirect_uri": "https://x.example"},
                   api_client)
    assert answer.status_code == 400
    assert answer.json()["error"] in ("unsupported_grant_type", "unauthorized_client")


def test_client_credentials_still_issue_a_token_that_can_be_revoked(world, api_client):
    token = fetch_token(*api_client)
    assert token.status_code == 200, token.content
    assert token.json()["scope"] == "tickets:read"
    revoked = _post({"token": token.json()["access_token"]}, api_client, url="/api/v1/oauth/revoke/")
    assert revoked.status_code == 200


def test_a_failed_client_authentication_is_challenged_with_basic(client, make_client):
    import base64

    api_client, _http = make_client(vendor="ode")
    wrong = base64.b64encode(f"{api_client.application.client_id}:wrong".encode()).decode()
    response = client.post("/api/v1/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}
    assert response["WWW-Authenticate"].startswith("Basic ")
