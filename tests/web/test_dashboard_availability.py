"""The manager dashboard, as the users who reported it read it: availability in French formats
with its flag in words and colour, a spent budget said in words, one measure per chart axis with
colours that mean what they say, and every desk of the perimeter in the filter."""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import OutageScope, Service
from sla.outages import declare_outage

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def csv_rows(client, slug, **params):
    body = client.get(f"/pilotage/export/{slug}.csv", params).content.decode("utf-8-sig")
    return [line.split(";") for line in body.strip().splitlines()]


@pytest.fixture
def ent(world):
    return Service.objects.create(slug="acces-ent", name="Accès à l'ENT")


def test_a_three_hour_academie_outage_is_flagged_with_its_budget_exceeded_in_words(client, world, ent):
    start = datetime(2026, 11, 10, 9, tzinfo=PARIS)  # Tuesday, term time in zone C
    declare_outage(ent, actor=world.users["erun"], started_at=start, ended_at=start + timedelta(hours=3),
                   scope=OutageScope.ACADEMIE, academie=world.academies["montpellier"])
    client.force_login(world.users["manager"])
    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=PARIS)):
        header, *rows = csv_rows(client, "disponibilite", au="2026-11-30")
        page = client.get("/pilotage/", {"au": "2026-11-30"}).content.decode()
    whole = next(r for r in rows if r[0] == "Tout le périmètre")
    assert re.fullmatch(r"\d\d,\d{3}\xa0%", whole[3])  # French format, three decimals: "98,979 %"
    assert whole[4] == "99,7\xa0%" and whole[5].startswith("dépassé de ") and whole[5].endswith(" min")
    assert "-" not in whole[5]
    assert whole[-1].startswith("Non — sous l'objectif de 99,7\xa0% dans la plage contractuelle")
    # In the page: the words in a red (error) badge, on a row marked as missed.
    assert re.search(r'<tr class="row-missed">.*?<span class="fr-badge fr-badge--error">Non — sous l&#x27;objectif', page, re.S)
    assert "Minutes-écoles" in page or "minutes-écoles" in page


def test_an_outage_at_one_school_lowers_the_figure(client, world, ent):
    start = datetime(2026, 11, 10, 9, tzinfo=PARIS)
    school = world.schools["0341255E"]
    declare_outage(ent, actor=world.users["erun"], started_at=start, ended_at=start + timedelta(hours=2, minutes=30),
                   scope=OutageScope.SCHOOLS, schools=[school])
    client.force_login(world.users["manager"])
    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=PARIS)):
        _header, *rows = csv_rows(client, "disponibilite", au="2026-11-30")
    whole = next(r for r in rows if r[0] == "Tout le périmètre")
    assert whole[3] != "100,000\xa0%"


def test_the_desk_filter_lists_every_desk_of_the_perimeter(client, world):
    client.force_login(world.users["manager"])
    page = client.get("/pilotage/").content.decode()
    select = re.search(r'<select class="fr-select" id="f-guichet".*?</select>', page, re.S).group(0)
    names = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)
    assert world.desks["n0-0341255E"].name in names and world.desks["erun-lattes"].name in names
    assert len(names) > 1
    nice_desks = [d.name for d in world.desks.values() if d.school_id and d.school.academie.code == "23"]
    assert not set(nice_desks) & set(names)


def test_the_sla_chart_draws_counts_only_missed_in_red(client, world):
    from tests.web.test_dashboard import open_at

    open_at(world, "0341255E")
    client.force_login(world.users["manager"])
    page = client.get("/pilotage/").content.decode()
    import html

    specs = {m.group(1): json.loads(html.unescape(m.group(2)))
             for m in re.finditer(r'data-table="table-([a-z-]+)" data-spec="([^"]*)"', page)}
    for slug, spec in specs.items():
        assert spec["axis"], slug  # every chart names its one unit
    if "sla" in specs:
        assert [s["col"] for s in specs["sla"]["series"]] == [2, 3]  # counts, not the share (column 4)
        assert specs["sla"]["series"][1]["color"] == "#ce0500"  # missed: red
        assert specs["sla"]["series"][0]["color"] == "#18753c"  # met: green
