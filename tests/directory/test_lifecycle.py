"""A convention's lifecycle (directory/lifecycle.py): the terms of each seed as the example files
quote them, the state at chosen dates and the next deadlines (hand-computed), recorded versions."""

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from directory.importers import ImportFileError
from directory.importers.conventions import import_convention
from directory.lifecycle import AmendmentKind, check_lifecycle, conciliation_dates, next_deadlines, status_at
from directory.models import Convention, ConventionEvent, User
from directory.services import record_amendment

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"
AM, POITIERS = "alpes-maritimes-villeneuve-loubet.yaml", "poitiers-vienne-ecoles.yaml"
OCCITANIE, MONTPELLIER = "occitanie-villeneuve-les-maguelone.yaml", "montpellier-ent-ecole.json"


def load(name):
    import_convention(EXAMPLES / name)
    return Convention.objects.get(reference={
        AM: "DSDEN06-VILLENEUVE-LOUBET-2023", POITIERS: "DSDEN86-ENT-ECOLES-2024",
        OCCITANIE: "OCCITANIE-VILLENEUVE-LES-MAGUELONE-2022DECAD076", MONTPELLIER: "MONTPELLIER-ENT-ECOLE-SETE-2020"}[name])


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("admin-lc", "a@example.org", "x")


def state(convention, day):
    return status_at(convention, day, list(convention.amendments.all())).state


def deadlines(convention, day):
    return {d.kind: d.on for d in next_deadlines(convention, day, list(convention.amendments.all()))}


def test_each_example_quotes_its_terms():
    terms = {name: load(name).lifecycle for name in (AM, POITIERS, OCCITANIE, MONTPELLIER)}
    am = terms[AM]
    assert am["initial_term"] == {"ends_on": "2023-09-01"}
    assert am["tacit_renewal"] == {"period_months": 12, "max_total_months": 36}
    assert (am["refusal_notice_months"], am["denunciation_notice_months"], am["amendment_notice_months"]) == (2, 3, 3)
    assert any("préavis de deux (02) mois maximum avant la date anniversaire" in c for c in am["clauses"])
    assert terms[POITIERS]["initial_term"] == {"years": 4} and terms[POITIERS]["tacit_renewal"] == {"period_months": 12}
    assert terms[POITIERS]["denunciation_notice_months"] == 3
    assert terms[OCCITANIE]["initial_term"] == {"ends_on": "2023-09-01"} and "tacit_renewal" not in terms[OCCITANIE]
    assert terms[MONTPELLIER]["initial_term"] == {"ends_on": "2021-10-31"} and terms[MONTPELLIER]["denunciation_notice_months"] == 1
    for name in (POITIERS, OCCITANIE, MONTPELLIER):
        assert terms[name]["conciliation"] == {"within_months": 1, "termination_days_after_letter": 15}
    assert "_comment" not in terms[MONTPELLIER]
    seed = (Path("/work/shared/seeds") / "000_fb8dac3f19f4ad87.txt")
    if seed.exists():  # the quotes are the seed's words
        assert "sans pouvoir excéder une durée totale de trois (03) ans" in seed.read_text()


def test_alpes_maritimes_renews_twice_then_ends():
    c = load(AM)  # 1 June 2023 → 1 Sept 2023, tacit renewal by one year, three years at most
    assert state(c, date(2023, 5, 31)) == "draft"
    assert state(c, date(2023, 7, 1)) == "in_force"
    assert deadlines(c, date(2023, 7, 1))["refusal"] == date(2023, 7, 1)  # two months before 1 Sept
    assert deadlines(c, date(2023, 7, 2))["refusal"] == date(2024, 7, 1)  # too late: the next one
    assert deadlines(c, date(2023, 7, 1))["renewal"] == date(2023, 9, 2)
    assert deadlines(c, date(2023, 7, 1))["max_end"] == date(2025, 9, 1)  # a third year would pass 31 May 2026
    assert deadlines(c, date(2023, 7, 1))["amendment_effect"] == date(2023, 10, 1)
    assert state(c, date(2023, 9, 2)) == "renewed"
    assert state(c, date(2025, 9, 1)) == "renewed"
    assert state(c, date(2025, 9, 2)) == "ended"
    assert "refusal" not in deadlines(c, date(2025, 1, 1))  # no renewal left to refuse
    assert deadlines(c, date(2025, 1, 1))["end"] == date(2025, 9, 1)


def test_alpes_maritimes_refusal_in_time_and_late(admin):
    c = load(AM)
    refusal = record_amendment(admin, c, kind=AmendmentKind.REFUSAL, signed_on=date(2024, 6, 15), summary="La commune ne reconduit pas.")
    assert refusal.takes_effect_on == date(2024, 9, 1)
    assert state(c, date(2024, 6, 14)) == "renewed"
    assert state(c, date(2024, 6, 20)) == "under_notice"
    assert deadlines(c, date(2024, 6, 20)) == {"end": date(2024, 9, 1)}
    assert state(c, date(2024, 9, 2)) == "ended"
    assert ConventionEvent.objects.get(convention=c).kind == "amendment_renewal_refusal"


