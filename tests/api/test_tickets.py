import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.ticket_serializers import TicketListItemSerializer, TicketSerializer
from tickets import services
from tickets.models import Ticket

from .factories import QUALIFICATION, open_ticket, to_level, vendor_ticket

PROBLEM = "application/problem+json"


@pytest.fixture
def ode(make_client):
    return make_client(vendor="ode")[1]


@pytest.fixture
def kosmos(make_client):
    return make_client(vendor="kosmos")[1]


def url(ticket, suffix=""):
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


# --- perimeter -----------------------------------------------------------------------------------

def test_a_vendor_never_sees_another_vendors_ticket(world, ode, kosmos):
    mine = vendor_ticket(world)                      # Montpellier → ODE
    theirs = vendor_ticket(world, uai="0570098X")    # Grand Est → Kosmos
    below = open_ticket(world)                       # ODE school, still at level 0
    refs = [t["reference"] for t in ode.get("/api/v1/tickets/").json()["results"]]
    assert refs == [mine.reference]
    assert [t["reference"] for t in kosmos.get("/api/v1/tickets/").json()["results"]] == [theirs.reference]
    for ticket in (theirs, below):
        for suffix in ("", "comments/", "events/", "transitions/"):
            problem(ode.get(url(ticket, suffix)), 404)
        problem(ode.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH='"1"'), 404)
        problem(ode.patch(url(ticket), {"vendor_reference": "X"}, format="json", HTTP_IF_MATCH='"1"'), 404)
        problem(ode.post(url(ticket, "comments/"), {"body": "hello"}, format="json"), 404)
    assert Ticket.objects.get(pk=theirs.pk).version == theirs.version


def test_desk_client_sees_its_desk_queue(world, make_client):
    ticket = to_level(world, open_ticket(world), 1)   # ERUN Lattes
    _c, erun = make_client(desk="erun-lattes")
    _c, sete = make_client(desk="erun-sete")
    assert [t["reference"] for t in erun.get("/api/v1/tickets/").json()["results"]] == [ticket.reference]
    assert sete.get("/api/v1/tickets/").json()["results"] == []


# --- reading ---------------------------------------------------------------------------------------

def test_detail_has_an_etag_from_the_version_and_sanitised_html(world, ode):
    ticket = vendor_ticket(world)
    response = ode.get(url(ticket))
    assert response.status_code == 200
    assert response["ETag"] == f'"{ticket.version}"'
    body = response.json()
    assert body["version"] == ticket.version and body["level"] == 3 and body["school"]["uai"] == "0341255E"
    assert "<strong>aucune</strong>" in body["description_html"]


