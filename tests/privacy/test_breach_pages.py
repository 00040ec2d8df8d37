"""The DPO's workspace: home card → board of the perimeter's incidents with both clocks → breach
record (steps form) ↔ ticket page; the API's breach steps (201 / 400 / 403)."""

import base64
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import create_api_client
from privacy.models import BreachStep
from sla.models import Clock, ClockKind

from .breach_fixtures import breach, u  # noqa: F401 — fixtures

H = timedelta(hours=1)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_home_card_links_to_the_board_which_lists_both_clocks(breach, login):
    client = login("dpo")
    home = client.get("/").content.decode()
    board_url = reverse("privacy:board")
    assert f'href="{board_url}"' in home
    page = client.get(board_url)
    body = page.content.decode()
    assert page.status_code == 200 and breach.reference in body
    assert "Notification à la CNIL (72 h, RGPD art. 33)" in body
    assert re.search(r"Reste (47 h 5\d|48 h 00)", body) and re.search(r"Reste (71 h 5\d|72 h 00)", body)
    assert reverse("privacy:breach", args=[breach.reference]) in body


@pytest.mark.parametrize("username", ["manager", "enseignant", "editeur"])
def test_board_refused_to_others(breach, login, username):
    assert login(username).get(reverse("privacy:board")).status_code == 403


def test_ticket_page_links_to_the_breach_record_and_back(breach, login):
    url = reverse("privacy:breach", args=[breach.reference])
    assert url in login("dpo").get(reverse("web:ticket", args=[breach.reference])).content.decode()
    assert reverse("web:ticket", args=[breach.reference]) in login("dpo").get(url).content.decode()
    # The reporter reads the ticket, not the breach record.
    assert url not in login("enseignant").get(reverse("web:ticket", args=[breach.reference])).content.decode()


def test_dpo_records_both_notifications_from_the_breach_page(breach, login):
    client = login("dpo")
    url = reverse("privacy:breach_step", args=[breach.reference])
    done = _local(timezone.now())
    response = client.post(url, {"kind": "other_party", "done_at": done, "evidence": "Courriel au DPD de la Région"})
    assert response.status_code == 302
    missing = client.post(url, {"kind": "cnil", "done_at": done, "evidence": "Téléservice CNIL"})
    body = missing.content.decode()
    assert missing.status_code == 400 and "Indiquer la référence de la notification à la CNIL." in body
    assert client.post(url, {"kind": "cnil", "done_at": done, "evidence": "Téléservice CNIL", "reference": "CNIL-42"}).status_code == 302
    page = client.get(reverse("privacy:breach", args=[breach.reference])).content.decode()
    assert page.count("Tenu dans le délai le") == 2 and "CNIL-42" in page
    assert set(Clock.objects.filter(ticket=breach, kind__in=[ClockKind.BREACH_NOTICE, ClockKind.CNIL_NOTICE])
               .values_list("met_within_target", flat=True)) == {True}


def test_breach_step_form_refused_outside_the_perimeter(breach, login):
    for username in ("enseignant", "manager", "editeur"):
        response = login(username).post(reverse("privacy:breach_step", args=[breach.reference]),
                                        {"kind": "other_party", "done_at": _local(timezone.now()), "evidence": "x"})
        assert response.status_code == 404
    assert not BreachStep.objects.exists()


# --- API --------------------------------------------------------------------------------------------
def _session(user):
    http = APIClient()
    http.force_login(user)
    return http


def _token(world, scopes):
    client, secret = create_api_client(desk=world.desks["n0-0341255E"], scopes=scopes, owner_email="o@example.org")
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = APIClient().post("/api/v1/oauth/token/", {"grant_type": "client_credentials"}, format=None,
                             HTTP_AUTHORIZATION=f"Basic {basic}").json()["access_token"]
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return http


def test_api_records_and_lists_steps(breach, u):
    http = _session(u["dpo"])
    url = f"/api/v1/tickets/{breach.reference}/breach-steps/"
    response = http.post(url, {"kind": "cnil", "evidence": "Téléservice", "reference": "CNIL-7"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["within_target"] is True and response.json()["reference"] == "CNIL-7"
    listed = http.get(url)
    assert listed.status_code == 200 and [s["kind"] for s in listed.json()] == ["cnil"]


@pytest.mark.parametrize("body, field", [
    ({"kind": "cnil", "evidence": "Téléservice"}, "reference"),
    ({"kind": "fax", "evidence": "x"}, "kind"),
    ({"kind": "persons"}, "evidence"),
    ({"kind": "persons", "evidence": "x", "done_at": "demain"}, "done_at"),
    ({"kind": "persons", "evidence": "x", "colour": "bleu"}, "colour"),
])
def test_api_bad_input_is_400_naming_the_field(breach, u, body, field):
    response = _session(u["dpo"]).post(f"/api/v1/tickets/{breach.reference}/breach-steps/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()


def test_api_future_date_is_400(breach, u):
    future = (timezone.now() + 2 * H).isoformat()
    response = _session(u["dpo"]).post(f"/api/v1/tickets/{breach.reference}/breach-steps/",
                                       {"kind": "persons", "evidence": "x", "done_at": future}, format="json")
    assert response.status_code == 400 and "done_at" in response.content.decode()


def test_api_refuses_who_may_not_record(breach, u, world):
    url = f"/api/v1/tickets/{breach.reference}/breach-steps/"
    body = {"kind": "other_party", "evidence": "x"}
    # The reporter and the school's desk client read the ticket but may not record: 403.
    assert _session(u["enseignant"]).post(url, body, format="json").status_code == 403
    assert _token(world, "tickets:read tickets:write").post(url, body, format="json").status_code == 403
    # A token without tickets:write: 403 whoever it is.
    assert _token(world, "tickets:read").post(url, body, format="json").status_code == 403
    # Those who may not even read the incident: 404, as for the ticket itself.
    for username in ("editeur", "manager"):
        assert _session(u[username]).post(url, body, format="json").status_code == 404
    assert not BreachStep.objects.exists()
