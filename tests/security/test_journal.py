"""The access journal: every read or change of a ticket or personal record, through the web, the
API and the admin, granted or refused, with who, when, from where; append-only; retention purge."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from journal.models import AccessEntry, Action, Interface, Outcome
from journal.services import purge_expired, record
from journal.tasks import purge_access_journal


def entries(**filters):
    return list(AccessEntry.objects.filter(**filters).order_by("id"))


def test_web_ticket_view_is_journaled_with_address_and_interface(login, mtp_ticket, u):
    client = login("erun")
    response = client.get(reverse("web:ticket", args=[mtp_ticket.reference]), REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    assert response.status_code == 200
    [e] = entries(object_label=mtp_ticket.reference)
    assert (e.actor_id, e.interface, e.action, e.outcome) == (u["erun"].pk, Interface.WEB, Action.VIEW, Outcome.GRANTED)
    assert (e.ip_address, e.user_agent, e.school_id, e.status_code) == ("10.1.2.3", "Firefox", mtp_ticket.school_id, 200)


def test_change_through_the_web_is_journaled(login, mtp_ticket, u):
    client = login("directeur")
    url = reverse("web:ticket_action", args=[mtp_ticket.reference, "take"])
    response = client.post(url, {"take-version": mtp_ticket.version})
    assert response.status_code == 302
    assert [e.action for e in entries(object_label=mtp_ticket.reference, actor=u["directeur"])] == [Action.CHANGE]


def test_teacher_reading_another_schools_ticket_gets_404_and_is_journaled(login, ge_ticket, u):
    response = login("enseignant").get(reverse("web:ticket", args=[ge_ticket.reference]))
    assert response.status_code == 404
    [e] = entries(object_label=ge_ticket.reference)
    assert (e.actor_id, e.action, e.outcome, e.status_code) == (u["enseignant"].pk, Action.DENIED, Outcome.DENIED, 404)
    # The refusal is scoped to the ticket's school: the Grand Est side's DPO can find it.
    assert e.school_id == ge_ticket.school_id


def test_api_retrieve_is_journaled_as_api(client, mtp_ticket, u):
    client.force_login(u["erun"])  # session authentication is accepted by the API
    response = client.get(f"/api/v1/tickets/{mtp_ticket.reference}/")
    assert response.status_code == 200
    [e] = entries(object_label=mtp_ticket.reference)
    assert (e.interface, e.action, e.actor_id) == (Interface.API, Action.VIEW, u["erun"].pk)


def test_api_refusal_outside_perimeter_is_journaled(client, ge_ticket, u):
    client.force_login(u["erun"])
    assert client.get(f"/api/v1/tickets/{ge_ticket.reference}/").status_code == 404
    [e] = entries(object_label=ge_ticket.reference)
    assert (e.interface, e.outcome) == (Interface.API, Outcome.DENIED)


def test_admin_change_page_of_a_ticket_and_of_a_person_is_journaled(client, mtp_ticket, u):
    client.force_login(u["admin"])
    assert client.get(reverse("admin:tickets_ticket_change", args=[mtp_ticket.pk])).status_code == 200
    assert client.get(reverse("admin:directory_user_change", args=[u["enseignant"].pk])).status_code == 200
    ticket_entry = entries(object_label=mtp_ticket.reference)[-1]
    person_entry = entries(object_type="person", object_id=str(u["enseignant"].pk))[-1]
    assert ticket_entry.interface == person_entry.interface == Interface.ADMIN
    assert person_entry.object_label == "enseignant"


def test_forbidden_page_is_journaled_for_a_signed_in_person(login, u):
    """An ERUN trying the managers' CSV export (another district's or any data): 403, journaled."""
    response = login("erun").get(reverse("web:dashboard_csv", args=["desks"]))
    assert response.status_code == 403
    [e] = entries(actor=u["erun"])
    assert (e.outcome, e.action, e.status_code) == (Outcome.DENIED, Action.DENIED, 403)


def test_journal_is_append_only(world, u):
    e = record(u["dpo"], Action.VIEW, u["enseignant"])
    with pytest.raises(TypeError):
        e.save()
    with pytest.raises(TypeError):
        e.delete()
    with pytest.raises(TypeError):
        AccessEntry.objects.all().update(action="change")
    with pytest.raises(TypeError):
        AccessEntry.objects.all().delete()


@override_settings(HELPDESK={"ACCESS_LOG_RETENTION_DAYS": 365})
def test_purge_removes_only_entries_past_retention_and_is_journaled(world, u):
    # Backdated at insertion: the database refuses any UPDATE of a journal line.
    old = AccessEntry(at=timezone.now() - timedelta(days=366), actor=u["erun"], interface=Interface.WEB, action=Action.VIEW)
    recent = AccessEntry(at=timezone.now() - timedelta(days=364), actor=u["erun"], interface=Interface.WEB, action=Action.VIEW)
    old.save()
    recent.save()
    assert purge_access_journal.call_local() == 1
    assert not AccessEntry.objects.filter(pk=old.pk).exists()
    assert AccessEntry.objects.filter(pk=recent.pk).exists()
    assert AccessEntry.objects.filter(object_label="purge du journal des accès", detail__deleted=1).exists()
    assert purge_expired() == 0


def test_proxy_address_is_read_only_when_configured(login, mtp_ticket, settings):
    # Both branches set explicitly: the production profile defaults to one proxy.
    settings.HELPDESK = {**settings.HELPDESK, "ACCESS_LOG_PROXY_COUNT": 0}
    client = login("erun")
    url = reverse("web:ticket", args=[mtp_ticket.reference])
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.HELPDESK = {**settings.HELPDESK, "ACCESS_LOG_PROXY_COUNT": 1}
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert [e.ip_address for e in entries(object_label=mtp_ticket.reference)] == ["10.0.0.1", "203.0.113.9"]


def test_dpo_searches_the_journal_within_their_perimeter(login, mtp_ticket, ge_ticket, u, client):
    login("erun").get(reverse("web:ticket", args=[mtp_ticket.reference]))
    client.force_login(u["guichet"])
    client.get(reverse("web:ticket", args=[ge_ticket.reference]))
    client.force_login(u["dpo"])
    page = client.get(reverse("journal:search"), {"q": "erun"})
    assert page.status_code == 200
    assert mtp_ticket.reference in page.content.decode()
    page = client.get(reverse("journal:search"))
    assert ge_ticket.reference not in page.content.decode()  # Grand Est: another DPO's perimeter
    filtered = client.get(reverse("journal:search"), {"interface": "api"})
    assert mtp_ticket.reference not in filtered.content.decode()


def test_journal_page_refused_to_non_dpo(login):
    assert login("manager").get(reverse("journal:search")).status_code == 403
    assert login("editeur").get(reverse("journal:search")).status_code == 403


def test_admin_journal_is_read_only(client, u, world):
    client.force_login(u["admin"])
    e = record(u["dpo"], Action.VIEW, u["enseignant"])
    assert client.get(reverse("admin:journal_accessentry_changelist")).status_code == 200
    assert client.post(reverse("admin:journal_accessentry_delete", args=[e.pk]), {"post": "yes"}).status_code == 403
    assert AccessEntry.objects.filter(pk=e.pk).exists()
