"""The agents' page of held messages: scoped to their desks, accept and reject (POST, CSRF, one
register line each)."""

import pytest
from django.test import Client

from mailin import services
from mailin.models import MailEvent, Status
from tickets.models import Ticket

from .conftest import PNG, eml, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world, mailbox):
    unknown = services.ingest(make_mail(sender="Mme Parent <parent.inconnu@example.net>", subject="Compte bloqué",
                                        attachments=[("capture.png", PNG, "image", "png")]), mailbox)
    bad = services.ingest(eml("bad_mime.eml"), mailbox)
    assert unknown.status == bad.status == Status.HELD
    return unknown, bad


def test_agent_of_the_desk_sees_held_messages_in_few_queries(login, held, django_assert_max_num_queries):
    client = login("directeur")
    with django_assert_max_num_queries(20):
        response = client.get("/courriels-retenus/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Compte bloqué" in page and "Pièce jointe cassée" in page
    assert "Expéditeur inconnu" in page
    assert 'href="/courriels-retenus/"' in page  # the navigation's link


def test_other_desks_agents_see_nothing(login, held):
    client = login("guichet")  # Nancy-Metz: not this desk
    page = client.get("/courriels-retenus/").content.decode()
    assert "Compte bloqué" not in page
    assert client.get(f"/courriels-retenus/{held[0].pk}/").status_code == 404
    assert client.post(f"/courriels-retenus/{held[0].pk}/refuser/").status_code == 404


def test_accept_opens_the_ticket_for_a_person_without_account(login, world, held):
    client = login("directeur")
    detail = client.get(f"/courriels-retenus/{held[0].pk}/").content.decode()
    assert 'value="Mme Parent"' in detail
    response = client.post(f"/courriels-retenus/{held[0].pk}/accepter/",
                           {"beneficiary_name": "Mme Parent", "beneficiary_kind": "parent", "school": world.schools["0341255E"].pk})
    assert response.status_code == 302, [l for l in response.content.decode().splitlines() if "<li>" in l][:5]
    ticket = Ticket.objects.get()
    assert response["Location"].endswith(f"/demandes/{ticket.reference}/")
    assert ticket.beneficiary_name == "Mme Parent" and ticket.contact == "parent.inconnu@example.net"
    assert ticket.attachments.filter(original_name="capture.png").exists()
    held[0].refresh_from_db()
    assert held[0].status == Status.ACCEPTED and held[0].handled_by == world.users["directeur"]
    assert MailEvent.objects.filter(message=held[0], what="accepted").count() == 1
    # twice: already handled
    assert client.post(f"/courriels-retenus/{held[0].pk}/accepter/", {"beneficiary_name": "X"}).status_code == 404


def test_accept_for_an_existing_account(login, world, held):
    client = login("directeur")
    response = client.post(f"/courriels-retenus/{held[0].pk}/accepter/", {"requester": "enseignant@example.org"})
    assert response.status_code == 302
    assert Ticket.objects.get().requester == world.users["enseignant"]


def test_accept_with_unknown_account_names_the_field(login, held):
    client = login("directeur")
    response = client.post(f"/courriels-retenus/{held[0].pk}/accepter/", {"requester": "personne"})
    assert response.status_code == 400
    assert "Aucun compte actif « personne »" in response.content.decode()
    assert not Ticket.objects.exists()


def test_reject_records_one_event(login, world, held):
    client = login("directeur")
    response = client.post(f"/courriels-retenus/{held[1].pk}/refuser/", {"reason": "Message vide"})
    assert response.status_code == 302
    held[1].refresh_from_db()
    assert held[1].status == Status.REJECTED and "Message vide" in held[1].reason
    assert MailEvent.objects.filter(message=held[1], what="rejected").count() == 1


def test_reject_needs_the_csrf_token(world, held):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["directeur"])
    assert client.post(f"/courriels-retenus/{held[1].pk}/refuser/").status_code == 403
