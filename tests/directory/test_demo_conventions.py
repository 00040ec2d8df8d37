"""The demo's conventions keep the seeds' terms (docs/conventions and /work/shared/seeds): dates,
SIRET, schools, fees; the conventions in force today are renewals labelled illustrative."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from directory.routing import first_route, matrix_gaps, routes_of
from tickets.services import convention_for

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"

pytestmark = pytest.mark.django_db

# Terms read in the seeds (000, 002, 004).
SEED_TERMS = {
    # seed 000: "prendra fin le 1er septembre 2023" (signed in 2023, day not given)
    "DSDEN06-VILLENEUVE-LOUBET-2023": dict(ends_on=date(2023, 9, 1), fee=Decimal("0"), schools={
        "0062050W", "0061352M", "0060768C", "0061750V", "0061097K", "0062051X", "0061800Z", "0061114D"}),
    # seed 002: decision 2022DECAD076 signed 10/10/2022, ends 1 September 2023, 2 schools at 45 €
    "OCCITANIE-VILLENEUVE-LES-MAGUELONE-2022DECAD076": dict(starts_on=date(2022, 10, 10), ends_on=date(2023, 9, 1),
                                                           fee=Decimal("45"), schools={"0341255E", "0342026T"},
                                                           siret={"21340337100015"}),
    # seed 004: the 2020-2021 template ends on 31 October 2021, 50 € per school
    "MONTPELLIER-ENT-ECOLE-SETE-2020": dict(ends_on=date(2021, 10, 31), fee=Decimal("50")),
}


def test_signed_conventions_keep_the_seeds_terms(world):
    signed = {c.reference: c for c in world.past_conventions.values()}
    for reference, terms in SEED_TERMS.items():
        c = signed[reference]
        assert c.ends_on == terms["ends_on"], reference
        assert c.fee_per_school == terms["fee"], reference
        if "starts_on" in terms:
            assert c.starts_on == terms["starts_on"]
        if "schools" in terms:
            assert set(c.schools.values_list("uai", flat=True)) == terms["schools"], reference
        if "siret" in terms:
            assert set(c.collectivites.values_list("siret", flat=True)) == terms["siret"]


def test_conventions_in_force_are_labelled_renewals_of_the_seeds(world):
    today = date(2026, 12, 1)
    for key, convention in world.conventions.items():
        assert convention.starts_on <= today <= convention.ends_on, key
        assert "illustrati" in convention.title, key
    maguelone = world.conventions["montpellier"]
    assert maguelone.fee_per_school == Decimal("45")
    assert set(maguelone.schools.values_list("uai", flat=True)) == {"0341255E", "0342026T"}
    # Villeneuve-Loubet: tacit renewals stop within three years in all, then a new convention.
    renewals = world.past_conventions["nice_renewals"]
    assert renewals.starts_on == date(2023, 9, 2) and renewals.ends_on < date(2026, 6, 1)
    assert world.conventions["nice"].starts_on == date(2025, 9, 2)


def test_each_school_has_one_convention_in_force_and_sete_its_own_chain(world):
    for uai, school in world.schools.items():
        assert convention_for(school, on=date(2026, 12, 1)) is not None, uai
    sete = convention_for(world.schools["0341301E"], on=date(2026, 12, 1))
    assert sete == world.conventions["sete"]
    # The matrix names "the school's circonscription": Sète's ERUN for a school of Sète (the
    # Montpellier conventions share one matrix, each school finds its own desk).
    found = first_route(routes_of(sete), "usage", world.schools["0341301E"], above=0)
    assert (found.level, found.desk.slug) == (1, "erun-sete")
    assert "Sète" in found.reason


def test_demo_conventions_match_the_example_files(world):
    """docs/conventions describe the demo's signed conventions: importing them changes nothing."""
    from directory.importers.conventions import import_convention

    for name in ("alpes-maritimes-villeneuve-loubet.yaml", "occitanie-villeneuve-les-maguelone.yaml",
                 "montpellier-ent-ecole.json", "grand-est.yaml"):
        report = import_convention(EXAMPLES / name)
        assert report.get("ligne de matrice", "unchanged") > 0, name
        assert report.get("convention", "unchanged") == 1, name
        assert report.get("guichet", "created") == 0 and report.get("guichet de niveau 0", "created") == 0, name


def test_every_demo_convention_has_a_fallback_desk_and_routes_every_school(world):
    for convention in [*world.conventions.values(), *world.past_conventions.values()]:
        assert convention.fallback_desk is not None, convention.reference
        assert matrix_gaps(routes_of(convention), convention.schools.all()) == [], convention.reference


def test_the_sete_2020_convention_shows_its_art_6_2_avenant(world):
    """The demo's version of Montpellier 2020: the avenant of art. 6.2 for 2021-2022, sent inside the
    window of 1 September – 15 October; what the seed does not say is marked invented."""
    from directory.enrolment import window, year_list
    from directory.lifecycle import AmendmentKind

    c = world.past_conventions["sete_2020"]
    (avenant,) = c.amendments.all()
    assert avenant.kind == AmendmentKind.AMENDMENT and avenant.school_year == "2021-2022"
    start, deadline = window("2021-2022")
    assert (start, deadline) == (date(2021, 9, 1), date(2021, 10, 15)) and start <= avenant.signed_on <= deadline
    assert "entre le 1er septembre et le 15 octobre de l'année scolaire concernée par cette évolution" in avenant.summary
    assert "exemple fictif" in avenant.summary and avenant.recorded_by == world.users["manager"]
    assert c.events.filter(kind="amendment_school_list").count() == 1  # recorded through the service
    before, after = year_list(c, "2020-2021"), year_list(c, "2021-2022")
    assert {s.uai for s in before.active} == {"0341301E"}  # the signed annex
    assert {s.uai for s in after.active} == {"0341301E", "0341390B"}  # the avenant's new list, in time: active
    added = world.schools["0341390B"]
    assert "exemple fictif" in added.name
    # The following (illustrative) conventions cover the list the avenant set.
    assert convention_for(added, on=date(2026, 12, 1)) == world.conventions["sete"]


def test_seed_demo_is_idempotent(world, settings):
    import io

    settings.PRODUCTION = False  # the embedded profile of `make run`, whichever profile the suite runs in

    from django.core.management import call_command

    from directory.models import ConventionAmendment

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "déjà présentes" in out.getvalue() and ConventionAmendment.objects.count() == 1
