"""The manager dashboard's ticket figures: right numbers, inside the perimeter, constant queries."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.choices import Category, Role
from tickets import services

from ..tickets.conftest import make_user

pytestmark = pytest.mark.django_db


def table(client, slug, **params):
    body = client.get(f"/pilotage/export/{slug}.csv", params).content.decode("utf-8-sig")
    return [line.split(";") for line in body.strip().splitlines()[1:]]


def open_at(world, uai, *, requester="enseignant", category=Category.MALFUNCTION, service=""):
    return services.open_ticket(actor=world.users[requester], school=world.schools[uai], title="Panne", description="x",
                                category=category, service=service, impact=2, urgency=2)


@pytest.fixture
def activity(world):
    """Montpellier (the manager's académie): three tickets, one resolved at the school, one a
    personal-data breach; Nice (another académie): one ticket."""
    u = world.users
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        old = open_at(world, "0341255E", service="Messagerie")
    services.resolve(services.take(old, actor=u["directeur"]), actor=u["directeur"], summary="Réglé à l'école")
    open_at(world, "0341255E", service="Messagerie")
    open_at(world, "0341255E", category=Category.SECURITY)
    make_user(world, "prof_nice", Role.REQUESTER, school=world.schools["0061097K"])
    open_at(world, "0061097K", requester="prof_nice", category=Category.USAGE, service="Blog")
    return world


def test_figures_are_those_of_the_managers_perimeter(client, activity):
    client.force_login(activity.users["manager"])
    # Nice's ticket and the breach are not the Montpellier manager's to count.
    assert table(client, "categories") == [["Dysfonctionnement", "2"]]
    assert table(client, "services") == [["Messagerie", "2"]]
    assert table(client, "niveaux") == [["Résolues aux niveaux 0–1 sans l'éditeur", "1"],
                                        ["Résolues avec les niveaux 2–3 ou l'éditeur", "0"]]
    backlog = dict(table(client, "backlog"))
    assert backlog == {"ouvertes aujourd'hui": "1", "depuis 1 à 2 jours": "0", "depuis 3 à 6 jours": "0",
                       "depuis 7 à 29 jours": "0", "depuis 30 jours ou plus": "0"}
    weeks = table(client, "tendances")
    assert sum(int(opened) for _w, opened, _r in weeks) == 2 and sum(int(r) for _w, _o, r in weeks) == 1
    assert all(timezone.datetime.strptime(w, "%d/%m/%Y").weekday() == 0 for w, _o, _r in weeks)  # Mondays, French dates


def test_filters_and_period(client, activity):
    client.force_login(activity.users["manager"])
    erun = activity.desks["erun-lattes"].pk
    assert table(client, "categories", guichet=erun) == []
    school_desk = activity.desks["n0-0341255E"].pk
    assert table(client, "categories", guichet=school_desk) == [["Dysfonctionnement", "2"]]
    today = timezone.localdate()
    assert table(client, "categories", du=today.isoformat(), au=today.isoformat()) == [["Dysfonctionnement", "1"]]
    nice = activity.schools["0061097K"].academie_id  # outside the perimeter: nothing, not Nice's figures
    assert table(client, "categories", academie=nice) == []


def test_an_administrator_sees_everything(client, activity):
    client.force_login(activity.users["admin"])
    assert sorted(table(client, "categories")) == sorted([[str(Category.MALFUNCTION.label), "2"], [str(Category.SECURITY.label), "1"],
                                                          [str(Category.USAGE.label), "1"]])


def test_dashboard_queries_do_not_grow_with_tickets(client, activity):
    client.force_login(activity.users["manager"])
    client.get("/pilotage/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/pilotage/").status_code == 200
    for _ in range(5):
        open_at(activity, "0341255E", service="ENT")
    with CaptureQueriesContext(connection) as more:
        client.get("/pilotage/")
    assert len(more) == len(few)


def test_sla_compliance_counts_met_and_overdue_clocks(client, world):
    from sla.clocks import raise_due_events
    from sla.services import publish_policy

    u, h = world.users, 3600
    publish_policy(world.conventions["montpellier"], targets=[
        {"kind": "first_response", "seconds": 4 * h}, {"kind": "resolution", "seconds": 40 * h}])
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        answered = open_at(world, "0341255E")
        services.comment(services.take(answered, actor=u["directeur"]), actor=u["directeur"], body="Nous regardons.")
        open_at(world, "0341255E")  # nobody answers: both its clocks run past their due time
    raise_due_events()  # the sweep, every minute
    client.force_login(u["manager"])
    (row,) = table(client, "sla")
    assert row == ["Niveau 0 — école", world.desks["n0-0341255E"].name, "1", "3", "25,0\u00a0%"]


def test_availability_month_by_month_flags_the_month_under_target(client, world):
    """Twelve months in French; the month of a 3 h outage in the window is under 99,7 %, the others
    are not (and the current month says it is not over)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sla.availability import declare_outage
    from sla.models import OutageScope, Service

    service = Service.objects.create(slug="acces-ent", name="Accès à l'ENT")
    start = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Tuesday, term time (zone C)
    declare_outage(service, actor=world.users["erun"], started_at=start, ended_at=start + timedelta(hours=3),
                   scope=OutageScope.ACADEMIE, academie=world.academies["montpellier"], cause="Panne (test)")
    client.force_login(world.users["manager"])
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))):
        rows = table(client, "disponibilite-mois")
        page = client.get("/pilotage/").content.decode()
    assert [r[0] for r in rows][:2] == ["janvier 2026", "février 2026"] and rows[-1][0] == "décembre 2026 (en cours)"
    assert len(rows) == 12
    november = rows[-2]
    assert november[0] == "novembre 2026" and november[-1].startswith("Non — sous l'objectif de 99,7\xa0% dans la plage contractuelle")
    assert "Accès à l'ENT" in november[-1]
    assert all(r[-1] == "Oui" for r in rows if r is not november)
    assert "Disponibilité mois par mois (douze mois)" in page
