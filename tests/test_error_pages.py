"""Error pages as a person meets them with DEBUG off: French, in the site layout, with a way back;
problem+json under /api/ whatever the method."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from helpdesk.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


def _forbidden(request):
    raise PermissionDenied


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("interdit/", _forbidden), path("panne/", _boom), *project_urls]
handler400 = "helpdesk.views.bad_request"
handler403 = "helpdesk.views.permission_denied"
handler404 = "helpdesk.views.page_not_found"
handler500 = "helpdesk.views.server_error"


def test_unknown_page_is_a_french_404_in_the_layout(client, login):
    response = login("enseignant").get("/nulle-part/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in html and "Retour à l'accueil" in html
    assert "Mes demandes" in html  # the site's navigation, not a bare page
    assert "URLconf" not in html and "urlpatterns" not in html  # never Django's technical page


def test_anonymous_404_offers_to_sign_in(client):
    html = client.get("/nulle-part/").content.decode()
    assert "Page introuvable" in html and "Se connecter" in html


@pytest.mark.urls("tests.test_error_pages")
def test_forbidden_is_a_french_403(client, login):
    response = login("enseignant").get("/interdit/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.urls("tests.test_error_pages")
def test_server_error_is_a_french_500():
    client = Client(raise_request_exception=False)
    response = client.get("/panne/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur interne" in html and "Retour à l'accueil" in html


def test_expired_form_is_a_french_403(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/connexion/", {"username": "enseignant", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulaire expiré" in html and "rechargez la page" in html
    assert "CSRF verification failed" not in html


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_api_errors_stay_problem_json(method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_unknown_api_version_is_problem_json():
    response = Client(enforce_csrf_checks=True).post("/api/v2/tickets/")
    assert response["Content-Type"] == "application/problem+json"
    assert response.status_code in (403, 404)
