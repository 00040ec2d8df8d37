"""The conventions page (web/views/conventions.py): the perimeter, the state today, the school list
per school year, the annex import with its rejected lines explained, the fee statement CSV and PDF."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import ConventionAmendment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username, shown", [("manager", True), ("dsi", True), ("collectivite", True), ("admin", True),
                                              ("enseignant", False), ("editeur", False)])
def test_menu_and_list_follow_the_perimeter(client, world, username, shown):
    client.force_login(world.users[username])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("web:conventions")}"' in page) is shown
    response = client.get(reverse("web:conventions"))
    assert response.status_code == (200 if shown else 403)


def test_list_states_and_scope(client, world):
    client.force_login(world.users["collectivite"])  # Moselle: the Grand Est convention only
    with time_machine.travel(date(2026, 12, 1), tick=False):
        page = client.get(reverse("web:conventions")).content.decode()
    assert "GRAND-EST-ENT-2023" in page and "MONTPELLIER-ENT-ECOLE-SETE" not in page and "En vigueur" in page
    other = world.conventions["sete"]
    assert client.get(reverse("web:convention_detail", args=[other.pk])).status_code == 404
    client.force_login(world.users["manager"])
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("web:conventions")).content.decode()
    assert "MONTPELLIER-ENT-ECOLE-SETE-2020" in page and "Terminée" in page and "En vigueur" in page
    assert len(few) <= 10  # 7 measured, whatever the number of conventions (no query per convention)


def test_detail_import_rejects_explained_then_accepts_and_fees(client, world):
    # 2021-11-01 → 2028-08-31, 45 € per school, schools 0341301E and 0341390B (the list of the demo's
    # 2021-2022 avenant; illustrative)
    c = world.conventions["sete"]
    client.force_login(world.users["dsi"])  # an agent of the académie de Montpellier
    url = reverse("web:convention_import", args=[c.pk])
    with time_machine.travel(date(2026, 10, 20), tick=False):
        page = client.get(reverse("web:convention_detail", args=[c.pk])).content.decode()
        assert "Écoles inscrites par année scolaire" in page and "2026-2027" in page and "0341301E" in page
        assert "Avenant 2027-2028 (liste des écoles) : transmission au plus tard" in page
        bad = client.post(url, {"school_year": "2026-2027", "sent_on": "2026-10-20", "summary": "Ajout",
                                "annex_text": "0341301E\n0341255Z\n"})
        assert bad.status_code == 400
        text = bad.content.decode()
        assert "Ligne 2 : UAI « 0341255Z » invalide : la lettre de contrôle attendue est E." in text
        assert not ConventionAmendment.objects.filter(convention=c, school_year="2026-2027").exists()
        missing = client.post(url, {"school_year": "2026-2027", "sent_on": "", "summary": "Ajout", "annex_text": "0341301E"})
        assert missing.status_code == 400 and "Avenant transmis à l" in missing.content.decode()
        ok = client.post(url, {"school_year": "2026-2027", "sent_on": "2026-10-20", "summary": "Liste inchangée",
                               "annex_text": "UAI;Nom\n0341301E;École primaire Jean Moulin\n0341390B;École maternelle du Port\n"},
                         follow=True)
        assert "Avenant 2026-2027 enregistré : 2 école(s) inscrite(s)." in ok.content.decode()
        csv = client.get(reverse("web:convention_fees_csv", args=[c.pk]) + "?annee=2026-2027")
        assert "Total : 2 écoles;90.00" in csv.content.decode("utf-8-sig")
        pdf = client.get(reverse("web:convention_fees_pdf", args=[c.pk]) + "?annee=2026-2027")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert client.get(reverse("web:convention_fees_csv", args=[c.pk]) + "?annee=2026").status_code == 400


def test_fee_pdf_french_amounts(client, world):
    from directory.fees import fee_lines  # noqa: F401  (the same lines as the CSV)
    from web.views.conventions import _statement

    c = world.conventions["montpellier"]
    groups = _statement(c, "2026-2027")
    assert groups[0]["total"] == "90,00\u00a0€" and groups[0]["count"] == 2


def test_import_refused_for_a_collectivite_agent(client, world):
    c = world.conventions["grand_est"]
    client.force_login(world.users["collectivite"])
    response = client.post(reverse("web:convention_import", args=[c.pk]), {
        "school_year": "2026-2027", "sent_on": "2026-09-20", "summary": "x", "annex_text": "0570098X"})
    assert response.status_code == 403


def test_admin_shows_the_avenant_lists_and_reminders(client, world):
    client.force_login(world.users["admin"])
    c = world.conventions["sete"]
    assert client.get(f"/admin/directory/convention/{c.pk}/change/").status_code == 200
    assert client.get("/admin/directory/conventionreminder/").status_code == 200


def test_a_school_added_after_15_october_is_shown_inactive(client, world):
    from directory.models import School

    c = world.conventions["sete"]
    first = School.objects.get(uai="0341301E")
    School.objects.create(uai="0341302F", name="École B (inventée)", academie=first.academie, collectivite=first.collectivite)
    client.force_login(world.users["dsi"])
    with time_machine.travel(date(2026, 10, 20), tick=False):
        ok = client.post(reverse("web:convention_import", args=[c.pk]), {
            "school_year": "2026-2027", "sent_on": "2026-10-20", "summary": "Ajout de l'école B",
            "annex_text": "0341301E\n0341302F\n"}, follow=True)
        text = ok.content.decode()
    assert "après le 15 octobre (art. 6.3)" in text
    assert "0341302F — École B (inventée) <strong>(non activée cette année" in text
