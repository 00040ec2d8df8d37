"""`import_schools`: the open-data "Annuaire de l'éducation" CSV export → schools.

The file is semicolon-separated UTF-8 (with or without BOM). Rows are upserted by UAI in bulk:
everything already in the database is loaded once into dicts, new rows go through `bulk_create`
and changed rows through `bulk_update`, so that the ~66,000-row national file imports in seconds.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction

from directory.choices import SchoolKind
from directory.models import Academie, Circonscription, Collectivite, School
from directory.validators import normalize_uai, validate_uai

from .academies import academie_defaults, normalize_academie_code
from .base import ImportFileError, ImportReport

COL_UAI = "Identifiant_de_l_etablissement"
COL_NAME = "Nom_etablissement"
COL_TYPE = "Type_etablissement"
COL_COMMUNE_CODE = "Code_commune"
COL_COMMUNE = "Nom_commune"
COL_ACADEMIE = "Code_academie"
COL_ACADEMIE_LABEL = "Libelle_academie"
COL_CIRCONSCRIPTION = "nom_circonscription"
COL_MATERNELLE = "Ecole_maternelle"
COL_ELEMENTAIRE = "Ecole_elementaire"
COL_SIRET = "SIREN_SIRET"
COL_MAIL = "Mail"
REQUIRED_COLUMNS = (COL_UAI, COL_NAME, COL_ACADEMIE)
KNOWN_COLUMNS = (
    COL_UAI, COL_NAME, COL_TYPE, COL_COMMUNE_CODE, COL_COMMUNE, "Code_departement", COL_ACADEMIE,
    COL_ACADEMIE_LABEL, COL_CIRCONSCRIPTION, COL_MATERNELLE, COL_ELEMENTAIRE, COL_SIRET, COL_MAIL,
)
BATCH_SIZE = 1000
UPDATABLE_FIELDS = ["name", "kind", "commune_code", "commune", "email", "academie_id", "circonscription_id", "collectivite_id"]

_email_ok = EmailValidator()


class _DryRun(Exception):
    pass


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Case- and accent-insensitive key ("Lycée" == "LYCEE")."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()


def _yes(value: str) -> bool:
    return _fold(value) in {"1", "oui", "o", "true", "vrai", "x"}


@functools.lru_cache(maxsize=1024)
def school_kind(type_label: str, maternelle: str, elementaire: str) -> str:
    folded = _fold(type_label)
    if folded.startswith("ecole"):
        mat, elem = _yes(maternelle), _yes(elementaire)
        if mat and not elem:
            return SchoolKind.MATERNELLE
        if elem and not mat:
            return SchoolKind.ELEMENTAIRE
        return SchoolKind.PRIMAIRE
    if folded.startswith("college"):
        return SchoolKind.COLLEGE
    if folded.startswith("lycee"):
        return SchoolKind.LYCEE
    return SchoolKind.OTHER


def read_csv(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Decode and split the file; raise ImportFileError on anything that makes it unreadable.

    Returns the header and (line number, row) pairs; line numbers count the header as line 1,
    as a spreadsheet would show them.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path} : lecture impossible ({exc.strerror or exc}).") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{path.name} : encodage invalide à la ligne {line} (octet 0x{raw[exc.start]:02x}) — le fichier doit être en UTF-8."
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(f"{path.name} : fichier vide, ligne d'en-tête attendue.") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}, ligne 1 : CSV illisible ({exc}).") from exc
    # Column names are matched without regard to case, as exports vary.
    by_fold = {h.casefold(): i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED_COLUMNS if c.casefold() not in by_fold]
    if missing:
        hint = " (le séparateur attendu est « ; »)" if len(header) == 1 and "," in header[0] else ""
        raise ImportFileError(f"{path.name} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}{hint}.")
    index = {c: by_fold[c.casefold()] for c in KNOWN_COLUMNS if c.casefold() in by_fold}
    rows = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            rows.append((reader.line_num, {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}))
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}, ligne {reader.line_num} : CSV illisible ({exc}).") from exc
    return [c for c in KNOWN_COLUMNS if c in index], rows


def import_schools(path, *, create_academies: bool = False, strict: bool = False, dry_run: bool = False) -> ImportReport:
    """Upsert the schools of an "Annuaire de l'éducation" export; one transaction.

    A row is rejected (and reported with its line number) for an invalid UAI, a missing name,
    an unknown académie (unless `create_academies` and the built-in table knows its zone) or a
    duplicate UAI. With `strict`, any rejection aborts the whole import; `dry_run` reports
    without writing.
    """
    columns, rows = read_csv(path)
    report = ImportReport()
    try:
        with transaction.atomic():
            _import_rows(columns, rows, report, create_academies)
            if strict and report.rejected:
                raise ImportFileError([f"{r}" for r in report.rejected] + ["Import strict : rien n'a été écrit."])
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.notes.append("simulation (--dry-run) : rien n'a été écrit.")
    return report


def _import_rows(columns, rows, report: ImportReport, create_academies: bool) -> None:
    academies = {normalize_academie_code(a.code): a for a in Academie.objects.all()}
    circonscriptions = {(c.academie_id, _fold(c.name)): c for c in Circonscription.objects.all()}
    circ_codes = set(Circonscription.objects.values_list("code", flat=True))
    collectivites = {c.siret: c.pk for c in Collectivite.objects.exclude(siret="").only("pk", "siret")}
    existing = {s.uai: s for s in School.objects.only("pk", "uai", *UPDATABLE_FIELDS)}
    has = set(columns).__contains__

    seen: dict[str, int] = {}
    to_create: list[School] = []
    to_update: list[School] = []
    new_circonscriptions: list[Circonscription] = []
    pending: list[tuple[School, Circonscription]] = []  # rows whose district is not saved yet

    for line, row in rows:
        where = f"ligne {line}"
        uai = normalize_uai(row[COL_UAI])
        try:
            validate_uai(uai)
        except ValidationError as exc:
            report.reject(f"{where}, {COL_UAI}", exc.messages[0])
            continue
        if uai in seen:
            report.reject(f"{where}, {COL_UAI}", f"UAI {uai} en double (déjà vu ligne {seen[uai]}).")
            continue
        seen[uai] = line
        name = row[COL_NAME]
        if not name:
            report.reject(f"{where}, {COL_NAME}", f"nom d'établissement vide pour {uai}.")
            continue
        if len(name) > 200:
            report.reject(f"{where}, {COL_NAME}", f"nom trop long ({len(name)} caractères, 200 au plus).")
            continue

        code = normalize_academie_code(row[COL_ACADEMIE])
        academie = academies.get(code)
        if academie is None:
            if not code:
                report.reject(f"{where}, {COL_ACADEMIE}", f"code académie vide pour {uai}.")
                continue
            defaults = academie_defaults(code, row.get(COL_ACADEMIE_LABEL, ""))
            if not create_academies:
                report.reject(f"{where}, {COL_ACADEMIE}", f"académie inconnue (code {code}) ; relancez avec --create-academies pour la créer.")
                continue
            if defaults is None:
                report.reject(f"{where}, {COL_ACADEMIE}", f"académie inconnue (code {code}) et absente de la table des zones de vacances : créez-la d'abord.")
                continue
            academie = academies[code] = Academie.objects.create(code=code, **defaults)
            report.count("académie", "created")

        circ = None
        circ_name = row.get(COL_CIRCONSCRIPTION, "") if has(COL_CIRCONSCRIPTION) else ""
        if circ_name:
            key = (academie.pk, _fold(circ_name))
            circ = circonscriptions.get(key)
            if circ is None:
                # Saved in bulk after the loop; rows keep the object until then.
                circ = circonscriptions[key] = Circonscription(
                    code=_circonscription_code(academie.code, circ_name, circ_codes), name=circ_name[:120], academie=academie,
                )
                new_circonscriptions.append(circ)

        email = row.get(COL_MAIL, "")
        if email:
            try:
                _email_ok(email)
            except ValidationError:
                report.count("adresse électronique invalide", "skipped")
                email = ""

        values = {
            "name": name,
            "kind": school_kind(row.get(COL_TYPE, ""), row.get(COL_MATERNELLE, ""), row.get(COL_ELEMENTAIRE, "")),
            "academie_id": academie.pk,
        }
        if has(COL_COMMUNE_CODE):
            values["commune_code"] = row[COL_COMMUNE_CODE][:8]
        if has(COL_COMMUNE):
            values["commune"] = row[COL_COMMUNE][:120]
        # Empty cells never erase what an administrator set by hand.
        if email:
            values["email"] = email
        collectivite_id = collectivites.get(row.get(COL_SIRET, "").replace(" ", ""))
        # A district created by this run has no pk yet: the row waits in `pending`.
        circ_new = circ is not None and circ.pk is None
        if circ is not None and not circ_new:
            values["circonscription_id"] = circ.pk

        school = existing.get(uai)
        if school is None:
            school = School(uai=uai, collectivite_id=collectivite_id, **values)
            to_create.append(school)
            if circ_new:
                pending.append((school, circ))
            continue
        if circ_new:
            pending.append((school, circ))
        elif circ is None and values["academie_id"] != school.academie_id:
            values["circonscription_id"] = None  # a district of the old académie no longer applies
        if collectivite_id and not school.collectivite_id:
            values["collectivite_id"] = collectivite_id
        changed = [f for f, v in values.items() if getattr(school, f) != v]
        if changed or circ_new:
            for f in changed:
                setattr(school, f, values[f])
            to_update.append(school)
        else:
            report.count("école", "unchanged")

    Circonscription.objects.bulk_create(new_circonscriptions, batch_size=BATCH_SIZE)
    if new_circonscriptions and new_circonscriptions[0].pk is None:  # backends that return no ids
        ids = dict(Circonscription.objects.filter(code__in=[c.code for c in new_circonscriptions]).values_list("code", "pk"))
        for c in new_circonscriptions:
            c.pk = ids[c.code]
    for school, circ in pending:
        school.circonscription_id = circ.pk
    report.count("circonscription", "created", len(new_circonscriptions))
    School.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _bulk_update(to_update)
    report.count("école", "created", len(to_create))
    report.count("école", "updated", len(to_update))


def _bulk_update(schools: list[School]) -> None:
    """One parametrised UPDATE per row through executemany.

    Django's bulk_update builds CASE WHEN expressions that grow quadratically slow on SQLite;
    executemany of a prepared statement is linear on both SQLite and PostgreSQL.
    """
    if not schools:
        return
    table = connection.ops.quote_name(School._meta.db_table)
    columns = [School._meta.get_field(f.removesuffix("_id")).column for f in UPDATABLE_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s"  # nosec B608 - quoted model column names, values bound
    with connection.cursor() as cursor:
        for start in range(0, len(schools), BATCH_SIZE):
            batch = schools[start:start + BATCH_SIZE]
            cursor.executemany(sql, [[getattr(s, f) for f in UPDATABLE_FIELDS] + [s.pk] for s in batch])


def _circonscription_code(academie_code: str, name: str, taken: set[str]) -> str:
    """A stable code for a district known only by name (the open data gives no code)."""
    digest = hashlib.sha1(_fold(name).encode(), usedforsecurity=False).hexdigest()
    for size in range(8, 13):
        code = f"{academie_code}-{digest[:size]}"[:16]
        if code not in taken:
            taken.add(code)
            return code
    raise ImportFileError(f"impossible d'attribuer un code à la circonscription « {name} ».")
