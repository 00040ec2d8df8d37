import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.routing import websocket_urlpatterns
from tickets import services
from tickets.models import Ticket

from .test_pages import at_erun, open_demo_ticket


@pytest.mark.django_db
def test_agent_ticket_page_shows_timeline_and_transition_buttons(client, world):
    ticket = at_erun(world)
    services.comment(ticket, actor=world.users["erun"], body="Vu avec la DSI", internal=True)
    client.force_login(world.users["erun"])
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "Prendre en charge" in html and "Transmettre au niveau supérieur" in html
    assert "Chaîne de support" in html and "Vu avec la DSI" in html  # an internal note: the support chain's
    # The requester sees the conversation without internal notes nor agent buttons.
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "Vu avec la DSI" not in html and "Prendre en charge" not in html


@pytest.mark.django_db
def test_request_info_then_requester_answers(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    client.post(reverse("web:ticket_action", args=[ticket.reference, "take"]), {"take-version": ticket.version + 0})
    ticket.refresh_from_db()
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "request_info"]),
                           {"request_info-body": "Quel navigateur ?", "request_info-version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "waiting_requester"
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "Quel navigateur ?" in html and "Répondre au support" in html
    client.post(reverse("web:ticket_message", args=[ticket.reference]), {"body": "Firefox 128", "version": ticket.version})
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"


@pytest.mark.django_db
def test_escalation_guard_is_explained(client, world):
    ticket = services.take(at_erun(world), actor=world.users["erun"])
    client.force_login(world.users["erun"])
    # Level 1 → 2 (DSI) then the DSI to the vendor without qualification: refused with the reason.
    ticket = services.escalate(ticket, actor=world.users["erun"], reason="Expertise")
    client.force_login(world.users["dsi"])
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "escalate"]),
                           {"escalate-version": ticket.version})
    html = response.content.decode()
    assert response.status_code in (400, 409)
    assert "Action refusée" in html and "Qualification incomplète" in html


@pytest.mark.django_db
def test_stale_version_reports_conflict(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "take"]), {"take-version": 1}, follow=True)
    assert "a été modifié entre-temps" in response.content.decode()


@pytest.mark.django_db
def test_ticket_outside_perimeter_is_404(client, world):
    ticket = open_demo_ticket(world)
    client.force_login(world.users["guichet"])
    assert client.get(reverse("web:ticket", args=[ticket.reference])).status_code == 404


