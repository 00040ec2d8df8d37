"""What the API promises besides its happy paths (issue 16 item 9): filters and ordering named in a
400, JSON types taken as they are, errors in the client's language, guard failures field by field,
and an OpenAPI description that states each operation's header, scope and nothing internal."""

import inspect

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.auth import HasScope
from api.schema import is_idempotent
from tickets import services

from .factories import QUALIFICATION, open_ticket, vendor_ticket

PROBLEM = "application/problem+json"


@pytest.fixture
def ode(make_client):
    return make_client(vendor="ode")[1]


@pytest.fixture
def school_desk(make_client):
    return make_client(desk="n0-0341255E")[1]


def url(ticket, suffix=""):
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def fields(body):
    return {e["field"] for e in body.get("errors", [])}


# --- a. ?school= ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0341255A", "nonsense", "03412555"])
def test_an_invalid_uai_in_the_school_filter_is_a_400_naming_it(world, ode, value):
    body = problem(ode.get("/api/v1/tickets/", {"school": value}), 400)
    assert fields(body) == {"school"}


def test_a_valid_uai_filters(world, ode):
    ticket = vendor_ticket(world)
    assert [t["reference"] for t in ode.get("/api/v1/tickets/", {"school": "0341255e"}).json()["results"]] == [ticket.reference]
    assert ode.get("/api/v1/tickets/", {"school": "0570098X"}).json()["results"] == []


# --- b. JSON types --------------------------------------------------------------------------------

CREATE = {"school": "0341255E", "title": "t", "description": "d", "category": "usage"}


@pytest.mark.parametrize("change, field", [
    ({"title": 123}, "title"),
    ({"description": True}, "description"),
    ({"school": 341255}, "school"),
    ({"contact": 612345678}, "contact"),
    ({"qualification": {"malfunction_proven": "yes"}}, "qualification.malfunction_proven"),
    ({"qualification": {"malfunction_proven": 1}}, "qualification.malfunction_proven"),
    ({"qualification": {"steps_to_reproduce": ["a"]}}, "qualification.steps_to_reproduce"),
    ({"qualification": {"users_affected": "12"}}, "qualification.users_affected"),
    ({"qualification": {"users_affected": True}}, "qualification.users_affected"),
])
def test_ticket_creation_refuses_wrong_json_types(world, school_desk, change, field):
    body = problem(school_desk.post("/api/v1/tickets/", {**CREATE, **change}, format="json"), 400)
    assert fields(body) == {field}


