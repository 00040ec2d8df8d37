"""Live updates follow the pages' rule (issue 16, item 1): a desk's group is joined only if the
desk's board opens, and each message reaches a subscriber only if they may read its ticket —
security incidents included (only DPOs / competent authorities read those)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from directory.choices import Category, Role
from directory.models import Membership
from helpdesk.routing import websocket_urlpatterns
from tickets.models import Ticket
from tickets.outbox import live_message

from .test_pages import open_demo_ticket


def _ws(user, path):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


def _at(ticket, desk, **fields):
    Ticket.objects.filter(pk=ticket.pk).update(desk=desk, **fields)
    ticket.refresh_from_db()
    return ticket


def _demo():
    from directory.demo import build_demo_world

    return build_demo_world("x")


async def _refused(user, desk):
    communicator = _ws(user, f"/ws/desks/{desk.pk}/")
    connected, code = await communicator.connect()
    assert not connected and code == 4403, desk.slug


async def _hears_only(user, desk, hidden, shown):
    """`user` joins the desk's group; of the messages about `hidden` then `shown`, only the last
    arrives (ordered delivery: the first was dropped, not late)."""
    communicator = _ws(user, f"/ws/desks/{desk.pk}/")
    connected, _code = await communicator.connect()
    assert connected, desk.slug
    layer = get_channel_layer()
    for ticket in [*hidden, shown]:
        await layer.group_send(f"desk-{desk.pk}", live_message(ticket))
    message = await communicator.receive_json_from(timeout=2)
    assert message["reference"] == shown.reference
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
def test_teacher_joins_no_other_desk_and_hears_nothing_of_others_tickets_or_breaches():
    world = _demo()
    teacher = world.users["enseignant"]
    school = world.schools["0341255E"]
    colleague = type(teacher).objects.create_user(username="collegue", password="x")
    Membership.objects.create(user=colleague, role=Role.REQUESTER, school=school)
    own_desk = world.desks["n0-0341255E"]   # the only board a teacher's grant opens (their school's)
    other = open_demo_ticket(world, actor=colleague, title="Ticket d'un collègue")
    breach = open_demo_ticket(world, actor=colleague, title="Fuite de données", category=Category.SECURITY)
    own = open_demo_ticket(world, title="Mon ticket")
    for t in (other, breach, own):
        _at(t, own_desk)

    async def scenario():
        for slug in ("erun-lattes", "dsi-montpellier", "guichet-nancy", "ode", "kosmos-n1"):
            await _refused(teacher, world.desks[slug])
        await _hears_only(teacher, own_desk, hidden=[other, breach], shown=own)

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_formateur_and_manager_hear_no_breach():
    world = _demo()
    erun, dsi = world.desks["erun-lattes"], world.desks["dsi-montpellier"]
    # Both tickets reached the vendor: the formateur (observer) reads the plain one, not the breach.
    plain = _at(open_demo_ticket(world, title="Panne"), erun, reached_vendor=True)
    breach = _at(open_demo_ticket(world, title="Fuite", category=Category.SECURITY), erun, reached_vendor=True)

    async def scenario():
        await _refused(world.users["formateur"], dsi)
        await _hears_only(world.users["formateur"], erun, hidden=[breach], shown=plain)
        await database_sync_to_async(_at)(plain, dsi)
        await database_sync_to_async(_at)(breach, dsi)
        await _refused(world.users["manager"], erun)
        await _hears_only(world.users["manager"], dsi, hidden=[breach], shown=plain)
        # The DPO of the académie does read it.
        communicator = _ws(world.users["dpo"], f"/ws/desks/{dsi.pk}/")
        assert (await communicator.connect())[0]
        await get_channel_layer().group_send(f"desk-{dsi.pk}", live_message(breach))
        assert (await communicator.receive_json_from(timeout=2))["reference"] == breach.reference
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_consumers_of_one_process_share_one_check_per_message(monkeypatch):
    """Three tabs of the ERUN on the desk's board: one trip to the database thread for the
    message, one person checked, every tab hears it."""
    import web.consumers as consumers

    world = _demo()
    erun, teacher = world.users["erun"], world.users["enseignant"]  # the teacher only opens the ticket
    desk = world.desks["erun-lattes"]
    colleague = type(teacher).objects.create_user(username="collegue2", password="x")
    Membership.objects.create(user=colleague, role=Role.REQUESTER, school=world.schools["0341255E"])
    ticket = _at(open_demo_ticket(world, actor=colleague, title="Ticket au guichet de l'ERUN"), desk, level=1)
    calls = []
    checked = consumers.receivers_of
    monkeypatch.setattr(consumers, "receivers_of", lambda users, message: calls.append(len(users)) or checked(users, message))

    async def scenario():
        tabs = [_ws(erun, f"/ws/desks/{desk.pk}/") for _ in range(3)]
        for tab in tabs:
            assert (await tab.connect())[0]
        await get_channel_layer().group_send(f"desk-{desk.pk}", live_message(ticket))
        for tab in tabs:
            assert (await tab.receive_json_from(timeout=2))["reference"] == ticket.reference
        for tab in tabs:
            await tab.disconnect()

    async_to_sync(scenario)()
    assert calls == [1]  # one check, of one person, for three tabs
