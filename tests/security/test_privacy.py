"""Data-subject export, retention/anonymisation, information notice, login lockout."""

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from directory.models import User
from journal.models import AccessEntry, Action, Outcome
from privacy import services as privacy
from privacy.models import AnonymisationLog, InformationNotice, RetentionPolicy
from privacy.tasks import anonymise_expired_tickets
from tickets import services
from tickets.models import Comment, Ticket, TicketEvent


def test_person_exports_their_own_data_as_json_and_page(login, mtp_ticket, u):
    client = login("enseignant")
    response = client.get(reverse("privacy:my_data_json"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["identity"]["username"] == "enseignant"
    assert [t["reference"] for t in data["tickets_requested"]] == [mtp_ticket.reference]
    assert data["tickets_requested"][0]["contact"] == "06 12 34 56 78"
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200 and mtp_ticket.reference in page.content.decode() and "06 12 34 56 78" in page.content.decode()
    assert AccessEntry.objects.filter(actor=u["enseignant"], action=Action.EXPORT, object_id=str(u["enseignant"].pk)).count() == 2


def test_dpo_exports_a_person_of_their_perimeter(login, mtp_ticket, u):
    response = login("dpo").get(reverse("privacy:person_data_json", args=["enseignant"]))
    assert response.status_code == 200
    assert json.loads(response.content)["identity"]["last_name"] == "Martin"
    # the ERUN of the same académie is a person of the DPO's perimeter too (membership at its desk)
    assert login("dpo").get(reverse("privacy:person_data", args=["erun"])).status_code == 200


def test_export_outside_the_perimeter_is_refused_and_journaled(login, ge_teacher, ge_ticket, u):
    # an ERUN exporting someone else's data (here another district's, Grand Est) — refused
    assert login("erun").get(reverse("privacy:person_data_json", args=["prof_metz"])).status_code == 403
    # the Montpellier DPO exporting a Grand Est teacher — refused
    assert login("dpo").get(reverse("privacy:person_data", args=["prof_metz"])).status_code == 403
    # a teacher exporting a colleague — refused
    assert login("enseignant").get(reverse("privacy:person_data_json", args=["directeur"])).status_code == 403
    denied = AccessEntry.objects.filter(outcome=Outcome.DENIED, object_type="person").order_by("id")
    assert [(e.actor_label.split()[0], e.object_label) for e in denied] == [
        ("erun", "prof_metz"), ("dpo", "prof_metz"), ("enseignant", "directeur")]


def test_anonymous_export_redirects_to_sign_in(client, world):
    response = client.get(reverse("privacy:my_data_json"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _close(ticket, u, days_ago):
    t = services.take(ticket, actor=u["directeur"])
    t = services.comment(t, actor=u["enseignant"], body="Mon numéro perso : 06 00 00 00 00")
    t = services.resolve(t, actor=u["directeur"], summary="Réglé avec Mme Martin")
    t = services.confirm(t, actor=u["enseignant"])
    Ticket.objects.filter(pk=t.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    return Ticket.objects.get(pk=t.pk)


def test_closed_tickets_past_retention_are_anonymised_statistics_kept(world, u, mtp_ticket, settings):
    settings.HELPDESK = {**settings.HELPDESK, "TICKET_RETENTION_DAYS": 1095}
    RetentionPolicy.objects.create(convention=world.conventions["montpellier"], closed_ticket_days=365)
    old = _close(mtp_ticket, u, days_ago=400)
    recent = _close(services.open_ticket(actor=u["enseignant"], school=world.schools["0341255E"], title="Autre", description="x",
                                         category="usage", impact=3, urgency=3), u, days_ago=100)
    assert anonymise_expired_tickets.call_local() == 1
    old.refresh_from_db()
    assert old.requester.username == privacy.SENTINEL_USERNAME and not old.requester.is_active
    assert old.description == old.contact == old.resolution_summary == privacy.ANONYMISED
    assert "Mme" not in old.title
    assert (old.category, old.school_id, old.state, old.priority) == ("malfunction", world.schools["0341255E"].pk, "closed", mtp_ticket.priority)
    assert set(Comment.objects.filter(ticket=old).values_list("body", flat=True)) == {privacy.ANONYMISED}
    assert not TicketEvent.objects.filter(ticket=old, actor=u["enseignant"]).exists()
    assert all("06 00" not in json.dumps(e.payload) for e in TicketEvent.objects.filter(ticket=old))
    log = AnonymisationLog.objects.get(ticket=old)
    assert log.retention_days == 365 and "requester" in log.fields
    assert AccessEntry.objects.filter(action=Action.ANONYMISE, object_label=old.reference, interface="system").exists()
    recent.refresh_from_db()
    assert recent.requester_id == u["enseignant"].pk  # 100 days < 365: kept
    assert privacy.anonymise_expired() == 0  # idempotent
    # The person's export no longer lists the anonymised ticket.
    assert [t["reference"] for t in privacy.personal_data(u["enseignant"])["tickets_requested"]] == [recent.reference]


def test_default_retention_applies_without_a_policy(world, u, mtp_ticket, settings):
    settings.HELPDESK = {**settings.HELPDESK, "TICKET_RETENTION_DAYS": 1095}
    t = _close(mtp_ticket, u, days_ago=400)
    assert privacy.anonymise_expired() == 0
    Ticket.objects.filter(pk=t.pk).update(closed_at=timezone.now() - timedelta(days=1100))
    assert privacy.anonymise_expired() == 1


def test_information_notice_on_sign_in_is_editable(client, world):
    page = client.get(reverse("login")).content.decode()
    assert "Mentions d'information" in page and "mission de service public" in page
    InformationNotice.objects.create(body="Traitement conjoint académie et commune.\n\nContact : dpd@ac-montpellier.fr")
    page = client.get(reverse("login")).content.decode()
    assert "Traitement conjoint académie et commune." in page and "mission de service public" not in page


def test_login_lockout_after_five_failures(client, world):
    url = reverse("login")
    for _ in range(4):
        assert client.post(url, {"username": "enseignant", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "enseignant", "password": "wrong"}).status_code == 429  # fifth failure
    locked = client.post(url, {"username": "enseignant", "password": "test-password-123"})
    assert locked.status_code == 429
    assert "bloquée" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another account from the same address is not locked
    assert client.post(url, {"username": "directeur", "password": "test-password-123"}).status_code == 302


def test_successful_login_resets_failures(client, world):
    url = reverse("login")
    for _ in range(4):
        client.post(url, {"username": "enseignant", "password": "wrong"})
    assert client.post(url, {"username": "enseignant", "password": "test-password-123"}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(url, {"username": "enseignant", "password": "wrong"})
    assert client.post(url, {"username": "enseignant", "password": "test-password-123"}).status_code == 302


def test_test_client_login_still_works(client, world):
    assert client.login(username="enseignant", password="test-password-123")
    assert User.objects.get(username="enseignant").is_authenticated
