"""import_aaf on generated AAF exports (ficAlimMENESR)."""

import pytest
from django.core.management import CommandError, call_command

from directory.importers.aaf import import_aaf
from directory.models import Academie, Desk, Membership, School, User


def attr(name, *values):
    return f'<attr name="{name}">' + "".join(f"<value>{v}</value>" for v in values) + "</attr>"


def request(op, ident, *attrs):
    body = f"<attributes>{''.join(attrs)}</attributes>" if op != "deleteRequest" else ""
    return f"<{op}><operationalAttributes>{attr('srcDeleted', 'No')}</operationalAttributes><identifier><id>{ident}</id></identifier>{body}</{op}>"


def xml(*requests):
    return '<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>' + "".join(requests) + "</ficAlimMENESR>\n"


ETAB = xml(
    request("addRequest", "9001", attr("ENTStructureUAI", "0341255E"), attr("ENTStructureNomCourant", "ECOLE ELEMENTAIRE PUBLIQUE PIERRE BOUISSINET"),
            attr("ENTStructureTypeStruct", "ECOLE DE NIVEAU ELEMENTAIRE"), attr("l", "VILLENEUVE LES MAGUELONE")),
    request("addRequest", "9002", attr("ENTStructureUAI", "0342026T"), attr("ENTStructureNomCourant", "ECOLE ELEMENTAIRE PUBLIQUE FRANCOISE DOLTO"),
            attr("ENTStructureTypeStruct", "ECOLE DE NIVEAU ELEMENTAIRE")),
)
PERS = xml(
    request("addRequest", "AAF-1", attr("sn", "BERNARD"), attr("givenName", "Dominique"), attr("ENTPersonNomPatro", "BERNARD"),
            attr("ENTPersonLogin", "dbernard"), attr("mail", "dominique.bernard@ac-montpellier.fr"),
            attr("ENTPersonStructRattach", "9001"), attr("ENTPersonFonctions", "9001$DIR$DIRECTION", "9001$ENS$ENSEIGNEMENT"),
            attr("ENTPersonProfils", "National_DIR")),
    request("addRequest", "AAF-2", attr("sn", "MARTIN"), attr("givenName", "Camille"),
            attr("ENTPersonStructRattach", "9002"), attr("ENTPersonFonctions", "9002$ENS$ENSEIGNEMENT")),
)


@pytest.fixture
def montpellier(db):
    return Academie.objects.create(code="11", name="Académie de Montpellier", holiday_zone="C")


def export(tmp_path, etab=ETAB, pers=PERS, extra=None):
    d = tmp_path / "aaf"
    d.mkdir(exist_ok=True)
    (d / "ENT_0340000A_Complet_20240901_EtabEducNat_0000.xml").write_text(etab, encoding="utf-8")
    (d / "ENT_0340000A_Complet_20240901_PersEducNat_0000.xml").write_text(pers, encoding="utf-8")
    for name, text in (extra or {}).items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_schools_staff_and_director_as_level0_contact(tmp_path, montpellier):
    report = import_aaf(export(tmp_path), academie_code="11")
    assert report.get("école", "created") == 2 and report.get("compte", "created") == 2 and not report.rejected
    director = User.objects.get(aaf_id="AAF-1")
    assert director.username == "dbernard" and not director.has_usable_password()
    school = School.objects.get(uai="0341255E")
    assert school.kind == "elementaire"
    assert Membership.objects.filter(user=director, role="requester", school=school).exists()
    contact = Membership.objects.get(user=director, role="agent")
    assert contact.is_school_contact and contact.desk.level == 0 and contact.desk.school == school
    teacher = User.objects.get(aaf_id="AAF-2")
    assert teacher.username == "camille.martin"
    assert not Membership.objects.filter(user=teacher, role="agent").exists()


def test_second_run_creates_nothing(tmp_path, montpellier):
    d = export(tmp_path)
    import_aaf(d, academie_code="11")
    again = import_aaf(d, academie_code="11")
    assert again.get("compte", "created") == 0 and again.get("école", "created") == 0
    assert again.get("compte", "unchanged") == 2 and again.get("appartenance", "created") == 0
    assert Desk.objects.filter(level=0).count() == 1 and Membership.objects.count() == 3