@pytest.mark.django_db
def test_board_counts_filters_and_constant_queries(client, world):
    desk = world.desks["erun-lattes"]
    client.force_login(world.users["erun"])
    at_erun(world, title="Premier")
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("web:board", args=[desk.slug])).content.decode()
    assert "Premier" in html
    for i in range(15):
        at_erun(world, title=f"Lot {i}", urgency=3)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("web:board", args=[desk.slug])).content.decode()
    assert "Lot 14" in html and "<strong>16</strong>" in html
    assert len(many) == len(few)
    # Filter by priority through htmx returns only the results fragment.
    response = client.get(reverse("web:board", args=[desk.slug]), {"priorite": 1}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "<html" not in fragment and "Lot 3" not in fragment


@pytest.mark.django_db
def test_board_of_another_desk_is_404(client, world):
    client.force_login(world.users["erun"])
    assert client.get(reverse("web:board", args=[world.desks["guichet-nancy"].slug])).status_code == 404


def _ws(user, path):
    router = URLRouter(websocket_urlpatterns)
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
def test_board_websocket_checks_perimeter_and_relays():
    from directory.demo import build_demo_world

    world = build_demo_world("x")
    desk = world.desks["erun-lattes"]

    async def scenario():
        outsider = _ws(world.users["guichet"], f"/ws/desks/{desk.pk}/")
        connected, code = await outsider.connect()
        assert not connected and code == 4403
        anonymous = _ws(AnonymousUser(), f"/ws/desks/{desk.pk}/")
        connected, code = await anonymous.connect()
        assert not connected and code == 4401
        agent = _ws(world.users["erun"], f"/ws/desks/{desk.pk}/")
        connected, _ = await agent.connect()
        assert connected
        await get_channel_layer().group_send(f"desk-{desk.pk}", {
            "type": "ticket.changed", "reference": "ENT-2026-000001", "state": "new", "level": 1,
            "desk": desk.pk, "version": 2,
        })
        message = await agent.receive_json_from(timeout=2)
        assert message["reference"] == "ENT-2026-000001" and message["event"] == "ticket.changed"
        await agent.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_outage_declared_and_closed_by_level_one_agent(client, world):
    from sla.models import Outage, Service

    service = Service.objects.get_or_create(slug="ent", defaults={"name": "Accès à l'ENT"})[0]
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:outages"), {
        "service": service.pk, "scope": "academie", "academie": world.academies["montpellier"].pk,
        "started_at": "2026-03-02T08:00", "cause": "Panne d'authentification",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    outage = Outage.objects.get(cause="Panne d'authentification")
    html = client.get(reverse("web:report_similar"), {"school": world.schools["0341255E"].pk}).content.decode()
    client.force_login(world.users["enseignant"])
    html = client.get(reverse("web:report_similar"), {"school": world.schools["0341255E"].pk}).content.decode()
    assert "Interruption de service en cours" in html
    client.force_login(world.users["erun"])
    client.post(reverse("web:outage_close", args=[outage.pk]))
    outage.refresh_from_db()
    assert outage.ended_at is not None
    # A requester may not declare.
    client.force_login(world.users["enseignant"])
    assert client.get(reverse("web:outages")).status_code == 403


@pytest.mark.django_db
def test_dashboard_tables_and_csv_export(client, world):
    from sla.models import Service

    Service.objects.get_or_create(slug="ent", defaults={"name": "Accès à l'ENT"})
    at_erun(world)
    client.force_login(world.users["manager"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert "Disponibilité du mois par service et par convention" in html and "99,7\u00a0%" in html
    assert 'data-chart="bar"' in html and "table-categories" in html
    response = client.get(reverse("web:dashboard_csv", args=["categories"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "Dysfonctionnement;1" in response.content.decode("utf-8-sig")
    client.force_login(world.users["enseignant"])
    assert client.get(reverse("web:dashboard")).status_code == 403


@pytest.mark.django_db
def test_agent_ticket_page_asks_each_access_rule_and_the_matrix_once(client, world):
    """The page, its panels, its forms and its buttons ask the same questions of the same ticket:
    may this agent read it, as the support chain; the convention's matrix; the organisations of
    the agent's grants. Each is one query per request (there were 48 queries, 8 of them the access
    rule on this one ticket, 4 the matrix)."""
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    url = reverse("web:ticket", args=[ticket.reference])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    assert "Transmettre au niveau supérieur" in html
    sqls = [q["sql"] for q in ctx.captured_queries]
    one_ticket_checks = [s for s in sqls if s.startswith('SELECT 1 AS "a" FROM "tickets_ticket"')]
    assert len(one_ticket_checks) <= 3, one_ticket_checks  # the read rule, the chain's, the major-incident button's
    assert sum('FROM "directory_supportroute"' in s for s in sqls) == 1
    assert sum('FROM "directory_circonscription"' in s and '"academie_id"' in s and " IN (" in s for s in sqls) <= 1
    assert len(sqls) <= 32, len(sqls)


@pytest.mark.django_db
def test_a_ticket_changed_during_the_request_is_asked_again(world):
    """The memo of the access rule is per state of the ticket: once it moves to another desk
    (a new version), whether the same person still reads it as the chain is asked anew."""
    from tickets import access

    ticket = at_erun(world)
    agent = world.users["erun"]
    assert access.reads_chain(agent, ticket)
    with CaptureQueriesContext(connection) as again:
        assert access.reads_chain(agent, ticket)
    assert len(again) == 0
    ticket.version += 1  # what every service does on a change
    with CaptureQueriesContext(connection) as changed:
        access.reads_chain(agent, ticket)
    assert len(changed) == 1
