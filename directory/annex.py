"""Import of an avenant's annex, « Liste des écoles inscrites à l'ENT-école » (Montpellier 2020,
annexe 1): one UAI a line, optionally followed by the school's name (CSV with « ; », « , » or a
tab, or plain text; a first line naming the columns, empty lines and lines starting with « # » are
skipped). All or nothing: every rejected line is explained in French with its number, and nothing
is recorded while one is wrong."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import Convention, School
from .validators import normalize_uai, validate_uai

MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self):
        return f"Ligne {self.line} : {self.message}"


class AnnexRejected(ValidationError):
    def __init__(self, errors: list[LineError]):
        self.line_errors = errors
        super().__init__({"annex": [str(e) for e in errors]})


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise AnnexRejected([LineError(0, f"fichier trop volumineux (plus de {MAX_BYTES // 1024} Ko).")])
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AnnexRejected([LineError(0, "encodage illisible (UTF-8 ou Windows-1252 attendu).")])


def _cells(line: str) -> list[str]:
    for delimiter in (";", "\t", ","):
        if delimiter in line:
            return [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
    parts = line.split(None, 1)
    return [p.strip() for p in parts]


def _academie_ok(convention: Convention, school: School) -> bool:
    if convention.academie_id:
        return school.academie_id == convention.academie_id
    return school.academie.region_id == convention.region_id


def parse_annex(text: str, convention: Convention, collectivites=()) -> list[School]:
    """The schools the annex lists, in its order; AnnexRejected with every bad line otherwise."""
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = _cells(line)
        if not rows and cells and cells[0].strip().lower().startswith("uai"):
            continue  # the header
        rows.append((number, cells))
    errors: list[LineError] = []
    if not rows:
        raise AnnexRejected([LineError(1, "aucun UAI : une ligne par école, son UAI en premier (par exemple 0341301E).")])
    codes = [normalize_uai(cells[0]) for _n, cells in rows]
    known = {s.uai: s for s in School.objects.filter(uai__in=codes).select_related("academie", "collectivite")}
    parties = {c.pk: c for c in convention.collectivites.all()} | {c.pk: c for c in collectivites}
    seen: dict[str, int] = {}
    schools = []
    for (number, cells), code in zip(rows, codes):
        try:
            validate_uai(code)
        except ValidationError as exc:
            errors.append(LineError(number, exc.messages[0].replace(f"« {code} »", f"« {cells[0]} »")))
            continue
        if code in seen:
            errors.append(LineError(number, f"UAI {code} en double (déjà à la ligne {seen[code]})."))
            continue
        seen[code] = number
        school = known.get(code)
        if school is None:
            errors.append(LineError(number, f"école {code} inconnue de l'annuaire (importez-la d'abord depuis l'annuaire académique)."))
            continue
        if not _academie_ok(convention, school):
            party = convention.academie or convention.region
            errors.append(LineError(number, f"l'école {code} ({school.name}) relève de : {school.academie}, "
                                            f"pas de : {party}."))
            continue
        if school.collectivite_id and school.collectivite_id not in parties:
            names = ", ".join(sorted(c.name for c in parties.values())) or "aucune"
            errors.append(LineError(number, f"l'école {code} ({school.name}) relève de {school.collectivite}, qui n'est pas "
                                            f"partie à la convention ({names}) ; un RPI qui s'agrandit ajoute la commune par l'avenant."))
            continue
        schools.append(school)
    if errors:
        raise AnnexRejected(errors)
    return schools


def import_annex(actor, convention: Convention, *, school_year, sent_on, text, summary, collectivites=()):
    """Parse the annex and record the avenant (directory.services.record_school_list)."""
    from .services import record_school_list

    schools = parse_annex(text, convention, collectivites)
    return record_school_list(actor, convention, school_year=school_year, sent_on=sent_on, schools=schools,
                              summary=summary, collectivites=collectivites)
