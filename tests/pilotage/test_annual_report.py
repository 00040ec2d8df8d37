"""The annual report ("bilan annuel") and the quarterly committee report: figures of a small world
computed by hand, the perimeter, bad parameters, and the PDF saying what the page says."""

import io
import re
import zipfile
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine

from directory.choices import Category, Role
from pilotage import report as engine
from pilotage import services as pilotage_services
from privacy.models import BreachStepKind
from privacy.steps import record_breach_step
from sla import outages
from sla.models import Service
from sla.services import publish_policy
from tickets import services

from ..tickets.conftest import make_user

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
URL = "/pilotage/bilan/"


def at(*args):
    return datetime(*args, tzinfo=PARIS)


def open_at(world, uai, when, *, requester="enseignant", category=Category.MALFUNCTION, service=""):
    with time_machine.travel(when, tick=False):
        return services.open_ticket(actor=world.users[requester], school=world.schools[uai], title="Panne", description="x",
                                    category=category, service=service, impact=2, urgency=2)


@pytest.fixture
def year(world):
    """School year 2025-2026, académie de Montpellier (3 schools, zone C) unless said otherwise:
    - 7 Oct 2025: a Messagerie malfunction at Bouissinet, resolved at the school the same day;
    - 4 Nov 2025: a usage question at Nice (another académie);
    - 13 Jan 2026: a usage question at Bouissinet, still open;
    - 3 Feb 2026: a personal-data breach at Bouissinet (not an activity figure for managers);
      the other party told after 24 h (in time), the CNIL never (past due);
    - Tue 17 Mar 2026 9:00–12:00: the académie's authentication down, declared a major incident
      on the 17th; one improvement action identified on the 20th, done on 10 Apr 2026."""
    u = world.users
    publish_policy(world.conventions["montpellier"], targets=[
        {"kind": "first_response", "seconds": 4 * 3600}, {"kind": "resolution", "seconds": 40 * 3600}])
    make_user(world, "prof_nice", Role.REQUESTER, school=world.schools["0061097K"])
    make_user(world, "manager_nice", Role.MANAGER, academie=world.academies["nice"])
    t = open_at(world, "0341255E", at(2025, 10, 7, 9), service="Messagerie")
    with time_machine.travel(at(2025, 10, 7, 10), tick=False):
        services.resolve(services.take(t, actor=u["directeur"]), actor=u["directeur"], summary="Réglé à l'école")
    open_at(world, "0061097K", at(2025, 11, 4, 9), requester="prof_nice", category=Category.USAGE, service="Blog")
    open_at(world, "0341255E", at(2026, 1, 13, 9), category=Category.USAGE)
    breach = open_at(world, "0341255E", at(2026, 2, 3, 10), category=Category.SECURITY)
    with time_machine.travel(at(2026, 2, 4, 11), tick=False):
        record_breach_step(breach, actor=u["dpo"], kind=BreachStepKind.OTHER_PARTY, done_at=at(2026, 2, 4, 10), evidence="Courriel envoyé")
    service = Service.objects.create(slug="authentification", name="Authentification")
    with time_machine.travel(at(2026, 3, 17, 12, 30), tick=False):
        outage = outages.declare_outage(service, actor=u["dsi"], scope="academie", academie=world.academies["montpellier"],
                                        started_at=at(2026, 3, 17, 9), ended_at=at(2026, 3, 17, 12), cause="Certificat expiré (fictif)")
        review = pilotage_services.declare_major_incident(outage, actor=u["dsi"], title="Authentification indisponible")
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        action = pilotage_services.add_action(review, actor=u["dsi"], title="Surveiller l'expiration des certificats",
                                              owner=f"academie:{world.academies['montpellier'].pk}")
    with time_machine.travel(at(2026, 4, 10, 10), tick=False):
        pilotage_services.update_action(action, actor=u["dsi"], status="done")
    return world


