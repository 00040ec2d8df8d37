"""The report form for an agent who opens for someone else: "Pour le compte de" (a person of the
school, or a name, a qualité and a contact), the schools of their perimeter, errors beside the
field, the ticket page saying who entered it for whom; the resource of a third-party request."""

import re
from html import unescape

import pytest
from django.urls import reverse

from directory.models import Resource
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BOUISSINET, DOLTO, SETE = "0341255E", "0342026T", "0341301E"


def form_data(world, uai=BOUISSINET, **extra):
    return {"school": world.schools[uai].pk, "category": "usage", "service": "", "title": "Messagerie en erreur",
            "description": "Erreur à l'envoi depuis ce matin", "impact": 3, "urgency": 2, **extra}


def options(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [unescape(label).strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def error_beside(html, field):
    match = re.search(rf'<p class="fr-error-text" id="id_{field}-error">([^<]*)</p>', html)
    return unescape(match.group(1)) if match else None


def test_the_erun_sees_its_schools_and_for_whom(client, world):
    client.force_login(world.users["erun"])
    html = client.get(reverse("web:report")).content.decode()
    assert "Pour le compte de" in html
    schools = options(html, "school")
    assert any("Pierre Bouissinet" in s for s in schools) and any("Françoise Dolto" in s for s in schools)
    assert not any("Jean Moulin" in s for s in schools)  # Sète: another circonscription
    people = options(html, "on_behalf_of")
    assert any(p.startswith("Camille Martin — ") and "Pierre Bouissinet" in p for p in people)
    assert "Parent d'élève" in options(html, "beneficiary_kind")
    # The menu offers the form to the agent.
    assert f'href="{reverse("web:report")}"' in html


def test_a_teacher_sees_no_for_whom(client, world):
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:report")).content.decode()
    assert "Pour le compte de" not in html and 'name="on_behalf_of"' not in html


def test_the_erun_opens_for_a_teacher_and_the_page_says_so(client, world):
    u = world.users
    client.force_login(u["erun"])
    response = client.post(reverse("web:report"), form_data(world, on_behalf_of=u["enseignant"].pk))
    ticket = Ticket.objects.get(title="Messagerie en erreur")
    assert response.status_code == 302, response.content.decode()
    assert (ticket.requester, ticket.opened_by) == (u["enseignant"], u["erun"])
    client.force_login(u["enseignant"])
    page = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "Saisi par Alex Durand pour le compte de Camille Martin" in unescape(page)


def test_the_director_enters_a_parents_request(client, world):
    client.force_login(world.users["directeur"])
    response = client.post(reverse("web:report"), form_data(
        world, category="account", beneficiary_name="M. Dupont", beneficiary_kind="parent", contact="06 12 34 56 78"))
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Messagerie en erreur")
    assert (ticket.beneficiary_name, ticket.beneficiary_kind, ticket.contact) == ("M. Dupont", "parent", "06 12 34 56 78")
    page = unescape(client.get(response["Location"]).content.decode())
    assert re.search(r"Saisi par \S+ \S+ pour le compte de M\. Dupont \(Parent d'élève\)", page)


def test_errors_are_shown_beside_the_field(client, world):
    u = world.users
    client.force_login(u["erun"])
    # Nobody named: the ERUN is not of the school.
    html = client.post(reverse("web:report"), form_data(world)).content.decode()
    assert "pour le compte de qui" in error_beside(html, "on_behalf_of")
    # A parent's request is the school's level 0's.
    html = client.post(reverse("web:report"), form_data(
        world, beneficiary_name="M. Dupont", beneficiary_kind="parent", contact="06 12 34 56 78")).content.decode()
    assert "niveau des écoles" in error_beside(html, "beneficiary_kind")
    # A person without account needs a phone or an e-mail.
    html = client.post(reverse("web:report"), form_data(
        world, beneficiary_name="Mme Garcia", beneficiary_kind="teacher", contact="le soir")).content.decode()
    assert "téléphone" in error_beside(html, "contact")
    # A teacher of Bouissinet chosen for Dolto.
    html = client.post(reverse("web:report"), form_data(world, DOLTO, on_behalf_of=u["enseignant"].pk)).content.decode()
    assert "n'a pas de compte à l'école" in error_beside(html, "on_behalf_of")
    # A school outside the perimeter is not a choice.
    response = client.post(reverse("web:report"), form_data(world, SETE, beneficiary_name="Mme Garcia",
                                                            beneficiary_kind="teacher", contact="06 12 34 56 78"))
    assert response.status_code == 200 and error_beside(response.content.decode(), "school")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("name", ["editeur", "formateur", "manager"])
def test_those_who_do_not_open_are_turned_away(client, world, name):
    client.force_login(world.users[name])
    response = client.get(reverse("web:report"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_resource_of_a_third_party_request(client, world):
    atlas = Resource.objects.create(slug="atlas-web", name="Atlas (web)", editor=world.vendors["ode"], is_gar=True)
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:report")).content.decode()
    assert 'data-show-for-category="third_party"' in html and "Atlas (web)" in options(html, "resource")
    client.post(reverse("web:report"), form_data(world, category="third_party", resource=atlas.pk))
    assert Ticket.objects.get().resource == atlas
    # Chosen, then the category changed (no JavaScript): not kept.
    client.post(reverse("web:report"), form_data(world, title="Autre", resource=atlas.pk))
    assert Ticket.objects.get(title="Autre").resource is None
