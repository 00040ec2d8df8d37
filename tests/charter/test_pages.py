"""The charter's pages: submit, the register, a communication's page with the actions each person
may take; a refusal without a reason is a 400 naming the field."""

from datetime import datetime

import pytest

from charter.models import Communication, Kind, Status
from sla.calendar import PARIS


@pytest.fixture
def submitted(login, world):
    client = login("collectivite")
    response = client.post("/charte/nouvelle/", {
        "collectivite": world.users["collectivite"].memberships.get().desk.collectivite_id, "kind": Kind.RECURRING,
        "title": "Inscriptions à la demi-pension", "content": "Les **inscriptions** ouvrent lundi.<script>alert(1)</script>",
        "schools": [world.schools["0570098X"].pk]})
    assert response.status_code == 302
    return Communication.objects.get()


def test_submit_page_lists_only_the_collectivite_schools(login, world):
    response = login("collectivite").get("/charte/nouvelle/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Collège La Source" in html and "Lycée Robert Schuman" not in html  # the lycée is the Région's


def test_submit_refused_to_who_is_not_a_collectivite(login):
    assert login("principal").get("/charte/nouvelle/").status_code == 403


def test_submit_without_content_names_the_field(login, world):
    response = login("collectivite").post("/charte/nouvelle/", {
        "collectivite": world.users["collectivite"].memberships.get().desk.collectivite_id, "kind": Kind.ONE_OFF,
        "title": "x", "content": "", "schools": [world.schools["0570098X"].pk]})
    assert response.status_code == 400
    assert "Contenu exhaustif" in response.content.decode()


def test_detail_sanitises_and_offers_the_chef_actions(submitted, client, world):
    client.force_login(world.users["principal"])
    html = client.get(f"/charte/{submitted.pk}/").content.decode()
    assert "<strong>inscriptions</strong>" in html and "<script>alert" not in html
    assert 'id="action-approve"' in html and 'id="action-refuse"' in html and 'id="action-doubt"' in html
    client.force_login(world.users["collectivite"])
    html = client.get(f"/charte/{submitted.pk}/").content.decode()
    assert 'id="action-' not in html
    assert "Inscriptions à la demi-pension" in client.get("/charte/").content.decode()


def test_refusal_without_reason_is_400_naming_the_field(submitted, client, world):
    client.force_login(world.users["principal"])
    response = client.post(f"/charte/{submitted.pk}/refuse/", {"refuse-reason": ""})
    assert response.status_code == 400
    assert "motif du refus est obligatoire" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    response = client.post(f"/charte/{submitted.pk}/refuse/", {"refuse-reason": "Ton promotionnel."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.REFUSED and submitted.reason == "Ton promotionnel."


def test_outside_the_perimeter_is_404(submitted, client, world):
    client.force_login(world.users["directeur"])
    assert client.get(f"/charte/{submitted.pk}/").status_code == 404
    assert client.post(f"/charte/{submitted.pk}/approve/").status_code == 404
    assert "Inscriptions" not in client.get("/charte/").content.decode()


def test_a_party_without_the_right_gets_403(submitted, client, world):
    client.force_login(world.users["guichet"])  # academic services read, the chef decides
    assert client.get(f"/charte/{submitted.pk}/").status_code == 200
    assert client.post(f"/charte/{submitted.pk}/approve/").status_code == 403
