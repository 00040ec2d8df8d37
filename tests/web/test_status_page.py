"""The public status page ("État des services", /etat/), its Atom feed and its JSON: open to anyone,
minimal data (no people, no ticket contents, no names of schools), 90 days of history per service,
this month's availability equal to sla.availability's figure."""

from html import unescape
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sla import outages
from sla.availability import monthly_availability, schools_in_scope
from sla.calendar import PARIS
from sla.models import Service

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=PARIS)  # a Wednesday of school time in every zone


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def scene(world, fixed_now):
    """An ongoing académie incident, a past incident limited to two schools, a past maintenance and
    an upcoming one announced in advance (fictitious)."""
    from django.core.cache import cache

    cache.clear()  # this month's figures are kept a minute: NOW is the same minute in every test
    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    mail = Service.objects.create(slug="messagerie", name="Messagerie")
    montpellier = world.academies["montpellier"]
    ongoing = outages.declare_outage(
        ent, scope="academie", academie=montpellier, started_at=NOW - timedelta(hours=2),
        cause="Certificat du serveur CAS-SECRET-42 expiré, voir ticket de Camille Martin")
    two = [world.schools["0341255E"], world.schools["0341301E"]]
    past = outages.declare_outage(
        ent, scope="schools", schools=two, started_at=NOW - timedelta(days=10, hours=3),
        ended_at=NOW - timedelta(days=10, hours=1), cause="Box de l'école en panne")
    maintenance = outages.declare_outage(
        mail, planned=True, announced_at=NOW - timedelta(days=30), started_at=NOW - timedelta(days=20),
        ended_at=NOW - timedelta(days=20) + timedelta(hours=1))
    upcoming = outages.declare_outage(
        mail, planned=True, announced_at=NOW - timedelta(days=1), started_at=NOW + timedelta(days=3),
        ended_at=NOW + timedelta(days=3, hours=2))
    return {"ent": ent, "mail": mail, "ongoing": ongoing, "past": past, "maintenance": maintenance,
            "upcoming": upcoming, "schools": two}


PERSONAL = ("CAS-SECRET-42", "Camille", "Martin", "Box de l'école", "enseignant", "@")


def _no_personal(text, scene):
    for word in PERSONAL[:-1]:
        assert word not in text, word
    for school in scene["schools"]:
        assert school.name not in text and school.uai not in text


def test_anonymous_reads_the_page_with_current_and_planned_outages(client, scene):
    response = client.get(reverse("web:status"))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    html = unescape(response.content.decode())
    assert "<h1>État des services</h1>" in html
    assert "Accès à l'ENT" in html and "Messagerie" in html
    assert "Incident en cours" in html  # the ENT now
    assert "Académie de Montpellier" in html  # where
    assert "Maintenance planifiée" in html and "À venir" in html.replace("à venir", "À venir")
    assert f'id="interruption-{scene["upcoming"].pk}"' in html
    assert 'href="/etat/flux.atom"' in html and 'href="/etat/etat.json"' in html
    _no_personal(html, scene)


def test_the_footer_links_to_the_status_page(client, world):
    html = unescape(client.get(reverse("web:legal")).content.decode())
    assert f'href="{reverse("web:status")}"' in html and "État des services" in html


def test_ninety_days_of_history_per_service_with_a_text_per_day(client, scene):
    html = unescape(client.get(reverse("web:status")).content.decode())
    # One list item per day and service, each with its own words (not colour only).
    assert html.count('class="status-day--') == 90 * 2
    ten_days_ago = (NOW - timedelta(days=10)).date()
    from django.utils.formats import date_format

    assert f"{date_format(ten_days_ago, 'DATE_FORMAT')} : Incident" in html
    assert f"{date_format((NOW - timedelta(days=20)).date(), 'DATE_FORMAT')} : Maintenance" in html
    assert "jours sans incident" in html

    data = client.get(reverse("web:status_json")).json()
    ent = next(s for s in data["services"] if s["slug"] == "ent")
    days = [date.fromisoformat(d["date"]) for d in ent["history"]]
    assert len(days) == 90 and days[-1] == NOW.date() and days[0] == NOW.date() - timedelta(days=89)
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:]))
    marks = {d["date"]: d["status"] for d in ent["history"]}
    assert marks[ten_days_ago.isoformat()] == "incident" and marks[NOW.date().isoformat()] == "incident"
    assert marks[(NOW - timedelta(days=11)).date().isoformat()] == "ok"
    mail = next(s for s in data["services"] if s["slug"] == "messagerie")
    assert {d["date"]: d["status"] for d in mail["history"]}[(NOW - timedelta(days=20)).date().isoformat()] == "maintenance"


