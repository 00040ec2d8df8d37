"""`seed_demo` (the quick start's demo data): a world with people, tickets at every stage, the ENT
services and a fictional year of history (outages, tickets, a breach, a data-subject request)."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from directory.models import User
from privacy.models import BreachStep, DataSubjectRequest
from sla import rollup
from sla.calendar import PARIS
from sla.models import Clock, ClockEvent, ClockKind, Outage, Service
from sla.selectors import availability_report_for
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=PARIS)


def months_before(day, n=12):
    first, out = day.replace(day=1), []
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return out


def test_seed_demo_builds_the_world_its_tickets_and_a_year_of_history(settings, capsys):
    settings.PRODUCTION = False  # the embedded profile of `make run`, whichever profile the suite runs in
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    out = capsys.readouterr().out
    assert "8 demandes du jour" in out and "historique fictif" in out
    # every account one can sign in with, the evolution bodies' ones included (the IEN of Antibes)
    logins = out.split("Comptes de démonstration (")[1].split(")")[0].split(", ")
    assert {"enseignant", "erun", "manager", "editeur", "admin", "ien", "representant-usagers"} <= set(logins)
    states = set(Ticket.objects.values_list("state", flat=True))
    assert {State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER, State.RESOLVED, State.CLOSED} <= states
    assert Ticket.objects.filter(level=3, reached_vendor=True).exists()  # one reached the vendor, qualified
    assert rollup.stored() == rollup.compute()  # the dashboard's daily counts match the tickets

    # The ENT services, and twelve months of tickets at every level, targets met and missed.
    assert {"authentification", "ent", "messagerie", "cahier-de-textes", "vie-scolaire", "mediacentre-gar"} <= set(
        Service.objects.values_list("slug", flat=True))
    created = Ticket.objects.values_list("created_at", flat=True)
    assert min(created) < NOW - timedelta(days=330)
    assert {0, 1, 2, 3} <= set(Ticket.objects.filter(state=State.CLOSED).values_list("level", flat=True))
    ticket_clocks = Clock.objects.filter(kind__in=[ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.LEVEL])
    assert ticket_clocks.filter(met_within_target=True).exists() and ticket_clocks.filter(met_within_target=False).exists()
    assert ClockEvent.objects.filter(kind="breach").exists()
    assert "(fictif)" in Ticket.objects.filter(created_at__lt=NOW - timedelta(days=30)).first().title
    # A security incident whose steps the DPO recorded (48 h met, CNIL 72 h late), and a parent's
    # request to the commune forwarded to the Rectrice the convention names, answered in the month.
    steps = {s.kind: s for s in BreachStep.objects.select_related("clock")}
    assert set(steps) == {"other_party", "cnil"}
    assert steps["other_party"].clock.met_within_target is True and steps["cnil"].clock.met_within_target is False
    req = DataSubjectRequest.objects.get()
    assert req.misdirected and req.competent == ["academie"] and "article 8" in req.convention.dsr_source
    assert req.forward_clock is None  # the Occitanie convention sets no forwarding delay
    assert [s.kind for s in req.steps.order_by("at")] == ["forwarded", "answered"]
    assert req.answer_clock.met_within_target is True

    # Availability as the manager's dashboard reads it: one month of the year below 99.7 %.
    manager = User.objects.get(username="manager")
    assert Outage.objects.filter(started_at__lt=NOW - timedelta(days=300)).exists()
    inside, outside = {}, {}
    for month in months_before(date(2026, 12, 1)):
        start = datetime.combine(month, datetime.min.time(), PARIS)
        end = datetime.combine((month + timedelta(days=32)).replace(day=1), datetime.min.time(), PARIS)
        for service in Service.objects.all():
            r = availability_report_for(manager, service, start, end, now=NOW)
            assert r["scope"]["academie"] == "11"  # the manager's académie, Montpellier
            inside[month, service.slug] = r["inside"]["availability"]
            outside[month, service.slug] = r["outside"]["availability"]
    below = {key for key, value in inside.items() if value < 99.7}
    assert (date(2026, 11, 1), "authentification") in below
    assert {month for month, _slug in below} == {date(2026, 11, 1)}
    assert any(value < 97 for value in outside.values())  # and one below 97 % outside the window

    count = Ticket.objects.count()
    call_command("seed_demo", "--if-empty")  # the second `make run` leaves it as it is
    assert Ticket.objects.count() == count


def test_seed_demo_refuses_in_the_production_profile(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
