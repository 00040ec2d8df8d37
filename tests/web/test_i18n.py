"""The web UI is French by default and fully available in English (locale/en)."""

import pytest
from django.urls import reverse
from django.utils import translation

from tickets import services
from tickets.exceptions import PermissionDenied

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # an English browser: the web UI stays French (web/middleware.py)


def choose_english(client):
    """What the header's language switch leaves in the browser: the language cookie."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def open_demo_ticket(world):
    return services.open_ticket(
        actor=world.users["enseignant"], school=world.schools["0341255E"], title="La messagerie affiche une erreur",
        description="Erreur 500 à l'envoi", category="malfunction", service="Messagerie", impact=2, urgency=1,
    )


@pytest.mark.django_db
def test_login_page_is_french_by_default_and_english_on_request(client):
    french = client.get(reverse("login")).content.decode()
    assert '<html lang="fr"' in french
    assert "Mot de passe" in french and "Mentions d'information" in french

    assert '<html lang="fr"' in client.get(reverse("login"), **EN).content.decode()
    english = choose_english(client).get(reverse("login")).content.decode()
    assert '<html lang="en"' in english
    assert "Password" in english and "Privacy notice" in english and "Forgot your password?" in english
    assert "Mot de passe oublié" not in english


@pytest.mark.django_db
def test_home_page_in_english(client, world):
    client.force_login(world.users["enseignant"])
    french = client.get(reverse("home")).content.decode()
    assert "Signaler un problème" in french and "Mes demandes" in french

    english = choose_english(client).get(reverse("home")).content.decode()
    assert "Report a problem" in english and "My requests" in english and "Log out" in english
    assert "Signaler un problème" not in english and "Se déconnecter" not in english


@pytest.mark.django_db
def test_language_switch_in_header_sets_english_for_the_session(client, world):
    client.force_login(world.users["enseignant"])
    home = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}"' in home and 'value="en"' in home

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:report")})
    assert response.status_code == 302 and response["Location"] == reverse("web:report")
    page = client.get(reverse("web:report")).content.decode()
    assert '<html lang="en"' in page
    assert "Send my request" in page and "What is it about?" in page and "Malfunction" in page
    assert "Envoyer ma demande" not in page

    client.post(reverse("set_language"), {"language": "fr", "next": reverse("web:report")})
    assert "Envoyer ma demande" in client.get(reverse("web:report")).content.decode()


@pytest.mark.django_db
def test_report_form_errors_in_english(client, world):
    client.force_login(world.users["enseignant"])
    response = choose_english(client).post(reverse("web:report"), {"title": "La messagerie ne marche pas"})
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "The form contains errors:" in html and "This field is required." in html
    assert "Le formulaire contient des erreurs" not in html and "Ce champ est obligatoire" not in html


@pytest.mark.django_db
def test_ticket_page_in_english(client, world):
    ticket = open_demo_ticket(world)
    client.force_login(world.users["enseignant"])
    html = choose_english(client).get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "Where is the request at?" in html and "Received, will soon be handled" in html
    assert "Ticket opened" in html and "Write to support" in html
    assert "Où en est la demande" not in html and "Écrire au support" not in html


@pytest.mark.django_db
def test_permission_refusal_in_english(client, world):
    ticket = open_demo_ticket(world)
    client.force_login(world.users["enseignant"])
    url = reverse("web:ticket_action", args=[ticket.reference, "take"])

    french = client.post(url, {"version": ticket.version})
    assert french.status_code == 403
    assert "Seul un agent du guichet où se trouve le ticket peut le prendre en charge." in french.content.decode()

    english = choose_english(client).post(url, {"version": ticket.version})
    assert english.status_code == 403
    assert "Only an agent of the desk holding the ticket can take it." in english.content.decode()


@pytest.mark.django_db
def test_service_errors_follow_the_active_language(world):
    ticket = open_demo_ticket(world)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.take(ticket, actor=world.users["enseignant"])
    assert refused.value.message == "Only an agent of the desk holding the ticket can take it."
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        services.take(ticket, actor=world.users["enseignant"])
    assert refused.value.message.startswith("Seul un agent du guichet")


def test_english_catalogue_is_complete_and_compiled():
    """Every project msgid has an English translation and the committed .mo matches it."""
    from pathlib import Path

    from django.conf import settings

    po = Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"
    mo = po.with_suffix(".mo")
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    # An untranslated entry ends with `msgstr ""` followed by a blank line (or EOF).
    blocks = text.split("\n\n")[1:]
    untranslated = [b for b in blocks if b.rstrip().endswith('msgstr ""') or 'msgstr[0] ""' in b or 'msgstr[1] ""' in b]
    assert untranslated == []
    assert mo.exists() and mo.stat().st_size > 10_000
    with translation.override("en"):
        assert translation.gettext("Signaler un problème") == "Report a problem"
        assert translation.gettext("guichet") == "desk"
