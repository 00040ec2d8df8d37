"""Perimeter-scoped reads of the sla app: clocks, outages, availability reports."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sla import selectors
from sla.availability import declare_outage
from sla.models import Service
from sla.services import publish_policy
from tickets import services as ts

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def outages(world):
    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    admin, a = world.users["admin"], world.academies
    made = {
        "all": declare_outage(ent, actor=admin, started_at=paris(2025, 3, 3, 9), ended_at=paris(2025, 3, 3, 10)),
        "montpellier": declare_outage(ent, actor=admin, scope="academie", academie=a["montpellier"],
                                      started_at=paris(2025, 3, 4, 9), ended_at=paris(2025, 3, 4, 11)),
        "nancy": declare_outage(ent, actor=admin, scope="academie", academie=a["nancy"],
                                started_at=paris(2025, 3, 5, 9), ended_at=paris(2025, 3, 5, 17)),
        "metz_school": declare_outage(ent, actor=admin, scope="schools", schools=[world.schools["0570098X"]],
                                      started_at=paris(2025, 3, 6, 9), ended_at=paris(2025, 3, 6, 10)),
        "mtp_school": declare_outage(ent, actor=admin, scope="schools",
                                     schools=[world.schools["0341255E"], world.schools["0570098X"]],
                                     started_at=paris(2025, 3, 7, 9), ended_at=paris(2025, 3, 7, 10)),
    }
    return ent, made


def test_outages_in_the_perimeter_only(world, outages):
    _ent, o = outages
    mine = set(selectors.visible_outages(world.users["manager"]))
    assert mine == {o["all"], o["montpellier"], o["mtp_school"]}
    assert selectors.visible_outages(world.users["manager"]).count() == 3  # no duplicate through the M2M
    assert set(selectors.visible_outages(world.users["admin"])) == set(o.values())
    assert not selectors.visible_outages(None).exists()


def test_montpellier_manager_cannot_get_the_nancy_metz_report(world, outages):
    ent, _o = outages
    manager, a = world.users["manager"], world.academies
    with pytest.raises(PermissionDenied):
        selectors.availability_report_for(manager, ent, paris(2025, 3, 1), paris(2025, 4, 1), academie=a["nancy"])
    with pytest.raises(PermissionDenied):
        selectors.availability_report_for(manager, ent, paris(2025, 3, 1), paris(2025, 4, 1), school=world.schools["0570098X"])
    report = selectors.availability_report_for(manager, ent, paris(2025, 3, 1), paris(2025, 4, 1), academie=a["montpellier"])
    # school-minutes: 3 h for each Montpellier school, and 1 h more for the one listed by name
    assert report["scope"]["academie"] == "11"
    assert report["inside"]["unavailable_school_minutes"] == report["schools"] * 180 + 60
    # without a scope: the manager's only académie, never the national figure
    assert selectors.availability_report_for(manager, ent, paris(2025, 3, 1), paris(2025, 4, 1))["scope"]["academie"] == "11"
    national = selectors.availability_report_for(world.users["admin"], ent, paris(2025, 3, 1), paris(2025, 4, 1))
    assert national["scope"] == {"academie": None, "school": None, "convention": None}


def test_several_academies_must_choose(world, outages):
    ent, _o = outages
    from directory.models import Membership

    user = world.users["formateur"]
    Membership.objects.filter(user=user).delete()
    Membership.objects.create(user=user, role="manager", academie=world.academies["montpellier"])
    Membership.objects.create(user=user, role="manager", academie=world.academies["nice"])
    user = type(user).objects.get(pk=user.pk)  # fresh perimeter
    with pytest.raises(ValidationError) as exc:
        selectors.availability_report_for(user, ent, paris(2025, 3, 1), paris(2025, 4, 1))
    assert "academie" in exc.value.message_dict


def test_clocks_of_visible_tickets_only(world):
    publish_policy(world.conventions["montpellier"], targets=[{"kind": "resolution", "priority": "P3", "seconds": 3600}])
    t = ts.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title="ENT",
                       description="Lent", category="usage", impact=2, urgency=2)
    assert selectors.visible_clocks(world.users["manager"]).filter(ticket=t).exists()
    assert selectors.visible_clocks(world.users["enseignant"]).filter(ticket=t).exists()  # their own ticket
    assert not selectors.visible_clocks(world.users["editeur"]).filter(ticket=t).exists()  # level 0, not the vendor's yet
    assert not selectors.visible_clocks(None).exists()