def test_a_late_refusal_waits_for_the_next_anniversary(admin):
    c = load(AM)
    refusal = record_amendment(admin, c, kind=AmendmentKind.REFUSAL, signed_on=date(2023, 7, 15), summary="Refus envoyé trop tard.")
    assert refusal.takes_effect_on == date(2024, 9, 1)  # after 1 July 2023: the renewal of 2 Sept 2023 happens
    assert state(c, date(2023, 9, 2)) == "under_notice"
    assert state(c, date(2024, 9, 2)) == "ended"


def test_alpes_maritimes_denunciation_and_avenant_notice(admin):
    c = load(AM)
    with pytest.raises(ValidationError) as exc:
        record_amendment(admin, c, kind=AmendmentKind.AMENDMENT, signed_on=date(2024, 1, 10), takes_effect_on=date(2024, 3, 1),
                         summary="Ajout d'un module.")
    assert "takes_effect_on" in exc.value.message_dict and "10/04/2024" in exc.value.message_dict["takes_effect_on"][0]
    record_amendment(admin, c, kind=AmendmentKind.AMENDMENT, signed_on=date(2024, 1, 10), takes_effect_on=date(2024, 4, 10),
                     summary="Ajout d'un module.")
    assert state(c, date(2024, 4, 10)) == "renewed"  # an avenant is a version, not a notice
    d = record_amendment(admin, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2024, 1, 10), summary="Dénonciation par la commune.")
    assert d.takes_effect_on == date(2024, 4, 10)
    assert state(c, date(2024, 2, 1)) == "under_notice"
    assert state(c, date(2024, 4, 11)) == "ended"
    assert [a.kind for a in c.amendments.all()] == ["amendment", "denunciation"]
    with pytest.raises(ValidationError) as exc:
        record_amendment(admin, c, kind=AmendmentKind.REFUSAL, signed_on=date(2024, 2, 1), summary="Encore.")
    assert "kind" in exc.value.message_dict


def test_poitiers_four_years_then_yearly(admin):
    c = load(POITIERS)  # 2 Feb 2024, four years → 1 Feb 2028, then yearly, three months' notice
    assert (c.starts_on, c.ends_on) == (date(2024, 2, 2), date(2028, 2, 1))
    assert state(c, date(2027, 6, 1)) == "in_force"
    assert deadlines(c, date(2027, 6, 1))["refusal"] == date(2027, 11, 1)
    assert deadlines(c, date(2027, 6, 1))["renewal"] == date(2028, 2, 2)
    assert state(c, date(2029, 1, 31)) == "renewed"
    assert state(c, date(2035, 3, 1)) == "renewed"  # no limit
    assert deadlines(c, date(2029, 1, 31))["refusal"] == date(2029, 11, 1)  # the period ends 1 Feb 2030
    d = record_amendment(admin, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2026, 3, 15), summary="Dénonciation.")
    assert d.takes_effect_on == date(2026, 6, 15)
    assert state(c, date(2026, 6, 15)) == "under_notice" and state(c, date(2026, 6, 16)) == "ended"


def test_occitanie_one_school_year_and_conciliation(admin):
    c = load(OCCITANIE)  # 10 Oct 2022 → 1 Sept 2023, no renewal
    assert state(c, date(2022, 10, 9)) == "draft"
    assert state(c, date(2023, 1, 1)) == "in_force"
    assert deadlines(c, date(2023, 1, 1)) == {"end": date(2023, 9, 1)}
    assert state(c, date(2023, 9, 2)) == "ended"
    assert conciliation_dates(c.lifecycle, date(2023, 3, 1), date(2023, 4, 10)) == {
        "conciliation_by": date(2023, 4, 1), "termination_from": date(2023, 4, 25)}
    with pytest.raises(ValidationError) as exc:
        record_amendment(admin, c, kind=AmendmentKind.REFUSAL, signed_on=date(2023, 3, 1), summary="Refus.")
    assert "kind" in exc.value.message_dict
    # termination after a failed conciliation: 15 days after the registered letter
    t = record_amendment(admin, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2023, 4, 10), summary="Résiliation après conciliation.")
    assert t.takes_effect_on == date(2023, 4, 25)


def test_montpellier_2020_one_month_notice_and_recorded_renewal(admin):
    c = load(MONTPELLIER)  # 1 Sept 2020 → 31 Oct 2021
    assert state(c, date(2021, 10, 31)) == "in_force" and state(c, date(2021, 11, 1)) == "ended"
    assert deadlines(c, date(2021, 3, 15))["denunciation_effect"] == date(2021, 4, 15)
    with pytest.raises(ValidationError) as exc:
        record_amendment(admin, c, kind=AmendmentKind.RENEWAL, signed_on=date(2021, 10, 1), summary="Année 2021-2022.")
    assert "new_ends_on" in exc.value.message_dict
    record_amendment(admin, c, kind=AmendmentKind.RENEWAL, signed_on=date(2021, 10, 1), takes_effect_on=date(2021, 11, 1),
                     new_ends_on=date(2022, 10, 31), summary="Année 2021-2022.")
    assert state(c, date(2022, 1, 1)) == "renewed" and state(c, date(2022, 11, 1)) == "ended"
    d = record_amendment(admin, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2022, 3, 15), summary="Dénonciation par lettre.")
    assert d.takes_effect_on == date(2022, 4, 15)


