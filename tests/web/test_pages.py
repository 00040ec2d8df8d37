import re

import pytest
from django.core import mail
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from tickets import services
from tickets.models import Ticket


def open_demo_ticket(world, title="La messagerie affiche une erreur", **extra):
    fields = dict(
        actor=world.users["enseignant"], school=world.schools["0341255E"], title=title,
        description="Erreur 500 à l'envoi", category="malfunction", service="Messagerie", impact=2, urgency=1,
    )
    fields.update(extra)
    return services.open_ticket(**fields)


def at_erun(world, **extra):
    """A ticket passed on by the school's level-0 contact to the ERUN desk (level 1)."""
    ticket = open_demo_ticket(world, **extra)
    return services.escalate(ticket, actor=world.users["directeur"], reason="Pas de solution à l'école")


@pytest.mark.django_db
def test_login_page_has_notice_and_reset_link(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mentions d'information" in html
    assert reverse("password_reset") in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.django_db
def test_pages_send_csp_with_nonce_and_have_no_inline_script(client, world):
    client.force_login(world.users["enseignant"])
    response = client.get(reverse("web:report"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    html = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, f"inline script: {tag}"
    assert " style=" not in html and "<style" not in html


@pytest.mark.django_db
def test_skip_link_landmarks_and_language_switch(client):
    html = client.get(reverse("home")).content.decode()
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html
    assert 'name="language"' in html and 'lang="fr"' in html


@pytest.mark.django_db
def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html


@pytest.mark.django_db
def test_password_reset_sends_a_mail(client, world):
    response = client.post(reverse("password_reset"), {"email": "enseignant@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/mot-de-passe/nouveau/" in mail.outbox[0].body


@pytest.mark.django_db
def test_dsfr_theme_only_when_configured(client, settings):
    html = client.get(reverse("home")).content.decode()
    assert "dsfr.min.css" not in html and "web/neutral.css" in html
    settings.HELPDESK_THEME = "dsfr"
    html = client.get(reverse("home")).content.decode()
    assert "dsfr/dist/dsfr.min.css" in html and "République" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, expected, absent",
    [
        ("enseignant", "Signaler un problème", "Pilotage"),
        # The ERUN reports too, for someone of its schools (Occitanie art. 7): tests/web/test_open_on_behalf.py.
        ("erun", "Traiter les demandes", "Ouvrir le tableau de bord"),
        ("manager", "Ouvrir le tableau de bord", "Traiter les demandes"),
        ("formateur", "transmises à l'éditeur", "Signaler un problème"),
    ],
)
def test_home_is_role_aware(client, world, username, expected, absent):
    client.force_login(world.users[username])
    html = client.get(reverse("home")).content.decode()
    assert expected in html
    assert absent not in html


@pytest.mark.django_db
def test_report_form_preselects_school_and_explains_categories(client, world):
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:report")).content.decode()
    school = world.schools["0341255E"]
    assert f'<option value="{school.pk}" selected>' in html
    assert "Ex. : pas de Wi-Fi" in html
    assert "Pouvez-vous continuer à travailler ?" in html
    assert "10 Mo" in html  # attachment limit stated


@pytest.mark.django_db
def test_report_creates_ticket_and_redirects(client, world):
    client.force_login(world.users["enseignant"])
    school = world.schools["0341255E"]
    response = client.post(reverse("web:report"), {
        "school": school.pk, "category": "usage", "service": "Messagerie", "title": "Partager un document",
        "description": "Comment partager avec la classe ?", "impact": 3, "urgency": 3,
    })
    ticket = Ticket.objects.get(title="Partager un document")
    assert response.status_code == 302 and response["Location"] == reverse("web:ticket", args=[ticket.reference])
    assert ticket.requester == world.users["enseignant"] and ticket.school == school


@pytest.mark.django_db
def test_report_errors_name_the_field(client, world):
    client.force_login(world.users["enseignant"])
    response = client.post(reverse("web:report"), {"school": world.schools["0341255E"].pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in html and "En une phrase, que se passe-t-il ?" in html


@pytest.mark.django_db
def test_similar_open_tickets_shown_before_submitting(client, world):
    open_demo_ticket(world, title="ENT inaccessible ce matin")
    client.force_login(world.users["directeur"])
    response = client.get(reverse("web:report_similar"), {"school": world.schools["0341255E"].pk}, HTTP_HX_REQUEST="true")
    assert "ENT inaccessible ce matin" in response.content.decode()
    # A school outside the person's perimeter shows nothing.
    response = client.get(reverse("web:report_similar"), {"school": world.schools["0341301E"].pk})
    assert "ENT inaccessible" not in response.content.decode()


@pytest.mark.django_db
def test_my_tickets_speaks_teacher_words(client, world):
    ticket = at_erun(world)
    erun = world.users["erun"]
    ticket = services.take(ticket, actor=erun)
    services.request_info(ticket, actor=erun, body="Quel navigateur ?")
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:my_tickets")).content.decode()
    assert "En attente de votre réponse" in html


@pytest.mark.django_db
def test_my_tickets_query_count_is_constant(client, world, django_assert_max_num_queries):
    client.force_login(world.users["enseignant"])
    for i in range(3):
        open_demo_ticket(world, title=f"Demande {i}")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:my_tickets"))
    for i in range(20):
        open_demo_ticket(world, title=f"Autre {i}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("web:my_tickets")).content.decode()
    assert "Autre 19" in html
    assert len(many) == len(few)
