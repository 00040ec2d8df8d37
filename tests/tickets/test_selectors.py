"""Who sees which tickets, and lists cost a constant number of queries."""

import pytest
from django.contrib.auth.models import AnonymousUser

from directory.choices import Category
from tickets import services
from tickets.models import Ticket
from tickets.selectors import actionable_by, ticket_for, visible_to

from .conftest import QUALIF

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(world, ge, at_vendor, open_mtp, u):
    """Montpellier: one ticket at the vendor (ODE), one at the school; Grand Est: one at Kosmos N2."""
    at_school = open_mtp(actor=u["directeur"], title="Question")
    ge_ticket = services.open_ticket(actor=u["prof_ge"], school=world.schools["0570098X"], title="GE",
                                     description="x", category=Category.MALFUNCTION, impact=2, urgency=2)
    ge_ticket = services.escalate(ge_ticket, actor=u["n0_ge"])
    ge_ticket = services.escalate(ge_ticket, actor=u["guichet"], malfunction_proven=True, **QUALIF)
    return {"vendor": at_vendor, "school": at_school, "ge": ge_ticket}


def refs(qs):
    return {t.reference for t in qs}


def test_visibility_by_role(tickets, u):
    v, s, g = tickets["vendor"].reference, tickets["school"].reference, tickets["ge"].reference
    assert refs(visible_to(u["enseignant"])) == {v}  # own tickets only
    assert refs(visible_to(u["directeur"])) == {v, s}  # the school's tickets
    assert refs(visible_to(u["erun"])) == {v, s}  # the circonscription
    assert refs(visible_to(u["manager"])) == {v, s}
    assert refs(visible_to(u["formateur"])) == {v}  # vendor-level tickets of the area only
    assert refs(visible_to(u["editeur"])) == {v}  # ODE: what reached its desks, never Kosmos'
    assert refs(visible_to(u["kosmos2"])) == {g}
    assert refs(visible_to(u["guichet"])) == {g}
    assert refs(visible_to(u["admin"])) == {v, s, g}
    assert refs(visible_to(AnonymousUser())) == set()


def test_vendor_keeps_seeing_a_ticket_it_sent_back(tickets, u):
    t = services.send_back(tickets["vendor"], actor=u["editeur"], reason="Logs ?")
    assert t.desk.vendor_id is None
    assert t.reference in refs(visible_to(u["editeur"]))
    assert t.reference not in refs(visible_to(u["kosmos3"]))


def test_actionable_is_the_work_queue(tickets, u):
    assert refs(actionable_by(u["editeur"])) == {tickets["vendor"].reference}
    assert refs(actionable_by(u["directeur"])) == {tickets["school"].reference}
    assert refs(actionable_by(u["erun"])) == set()
    t = services.request_info(tickets["vendor"], actor=u["editeur"], body="Capture ?")
    assert refs(actionable_by(u["enseignant"])) == {t.reference}  # awaiting the requester


def test_ticket_for_is_scoped(tickets, u):
    ref = tickets["ge"].reference
    assert ticket_for(u["guichet"], ref).pk == tickets["ge"].pk
    with pytest.raises(Ticket.DoesNotExist):
        ticket_for(u["erun"], ref)


@pytest.mark.parametrize("username", ["erun", "editeur", "formateur", "manager", "enseignant", "admin"])
def test_constant_number_of_queries_whatever_the_page_size(username, world, u, bouissinet, django_assert_num_queries):
    from tickets.models import TicketEvent  # noqa: F401

    for i in range(3):
        services.escalate(services.open_ticket(actor=u["enseignant"], school=bouissinet, title=f"T{i}", description="x",
                                               category=Category.USAGE, impact=3, urgency=3), actor=u["directeur"])

    def page(n):
        user = type(u[username]).objects.get(pk=u[username].pk)  # fresh: perimeter not cached
        rows = list(visible_to(user)[:n])
        for t in rows:
            (t.school.name, t.desk and t.desk.name, t.requester.username, t.assignee)
        rows = list(actionable_by(user)[:n])
        for t in rows:
            (t.school.name, t.desk and t.desk.name, t.requester.username, t.assignee)

    with django_assert_num_queries(4):
        page(1)
    for i in range(20):
        services.escalate(services.open_ticket(actor=u["enseignant"], school=bouissinet, title=f"U{i}", description="x",
                                               category=Category.USAGE, impact=3, urgency=3), actor=u["directeur"])
    with django_assert_num_queries(4):
        page(50)
