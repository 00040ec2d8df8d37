import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from api.models import ApiClient
from directory.selectors import perimeter_for

from .conftest import fetch_token


def test_create_api_client_prints_one_json_object_and_stores_the_secret_hashed(world):
    out = StringIO()
    call_command("create_api_client", "--vendor", "open-digital-education", "--scopes", "tickets:read tickets:write", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"client_id", "client_secret", "token_url"}
    assert data["token_url"].endswith("/api/v1/oauth/token/")
    app = Application.objects.get(client_id=data["client_id"])
    assert app.client_secret != data["client_secret"] and app.client_secret.startswith(("argon2", "pbkdf2", "md5"))
    token = fetch_token(data["client_id"], data["client_secret"])
    assert token.status_code == 200
    assert set(token.json()["scope"].split()) == {"tickets:read", "tickets:write"}


def test_create_api_client_for_a_desk_by_id(world):
    out = StringIO()
    call_command("create_api_client", "--desk", str(world.desks["erun-lattes"].pk), "--scopes", "tickets:read", stdout=out)
    client = ApiClient.objects.get(application__client_id=json.loads(out.getvalue())["client_id"])
    perimeter = perimeter_for(client.service_user)
    assert perimeter.desk_ids == {world.desks["erun-lattes"].pk}


def test_vendor_client_acts_on_its_own_desks_only(world):
    call_command("create_api_client", "--vendor", "kosmos", "--scopes", "tickets:read", stdout=StringIO())
    client = ApiClient.objects.get(vendor=world.vendors["kosmos"])
    assert perimeter_for(client.service_user).desk_ids == {world.desks[k].pk for k in ("kosmos-n1", "kosmos-n2", "kosmos-n3")}


@pytest.mark.parametrize("args, message", [
    (["--vendor", "nobody", "--scopes", "tickets:read"], "--vendor"),
    (["--desk", "999999", "--scopes", "tickets:read"], "--desk"),
    (["--vendor", "kosmos", "--scopes", "tickets:admin"], "--scopes"),
])
def test_create_api_client_bad_input_names_the_option(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_client", *args, stdout=StringIO())
    assert not ApiClient.objects.exists()


def test_a_client_cannot_obtain_scopes_it_was_not_given(make_client):
    client, _http = make_client(vendor="ode", scopes="tickets:read")
    response = fetch_token(client.application.client_id, _http.secret, scope="tickets:write")
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_scope"


def test_wrong_secret_is_refused(make_client):
    client, _http = make_client(vendor="ode")
    assert fetch_token(client.application.client_id, "wrong").status_code == 401


def test_revoked_client_is_refused_with_a_problem(make_client):
    from api.services import revoke_client

    client, http = make_client(vendor="ode")
    assert http.get("/api/v1/webhooks/").status_code == 200
    revoke_client(client)
    response = http.get("/api/v1/webhooks/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert fetch_token(client.application.client_id, http.secret).status_code in (400, 401)


def test_a_token_of_an_application_without_api_client_is_refused(world):
    from rest_framework.test import APIClient

    secret = "application-sans-client-0123456789"
    app = Application.objects.create(
        name="Autre", client_type=Application.CLIENT_CONFIDENTIAL, client_secret=secret,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token = fetch_token(app.client_id, secret)
    assert token.status_code == 200, token.content
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    response = http.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