def test_json_fields_are_stable_iso_and_cached(client, scene):
    response = client.get(reverse("web:status_json"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    data = response.json()
    assert set(data) == {"generated_at", "history_days", "services"}
    assert datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    ent = next(s for s in data["services"] if s["slug"] == "ent")
    assert set(ent) == {"slug", "name", "status", "current", "upcoming", "availability_this_month", "history"}
    assert ent["status"] == "incident"
    (current,) = ent["current"]
    assert set(current) == {"id", "service", "service_name", "kind", "state", "scope", "scope_label", "academie",
                            "collectivite", "school_count", "started_at", "ended_at", "announced_at"}
    assert current["kind"] == "incident" and current["state"] == "ongoing" and current["ended_at"] is None
    assert current["academie"] == {"code": "11", "name": "Académie de Montpellier"}
    assert datetime.fromisoformat(current["started_at"]) == scene["ongoing"].started_at
    mail = next(s for s in data["services"] if s["slug"] == "messagerie")
    assert mail["status"] == "ok"
    (upcoming,) = mail["upcoming"]
    assert upcoming["kind"] == "maintenance" and upcoming["state"] == "upcoming" and upcoming["scope"] == "all"
    assert datetime.fromisoformat(upcoming["announced_at"]) == scene["upcoming"].announced_at
    _no_personal(response.content.decode(), scene)


def test_atom_feed_is_valid_xml_with_entries(client, scene):
    response = client.get(reverse("web:status_feed"))
    assert response.status_code == 200 and "application/atom+xml" in response["Content-Type"]
    assert "public" in response["Cache-Control"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}title").text
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    titles = " | ".join(e.find(f"{ATOM}title").text for e in entries)
    assert "Maintenance planifiée — Messagerie" in titles and "Incident — Accès à l'ENT (Académie de Montpellier)" in titles
    assert "2 écoles ou établissements" in titles  # the number of schools, never their names
    _no_personal(response.content.decode(), scene)


def test_this_months_availability_equals_sla_availability(client, scene):
    data = client.get(reverse("web:status_json")).json()
    for slug in ("ent", "messagerie"):
        service = Service.objects.get(slug=slug)
        expected = monthly_availability(service, schools_in_scope("all"), 2026, 3, now=NOW)
        shown = next(s for s in data["services"] if s["slug"] == slug)["availability_this_month"]
        assert shown["year"] == 2026 and shown["month"] == 3 and shown["partial"] is True
        assert shown["inside_window"]["availability"] == float(expected.inside.availability)
        assert shown["outside_window"]["availability"] == float(expected.outside.availability)
        assert shown["inside_window"]["met"] == expected.inside.met
        assert shown["schools"] == expected.schools
    ent = next(s for s in data["services"] if s["slug"] == "ent")["availability_this_month"]
    assert ent["inside_window"]["availability"] < 100  # the ongoing académie incident counts
    html = unescape(client.get(reverse("web:status")).content.decode())
    from core.formats import availability_percent

    expected = monthly_availability(scene["ent"], schools_in_scope("all"), 2026, 3, now=NOW)
    assert availability_percent(expected.inside.availability) in html


def test_a_collectivite_outage_is_named_by_the_collectivite(client, world, fixed_now):
    service = Service.objects.create(slug="ent", name="Accès à l'ENT")
    school = world.schools["0341255E"]
    outages.declare_outage(service, scope="collectivite", collectivite=school.collectivite, started_at=NOW - timedelta(hours=1))
    data = client.get(reverse("web:status_json")).json()
    (current,) = data["services"][0]["current"]
    assert current["scope"] == "collectivite" and current["collectivite"] == school.collectivite.name
    assert current["school_count"] is None and current["academie"] is None


def test_the_page_speaks_english_when_chosen(client, scene):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("web:status"))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert '<html lang="en"' in html and "<h1>Service status</h1>" in html
    assert "Ongoing incident" in html and "Planned maintenance" in html and "days without incident" in html
    assert "Historique" not in html and "Aucun incident" not in html


def test_a_fixed_number_of_queries_and_the_availability_kept_a_minute(client, scene):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("web:status_json"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("web:status_json"))
    # more services do not add history queries; the second read takes the figures from the cache
    assert len(second) < len(first) and len(second) <= 6, [q["sql"][:120] for q in second.captured_queries]