def test_existing_level0_desk_is_reused(tmp_path, world):
    desk = world.desks["n0-0341255E"]
    etab = ETAB.replace("0342026T", "0341301E").replace("FRANCOISE DOLTO", "JEAN MOULIN")
    import_aaf(export(tmp_path, etab=etab))
    contact = Membership.objects.get(user__aaf_id="AAF-1", role="agent")
    assert contact.desk == desk


def test_delete_request_deactivates_without_deleting(tmp_path, montpellier):
    import_aaf(export(tmp_path), academie_code="11")
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "ENT_0340000A_Delta_20241001_PersEducNat_0000.xml").write_text(xml(request("deleteRequest", "AAF-2")), encoding="utf-8")
    report = import_aaf(delta)
    assert report.get("compte", "deactivated") == 1
    teacher = User.objects.get(aaf_id="AAF-2")
    assert not teacher.is_active and teacher.memberships.exists()


def test_modify_request_updates_the_account(tmp_path, montpellier):
    import_aaf(export(tmp_path), academie_code="11")
    delta = tmp_path / "delta"
    delta.mkdir()
    modify = xml('<modifyRequest><identifier><id>AAF-2</id></identifier><modifications>'
                 '<modification name="sn" operation="replace"><value>MARTIN-DURAND</value></modification>'
                 '<modification name="ENTPersonStructRattach" operation="replace"><value>0342026T</value></modification>'
                 '</modifications></modifyRequest>')
    (delta / "Delta_PersEducNat_0001.xml").write_text(modify, encoding="utf-8")
    report = import_aaf(delta)
    assert report.get("compte", "updated") == 1
    assert User.objects.get(aaf_id="AAF-2").last_name == "MARTIN-DURAND"


def test_pupils_and_parents_files_are_ignored_with_a_note(tmp_path, montpellier):
    pupils = xml(request("addRequest", "ELV-1", attr("sn", "ELEVE"), attr("ENTEleveClasses", "CM1")))
    d = export(tmp_path, extra={"ENT_Complet_Eleve_0000.xml": pupils, "ENT_Complet_PersRelEleve_0000.xml": pupils})
    report = import_aaf(d, academie_code="11")
    assert not User.objects.filter(aaf_id="ELV-1").exists()
    notes = " ".join(report.notes)
    assert "Eleve_0000.xml ignoré" in notes and "PersRelEleve_0000.xml ignoré" in notes and "minimisation" in notes


def test_rejections_invalid_uai_unknown_school_and_structure(tmp_path, db):
    etab = xml(request("addRequest", "9001", attr("ENTStructureUAI", "0341255F"), attr("ENTStructureNomCourant", "X")),
               request("addRequest", "9002", attr("ENTStructureUAI", "0342026T"), attr("ENTStructureNomCourant", "Y")))
    report = import_aaf(export(tmp_path, etab=etab))
    reasons = [str(r) for r in report.rejected]
    assert any("requête 1 (id 9001), ENTStructureUAI" in r and "lettre de contrôle attendue est E" in r for r in reasons)
    assert any("requête 2 (id 9002)" in r and "précisez --academie" in r for r in reasons)
    assert any("PersEducNat_0000.xml, requête 1 (id AAF-1), ENTPersonStructRattach" in r and "9001" in r for r in reasons)
    assert not User.objects.exists() and not School.objects.exists()


def test_malformed_xml_is_refused_and_nothing_is_written(tmp_path, montpellier):
    broken = PERS.replace("</ficAlimMENESR>", "<addRequest>")
    with pytest.raises(CommandError, match=r"PersEducNat_0000.xml, ligne \d+, colonne \d+ : XML mal formé"):
        call_command("import_aaf", str(export(tmp_path, pers=broken)), "--academie", "11")
    assert not School.objects.exists() and not User.objects.exists()


def test_wrong_root_element_is_refused(tmp_path, montpellier):
    with pytest.raises(CommandError, match="ficAlimMENESR"):
        call_command("import_aaf", str(export(tmp_path, etab="<?xml version='1.0'?><other/>")))


def test_entity_expansion_is_refused(tmp_path, montpellier):
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ficAlimMENESR>&a;</ficAlimMENESR>'
    with pytest.raises(Exception):
        import_aaf(export(tmp_path, etab=bomb), academie_code="11")
    assert not School.objects.exists()
