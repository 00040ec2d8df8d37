from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sla.availability import availability_report, close_outage, declare_outage, ingest_alertmanager
from directory.models import School
from sla.models import Outage, Service

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent", name="Accès à l'ENT", alert_name="ent-access")


def _minutes(r, window):
    """(school-minutes, unavailable school-minutes) per school of the report."""
    return r[window]["school_minutes"] / r["schools"], r[window]["unavailable_school_minutes"] / r["schools"]


def test_overlapping_outages_counted_once_inside_and_outside(world, ent):
    # Tuesday 18 March 2025 (zone C, no holiday): 10:00–11:00 and 10:30–11:30 overlap → 1 h 30 inside
    declare_outage(ent, actor=world.users["manager"], started_at=paris(2025, 3, 18, 10), ended_at=paris(2025, 3, 18, 11), cause="Panne SSO")
    declare_outage(ent, started_at=paris(2025, 3, 18, 10, 30), ended_at=paris(2025, 3, 18, 11, 30))
    # 21:00–23:00: 1 h inside, 1 h outside
    declare_outage(ent, started_at=paris(2025, 3, 18, 21), ended_at=paris(2025, 3, 18, 23))
    mtp = world.academies["montpellier"]
    r = availability_report(ent, paris(2025, 3, 17), paris(2025, 3, 24), academie=mtp)
    assert r["schools"] == School.objects.filter(academie=mtp).count() > 1
    assert _minutes(r, "inside") == (5 * 14 * 60, 150)
    assert _minutes(r, "outside") == (7 * 1440 - 5 * 14 * 60, 60)
    assert r["inside"]["availability"] == 96.4285  # 1 − 2.5 / 70, rounded down
    assert r["inside"]["remaining_budget_minutes"] == round(r["schools"] * (70 * 60 * 0.003 - 150), 2)
    assert [b["window"] for b in r["breaches"]] == ["inside"]  # outside: 1 h of 98 h = 98.98 % ≥ 97 %


def test_scope_academie_and_schools(world, ent):
    nice, mtp = world.academies["nice"], world.academies["montpellier"]
    school = world.schools["0341255E"]
    declare_outage(ent, scope="academie", academie=nice, started_at=paris(2025, 3, 18, 10), ended_at=paris(2025, 3, 18, 11))
    declare_outage(ent, scope="schools", schools=[school], started_at=paris(2025, 3, 19, 10), ended_at=paris(2025, 3, 19, 11))
    period = (paris(2025, 3, 17), paris(2025, 3, 24))
    assert _minutes(availability_report(ent, *period, academie=nice), "inside")[1] == 60
    assert _minutes(availability_report(ent, *period, school=school), "inside")[1] == 60
    # Montpellier as a whole: one of its schools down for an hour, counted for that school only.
    r = availability_report(ent, *period, academie=mtp)
    assert r["inside"]["unavailable_school_minutes"] == 60 and r["outages"] == 1


def test_school_holidays_are_outside_the_window(world, ent):
    # Montpellier (zone C) Toussaint 2025: an outage on Wednesday 22 Oct is outside the window
    declare_outage(ent, started_at=paris(2025, 10, 22, 10), ended_at=paris(2025, 10, 22, 12))
    r = availability_report(ent, paris(2025, 10, 1), paris(2025, 11, 1), academie=world.academies["montpellier"])
    assert _minutes(r, "inside")[1] == 0 and _minutes(r, "outside")[1] == 120


def test_open_outage_runs_until_now_and_manual_close(world, ent):
    o = declare_outage(ent, started_at=paris(2025, 3, 18, 10))
    r = availability_report(ent, paris(2025, 3, 17), paris(2025, 3, 24), academie=world.academies["montpellier"],
                            now=paris(2025, 3, 18, 10, 30))
    assert _minutes(r, "inside")[1] == 30 and r["partial"]
    close_outage(o, actor=world.users["manager"], ended_at=paris(2025, 3, 18, 10, 45))
    assert Outage.objects.get().ended_at == paris(2025, 3, 18, 10, 45)
    with pytest.raises(ValidationError):
        declare_outage(ent, scope="academie", started_at=paris(2025, 3, 18, 10))


def test_a_period_ending_before_it_starts_is_refused_by_name(world, ent):
    with pytest.raises(ValidationError) as refused:
        availability_report(ent, paris(2025, 3, 24), paris(2025, 3, 17))
    assert "end" in refused.value.message_dict


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
    ingest_alertmanager(alert("firing", fp="x5", collectivite="213 403 371 00015"))  # Villeneuve-lès-Maguelone's SIRET
    outage = Outage.objects.get(alert_fingerprint="x5")
    assert outage.scope == "collectivite" and outage.collectivite == world.schools["0341255E"].collectivite
    assert ingest_alertmanager(alert("firing", fp="x3", service="unknown"))["ignored"]
    with pytest.raises(ValidationError, match="alerts"):
        ingest_alertmanager({"foo": 1})
    bad = alert("firing", fp="x4")
    bad["alerts"][0]["startsAt"] = "hier"
    with pytest.raises(ValidationError, match="startsAt"):
        ingest_alertmanager(bad)
