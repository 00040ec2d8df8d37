"""The one access rule (tickets/access.py): a vendor reads a ticket iff it reached one of that
vendor's desks, the same answer on the board, the page, the API and the websocket."""

import base64

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import create_api_client
from directory.choices import Category, Role
from directory.models import SupportRoute
from directory.selectors import desks_for
from tickets import access, permissions, selectors, services
from tickets.models import Ticket, TicketVendorReach
from tickets.outbox import live_message
from web.consumers import may_follow_desk, may_follow_ticket, may_receive

from .conftest import make_user

pytestmark = pytest.mark.django_db


def _api(vendor):
    cache.clear()  # the throttle's counters
    client, secret = create_api_client(vendor=vendor, scopes="tickets:read")
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = APIClient().post("/api/v1/oauth/token/", {"grant_type": "client_credentials"},
                             HTTP_AUTHORIZATION=f"Basic {basic}").json()["access_token"]
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return http


@pytest.fixture
def two_vendor_chain(world):
    """The Montpellier matrix names, at level 3, ODE's desk and (for network faults) Kosmos's one:
    a ticket can be routed from one vendor's desk to the other's inside its own chain."""
    SupportRoute.objects.create(convention=world.conventions["montpellier"], level=3, category=Category.NETWORK,
                                desk=world.desks["kosmos-n3"])
    return world


def test_a_ticket_routed_from_one_vendor_to_another_is_read_by_both(two_vendor_chain, at_vendor, u):
    world = two_vendor_chain
    kosmos3 = make_user(world, "kosmos3", Role.AGENT, desk=world.desks["kosmos-n3"])
    assert at_vendor.desk == world.desks["ode"]
    t = services.take(at_vendor, actor=u["editeur"])
    t = services.route(t, actor=u["editeur"], desk=world.desks["kosmos-n3"], reason="Le réseau relève de Kosmos")
    assert set(TicketVendorReach.objects.filter(ticket=t).values_list("vendor__slug", flat=True)) == {
        "open-digital-education", "kosmos"}

    board = world.desks["kosmos-n3"]
    assert desks_for(kosmos3).filter(pk=board.pk).exists() and may_follow_desk(kosmos3, board.pk)
    assert t.pk in set(selectors.desk_tickets(kosmos3, board).values_list("pk", flat=True))
    web = Client()
    web.force_login(kosmos3)
    assert web.get(reverse("web:ticket", args=[t.reference])).status_code == 200  # was 404
    assert access.can_view(kosmos3, t) and permissions.can_view(kosmos3, t) and may_follow_ticket(kosmos3, t.pk)
    assert may_receive(kosmos3, live_message(t))
    listed = [row["reference"] for row in _api(world.vendors["kosmos"]).get("/api/v1/tickets/").json()["results"]]
    assert listed == [t.reference]

    # ODE, whose desk it reached first, still reads it; a vendor it never reached does not.
    assert access.can_view(u["editeur"], t)
    assert t.reference in [r["reference"] for r in _api(world.vendors["ode"]).get("/api/v1/tickets/").json()["results"]]


def test_a_vendor_never_reads_a_ticket_that_did_not_reach_it(world, open_mtp, at_vendor, u):
    kosmos3 = make_user(world, "kosmos3", Role.AGENT, desk=world.desks["kosmos-n3"])
    at_school = open_mtp(title="Encore à l'école")
    assert not access.can_view(kosmos3, at_vendor) and not access.can_view(u["editeur"], at_school)
    assert not selectors.visible_to(kosmos3).filter(pk__in=[at_vendor.pk, at_school.pk]).exists()
    assert list(selectors.visible_to(u["editeur"]).values_list("pk", flat=True)) == [at_vendor.pk]


def test_desk_messages_do_not_leak_a_ticket_the_member_cannot_read(world, open_mtp, u):
    """A breach at the académie's desk: the manager supervising that board hears nothing of it."""
    breach = open_mtp(category=Category.SECURITY, title="Fuite de données")
    breach = services.escalate(services.take(breach, actor=u["directeur"]), actor=u["directeur"], reason="Fuite")
    breach = services.escalate(services.take(breach, actor=u["erun"]), actor=u["erun"], reason="Fuite")
    assert breach.desk == world.desks["dsi-montpellier"]
    manager = u["manager"]
    assert may_follow_desk(manager, breach.desk_id)  # the manager supervises the school's desk
    assert not access.can_view(manager, breach) and not may_receive(manager, live_message(breach))
    assert may_receive(u["dpo"], live_message(breach))


def test_can_view_is_one_query(django_assert_num_queries, at_vendor, u):
    user = u["editeur"]
    access.visible_q(user)  # the perimeter (cached on the user)
    with django_assert_num_queries(1):
        assert access.can_view(user, at_vendor)


def test_backfill_reads_the_timeline(two_vendor_chain, at_vendor, u):
    from importlib import import_module

    from django.apps import apps

    world = two_vendor_chain
    t = services.take(at_vendor, actor=u["editeur"])
    services.route(t, actor=u["editeur"], desk=world.desks["kosmos-n3"], reason="Réseau")
    TicketVendorReach.objects.all().delete()
    import_module("tickets.migrations.0009_ticket_vendor_reach").backfill(apps, None)
    assert set(TicketVendorReach.objects.values_list("ticket_id", "vendor_id")) == {
        (t.pk, world.vendors["ode"].pk), (t.pk, world.vendors["kosmos"].pk)}
