"""French first (issue 12, item 7): an English browser still gets the French UI; English only when
the person picks it in the language switch, and the choice outlives the browser session and the
sign-out. The API keeps following Accept-Language."""

import pytest
from django.conf import settings
from django.urls import reverse

EN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["enseignant", "erun", "manager", "admin"])
def test_an_english_browser_gets_the_french_ui(client, world, username):
    client.force_login(world.users[username])
    pages = [reverse("home")]
    if username == "enseignant":
        pages += [reverse("web:report"), reverse("web:my_tickets")]
    if username == "erun":
        pages.append(reverse("web:boards"))
    if username == "manager":
        pages.append(reverse("web:dashboard"))
    if username == "admin":
        pages.append("/admin/")
    for url in pages:
        response = client.get(url, **EN_BROWSER)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="fr"' in html, url
        assert response["Content-Language"] == "fr", url
    assert "Se déconnecter" in client.get(reverse("home"), **EN_BROWSER).content.decode()


@pytest.mark.django_db
def test_english_browser_login_page_is_french(client):
    html = client.get(reverse("login"), **EN_BROWSER).content.decode()
    assert '<html lang="fr"' in html and "Mot de passe" in html
    assert "Password" not in html


@pytest.mark.django_db
def test_language_switch_choice_is_remembered_across_sign_out(client, world):
    client.force_login(world.users["enseignant"])
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 180 * 24 * 3600  # not a browser-session cookie

    # An English choice wins over a French browser too.
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en"' in html and "Report a problem" in html

    client.post(reverse("logout"))
    client.force_login(world.users["enseignant"])
    assert "Report a problem" in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})
    html = client.get(reverse("home"), **EN_BROWSER).content.decode()
    assert '<html lang="fr"' in html and "Signaler un problème" in html


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_french(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    client.force_login(world.users["enseignant"])
    assert '<html lang="fr"' in client.get(reverse("home"), **EN_BROWSER).content.decode()


@pytest.mark.django_db
def test_api_problem_details_follow_accept_language(client):
    english = client.get("/api/v1/tickets/", HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION="Bearer nope")
    assert english.status_code == 401
    assert english["Content-Type"].startswith("application/problem+json")
    assert english.json()["detail"] == "Invalid or expired access token."
    assert english["Content-Language"] == "en"

    french = client.get("/api/v1/tickets/", HTTP_ACCEPT_LANGUAGE="fr", HTTP_AUTHORIZATION="Bearer nope")
    assert french.json()["detail"] != "Invalid or expired access token."
    default = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Bearer nope")
    assert default["Content-Language"] == "fr"
