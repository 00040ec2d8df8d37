"""Bulk reads are journaled, one line per request: who, which list or export, its filters (free
text kept out, values capped), how many rows and which ticket references (capped) — for the API
ticket list, the pivot export, boards, the managers' CSV exports and the admin's ticket and user
lists. The references come from the page already built: no query per row."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.models import AccessEntry, Action, Interface, ObjectType
from journal.services import REFERENCES_KEPT, record_bulk_read
from tests.api.conftest import make_client  # noqa: F401 - fixture
from tests.api.factories import vendor_ticket
from tests.web.test_pages import at_erun


def bulk_lines(**filters):
    return list(AccessEntry.objects.filter(object_type=ObjectType.LIST, **filters).order_by("id"))


def test_api_ticket_list_is_one_line_with_rows_references_and_filters(client, world):
    tickets = [at_erun(world, title=f"Lot {i}") for i in range(3)]
    client.force_login(world.users["erun"])
    response = client.get("/api/v1/tickets/", {"page_size": 2, "level": 1})
    assert response.status_code == 200
    shown = [row["reference"] for row in response.json()["results"]]
    [line] = AccessEntry.objects.filter(actor=world.users["erun"])
    assert (line.object_type, line.object_label, line.action, line.interface) == (
        ObjectType.LIST, "api:tickets", Action.VIEW, Interface.API)
    assert line.rows == len(shown) == 2
    assert line.references == shown and set(shown) <= {t.reference for t in tickets}
    assert line.filters == {"page_size": "2", "level": "1"}


def test_api_ticket_list_journal_costs_no_query_per_row(client, world):
    client.force_login(world.users["erun"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/tickets/").status_code == 200
        return len(ctx.captured_queries)

    at_erun(world)
    few = count()
    for i in range(4):
        at_erun(world, title=f"Lot {i}")
    assert count() == few
    assert [line.rows for line in bulk_lines()] == [1, 5]


def test_pivot_export_list_is_journaled_as_an_export(world, make_client):  # noqa: F811
    tickets = [vendor_ticket(world, title=f"Export {i}") for i in range(2)]
    api_client, ode = make_client(vendor="ode")
    assert ode.get("/api/v1/pivot/tickets/?page_size=5").status_code == 200
    [line] = bulk_lines(object_label="api:pivot-tickets")
    assert line.action == Action.EXPORT and line.rows == 2
    assert sorted(line.references) == sorted(t.reference for t in tickets)
    assert line.detail.get("api_client")


def test_board_is_journaled_with_free_text_kept_out(client, world):
    ticket = at_erun(world, title="Imprimante")
    desk = world.desks["erun-lattes"]
    client.force_login(world.users["erun"])
    response = client.get(reverse("web:board", args=[desk.slug]), {"q": "Mme Dupont 06 12 34 56 78", "tri": "age"})
    assert response.status_code == 200
    assert client.get(reverse("web:board", args=[desk.slug])).status_code == 200
    first, second = bulk_lines(actor=world.users["erun"])
    assert first.object_label == f"web:board {desk.slug}"
    assert first.filters["tri"] == "age" and "Dupont" not in str(first.filters)
    assert first.filters["q"] == "<texte libre : 25 caractères>"
    assert second.references == [ticket.reference] and second.rows == 1


def test_dashboard_csv_export_is_journaled_as_an_export(client, world):
    at_erun(world)
    client.force_login(world.users["manager"])
    response = client.get(reverse("web:dashboard_csv", args=["categories"]), {"debut": "2026-01-01"})
    assert response.status_code == 200
    [line] = bulk_lines(actor=world.users["manager"])
    assert (line.action, line.object_label) == (Action.EXPORT, "web:dashboard_csv categories")
    assert line.rows >= 1 and line.filters == {"debut": "2026-01-01"}


def test_admin_ticket_and_user_changelists_are_journaled(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["admin"])
    assert client.get(reverse("admin:tickets_ticket_changelist"), {"q": ticket.reference}).status_code == 200
    assert client.get(reverse("admin:directory_user_changelist")).status_code == 200
    tickets_line, users_line = bulk_lines(actor=world.users["admin"])
    assert tickets_line.interface == Interface.ADMIN and tickets_line.object_label == "admin:tickets_ticket_changelist"
    assert ticket.reference in tickets_line.references and tickets_line.rows == len(tickets_line.references)
    assert tickets_line.filters == {"q": f"<texte libre : {len(ticket.reference)} caractères>"}
    assert users_line.rows >= 10 and str(world.users["enseignant"].pk) in users_line.references


@pytest.mark.django_db
def test_references_and_filters_are_capped():
    request = RequestFactory().get("/api/v1/tickets/", {"state": "x" * 500, **{f"p{i}": i for i in range(50)}})
    request.user = None
    line = record_bulk_read(request, "api:tickets", rows=250, references=[f"ENT-{i}" for i in range(250)])
    assert len(line.references) == REFERENCES_KEPT and line.detail["references_total"] == 250
    assert len(line.filters["state"]) == 64 and len(line.filters) <= 30
    assert request._journal_recorded


def test_dpo_search_by_reference_finds_the_lists_that_showed_the_ticket(client, world):
    from journal.selectors import search

    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    client.get(reverse("web:board", args=[world.desks["erun-lattes"].slug]))
    found = search(AccessEntry.objects.all(), {"q": ticket.reference})
    assert [line.object_label for line in found if line.object_type == ObjectType.LIST] == ["web:board erun-lattes"]
