"""The columns kept for speed say the same as the rows they summarise: `Ticket.vendor` (what a
vendor reads) and `Ticket.sla_due_at` (the board's sort key, earliest running clock)."""

import pytest
from django.db.models import Min

from sla.services import publish_policy
from tickets import services
from tickets.models import Ticket
from tickets.selectors import desk_tickets, visible_to

pytestmark = pytest.mark.django_db
H = 3600


@pytest.fixture
def policy(world):
    return publish_policy(world.conventions["montpellier"], targets=[
        {"kind": "first_response", "seconds": 2 * H}, {"kind": "resolution", "seconds": 8 * H},
        {"kind": "level", "level": 0, "seconds": 4 * H}, {"kind": "level", "level": 1, "seconds": 6 * H},
    ])


def running_min(ticket):
    return ticket.sla_clocks.filter(state="running").aggregate(m=Min("due_at"))["m"]


def test_sla_due_at_follows_the_clocks_through_pause_resume_and_resolution(policy, at_n1, u):
    t = Ticket.objects.get(pk=at_n1.pk)
    assert t.sla_due_at is not None and t.sla_due_at == running_min(t)
    t = services.take(t, actor=u["erun"])
    t = services.request_info(t, actor=u["erun"], body="Quel navigateur ?")
    assert Ticket.objects.get(pk=t.pk).sla_due_at == running_min(t)  # legal/other clocks aside, paused ones drop out
    t = services.answer(t, actor=u["enseignant"], body="Firefox")
    t = Ticket.objects.get(pk=t.pk)
    assert t.sla_due_at is not None and t.sla_due_at == running_min(t)
    t = services.resolve(t, actor=u["erun"], summary="Cache vidé")
    assert Ticket.objects.get(pk=t.pk).sla_due_at is None


def test_vendor_column_is_set_on_first_vendor_desk_and_kept(at_vendor, u):
    assert at_vendor.vendor_id == at_vendor.desk.vendor_id is not None
    t = services.send_back(at_vendor, actor=u["editeur"], reason="Logs ?")
    assert Ticket.objects.get(pk=t.pk).vendor_id == at_vendor.vendor_id
    assert t.reference in {x.reference for x in visible_to(u["editeur"])}


@pytest.mark.parametrize("name", ["erun", "dsi", "editeur", "admin", "manager", "directeur"])
def test_desk_tickets_is_visible_to_at_that_desk(world, at_vendor, at_n1, open_mtp, u, name):
    open_mtp(category="security_incident", title="Fuite de données")
    for desk in world.desks.values():
        fast = set(desk_tickets(u[name], desk).values_list("pk", flat=True))
        assert fast == set(visible_to(u[name]).filter(desk=desk).values_list("pk", flat=True)), desk.slug
