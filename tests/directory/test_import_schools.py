"""import_schools on generated "Annuaire de l'éducation" files."""

import pytest
from django.core.management import CommandError, call_command

from directory.importers.schools import import_schools
from directory.models import Academie, Circonscription, School

HEADER = ("Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Code_commune;Nom_commune;"
          "Code_departement;Code_academie;Libelle_academie;nom_circonscription;Ecole_maternelle;Ecole_elementaire;SIREN_SIRET;Mail")


def write(tmp_path, *rows, header=HEADER, bom=True, name="annuaire.csv"):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


ROWS = (
    "0341255E;École élémentaire publique Pierre Bouissinet;Ecole;34337;Villeneuve-lès-Maguelone;034;11;Montpellier;Circonscription de Lattes;0;1;;ce.0341255e@ac-montpellier.fr",
    "0342026T;École élémentaire publique Françoise Dolto;Ecole;34337;Villeneuve-lès-Maguelone;034;11;Montpellier;Circonscription de Lattes;0;1;;",
    "0060768C;École maternelle Saint-Georges;Ecole;06161;Villeneuve-Loubet;006;23;Nice;Antibes Nord;1;0;;",
    "0570098X;Collège La Source;Collège;57463;Metz;057;12;Nancy-Metz;;0;0;;",
)


@pytest.fixture
def academies(db):
    return {
        "11": Academie.objects.create(code="11", name="Académie de Montpellier", holiday_zone="C"),
        "23": Academie.objects.create(code="23", name="Académie de Nice", holiday_zone="B"),
        "12": Academie.objects.create(code="12", name="Académie de Nancy-Metz", holiday_zone="B", holiday_subdivision="57"),
    }


def test_creates_schools_with_kind_district_and_commune(tmp_path, academies):
    report = import_schools(write(tmp_path, *ROWS))
    assert report.get("école", "created") == 4 and not report.rejected
    school = School.objects.get(uai="0341255E")
    assert school.kind == "elementaire" and school.commune == "Villeneuve-lès-Maguelone"
    assert school.circonscription.name == "Circonscription de Lattes" and school.circonscription.academie == academies["11"]
    assert School.objects.get(uai="0060768C").kind == "maternelle"
    assert School.objects.get(uai="0570098X").kind == "college"
    # One district per name and académie, shared by both Lattes schools.
    assert Circonscription.objects.count() == 2


def test_second_run_changes_nothing_and_a_renamed_row_is_updated(tmp_path, academies):
    path = write(tmp_path, *ROWS)
    import_schools(path)
    again = import_schools(path)
    assert again.get("école", "created") == 0 and again.get("école", "updated") == 0
    assert again.get("école", "unchanged") == 4
    renamed = write(tmp_path, ROWS[0].replace("Pierre Bouissinet", "P. Bouissinet"), *ROWS[1:], name="v2.csv")
    report = import_schools(renamed)
    assert report.get("école", "updated") == 1 and report.get("école", "unchanged") == 3
    assert School.objects.get(uai="0341255E").name == "École élémentaire publique P. Bouissinet"
    assert Circonscription.objects.count() == 2


def test_rejections_name_row_field_and_reason(tmp_path, academies):
    path = write(
        tmp_path,
        ROWS[0],
        "0341255F;Mauvaise lettre;Ecole;34337;X;034;11;Montpellier;;0;1;;",  # line 3
        "0130001F;Marseille;Ecole;13055;Marseille;013;02;Aix-Marseille;;0;1;;",  # line 4: unknown académie
        "0341255E;Doublon;Ecole;34337;X;034;11;Montpellier;;0;1;;",  # line 5
        "ABC;Pas un UAI;Ecole;;;;11;;;;;;",  # line 6
    )
    report = import_schools(path)
    assert report.get("école", "created") == 1
    messages = [str(r) for r in report.rejected]
    assert len(messages) == 4
    assert messages[0].startswith("ligne 3, Identifiant_de_l_etablissement") and "lettre de contrôle attendue est E" in messages[0]
    assert messages[1].startswith("ligne 4, Code_academie") and "académie inconnue (code 02)" in messages[1]
    assert messages[2].startswith("ligne 5") and "en double (déjà vu ligne 2)" in messages[2]
    assert messages[3].startswith("ligne 6")
    assert not School.objects.filter(uai="0130001F").exists()


def test_create_academies_uses_the_zone_table(tmp_path, db):
    path = write(tmp_path, "0130001F;École de Marseille;Ecole;13055;Marseille;013;2;Aix-Marseille;;0;1;;",
                 "7200001N;École de Bastia;Ecole;2B033;Bastia;02B;27;Corse;;1;1;;")
    assert import_schools(path).get("école", "created") == 0
    report = import_schools(path, create_academies=True)
    assert report.get("académie", "created") == 2 and report.get("école", "created") == 2
    assert Academie.objects.get(code="02").holiday_zone == "B"
    assert Academie.objects.get(code="27").holiday_zone == "Corse"
    assert School.objects.get(uai="7200001N").kind == "primaire"


def test_strict_mode_writes_nothing_when_a_row_is_rejected(tmp_path, academies):
    path = write(tmp_path, ROWS[0], "0341255F;Mauvaise lettre;Ecole;34337;X;034;11;Montpellier;;0;1;;")
    with pytest.raises(CommandError, match="ligne 3"):
        call_command("import_schools", str(path), "--strict")
    assert not School.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (("Nom_etablissement;Code_academie", "École;11"), "colonne(s) obligatoire(s) absente(s) : Identifiant_de_l_etablissement"),
        (("Identifiant_de_l_etablissement,Nom_etablissement,Code_academie", "0341255E,X,11"), "séparateur attendu est « ; »"),
        ((), "fichier vide"),
    ],
)
def test_malformed_file_is_refused_with_nothing_written(tmp_path, academies, content, message):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(content), encoding="utf-8")
    with pytest.raises(CommandError, match="rien n'a été écrit") as exc:
        call_command("import_schools", str(path))
    assert message in str(exc.value)
    assert not School.objects.exists()


def test_bad_encoding_names_the_line(tmp_path, academies):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + ROWS[0] + "\n").encode("latin-1", errors="replace"))
    with pytest.raises(CommandError, match=r"encodage invalide à la ligne 2"):
        call_command("import_schools", str(path))
    assert not School.objects.exists()


def test_crash_midway_rolls_everything_back(tmp_path, academies, monkeypatch):
    from directory.importers import schools as module

    def boom(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_bulk_update", boom)
    with pytest.raises(RuntimeError):
        import_schools(write(tmp_path, *ROWS))
    assert not School.objects.exists() and not Circonscription.objects.exists()


def test_command_prints_summary(tmp_path, academies, capsys):
    call_command("import_schools", str(write(tmp_path, *ROWS, bom=False)))
    out = capsys.readouterr().out
    assert "école : 4 créé(s)" in out and "rejet(s) : 0" in out