def test_filters_and_cursor_pagination(world, ode):
    tickets = [vendor_ticket(world, title=f"Panne {i}") for i in range(3)]
    nice = vendor_ticket(world, uai="0060768C", title="Nice")
    data = ode.get("/api/v1/tickets/?page_size=2").json()
    assert len(data["results"]) == 2 and data["next"]
    rest = ode.get(data["next"]).json()
    seen = [t["reference"] for t in data["results"] + rest["results"]]
    assert sorted(seen) == sorted(t.reference for t in [*tickets, nice])
    assert [t["reference"] for t in ode.get("/api/v1/tickets/?school=0060768c").json()["results"]] == [nice.reference]
    assert ode.get("/api/v1/tickets/?school=0000000A").json()["results"] == []
    assert len(ode.get("/api/v1/tickets/?state=in_progress&level=3").json()["results"]) == 4
    assert ode.get("/api/v1/tickets/?state=closed").json()["results"] == []
    assert len(ode.get("/api/v1/tickets/?desk=ode-support&category=malfunction").json()["results"]) == 4
    by_priority = ode.get("/api/v1/tickets/?ordering=priority").json()["results"]
    assert len(by_priority) == 4
    problem(ode.get("/api/v1/tickets/?updated_since=yesterday"), 400)
    problem(ode.get("/api/v1/tickets/?state=bogus"), 400)
    future = ode.get("/api/v1/tickets/", {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert future["results"] == []


def test_list_rows_show_what_the_detail_shows(world, ode):
    """The list reads its rows as plain values (see api.ticket_serializers.list_values): every field,
    related ones included, must read as the detail does, description_html aside."""
    parent = vendor_ticket(world, title="Incident majeur")
    original = vendor_ticket(world, title="Original")
    ticket = vendor_ticket(world, title="Doublon")
    assignee = world.users["editeur"]
    assignee.first_name, assignee.last_name = "  Ada", "Lovelace "
    assignee.save(update_fields=["first_name", "last_name"])
    Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee, duplicate_of=original, parent=parent)
    rows = {t["reference"]: t for t in ode.get("/api/v1/tickets/").json()["results"]}
    assert rows[ticket.reference]["assignee"] == "Ada Lovelace"
    assert rows[ticket.reference]["duplicate_of"] == original.reference
    assert rows[ticket.reference]["parent"] == parent.reference
    assert rows[ticket.reference]["convention"]
    for reference, row in rows.items():
        detail = ode.get(f"/api/v1/tickets/{reference}/").json()
        # The detail reads the related values as subqueries too; through the relations, the same.
        assert detail == TicketSerializer(Ticket.objects.get(reference=reference)).data
        for name in TicketListItemSerializer.DETAIL_ONLY:  # description_html, who entered it, the resource
            del detail[name]
        assert row == detail


def test_list_query_count_does_not_depend_on_page_size(world, ode):
    for i in range(12):
        vendor_ticket(world, title=f"T{i}")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            response = ode.get(f"/api/v1/tickets/?page_size={size}")
        assert len(response.json()["results"]) == size
        return len(ctx.captured_queries)

    # The token (with its client and service user), the perimeter, the page, the journal line.
    assert count(2) == count(12) <= 4


def test_list_filters_keep_the_page_query_free_of_distinct(world, ode):
    vendor_ticket(world)
    with CaptureQueriesContext(connection) as ctx:
        response = ode.get("/api/v1/tickets/?state=in_progress&state=new&level=3&desk=ode-support&school=0341255E")
    assert len(response.json()["results"]) == 1
    # A DISTINCT over the list's columns makes the database sort every matching row.
    assert not any("DISTINCT" in q["sql"].upper() for q in ctx.captured_queries)


def test_comments_and_events(world, ode):
    ticket = vendor_ticket(world)
    response = ode.post(url(ticket, "comments/"), {"body": "Correctif en préparation."}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["public"] is True
    internal = ode.post(url(ticket, "comments/"), {"body": "note", "internal": True}, format="json")
    assert internal.status_code == 201 and internal.json()["public"] is False
    bodies = [c["body"] for c in ode.get(url(ticket, "comments/")).json()]
    assert bodies == ["Correctif en préparation.", "note"]
    kinds = [e["kind"] for e in ode.get(url(ticket, "events/")).json()]
    assert kinds[0] == "opened" and kinds[-2:] == ["commented", "note"]


# --- transitions -------------------------------------------------------------------------------------

def test_transition_list_then_send_back_with_if_match(world, ode):
    ticket = vendor_ticket(world)
    names = ode.get(url(ticket, "transitions/")).json()["transitions"]
    assert "send_back" in names and "resolve" in names and "confirm" not in names
    response = ode.post(url(ticket, "transitions/send_back/"), {"reason": "Merci de préciser le navigateur."},
                        format="json", HTTP_IF_MATCH=f'"{ticket.version}"')
    assert response.status_code == 200, response.content
    assert response.json()["level"] == 2
    assert response["ETag"] == f'"{ticket.version + 1}"'


def test_if_match_missing_is_428_and_stale_is_412(world, ode):
    ticket = vendor_ticket(world)
    problem(ode.post(url(ticket, "transitions/resolve/"), {"summary": "ok"}, format="json"), 428)
    body = problem(ode.post(url(ticket, "transitions/resolve/"), {"summary": "ok"}, format="json", HTTP_IF_MATCH='"1"'), 412)
    assert body["current_etag"] == f'"{ticket.version}"'
    assert Ticket.objects.get(pk=ticket.pk).state == "in_progress"


def test_lost_race_is_409(world, ode, monkeypatch):
    from api import views_tickets

    ticket = vendor_ticket(world)
    original = views_tickets.expected_version

    def then_someone_else_acts(request, t, required=True):
        version = original(request, t, required)
        services.comment(t, actor=world.users["admin"], body="Entre-temps…")
        return version

    monkeypatch.setattr(views_tickets, "expected_version", then_someone_else_acts)
    body = problem(ode.post(url(ticket, "transitions/resolve/"), {"summary": "Corrigé"}, format="json",
                            HTTP_IF_MATCH=f'"{ticket.version}"'), 409)
    assert "changed in the meantime" in body["detail"]  # the client asked for English
    assert Ticket.objects.get(pk=ticket.pk).state == "in_progress"


def test_forbidden_transition_is_403_and_failed_guard_is_422(world, ode):
    ticket = vendor_ticket(world)
    etag = f'"{ticket.version}"'
    problem(ode.post(url(ticket, "transitions/confirm/"), {}, format="json", HTTP_IF_MATCH=etag), 403)
    ode.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH=etag)
    ticket.refresh_from_db()
    body = problem(ode.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'), 422)
    assert "already" in body["detail"]


def test_escalation_guard_reason_is_returned(world, make_client):
    # Grand Est: level 2 is the vendor's, so escalating from level 1 needs the qualification.
    ticket = services.escalate(open_ticket(world, uai="0570098X"), actor=world.users["admin"], reason="N0 → N1")
    assert ticket.desk == world.desks["guichet-nancy"]
    _c, erun = make_client(desk="guichet-nancy", lang="fr")
    body = problem(erun.post(url(ticket, "transitions/escalate/"), {"reason": "?"}, format="json",
                             HTTP_IF_MATCH=f'"{ticket.version}"'), 422)
    assert "Qualification incomplète" in body["detail"]
    ok = erun.post(url(ticket, "transitions/escalate/"), {"reason": "avéré", **QUALIFICATION}, format="json",
                   HTTP_IF_MATCH=f'"{ticket.version}"')
    assert ok.status_code == 200, ok.content
    assert ok.json()["level"] == 2


def test_read_only_token_cannot_write(world, make_client):
    ticket = vendor_ticket(world)
    _c, reader = make_client(vendor="ode", scopes="tickets:read")
    assert reader.get(url(ticket)).status_code == 200
    problem(reader.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'), 403)


def test_unknown_transition_is_a_404_problem(world, ode):
    ticket = vendor_ticket(world)
    problem(ode.post(url(ticket, "transitions/teleport/"), {}, format="json", HTTP_IF_MATCH='"1"'), 404)


# --- PATCH ----------------------------------------------------------------------------------------------

def test_patch_only_vendor_reference_and_qualification(world, ode):
    ticket = vendor_ticket(world)
    response = ode.patch(url(ticket), {"vendor_reference": "ODE-4521", "users_affected": 40}, format="json",
                         HTTP_IF_MATCH=f'"{ticket.version}"')
    assert response.status_code == 200, response.content
    assert response.json()["vendor_reference"] == "ODE-4521" and response.json()["users_affected"] == 40
    body = problem(ode.patch(url(ticket), {"state": "closed", "level": 0}, format="json",
                             HTTP_IF_MATCH=response["ETag"]), 400)
    assert {e["field"] for e in body["errors"]} == {"state", "level"}
    problem(ode.patch(url(ticket), {"vendor_reference": "x"}, format="json"), 428)


# --- creating and bad input ----------------------------------------------------------------------------

@pytest.fixture
def school_desk(make_client):
    return make_client(desk="n0-0341255E")[1]


def test_open_a_ticket(world, school_desk):
    response = school_desk.post("/api/v1/tickets/", {
        "school": "0341255E", "title": "Mot de passe oublié", "description": "Un élève…", "category": "account",
    }, format="json")
    assert response.status_code == 201, response.content
    assert response["Location"].endswith(f"/api/v1/tickets/{response.json()['reference']}/")
    assert response["ETag"] == '"1"'
    assert Ticket.objects.get(reference=response.json()["reference"]).via == "api"


def test_vendor_cannot_open_tickets_for_schools(world, ode):
    problem(ode.post("/api/v1/tickets/", {"school": "0341255E", "title": "t", "description": "d", "category": "usage"},
                     format="json"), 403)


@pytest.mark.parametrize("payload, field", [
    ({"school": "0341255A", "title": "t", "description": "d", "category": "usage"}, "school"),
    ({"school": "0341255E", "title": "t", "description": "d", "category": "nope"}, "category"),
    ({"school": "0341255E", "title": ["t"], "description": "d", "category": "usage"}, "title"),
    ({"school": "0341255E", "title": "t", "description": "d", "category": "usage", "impact": "high"}, "impact"),
    ({"school": "0341255E", "title": "t", "description": "d", "category": "usage", "colour": "red"}, "colour"),
    ({"title": "t", "description": "d", "category": "usage"}, "school"),
    ({"school": "0341255E", "title": "t", "description": "d", "category": "usage", "qualification": {"users_affected": -1}}, "qualification.users_affected"),
])
def test_bad_input_is_400_naming_the_field(world, school_desk, payload, field):
    body = problem(school_desk.post("/api/v1/tickets/", payload, format="json"), 400)
    assert field in {e["field"] for e in body["errors"]}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("raw, content_type", [
    (b'{"school": ', "application/json"),
    (b"[1, 2]", "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"null", "application/json"),
])
def test_malformed_bodies_are_4xx(world, school_desk, raw, content_type):
    response = school_desk.generic("POST", "/api/v1/tickets/", raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == PROBLEM


def test_wrong_content_type_is_415(world, school_desk):
    problem(school_desk.generic("POST", "/api/v1/tickets/", b"school=1", content_type="application/x-www-form-urlencoded"), 415)


def test_oversized_body_is_413(world, school_desk, settings):
    settings.API_MAX_JSON_BYTES = 1000
    payload = {"school": "0341255E", "title": "t", "description": "x" * 5000, "category": "usage"}
    problem(school_desk.post("/api/v1/tickets/", payload, format="json"), 413)
    assert not Ticket.objects.exists()


def test_errors_follow_accept_language(world, make_client):
    _c, fr = make_client(desk="n0-0341255E", lang="fr")
    body = problem(fr.post("/api/v1/tickets/", {}, format="json"), 400)
    assert "obligatoire" in json.dumps(body, ensure_ascii=False)
    fr.credentials(HTTP_AUTHORIZATION=fr._credentials["HTTP_AUTHORIZATION"], HTTP_ACCEPT_LANGUAGE="en")
    body = problem(fr.post("/api/v1/tickets/", {}, format="json"), 400)
    assert "This field is required." in json.dumps(body)


def test_unauthenticated_is_401_problem(world, client):
    response = client.get("/api/v1/tickets/")
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
