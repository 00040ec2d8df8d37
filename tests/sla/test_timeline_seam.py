"""SLA lines on the ticket's timeline: known kinds labelled in French, and they never move the
ticket's version (an If-Match read before a warning stays valid)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.clocks import raise_due_events
from sla.models import Clock, ClockKind
from sla.services import publish_policy, record_legal_notice
from tickets import services as ts
from tickets.models import EventKind, Ticket, TicketEvent

PARIS = ZoneInfo("Europe/Paris")
H = 3600
pytestmark = pytest.mark.django_db
POLICY = [
    {"kind": "first_response", "priority": "P3", "seconds": 2 * H},
    {"kind": "resolution", "priority": "P3", "seconds": 8 * H},
]


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def ticket(world):
    publish_policy(world.conventions["montpellier"], targets=POLICY)
    with time_machine.travel(paris(2025, 3, 17, 9), tick=False):
        return ts.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title="Cahier de textes",
                              description="Il ne s'ouvre plus.", category="usage", impact=2, urgency=2)


def test_sla_kinds_are_timeline_choices_with_french_labels(world, ticket):
    raise_due_events(paris(2025, 3, 17, 10, 30))
    raise_due_events(paris(2025, 3, 17, 11, 0, 1))
    lines = list(TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_").order_by("id"))
    assert [e.kind for e in lines] == [EventKind.SLA_WARNING, EventKind.SLA_BREACH]
    assert [e.get_kind_display() for e in lines] == ["Alerte de délai (SLA)", "Délai dépassé (SLA)"]
    valid = {value for value, _label in TicketEvent._meta.get_field("kind").choices}
    for line in lines:
        line.full_clean()  # the stored kind is one of the field's choices
    assert {"sla_warning", "sla_breach", "legal_notice"} <= valid


def test_sla_warning_and_breach_do_not_bump_the_version(world, ticket):
    version, updated_at = ticket.version, Ticket.objects.get(pk=ticket.pk).updated_at
    assert raise_due_events(paris(2025, 3, 17, 10, 30))["warning"] == 1
    assert raise_due_events(paris(2025, 3, 17, 11, 0, 1))["breach"] == 1
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.updated_at) == (version, updated_at)
    lines = TicketEvent.objects.filter(ticket=ticket, kind__in=["sla_warning", "sla_breach"])
    assert set(lines.values_list("version", flat=True)) == {version}  # written at the current version
    # the next change of the ticket takes the next version, with the same If-Match as before
    with time_machine.travel(paris(2025, 3, 17, 11, 5), tick=False):
        t = ts.take(ticket, actor=world.users["directeur"], expected_version=version)
    assert t.version == version + 1


def test_legal_notice_does_not_bump_the_version_and_is_labelled(world):
    with time_machine.travel(paris(2025, 3, 14, 21), tick=False):
        t = ts.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title="Fuite",
                           description="Des données ont fuité.", category="security_incident", impact=2, urgency=2)
    notice = Clock.objects.get(ticket=t, kind=ClockKind.BREACH_NOTICE)
    record_legal_notice(notice, actor=world.users["dpo"], at=paris(2025, 3, 15, 10), recipient="Commune")
    line = TicketEvent.objects.get(ticket=t, kind="legal_notice")
    assert line.get_kind_display() == "Notification légale enregistrée"
    assert Ticket.objects.get(pk=t.pk).version == t.version == line.version


def test_ticket_page_shows_sla_lines_in_french(world, ticket, login):
    raise_due_events(paris(2025, 3, 17, 10, 30))
    page = login("manager").get(f"/demandes/{ticket.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alerte de délai (SLA)" in html and "sla_warning" not in html
    assert "Alerte SLA — Première réponse" in html  # the line's message: which target, due when
