from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sla.availability import availability_report, close_outage, declare_outage, ingest_alertmanager
from sla.models import Outage, Service

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent", name="Accès à l'ENT", alert_name="ent-access")


def test_overlapping_outages_counted_once_inside_and_outside(world, ent):
    # Tuesday 18 March 2025 (zone C, no holiday): 10:00–11:00 and 10:30–11:30 overlap → 1 h 30 inside
    declare_outage(ent, actor=world.users["manager"], started_at=paris(2025, 3, 18, 10), ended_at=paris(2025, 3, 18, 11), cause="Panne SSO")
    declare_outage(ent, started_at=paris(2025, 3, 18, 10, 30), ended_at=paris(2025, 3, 18, 11, 30))
    # 21:00–23:00: 1 h inside, 1 h outside
    declare_outage(ent, started_at=paris(2025, 3, 18, 21), ended_at=paris(2025, 3, 18, 23))
    r = availability_report(ent, paris(2025, 3, 17), paris(2025, 3, 24), academie=world.academies["montpellier"])
    assert r["inside"]["seconds"] == 5 * 14 * 3600
    assert r["inside"]["downtime_seconds"] == int(2.5 * 3600)
    assert r["outside"]["seconds"] == 7 * 86400 - 5 * 14 * 3600
    assert r["outside"]["downtime_seconds"] == 3600
    assert r["inside"]["availability"] == round(100 * (1 - 2.5 / 70), 4)
    assert r["inside"]["error_budget_minutes"] == round(70 * 60 * 0.003, 2)
    assert r["inside"]["remaining_budget_minutes"] == round(70 * 60 * 0.003 - 150, 2)
    assert [b["window"] for b in r["breaches"]] == ["inside"]  # outside: 1 h of 98 h = 98.98 % ≥ 97 %


def test_scope_academie_and_schools(world, ent):
    nice, mtp = world.academies["nice"], world.academies["montpellier"]
    school = world.schools["0341255E"]
    declare_outage(ent, scope="academie", academie=nice, started_at=paris(2025, 3, 18, 10), ended_at=paris(2025, 3, 18, 11))
    declare_outage(ent, scope="schools", schools=[school], started_at=paris(2025, 3, 19, 10), ended_at=paris(2025, 3, 19, 11))
    period = (paris(2025, 3, 17), paris(2025, 3, 24))
    assert availability_report(ent, *period, academie=mtp)["inside"]["downtime_seconds"] == 0
    assert availability_report(ent, *period, academie=nice)["inside"]["downtime_seconds"] == 3600
    assert availability_report(ent, *period, school=school)["inside"]["downtime_seconds"] == 3600
    assert availability_report(ent, *period)["downtime_seconds"] == 0


def test_school_holidays_are_outside_the_window(world, ent):
    # Montpellier (zone C) Toussaint 2025: an outage on Wednesday 22 Oct is outside the window
    declare_outage(ent, started_at=paris(2025, 10, 22, 10), ended_at=paris(2025, 10, 22, 12))
    r = availability_report(ent, paris(2025, 10, 1), paris(2025, 11, 1), academie=world.academies["montpellier"])
    assert r["inside"]["downtime_seconds"] == 0 and r["outside"]["downtime_seconds"] == 7200


def test_open_outage_runs_until_now_and_manual_close(world, ent):
    o = declare_outage(ent, started_at=paris(2025, 3, 18, 10))
    r = availability_report(ent, paris(2025, 3, 17), paris(2025, 3, 24), now=paris(2025, 3, 18, 10, 30))
    assert r["inside"]["downtime_seconds"] == 1800
    close_outage(o, actor=world.users["manager"], ended_at=paris(2025, 3, 18, 10, 45))
    assert Outage.objects.get().ended_at == paris(2025, 3, 18, 10, 45)
    with pytest.raises(ValidationError):
        declare_outage(ent, scope="academie", started_at=paris(2025, 3, 18, 10))


def alert(status, fp="abc123", **labels):
    return {"version": "4", "status": status, "alerts": [{
        "status": status, "labels": {"alertname": "EntDown", "service": "ent-access", **labels},
        "annotations": {"summary": "ENT injoignable"}, "startsAt": "2025-03-18T09:00:00Z",
        "endsAt": "2025-03-18T09:20:00Z" if status == "resolved" else "0001-01-01T00:00:00Z", "fingerprint": fp,
    }]}


def test_alertmanager_firing_twice_opens_one_outage_and_resolved_closes_it(world, ent):
    first = ingest_alertmanager(alert("firing"))
    again = ingest_alertmanager(alert("firing"))
    assert len(first["opened"]) == 1 and again["opened"] == [] and again["unchanged"] == first["opened"]
    done = ingest_alertmanager(alert("resolved"))
    assert done["closed"] == first["opened"]
    o = Outage.objects.get()
    assert (o.started_at, o.ended_at, o.source, o.cause) == (paris(2025, 3, 18, 10), paris(2025, 3, 18, 10, 20), "alertmanager", "ENT injoignable")
    assert ingest_alertmanager(alert("resolved"))["closed"] == []  # delivered twice
    assert Outage.objects.count() == 1


def test_alertmanager_scope_and_bad_payloads(world, ent):
    ingest_alertmanager(alert("firing", fp="x1", academie="23"))
    assert Outage.objects.get(alert_fingerprint="x1").academie == world.academies["nice"]
    ingest_alertmanager(alert("firing", fp="x2", uai="0341255E"))
    assert list(Outage.objects.get(alert_fingerprint="x2").schools.values_list("uai", flat=True)) == ["0341255E"]
    assert ingest_alertmanager(alert("firing", fp="x3", service="unknown"))["ignored"]
    with pytest.raises(ValidationError, match="alerts"):
        ingest_alertmanager({"foo": 1})
    bad = alert("firing", fp="x4")
    bad["alerts"][0]["startsAt"] = "hier"
    with pytest.raises(ValidationError, match="startsAt"):
        ingest_alertmanager(bad)
