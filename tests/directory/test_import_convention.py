"""import_convention: the shipped examples, idempotency and every rejection path."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from directory.importers import ImportFileError
from directory.importers.conventions import import_convention
from directory.models import Convention, Desk, School
from directory.routing import first_route, routes_of

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"


def route(convention, category, uai, above=-1):
    found = first_route(routes_of(convention), category, School.objects.get(uai=uai), above)
    return found and (found.level, found.desk.slug)


def test_every_example_imports_into_an_empty_database(db):
    for path in sorted(EXAMPLES.iterdir()):
        report = import_convention(path)
        assert report.get("convention", "created") == 1, path.name
    assert Convention.objects.count() == 5


def test_examples_give_the_routes_of_their_conventions(db):
    for path in sorted(EXAMPLES.iterdir()):
        import_convention(path)
    # The matrices name "school" at level 0: every covered school got its level-0 desk.
    assert Desk.objects.filter(level=0).count() == School.objects.count() == 16

    nice = Convention.objects.get(reference="DSDEN06-VILLENEUVE-LOUBET-2023")
    assert nice.schools.count() == 8 and nice.product.name == "ONE"
    assert route(nice, "usage", "0060768C") == (0, "n0-0060768c")
    assert route(nice, "usage", "0060768C", above=0) == (1, "erun-antibes")
    assert route(nice, "network_hardware", "0060768C", above=0) == (1, "villeneuve-loubet-tech")
    assert route(nice, "malfunction", "0060768C", above=1) == (3, "ode-support")

    maguelone = Convention.objects.get(reference="OCCITANIE-VILLENEUVE-LES-MAGUELONE-2022DECAD076")
    assert maguelone.schools.count() == 2 and maguelone.fee_per_school == 45
    # Decision 2022DECAD076: from the signature (10/10/2022) to 1 September 2023, the first day of
    # the next school year.
    assert maguelone.region.code == "OCC" and maguelone.school_years == ["2022-2023", "2023-2024"]
    assert (str(maguelone.starts_on), str(maguelone.ends_on)) == ("2022-10-10", "2023-09-01")

    grand_est = Convention.objects.get(reference="GRAND-EST-ENT-2023")
    assert grand_est.sla_policy_reference == "grand-est-99.7"
    assert route(grand_est, "usage", "0570098X") == (0, "n0-0570098x")
    assert route(grand_est, "network_hardware", "0570098X") == (1, "moselle-tech")  # level 0 skipped
    assert route(grand_est, "network_hardware", "0573456X") == (1, "region-ge-tech")  # a lycée: the Région
    assert route(grand_est, "usage", "0570098X", above=0) == (1, "guichet-nancy-metz")
    assert route(grand_est, "vie_scolaire", "0570098X", above=0) == (1, "kosmos-vie-scolaire")
    assert grand_est.routes.get(level=1, category="vie_scolaire").direct_access
    assert grand_est.fallback_desk.slug == "guichet-nancy-metz"
    assert route(grand_est, "malfunction", "0570098X", above=1) == (2, "kosmos-n2")
    assert route(grand_est, "malfunction", "0570098X", above=2) == (3, "kosmos-n3")

    chain = Convention.objects.get(reference="MONTPELLIER-ENT-ECOLE-SETE-2020")
    assert chain.fee_per_school == 50
    assert [route(chain, "malfunction", "0341301E", above=n)[1] for n in (0, 1, 2)] == ["erun-sete", "dsi-montpellier", "ode-support"]
    assert route(chain, "network_hardware", "0341301E", above=0) == (1, "sete-tech")  # found by its commune code
    assert route(maguelone, "usage", "0341255E", above=0) == (1, "erun-lattes")
    assert route(maguelone, "network_hardware", "0341255E", above=0) == (1, "maguelone-tech")
    assert route(maguelone, "third_party", "0341255E", above=0) == (1, "gar-montpellier")
    assert Desk.objects.get(slug="gar-montpellier").speciality == "gar"


def test_examples_update_the_demo_world_in_place(world):
    report = import_convention(EXAMPLES / "grand-est.yaml")
    assert report.get("convention", "unchanged") == 1 and report.get("ligne de matrice", "unchanged") == 8
    assert report.get("guichet", "created") == 0


def test_second_import_creates_nothing(db):
    path = EXAMPLES / "alpes-maritimes-villeneuve-loubet.yaml"
    import_convention(path)
    again = import_convention(path)
    created = {kind: n for (kind, action), n in again.counts.items() if action == "created"}
    assert created == {}
    assert again.get("convention", "unchanged") == 1 and again.get("école couverte", "unchanged") == 8


def edited(tmp_path, source, name="convention.yaml", **changes):
    """A copy of an example with some top-level keys replaced."""
    data = yaml.safe_load((EXAMPLES / source).read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def errors_of(path):
    with pytest.raises(ImportFileError) as exc:
        import_convention(path)
    return exc.value.errors


def test_overlapping_coverage_names_school_and_other_convention(tmp_path, world):
    path = edited(tmp_path, "alpes-maritimes-villeneuve-loubet.yaml", reference="NICE-BIS")
    errors = errors_of(path)
    assert errors[0].startswith("schools[0] : l'école 0062050W est déjà couverte")
    assert "DSDEN06-VILLENEUVE-LOUBET-2023" in errors[0]
    assert not Convention.objects.filter(reference="NICE-BIS").exists()


def test_invalid_and_unknown_uai_name_their_index(tmp_path, db):
    path = edited(tmp_path, "occitanie-villeneuve-les-maguelone.yaml", schools=["0341255E", "0342026A", "0341301E"])
    errors = errors_of(path)
    assert any(e.startswith("schools[1] : ") and "lettre de contrôle attendue est T" in e for e in errors)
    assert any(e.startswith("schools[0] : école inconnue (UAI 0341255E)") for e in errors)
    assert not Convention.objects.exists() and not School.objects.exists() and not Desk.objects.exists()


def test_invalid_siret_names_the_field(tmp_path, db):
    path = edited(tmp_path, "grand-est.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parties"]["collectivites"][1]["siret"] = "20000017900017"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = errors_of(path)
    assert any(e.startswith("parties.collectivites[1].siret : ") and "clé de contrôle" in e for e in errors)
    assert not Convention.objects.exists()


def test_unknown_academie_and_unknown_desk(tmp_path, db):
    path = tmp_path / "c.yaml"
    data = yaml.safe_load((EXAMPLES / "occitanie-villeneuve-les-maguelone.yaml").read_text(encoding="utf-8"))
    data["parties"]["academie"] = "99"
    data["parties"].pop("region_academique")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any(e.startswith("parties.academie : académie inconnue (code 99)") for e in errors_of(path))

    data = yaml.safe_load((EXAMPLES / "occitanie-villeneuve-les-maguelone.yaml").read_text(encoding="utf-8"))
    data["support_matrix"][1]["desk"] = "nowhere"
    data["support_matrix"][4]["desk"] = "erun-lattes"
    data["support_matrix"].append({"level": 2, "category": "usage", "desk": "school"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = errors_of(path)
    assert "support_matrix[1].desk : guichet inconnu « nowhere » ; déclarez-le dans desks." in errors
    assert any(e.startswith("support_matrix[4].desk : le guichet « erun-lattes » est de niveau 1, pas 2") for e in errors)
    assert any(e.startswith("support_matrix[6].desk : « school » (guichet de l'école) n'existe qu'au niveau 0") for e in errors)
    assert not Convention.objects.exists() and not Desk.objects.exists()


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("bad.yaml", "reference: X\nparties: [unclosed\n", r"bad.yaml, ligne \d+, colonne \d+ : YAML invalide"),
        ("bad.json", '{"reference": "X",}', r"bad.json, ligne 1, colonne \d+ : JSON invalide"),
        ("list.yaml", "- a\n- b\n", "une convention est un objet"),
    ],
)
def test_malformed_files_are_refused(tmp_path, db, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_convention", str(path))
    assert not Convention.objects.exists()


def test_dates_must_be_ordered(tmp_path, db):
    path = edited(tmp_path, "occitanie-villeneuve-les-maguelone.yaml", validity={"starts_on": "2023-09-01", "ends_on": "2022-08-31"})
    assert "validity.ends_on : la fin de validité précède le début." in errors_of(path)


def test_command_prints_summary(db, capsys):
    call_command("import_convention", str(EXAMPLES / "montpellier-ent-ecole.json"))
    out = capsys.readouterr().out
    assert "convention : 1 créé(s)" in out and "rejet(s) : 0" in out


def test_a_cell_without_party_for_a_school_is_refused_naming_school_and_cell(tmp_path, db):
    # Sète's circonscription has no level-1 desk: "the school's circonscription" names nobody.
    data = yaml.safe_load((EXAMPLES / "montpellier-ent-ecole.json").read_text(encoding="utf-8"))
    data["desks"] = [d for d in data["desks"] if d["slug"] != "erun-sete"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    errors = errors_of(path)
    assert len(errors) == 1, errors
    assert errors[0].startswith("support_matrix[1] : niveau 1, catégorie * (Guichet de la circonscription de l'école)")
    assert "0341301E" in errors[0] and "Circonscription de Sète n'a pas de guichet de niveau 1" in errors[0]
    assert not Convention.objects.exists() and not Desk.objects.exists() and not School.objects.exists()


def test_the_fallback_desk_does_not_excuse_an_unroutable_cell(tmp_path, db):
    # A lycée in a convention whose only collectivité is a Département: nobody is competent for
    # its network. The fallback desk is for later changes, not for a matrix that routes nowhere.
    data = yaml.safe_load((EXAMPLES / "grand-est.yaml").read_text(encoding="utf-8"))
    data["parties"]["collectivites"] = data["parties"]["collectivites"][:1]
    data["schools"][2].pop("collectivite")
    data["desks"] = [d for d in data["desks"] if d["slug"] != "region-ge-tech"]
    assert data["fallback_desk"] == "guichet-nancy-metz"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = errors_of(path)
    assert len(errors) == 1, errors
    assert errors[0].startswith("support_matrix[3] : niveau 1, catégorie network_hardware (Collectivité compétente pour l'école)")
    assert "0573456X" in errors[0] and "Lycée" in errors[0]
    assert not Convention.objects.exists()


def test_an_editor_without_desk_is_importable_it_is_forwarded(tmp_path, db):
    data = yaml.safe_load((EXAMPLES / "alpes-maritimes-villeneuve-loubet.yaml").read_text(encoding="utf-8"))
    data["desks"] = [d for d in data["desks"] if d["owner"].get("vendor") is None]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    import_convention(path)
    assert Convention.objects.get().routes.get(level=3).resolver == "editor"


def test_new_syntax_errors_name_their_field(tmp_path, db):
    data = yaml.safe_load((EXAMPLES / "poitiers-vienne-ecoles.yaml").read_text(encoding="utf-8"))
    data["fallback_desk"] = "nowhere"
    data["desks"][1]["speciality"] = "cdi"
    data["desks"][0]["speciality"] = "gar"  # a vendor's desk
    data["resources"][0]["is_gar"] = "yes"
    data["resources"].append({"slug": "x", "name": "X", "editor": {"slug": "y", "support_email": "pas-une-adresse"}})
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = errors_of(path)
    for where in ("fallback_desk : guichet inconnu « nowhere »", "desks[1].speciality : spécialité inconnue « cdi »",
                  "desks[0].speciality : un guichet GAR", "resources[0].is_gar : true ou false",
                  "resources[1].editor.support_email : adresse e-mail invalide"):
        assert any(e.startswith(where) for e in errors), (where, errors)
    assert not Convention.objects.exists() and not Desk.objects.exists()

    data = yaml.safe_load((EXAMPLES / "poitiers-vienne-ecoles.yaml").read_text(encoding="utf-8"))
    data["support_matrix"][1]["direct_access"] = "oui"
    data["support_matrix"][2]["desk"] = {"collectivite": True}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = errors_of(path)
    for where in ("support_matrix[1].direct_access : true ou false",
                  "support_matrix[2].desk : slug d'un guichet ou l'une des parties « school », « circonscription »"):
        assert any(e.startswith(where) for e in errors), (where, errors)
    assert not Convention.objects.exists() and not Desk.objects.exists()


def test_resources_and_their_editors_are_upserted(db):
    from directory.models import Resource

    import_convention(EXAMPLES / "poitiers-vienne-ecoles.yaml")
    atlas = Resource.objects.get(slug="atlas-interactif-gar")
    assert atlas.is_gar and atlas.editor.support_email == "support@cartographia.example"
    assert not atlas.editor.desks.exists()
    again = import_convention(EXAMPLES / "poitiers-vienne-ecoles.yaml")
    assert again.get("ressource", "unchanged") == 1 and again.get("éditeur", "unchanged") == 2