class Tables(HTMLParser):
    """The report's tables: {table id: [[cell text, ...], ...]} (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"].removeprefix("table-"), [])
        elif self.current is not None and tag == "tr":
            self.row = []
            self.current.append(self.row)
        elif self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = self.row = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables_of(response):
    assert response.status_code == 200, response.content[:500]
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def body(table):
    return table[1:]


def montpellier(world, client, **params):
    client.force_login(world.users["manager"])
    return client.get(URL, {"academie": world.academies["montpellier"].pk, "annee": "2025-2026", **params})


def test_activity_and_sla_are_the_perimeters(client, year):
    t = tables_of(montpellier(year, client))
    months = {row[0]: row[1:] for row in body(t["activite-mois"])}
    assert months["octobre 2025"] == ["1", "1", "1"]
    assert months["janvier 2026"] == ["1", "0", "0"]
    assert months["novembre 2025"] == ["0", "0", "0"]  # Nice's ticket is not Montpellier's
    assert months["février 2026"] == ["0", "0", "0"]  # the breach is not an activity figure for a manager
    assert months["Total"] == ["2", "1", "1"] and len(months) == 13  # September to August, and the total
    assert body(t["activite-categories"]) == [["Dysfonctionnement", "1", "50,0\u00a0%"], ["Question d'utilisation", "1", "50,0\u00a0%"]]
    assert {r[0]: r[1] for r in body(t["activite-services"])} == {"Messagerie": "1", "Non précisé": "1"}
    assert sum(int(r[1]) for r in body(t["activite-niveaux"])) == 2
    assert body(t["activite-niveaux"]) == [["Niveau 0 — école", "2", "100,0\u00a0%"]]


def test_sla_results_are_the_dashboards(client, year):
    """Both clocks of the October ticket (first response 4 h, resolution 40 h) met within target at
    the school's desk; the January ticket's first response is not yet past due (no sweep)."""
    client.force_login(year.users["manager"])
    m = year.academies["montpellier"].pk
    report = tables_of(client.get(URL, {"academie": m, "annee": "2025-2026"}))
    assert body(report["delais"]) == [["Niveau 0 — école", "Correspondant ENT — École élémentaire publique Pierre Bouissinet",
                                       "2", "0", "100,0\u00a0%"]]
    csv = client.get("/pilotage/export/sla.csv", {"du": "2025-09-01", "au": "2026-08-31", "academie": m}).content.decode("utf-8-sig")
    dashboard = [line.split(";") for line in csv.strip().splitlines()[1:]]
    assert body(report["delais"]) == dashboard


def test_availability_month_by_month_with_the_missed_month_flagged(client, year):
    response = montpellier(year, client)
    rows = {r[0]: r for r in body(tables_of(response)["disponibilite-authentification"])}
    # March 2026, zone C: winter holidays until Monday 9 March, so 17 open days × 14 h = 14,280 minutes
    # per school in the window; 180 minutes down: 1 − 180 / 14,280 = 98.7394… %; budget
    # 4 schools (the demo avenant added one) × (0.3 % × 14,280 − 180) = −548.64 school-minutes.
    march = rows["mars 2026"]
    assert march[1:4] == ["98,739\u00a0%", "99,7\u00a0%", "dépassé de 549 min"]
    assert march[4] == "100,000\u00a0%" and march[7].startswith("Non — sous l'objectif dans la plage contractuelle")
    assert rows["octobre 2025"][1] == "100,000\u00a0%" and rows["octobre 2025"][7] == "Oui"
    assert len(rows) == 12
    assert "Mois sous l&#x27;objectif : mars 2026 (Authentification)." in response.content.decode()


def test_incidents_actions_and_legal_clocks(client, year):
    t = tables_of(montpellier(year, client))
    (incident,) = body(t["incidents"])
    assert incident[:5] == ["Authentification indisponible", "17/03/2026", "Interruption : Authentification", "4", "720"]  # 4 schools × 180 min (the demo avenant added one)
    assert incident[7] == "0 / 1"
    assert body(t["actions-organisations"]) == [["Académie de Montpellier", "1", "1", "0"]]
    (action,) = body(t["actions"])
    assert action[0] == "Surveiller l'expiration des certificats" and action[3] == "20/03/2026" and action[6] == "10/04/2026"
    legal = {r[0]: r[1:] for r in body(t["delais-legaux"])}
    other = next(v for k, v in legal.items() if "autre partie" in k)
    cnil = next(v for k, v in legal.items() if "CNIL" in k)
    assert other[:5] == ["1", "0", "0", "0", "100,0\u00a0%"] and other[5] == "Oui"
    assert cnil[:5] == ["0", "0", "1", "0", "0,0\u00a0%"] and cnil[5].startswith("Non")


def test_a_quarter_is_the_committee_report(client, year):
    response = montpellier(year, client, trimestre="3")  # March to May 2026
    t = tables_of(response)
    assert [r[0] for r in body(t["activite-mois"])] == ["mars 2026", "avril 2026", "mai 2026", "Total"]
    assert body(t["actions-organisations"]) == [["Académie de Montpellier", "1", "1", "0"]]
    assert "Rapport du comité de suivi" in response.content.decode()
    first = tables_of(montpellier(year, client, trimestre="1"))
    assert body(first["actions-organisations"]) == [["Aucune action d'amélioration identifiée ni mise en œuvre sur la période."]] and body(first["incidents"]) == [["Aucun incident majeur déclaré sur la période."]]


def test_a_convention_report(client, year):
    client.force_login(year.users["manager"])
    response = client.get(URL, {"convention": year.conventions["montpellier"].pk, "annee": "2025-26"})
    t = tables_of(response)
    assert dict((r[0], r[1]) for r in body(t["activite-mois"]))["Total"] == "2"
    assert "Objectifs de la convention OCCITANIE-VILLENEUVE-LES-MAGUELONE" in response.content.decode()


def test_the_perimeter(client, year):
    client.force_login(year.users["manager"])
    nice = year.academies["nice"].pk
    assert client.get(URL, {"academie": nice, "annee": "2025-2026"}).status_code == 404
    assert client.get(URL, {"convention": year.conventions["grand_est"].pk}).status_code == 404
    assert client.get(URL + "rapport.pdf", {"academie": nice}).status_code == 404
    page = client.get(URL).content.decode()
    assert "Académie de Montpellier" in page and "Académie de Nice" not in page
    client.force_login(year.users["manager_nice"])
    t = tables_of(client.get(URL, {"academie": nice, "annee": "2025-2026"}))
    assert dict((r[0], r[1]) for r in body(t["activite-mois"]))["Total"] == "1"
    assert body(t["incidents"]) == [["Aucun incident majeur déclaré sur la période."]]
    assert client.get(URL, {"academie": year.academies["montpellier"].pk}).status_code == 404
    client.force_login(year.users["enseignant"])
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("params, name", [
    ({"annee": "2025"}, "annee"), ({"annee": "2025-2027"}, "annee"), ({"annee": "2025-2026", "trimestre": "5"}, "trimestre"),
    ({"academie": "abc"}, "academie"), ({"convention": "1e9"}, "convention"), ({"academie": "99999999999999999999"}, "academie"),
])
def test_bad_parameters_are_400_naming_them(client, year, params, name):
    client.force_login(year.users["manager"])
    for path in ("", "rapport.pdf", "tableaux.zip"):
        response = client.get(URL + path, params)
        assert response.status_code == 400, (path, params)
        assert f"« {name} »" in response.content.decode()


def test_both_scopes_or_none_for_a_download_is_400(client, year):
    client.force_login(year.users["manager"])
    m = year.academies["montpellier"].pk
    assert client.get(URL, {"academie": m, "convention": year.conventions["montpellier"].pk}).status_code == 400
    assert client.get(URL + "rapport.pdf").status_code == 400
    assert client.get(URL + "tableaux.zip").status_code == 400
    assert client.get(URL, {"academie": 999999}).status_code == 404


def test_csv_zip_has_one_csv_per_table(client, year):
    html = tables_of(montpellier(year, client))
    response = client.get(URL + "tableaux.zip", {"academie": year.academies["montpellier"].pk, "annee": "2025-2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == len(html)
    months = next(n for n in names if n.endswith("activite-mois.csv"))
    lines = archive.read(months).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Mois;Ouvertes") and lines[-1] == "Total;2;1;1"


def squeeze(text):
    return re.sub(r"\s+", "", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_the_pdf_says_what_the_page_says(client, year):
    from pypdf import PdfReader

    html = tables_of(montpellier(year, client))
    response = client.get(URL + "rapport.pdf", {"academie": year.academies["montpellier"].pk, "annee": "2025-2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    text = squeeze(" ".join(page.extract_text() for page in reader.pages))
    assert "Bilanannuel—AcadémiedeMontpellier" in text
    checked = 0
    for slug, rows in html.items():
        for row in rows:
            for cell in row:
                assert squeeze(cell) in text, (slug, cell)
                checked += 1
        # each row's figures in order (a cell of one row is not matched in another's)
        for row in rows[1:]:
            assert re.search(".*?".join(re.escape(squeeze(c)) for c in row), text), (slug, row)
    assert checked > 100
    fonts = {str(f) for page in reader.pages for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
             for f in [f.get_object().get("/BaseFont")]}
    assert fonts and all("DejaVu-Sans" in f for f in fonts), fonts  # Debian's fonts-dejavu, none committed


def test_sections_come_from_the_registry(year):
    assert {"activite", "delais", "disponibilite", "incidents", "actions", "delais-legaux"} <= set(engine.SECTIONS)
    assert "evolutions" not in engine.SECTIONS  # evolution requests are not tracked yet: no section rather than a fake one
    periods = engine.Period(2025, 2)
    assert periods.months == [(2025, 12), (2026, 1), (2026, 2)] and periods.end.isoformat() == "2026-02-28"
    assert engine.Period(2025).start.isoformat() == "2025-09-01" and engine.Period(2025).end.isoformat() == "2026-08-31"


def test_report_queries_do_not_grow_with_tickets(client, year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        montpellier(year, client)
    for day in range(5):
        open_at(year, "0341255E", at(2025, 12, 1 + day, 9), category=Category.USAGE, service=f"Service {day}")
    with CaptureQueriesContext(connection) as more:
        montpellier(year, client)
    assert len(more) <= len(few) + 2, (len(few), len(more))


def test_linked_from_the_dashboard_and_the_reviews_page(client, year):
    client.force_login(year.users["manager"])
    assert 'href="/pilotage/bilan/"' in client.get("/pilotage/").content.decode()
    assert 'href="/pilotage/bilan/"' in client.get("/pilotage/revues/").content.decode()
    client.force_login(year.users["editeur"])  # reads the reviews it is invited to, not the report
    assert 'href="/pilotage/bilan/"' not in client.get("/pilotage/revues/").content.decode()


def test_the_current_school_year_by_default_counts_up_to_now(client, year):
    client.force_login(year.users["manager"])
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        response = client.get(URL, {"academie": year.academies["montpellier"].pk})
        t = tables_of(response)
    assert "Année scolaire 2026-2027" in response.content.decode()
    months = [r[0] for r in body(t["disponibilite-authentification"])]
    assert months == ["septembre 2026", "octobre 2026", "novembre 2026", "décembre 2026 (en cours)"]
    assert len(body(t["activite-mois"])) == 13


def test_data_subject_requests_answered_in_time_or_not(client, year):
    """Two requests of Bouissinet received by the competent party: one answered in ten days (in
    time), one after five weeks (the one-month answer clock missed); one of 2024 (another year)."""
    from privacy.models import Right, StepKind
    from privacy.requests import competent_for, record_request, record_step

    dpo, c, school = year.users["dpo"], year.conventions["montpellier"], year.schools["0341255E"]
    competent = competent_for(c, school=school)[0][0]

    def request(received, answered):
        req = record_request(actor=dpo, convention=c, school=school, person_name="Camille Parent (fictif)",
                             person_contact="parent@example.org", right=Right.ACCESS, received_by=competent, received_at=received)
        record_step(req, kind=StepKind.ANSWERED, actor=dpo, at=answered)

    request(at(2025, 11, 10, 10), at(2025, 11, 20, 10))
    request(at(2026, 1, 5, 10), at(2026, 2, 10, 10))
    request(at(2024, 11, 5, 10), at(2024, 11, 6, 10))
    legal = {r[0]: r[1:] for r in body(tables_of(montpellier(year, client))["delais-legaux"])}
    answer = next(v for k, v in legal.items() if k.startswith("Réponse"))
    forward = next(v for k, v in legal.items() if k.startswith("Transmission"))
    assert answer == ["1", "1", "0", "0", "50,0\u00a0%", "Non — 1 hors délai"]
    assert forward == ["0", "0", "0", "0", "—", "—"]
    # the convention's report counts them too; Nice's manager's report does not
    client.force_login(year.users["manager"])
    t = tables_of(client.get(URL, {"convention": c.pk, "annee": "2025-2026"}))
    assert next(r for r in body(t["delais-legaux"]) if r[0].startswith("Réponse"))[1:3] == ["1", "1"]


def test_downloads_are_journaled_as_exports(client, year):
    from journal.models import AccessEntry

    client.force_login(year.users["manager"])
    before = AccessEntry.objects.count()
    params = {"academie": year.academies["montpellier"].pk, "annee": "2025-2026"}
    assert client.get(URL + "tableaux.zip", params).status_code == 200
    assert client.get(URL + "rapport.pdf", params).status_code == 200
    assert AccessEntry.objects.count() == before + 2


def test_french_formats(client, year):
    """1,204 tickets in December: thousands grouped on the page, a plain number in the CSV; the first of a month an ordinal."""
    from sla.models import DayCount

    school = year.schools["0341255E"]
    DayCount.objects.create(day=datetime(2025, 12, 2).date(), measure=DayCount.Measure.OPENED, school=school,
                            convention_key=year.conventions["montpellier"].pk, level=0, category=Category.USAGE, count=1204)
    response = montpellier(year, client)
    page = response.content.decode()
    assert "Année scolaire 2025-2026 (du 1er septembre 2025 au 31 août 2026)" in page
    months = {r[0]: r[1] for r in body(tables_of(response)["activite-mois"])}
    assert months["décembre 2025"] in ("1\u202f204", "1\u00a0204") and months["Total"] in ("1\u202f206", "1\u00a0206")
    archive = zipfile.ZipFile(io.BytesIO(client.get(URL + "tableaux.zip", {"academie": year.academies["montpellier"].pk,
                                                                          "annee": "2025-2026"}).content))
    csv = archive.read(next(n for n in archive.namelist() if n.endswith("activite-mois.csv"))).decode("utf-8-sig")
    assert "décembre 2025;1204;0;0" in csv and csv.strip().endswith("Total;1206;1;1")


def test_satisfaction_and_avoided_requests_of_the_scope(client, year):
    from knowledge.models import Deflection
    from tickets.models import Ticket
    from tickets.satisfaction import rate

    resolved = Ticket.objects.get(school=year.schools["0341255E"], service="Messagerie")
    with time_machine.travel(at(2025, 10, 8, 9), tick=False):
        rate(resolved, actor=year.users["enseignant"], rating=4, comment="Merci")
    from knowledge import services as kb

    article = kb.create_article(actor=year.users["erun"], title="Envoyer une pièce jointe", body="Texte")
    Deflection.objects.create(at=at(2025, 11, 5, 10), school=year.schools["0341255E"], article=article)
    Deflection.objects.create(at=at(2025, 11, 5, 11), school=year.schools["0061097K"], article=article)  # Nice's
    t = tables_of(montpellier(year, client))
    assert body(t["satisfaction"]) == [["octobre 2025", "Niveau 0 — école", resolved.desk.name, "1", "4,0", "100\u00a0%"]]
    assert body(t["demandes-evitees"]) == [["novembre 2025", "1"]]