@pytest.mark.parametrize("path, payload, field", [
    ("comments/", {"body": 123}, "body"),
    ("comments/", {"body": "x", "internal": "yes"}, "internal"),
    ("comments/", {"body": "x", "internal": 0}, "internal"),
    ("transitions/comment/", {"body": 123}, "body"),
    ("transitions/comment/", {"body": "x", "internal": "true"}, "internal"),
    ("transitions/send_back/", {"reason": 1.5}, "reason"),
    ("transitions/resolve/", {"summary": {"a": 1}}, "summary"),
    ("transitions/route/", {"desk": 12, "reason": "r"}, "desk"),
    ("transitions/link_duplicate/", {"duplicate_of": 12}, "duplicate_of"),
    ("transitions/escalate/", {"reason": "r", "malfunction_proven": "yes"}, "malfunction_proven"),
])
def test_transition_and_comment_inputs_refuse_wrong_json_types(world, ode, path, payload, field):
    ticket = vendor_ticket(world)
    body = problem(ode.post(url(ticket, path), payload, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'), 400)
    assert fields(body) == {field}


def test_real_booleans_and_strings_still_pass(world, ode):
    ticket = vendor_ticket(world)
    response = ode.post(url(ticket, "comments/"), {"body": "x", "internal": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["public"] is False


def test_wrong_types_are_named_in_the_clients_language(world, make_client):
    _c, fr = make_client(vendor="ode", lang="fr")
    ticket = vendor_ticket(world)
    body = problem(fr.post(url(ticket, "comments/"), {"body": 1, "internal": "oui"}, format="json"), 400)
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {"body": "Une chaîne de caractères est attendue.", "internal": "true ou false attendu."}
    _c, en = make_client(vendor="ode", lang="en")
    body = problem(en.post(url(ticket, "comments/"), {"body": 1, "internal": "oui"}, format="json"), 400)
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {"body": "A string is expected.", "internal": "true or false expected."}


# --- c. ordering ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["colour", "-title", "priority,nope", "?"])
def test_an_unknown_ordering_is_a_400_listing_the_allowed_values(world, ode, value):
    body = problem(ode.get("/api/v1/tickets/", {"ordering": value}), 400)
    assert fields(body) == {"ordering"}
    message = body["errors"][0]["message"]
    assert all(name in message for name in ("updated_at", "created_at", "priority"))


def test_a_known_ordering_orders(world, ode):
    vendor_ticket(world)
    vendor_ticket(world, title="Autre")
    for value in ("priority", "-created_at", "updated_at,-priority"):
        assert ode.get("/api/v1/tickets/", {"ordering": value}).status_code == 200, value


# --- d. a null body in French ---------------------------------------------------------------------

def test_a_null_body_answers_in_the_clients_language(world, make_client):
    _c, fr = make_client(desk="n0-0341255E", lang="fr")
    body = problem(fr.generic("POST", "/api/v1/tickets/", b"null", content_type="application/json"), 400)
    assert body["title"] == "Requête invalide"
    assert body["errors"][0]["message"] == "Un objet JSON est attendu.", body
    _c, en = make_client(desk="n0-0341255E", lang="en")
    body = problem(en.generic("POST", "/api/v1/tickets/", b"null", content_type="application/json"), 400)
    assert body["errors"][0]["message"] == "A JSON object is expected.", body


# --- e. the escalation guard, field by field -------------------------------------------------------

def test_a_failed_qualification_guard_lists_the_missing_fields(world, make_client):
    ticket = services.escalate(open_ticket(world, uai="0570098X"), actor=world.users["admin"], reason="N0 → N1")
    _c, erun = make_client(desk="guichet-nancy", lang="fr")
    given = {"steps_to_reproduce": QUALIFICATION["steps_to_reproduce"], "malfunction_proven": True}
    body = problem(erun.post(url(ticket, "transitions/escalate/"), {"reason": "?", **given}, format="json",
                             HTTP_IF_MATCH=f'"{ticket.version}"'), 422)
    assert "Qualification incomplète" in body["detail"]  # the prose stays
    missing = {"expected_behaviour", "observed_behaviour", "users_affected", "first_seen_at", "browser_device"}
    assert fields(body) == missing
    assert all(e["message"] and e["code"] == "required" for e in body["errors"])


def test_other_guard_failures_have_no_field_errors(world, ode):
    ticket = vendor_ticket(world)
    ode.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"')
    ticket.refresh_from_db()
    body = problem(ode.post(url(ticket, "transitions/take/"), {}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'), 422)
    assert "errors" not in body


# --- f, g, h. the OpenAPI description ---------------------------------------------------------------

@pytest.fixture(scope="module")
def generated():
    """The schema, and each operation's view (the generator's own endpoint list)."""
    generator = SchemaGenerator(urlconf="tests.api.urls", api_version="v1")
    schema = generator.get_schema(request=None, public=True)
    views = {}
    for path, _pattern, method, view in generator._get_paths_and_endpoints():
        views[(path, method.lower())] = view
    return schema, views


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_idempotent_post_declares_the_idempotency_key_header(generated):
    schema, views = generated
    idempotent = [(p, m) for p, m, _o in _operations(schema) if is_idempotent(views[(p, m)], m)]
    # Those that lacked it, besides the tickets' own.
    assert {("/api/v1/outages/", "post"), ("/api/v1/outages/{id}/close/", "post"), ("/api/v1/webhooks/", "post"),
            ("/api/v1/webhooks/{id}/rotate-secret/", "post"), ("/api/v1/tickets/", "post"),
            ("/api/v1/tickets/{reference}/transitions/take/", "post")} <= set(idempotent)
    for path, method in idempotent:
        operation = schema["paths"][path][method]
        headers = [p for p in operation.get("parameters", ()) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(headers) == 1, (path, method)
        assert not headers[0].get("required") and headers[0]["description"]
    for path, method, operation in _operations(schema):
        if (path, method) not in idempotent:
            assert "Idempotency-Key" not in {p["name"] for p in operation.get("parameters", ())}, (path, method)


def test_every_operation_states_the_scope_it_needs(generated):
    schema, views = generated
    declared = set(schema["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"])
    for path, method, operation in _operations(schema):
        view = views[(path, method)]
        needed = HasScope.required(type("R", (), {"method": method.upper()}), view)
        assert operation["security"] == [{"oauth2": list(needed)}], (path, method)
        assert set(needed) <= declared
    assert schema["paths"]["/api/v1/tickets/"]["get"]["security"] == [{"oauth2": ["tickets:read"]}]
    assert schema["paths"]["/api/v1/tickets/"]["post"]["security"] == [{"oauth2": ["tickets:write"]}]
    assert schema["paths"]["/api/v1/outages/{id}/close/"]["post"]["security"] == [{"oauth2": ["outages:write"]}]


def _docstrings(view, method):
    """The docstrings of the operation's view, its classes and its method: notes for developers."""
    found = {inspect.getdoc(klass) for klass in type(view).__mro__} | {inspect.getdoc(getattr(view, method, None))}
    return {doc.splitlines()[0] for doc in found if doc}


def test_no_operation_description_comes_from_a_docstring(generated):
    schema, views = generated
    for path, method, operation in _operations(schema):
        text = operation.get("description", "") + operation.get("summary", "")
        for first_line in _docstrings(views[(path, method)], method):
            assert first_line not in text, (path, method, first_line)
        assert "`" not in text, (path, method)

