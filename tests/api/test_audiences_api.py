"""The three audiences through the API and webhooks: a vendor's client reads the chain's entries
and the public ones of a ticket it received, never an organisation-only note of the académie —
neither in the comments, the events nor a webhook (tickets.access.entries_q)."""

import pytest

from api.models import WebhookDelivery
from tickets import services
from tickets.models import Comment

from .factories import vendor_ticket
from .test_webhooks import run_outbox, subscribe

pytestmark = pytest.mark.django_db

ORG_NOTE = "Enseignant peu à l'aise (note de l'académie)"
CHAIN_NOTE = "Reproduit sur deux postes"


@pytest.fixture
def noted(world):
    ticket = vendor_ticket(world)
    erun = world.users["erun"]  # the desk that escalated keeps writing
    ticket = services.comment(ticket, actor=erun, body=ORG_NOTE, visibility="organisation")
    return services.comment(ticket, actor=erun, body=CHAIN_NOTE, visibility="chain")


def test_the_vendors_client_reads_the_chain_note_never_the_organisation_note(noted, make_client):
    _c, ode = make_client(vendor="ode")
    comments = ode.get(f"/api/v1/tickets/{noted.reference}/comments/").json()
    bodies = {c["body"]: c for c in comments}
    assert CHAIN_NOTE in bodies and ORG_NOTE not in bodies
    assert bodies[CHAIN_NOTE]["visibility"] == "chain" and bodies[CHAIN_NOTE]["public"] is False
    events = ode.get(f"/api/v1/tickets/{noted.reference}/events/").json()
    assert ORG_NOTE not in str(events) and CHAIN_NOTE in str(events)
    assert Comment.objects.filter(body=ORG_NOTE).exists()


def test_an_academie_client_reads_the_organisation_note_with_its_audience(noted, make_client):
    _c, dsi = make_client(desk="dsi-montpellier")
    bodies = {c["body"]: c for c in dsi.get(f"/api/v1/tickets/{noted.reference}/comments/").json()}
    assert bodies[ORG_NOTE]["visibility"] == "organisation" and bodies[ORG_NOTE]["organisation"]


def test_no_webhook_carries_the_organisation_note_to_the_vendor(world, make_client):
    _c, ode = make_client(vendor="ode")
    subscribe(ode, events=("ticket.commented",))
    ticket = vendor_ticket(world)
    services.comment(ticket, actor=world.users["erun"], body=ORG_NOTE, visibility="organisation")
    services.comment(ticket, actor=world.users["erun"], body=CHAIN_NOTE, visibility="chain")
    run_outbox()
    payloads = [str(d.payload) for d in WebhookDelivery.objects.all()]
    assert len(payloads) == 1 and CHAIN_NOTE in payloads[0]  # the chain note only
    assert not any(ORG_NOTE in p for p in payloads)
