"""The API's transition routes, inputs and OpenAPI operations are derived from the workflow table
(`tickets.workflow.TRANSITIONS`, rows with `api=True`): one route and one operation per row, with the
row's fields as input, no route without a row, and a missing required field named in French."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from api.ticket_serializers import TRANSITION_INPUTS, QualificationSerializer
from tickets.workflow import TRANSITIONS, Input

from .factories import vendor_ticket

API_ROWS = [row for row in TRANSITIONS if row.api]
PREFIX = "/api/v1/tickets/{reference}/transitions/"


def _arguments(row) -> set[str]:
    names = set()
    for field in row.fields:
        names |= set(QualificationSerializer().fields) if field.kind == Input.QUALIFICATION else {field.name}
    return names


def _required(row) -> set[str]:
    return {f.name for f in row.fields if f.required and f.kind not in (Input.BOOL, Input.QUALIFICATION)}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(urlconf="tests.api.urls", api_version="v1").get_schema(request=None, public=True)


def _route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver("tests.api.urls")
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _route_names(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_api_row_has_a_route_and_no_route_lacks_a_row():
    routes = {name.removeprefix("api:ticket-transition-") for name in _route_names()
              if name.startswith("api:ticket-transition-")}
    assert routes == {row.name for row in API_ROWS}
    assert set(TRANSITION_INPUTS) == {row.name for row in API_ROWS}
    # The rows the API does not offer (the platform's auto-close, the fields set by PATCH…) have none.
    assert not routes & {row.name for row in TRANSITIONS if not row.api}


def test_every_api_row_has_an_operation_with_its_generated_input(schema):
    paths = {p.removeprefix(PREFIX).rstrip("/") for p in schema["paths"] if p.startswith(PREFIX) and p != PREFIX}
    assert paths == {row.name for row in API_ROWS}
    components = schema["components"]["schemas"]
    for row in API_ROWS:
        operation = schema["paths"][f"{PREFIX}{row.name}/"]["post"]
        assert operation["operationId"] == f"tickets_transition_{row.name}"
        assert operation["summary"] == str(row.label)
        assert str(row.done) in operation["description"]
        if not row.fields:
            assert "requestBody" not in operation or not operation["requestBody"]["content"]["application/json"]["schema"].get("properties")
            continue
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = "".join(part.title() for part in row.name.split("_")) + "TransitionInput"
        assert ref == f"#/components/schemas/{name}Request", row.name
        component = components[f"{name}Request"]
        assert set(component["properties"]) == _arguments(row), row.name
        assert set(component.get("required", ())) == _required(row), row.name
        for prop in component["properties"].values():
            assert prop.get("description"), row.name  # every input explained (in French)


def test_the_documented_field_names_are_the_tables(schema):
    """docs/api.md lists each transition's fields: the clients' names did not change."""
    documented = {
        "take": set(), "comment": {"body", "internal", "visibility"}, "request_info": {"body"}, "answer": {"body"},
        "route": {"desk", "reason"}, "escalate": {"reason"} | set(QualificationSerializer().fields),
        "send_back": {"reason"}, "resolve": {"summary"}, "confirm": {"body"}, "reopen": {"reason"},
        "cancel": {"reason", "duplicate_of"}, "link_duplicate": {"duplicate_of", "reason"}, "set_parent": {"parent"},
        "forward_external": {"to", "message"},
    }
    assert {name: set(serializer().fields) for name, serializer in TRANSITION_INPUTS.items()} == documented


@pytest.mark.django_db
@pytest.mark.parametrize("row", [r for r in API_ROWS if _required(r)], ids=lambda r: r.name)
def test_a_missing_required_field_is_a_400_naming_it_in_french(world, make_client, row):
    _c, http = make_client(vendor="ode", lang="fr")
    ticket = vendor_ticket(world)
    response = http.post(f"/api/v1/tickets/{ticket.reference}/transitions/{row.name}/", {}, format="json",
                         HTTP_IF_MATCH=f'"{ticket.version}"')
    assert response.status_code == 400, response.content
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == _required(row)
    assert all(message == "Ce champ est obligatoire." for message in errors.values()), errors


@pytest.mark.django_db
def test_an_unknown_desk_is_a_400_naming_the_field(world, make_client):
    _c, http = make_client(vendor="ode", lang="fr")
    ticket = vendor_ticket(world)
    response = http.post(f"/api/v1/tickets/{ticket.reference}/transitions/route/",
                         {"desk": "guichet-inexistant", "reason": "Mauvais guichet"}, format="json",
                         HTTP_IF_MATCH=f'"{ticket.version}"')
    assert response.status_code == 400, response.content
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [("desk", "Guichet inconnu.")]


@pytest.mark.django_db
@pytest.mark.parametrize("desk", ["99999999999999999999", "²", "999999"])
def test_a_desk_id_out_of_range_or_not_ascii_is_unknown_not_an_error(world, make_client, desk):
    _c, http = make_client(vendor="ode", lang="fr")
    ticket = vendor_ticket(world)
    response = http.post(f"/api/v1/tickets/{ticket.reference}/transitions/route/", {"desk": desk, "reason": "Ailleurs"},
                         format="json", HTTP_IF_MATCH=f'"{ticket.version}"')
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["desk"]
