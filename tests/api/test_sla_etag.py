"""An SLA warning or breach between a GET and a write does not make the client's If-Match stale."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.clocks import raise_due_events
from sla.services import publish_policy
from tickets.models import TicketEvent

from .factories import vendor_ticket

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def test_sla_warning_between_get_and_transition_keeps_the_etag(world, make_client):
    ode = make_client(vendor="ode")[1]
    publish_policy(world.conventions["montpellier"], targets=[
        {"kind": "first_response", "priority": "P3", "seconds": 7200},
        {"kind": "resolution", "priority": "P3", "seconds": 8 * 3600},
    ])
    with time_machine.travel(datetime(2025, 3, 17, 9, tzinfo=PARIS), tick=False):
        ticket = vendor_ticket(world)
    url = f"/api/v1/tickets/{ticket.reference}/"
    etag = ode.get(url)["ETag"]
    assert raise_due_events(datetime(2025, 3, 17, 10, 30, tzinfo=PARIS))["warning"] == 1
    assert raise_due_events(datetime(2025, 3, 17, 17, 0, 1, tzinfo=PARIS))["breach"] >= 1
    assert TicketEvent.objects.filter(ticket=ticket, kind__in=["sla_warning", "sla_breach"]).count() >= 2
    assert ode.get(url)["ETag"] == etag
    response = ode.post(url + "transitions/resolve/", {"summary": "Corrigé"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "resolved"
