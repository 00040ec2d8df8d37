"""Schools per school year through avenants (Montpellier 2020 art. 6.2, 6.3 and 8; directory/enrolment.py),
the annex import (directory/annex.py) and their consequences: tickets « hors convention », fees.
Figures computed by hand: 50 € per school (art. 5)."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.annex import AnnexRejected, import_annex
from directory.enrolment import year_list
from directory.fees import statement_csv
from directory.importers.conventions import import_convention
from directory.lifecycle import AmendmentKind
from directory.models import Academie, Collectivite, Convention, ConventionAmendment, School, User
from directory.services import cover_schools, record_amendment, record_school_list
from tickets.actions import convention_for

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"
REF = "MONTPELLIER-ENT-ECOLE-SETE-2020"


@pytest.fixture
def montpellier():
    """The Montpellier 2020 model (school 0341301E), renewed by a recorded version for 2021-2022 so
    that the school year 2021-2022 is billed; two more schools of Sète (invented for the test)."""
    import_convention(EXAMPLES / "montpellier-ent-ecole.json")
    c = Convention.objects.get(reference=REF)
    admin = User.objects.create_superuser("admin-enrol", "a@example.org", "x")
    record_amendment(admin, c, kind=AmendmentKind.RENEWAL, signed_on=date(2021, 10, 1), takes_effect_on=date(2021, 11, 1),
                     new_ends_on=date(2022, 10, 31), summary="Année 2021-2022.")
    first = School.objects.get(uai="0341301E")
    sete = c.collectivites.get()
    second = School.objects.create(uai="0341302F", name="École B (inventée)", academie=first.academie, collectivite=sete)
    third = School.objects.create(uai="0341303G", name="École C (inventée)", academie=first.academie, collectivite=sete)
    return c, admin, first, second, third


def totals(year):
    table = list(csv.reader(io.StringIO(statement_csv(year)), delimiter=";"))
    return [r for r in table[1:] if r[5].startswith("Total")], table


def test_increase_sent_after_15_october_leaves_the_new_school_inactive_and_hors_convention(montpellier):
    c, admin, first, second, _third = montpellier
    record_school_list(admin, c, school_year="2021-2022", sent_on=date(2021, 10, 20), schools=[first, second],
                       summary="Ajout de l'école B.")
    year = year_list(c, "2021-2022")
    assert [s.uai for s in year.active] == ["0341301E"] and [s.uai for s in year.inactive] == ["0341302F"]
    assert year.billed_count == 1
    assert convention_for(second, date(2021, 11, 15)) is None  # its ticket lands « hors convention »
    assert convention_for(first, date(2021, 11, 15)) == c
    total, _ = totals("2021-2022")
    assert total[0][5:] == ["Total : 1 école", "50.00"]  # 1 × 50 €
    # received before the next 15 October: its list applies from 2022-2023
    assert convention_for(second, date(2022, 9, 15)) == c


def test_increase_sent_by_15_october_activates_and_bills_both(montpellier):
    c, admin, first, second, _third = montpellier
    record_school_list(admin, c, school_year="2021-2022", sent_on=date(2021, 10, 15), schools=[first, second],
                       summary="Ajout de l'école B.")
    assert convention_for(second, date(2021, 11, 15)) == c
    total, _ = totals("2021-2022")
    assert total[0][5:] == ["Total : 2 écoles", "100.00"]  # 2 × 50 €


def test_decrease_sent_late_keeps_last_years_count_billed(montpellier):
    c, admin, first, second, third = montpellier
    cover_schools(c, [second, third])  # the annex of 2020-2021: three schools
    assert totals("2020-2021")[0][0][5:] == ["Total : 3 écoles", "150.00"]
    record_school_list(admin, c, school_year="2021-2022", sent_on=date(2021, 10, 16), schools=[first],
                       summary="Retrait des écoles B et C.")
    year = year_list(c, "2021-2022")
    assert [s.uai for s in year.active] == ["0341301E"] and year.billed_count == 3
    total, table = totals("2021-2022")
    assert total[0][5:] == ["Total : 3 écoles", "150.00"]  # still 3 × 50 € (art. 6.3)
    assert any(r[5].startswith("Art. 6.3") and r[6] == "100.00" for r in table)
    assert convention_for(second, date(2021, 11, 15)) is None  # no longer enrolled


def test_decrease_sent_in_time_bills_the_new_count_and_no_avenant_carries_over(montpellier):
    c, admin, first, second, third = montpellier
    cover_schools(c, [second, third])
    assert totals("2021-2022")[0][0][5:] == ["Total : 3 écoles", "150.00"]  # art. 6.1: no avenant
    record_school_list(admin, c, school_year="2021-2022", sent_on=date(2021, 9, 1), schools=[first],
                       summary="Retrait des écoles B et C.")
    assert totals("2021-2022")[0][0][5:] == ["Total : 1 école", "50.00"]


def test_rpi_commune_joins_through_the_avenant(montpellier):
    c, admin, first, _second, _third = montpellier
    other = Collectivite.objects.create(name="Commune de Frontignan (inventée)", kind="commune")
    d = School.objects.create(uai="0341304H", name="École D (inventée)", academie=first.academie, collectivite=other)
    with pytest.raises(AnnexRejected) as refused:
        import_annex(admin, c, school_year="2021-2022", sent_on=date(2021, 9, 20), text="0341301E\n0341304H\n", summary="RPI")
    assert "Ligne 2 : l'école 0341304H" in str(refused.value.line_errors[0]) and "n'est pas partie" in str(refused.value.line_errors[0])
    import_annex(admin, c, school_year="2021-2022", sent_on=date(2021, 9, 20), text="0341301E\n0341304H\n",
                 summary="Intégration de Frontignan au RPI.", collectivites=[other])
    assert other in c.collectivites.all() and convention_for(d, date(2021, 11, 15)) == c


def test_annex_lines_explained_and_nothing_recorded(montpellier):
    c, admin, _first, _second, _third = montpellier
    Academie.objects.create(code="16", name="Académie de Toulouse (test)")
    toulouse = School.objects.create(uai="0311001V", name="École de Toulouse (inventée)", academie=Academie.objects.get(code="16"))
    text = "UAI;Nom\n0341301E;École primaire Jean Moulin\n0341302A;B\n034130;x\n0341399Z\n0341301E\n0311001V\n"
    with pytest.raises(AnnexRejected) as refused:
        import_annex(admin, c, school_year="2021-2022", sent_on=date(2021, 9, 20), text=text, summary="Liste")
    messages = [str(e) for e in refused.value.line_errors]
    assert messages[0] == "Ligne 3 : UAI « 0341302A » invalide : la lettre de contrôle attendue est F."
    assert messages[1].startswith("Ligne 4 : « 034130 » n'est pas un UAI")
    assert messages[2].startswith("Ligne 5 : UAI « 0341399Z » invalide")
    assert messages[3] == "Ligne 6 : UAI 0341301E en double (déjà à la ligne 2)."
    assert messages[4].startswith("Ligne 7 : l'école 0311001V") and toulouse.academie.name in messages[4]
    assert not ConventionAmendment.objects.filter(convention=c, school_year="2021-2022").exists()


def test_unknown_school_and_command(montpellier, tmp_path):
    c, _admin, _first, _second, _third = montpellier
    annex = tmp_path / "annexe.csv"
    annex.write_text("0341301E\n0341302F\n0341304H\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Ligne 3 : école 0341304H inconnue"):
        call_command("import_annex", REF, str(annex), "--school-year", "2021-2022", "--sent-on", "2021-09-20", "--actor", "admin-enrol")
    annex.write_text("0341301E;École primaire Jean Moulin\n0341302F;École B\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_annex", REF, str(annex), "--school-year", "2021-2022", "--sent-on", "2021-09-20",
                 "--actor", "admin-enrol", stdout=out)
    assert "2 écoles inscrites" in out.getvalue()
    assert totals("2021-2022")[0][0][5:] == ["Total : 2 écoles", "100.00"]


def test_school_year_and_sent_date_checked(montpellier):
    c, admin, first, *_ = montpellier
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError, match="2022-2023"):
        record_school_list(admin, c, school_year="2021", sent_on=date(2021, 9, 20), schools=[first], summary="x")
    with pytest.raises(ValidationError, match="pendant cette année scolaire"):
        record_school_list(admin, c, school_year="2020-2021", sent_on=date(2021, 9, 20), schools=[first], summary="x")


def test_a_school_inactive_this_year_is_told_so_not_that_the_convention_ended(montpellier, monkeypatch):
    from tickets import actions

    c, admin, first, second, _third = montpellier
    record_school_list(admin, c, school_year="2021-2022", sent_on=date(2021, 10, 20), schools=[first, second],
                       summary="Ajout de l'école B.")
    monkeypatch.setattr(actions.timezone, "localdate", lambda *a: date(2021, 11, 15))
    last, desk, reason = actions.outside_convention_landing(second)
    assert last == c and desk == c.fallback_desk or desk.academie_id == second.academie_id
    assert "n'est pas active cette année scolaire" in reason and REF in reason and "a pris fin" not in reason