def test_only_admins_and_the_academie_managers_record(db):
    c = load(MONTPELLIER)
    someone = User.objects.create_user("quidam", password="x")
    with pytest.raises(PermissionDenied):
        record_amendment(someone, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2021, 3, 1), summary="x")
    assert not c.amendments.exists()


@pytest.mark.parametrize("terms, key", [
    ({"clauses": ["x"], "initial_term": {"ends_on": "2023-09-01"}}, "source"),
    ({"source": "a", "initial_term": {"ends_on": "2023-09-01"}}, "clauses"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"ends_on": "le 1er septembre"}}, "initial_term.ends_on"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"years": 4, "ends_on": "2023-09-01"}}, "initial_term"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"years": 4}, "tacit_renewal": {"period_months": 0}}, "tacit_renewal.period_months"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"years": 4}, "refusal_notice_months": "deux"}, "refusal_notice_months"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"years": 4}, "conciliation": {"within_months": 1}}, "conciliation"),
    ({"source": "a", "clauses": ["x"], "initial_term": {"years": 4}, "préavis": 3}, ""),
])
def test_bad_terms_are_refused_naming_the_key(terms, key):
    errors = check_lifecycle(terms)
    assert key in [where for where, _ in errors], errors


def test_import_refuses_terms_that_disagree_with_validity(tmp_path):
    text = (EXAMPLES / OCCITANIE).read_text(encoding="utf-8").replace("initial_term: {ends_on: 2023-09-01}", "initial_term: {ends_on: 2023-08-31}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as exc:
        import_convention(path)
    assert "lifecycle.initial_term : la durée initiale se termine le 31/08/2023, or validity.ends_on est le 01/09/2023." in str(exc.value)
    assert not Convention.objects.exists()


def test_the_model_field_validates_its_terms():
    c = load(MONTPELLIER)
    c.lifecycle = {"source": "a", "clauses": ["x"], "initial_term": {"years": 0}}
    with pytest.raises(ValidationError) as exc:
        c.full_clean()
    assert "lifecycle.initial_term.years" in str(exc.value)


def test_versions_are_never_rewritten(admin):
    c = load(MONTPELLIER)
    a = record_amendment(admin, c, kind=AmendmentKind.DENUNCIATION, signed_on=date(2021, 3, 1), summary="x")
    with pytest.raises(TypeError):
        a.save()
    with pytest.raises(TypeError):
        c.amendments.all().delete()


def test_demo_signed_conventions_carry_the_terms(world):
    nice = world.past_conventions["nice_2023"]
    assert nice.lifecycle["refusal_notice_months"] == 2 and (nice.starts_on, nice.ends_on) == (date(2023, 6, 1), date(2023, 9, 1))
    assert world.past_conventions["maguelone_2022"].lifecycle["initial_term"] == {"ends_on": "2023-09-01"}
    assert world.past_conventions["sete_2020"].lifecycle["denunciation_notice_months"] == 1
    assert world.conventions["nice"].lifecycle == {}  # the illustrative conventions have no text
    assert status_at(world.past_conventions["maguelone_2022"], date(2026, 12, 1)).state == "ended"


def test_admin_page_shows_state_timeline_and_deadlines_in_french(client, admin):
    import time_machine

    c = load(AM)
    record_amendment(admin, c, kind=AmendmentKind.AMENDMENT, signed_on=date(2024, 1, 10), takes_effect_on=date(2024, 4, 10),
                     summary="Ajout du module de réservation.")
    client.force_login(admin)
    with time_machine.travel(date(2024, 5, 1), tick=False):
        response = client.get(f"/admin/directory/convention/{c.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reconduite" in html  # the state on 1 May 2024
    assert "Entrée en vigueur (durée initiale jusqu&#x27;au 1er septembre 2023)" in html
    assert "Reconduction tacite jusqu&#x27;au 1er septembre 2024" in html
    assert "Avenant : Ajout du module de réservation." in html
    assert "1er juillet 2024" in html  # refusal of the renewal at the latest
    assert "2 septembre 2024" in html  # the tacit renewal


def test_admin_records_a_version_through_the_service(client, admin):
    c = load(MONTPELLIER)
    client.force_login(admin)
    url = "/admin/directory/conventionamendment/add/"
    bad = client.post(url, {"convention": c.pk, "kind": "renewal", "signed_on": "2021-10-01", "summary": "Année 2021-2022."})
    assert bad.status_code == 200 and "indiquez la nouvelle fin de validité" in bad.content.decode()
    assert not c.amendments.exists()
    ok = client.post(url, {"convention": c.pk, "kind": "denunciation", "signed_on": "2021-03-15", "summary": "Dénonciation par lettre."})
    assert ok.status_code == 302, ok.content.decode()[:2000]
    a = c.amendments.get()
    assert a.takes_effect_on == date(2021, 4, 15) and a.recorded_by == admin
    assert ConventionEvent.objects.filter(convention=c, kind="amendment_denunciation").count() == 1
