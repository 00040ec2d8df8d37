import base64

import pytest
from rest_framework.test import APIClient

from api import webhooks
from api.services import create_api_client


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def fetch_token(client_id, secret, scope=None):
    http = APIClient()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return http.post("/api/v1/oauth/token/", data, format=None, HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.fixture
def make_client(world):
    """make_client(vendor="ode" | desk="erun-lattes", scopes=...) → (ApiClient, APIClient with a Bearer token)."""

    def _make(*, vendor=None, desk=None, scopes="tickets:read tickets:write outages:write", lang="en"):
        client, secret = create_api_client(
            vendor=world.vendors[vendor] if vendor else None,
            desk=world.desks[desk] if desk else None,
            scopes=scopes, owner_email="owner@example.org",
        )
        response = fetch_token(client.application.client_id, secret)
        assert response.status_code == 200, response.content
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}", HTTP_ACCEPT_LANGUAGE=lang)
        http.api_client = client
        http.secret = secret
        return client, http

    return _make


@pytest.fixture
def captured(monkeypatch):
    """Replace the webhook transport: record requests, answer with the queued status codes."""
    sent = []
    answers = []

    def transport(url, body, headers):
        sent.append({"url": url, "body": body, "headers": headers})
        code = answers.pop(0) if answers else 200
        return code, "" if code and code < 300 else f"HTTP {code}"

    monkeypatch.setattr(webhooks, "transport", transport)
    return type("Captured", (), {"sent": sent, "answers": answers})


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"
