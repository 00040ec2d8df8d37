"""`import_aaf`: AAF XML exports (root `ficAlimMENESR`) → schools and staff accounts.

Files are classified by name: `EtabEducNat` (schools) and `PersEducNat` (staff) are imported;
`Eleve` and `PersRelEleve` (pupils, parents) are skipped on purpose — data minimisation: the
helpdesk has no use for them. Every file is parsed (defusedxml, iterparse) before anything is
written, so a malformed file aborts the import with nothing written.

Staff: `identifier/id` becomes `User.aaf_id`; the username is `ENTPersonLogin` when given and free,
else generated from the names. Each person is a requester of the schools of `ENTPersonStructRattach`
and `ENTPersonFonctions`; the function `DIR` (directeur d'école) makes them the school's level-0
contact (agent of the school's level-0 desk, created if missing). `deleteRequest` deactivates the
account; history is never deleted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError  # nosec B405 - exception class only; parsing is defusedxml

from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from directory.choices import Level, Role, SchoolKind
from directory.models import Academie, Desk, Membership, School, User
from directory.validators import normalize_uai, validate_uai

from .academies import normalize_academie_code
from .base import ImportFileError, ImportReport

REQUESTS = ("addRequest", "modifyRequest", "deleteRequest")
DIRECTOR_FUNCTIONS = {"DIR"}
_email_ok = EmailValidator()


@dataclass
class AafRequest:
    file: str
    index: int  # 1-based position of the request in its file
    operation: str  # add / modify / delete
    identifier: str
    attrs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.file}, requête {self.index} (id {self.identifier or '?'})"

    def first(self, name: str) -> str:
        values = self.attrs.get(name) or [""]
        return values[0].strip()


def classify(path: Path) -> str | None:
    name = path.name.lower()
    if "persreleleve" in name:
        return "parents"
    if "etabeducnat" in name:
        return "schools"
    if "perseducnat" in name:
        return "staff"
    if "eleve" in name:
        return "pupils"
    return None


def parse_file(path: Path) -> list[AafRequest]:
    """All requests of one AAF file; ImportFileError (with line and column) if it is not well-formed."""
    out: list[AafRequest] = []
    root_checked = False
    try:
        for event, elem in iterparse(str(path), events=("start", "end")):
            if event == "start":
                if not root_checked:
                    if elem.tag != "ficAlimMENESR":
                        raise ImportFileError(f"{path.name} : élément racine « ficAlimMENESR » attendu, « {elem.tag} » trouvé.")
                    root_checked = True
                continue
            if elem.tag in REQUESTS:
                out.append(_request(path.name, len(out) + 1, elem))
                elem.clear()
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportFileError(f"{path.name}, ligne {line}, colonne {column} : XML mal formé ({exc}).") from exc
    if not root_checked:
        raise ImportFileError(f"{path.name} : fichier vide.")
    return out


def _request(file: str, index: int, elem) -> AafRequest:
    operation = elem.tag.removesuffix("Request")
    identifier = (elem.findtext("identifier/id") or "").strip()
    attrs: dict[str, list[str]] = {}
    # addRequest: attributes/attr[@name]/value; modifyRequest: modifications/modification[@name]/value
    # (some exports also use attributes/attr in modifyRequest).
    for attr in elem.iter():
        if attr.tag in ("attr", "modification") and attr.get("name"):
            attrs[attr.get("name")] = [(v.text or "").strip() for v in attr.findall("value")]
    return AafRequest(file, index, operation, identifier, attrs)


def import_aaf(directory, *, academie_code: str | None = None, dry_run: bool = False) -> ImportReport:
    """Import every AAF file of `directory` in one transaction."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFileError(f"{directory} : répertoire introuvable.")
    report = ImportReport()
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".xml")
    if not files:
        raise ImportFileError(f"{directory} : aucun fichier AAF (*.xml).")
    parsed: dict[str, list[AafRequest]] = {"schools": [], "staff": []}
    for path in files:
        kind = classify(path)
        if kind in ("pupils", "parents"):
            who = "élèves" if kind == "pupils" else "responsables d'élèves"
            report.notes.append(f"{path.name} ignoré : les {who} ne sont pas importés (minimisation des données).")
            continue
        if kind is None:
            report.notes.append(f"{path.name} ignoré : ni EtabEducNat ni PersEducNat.")
            continue
        parsed[kind] += parse_file(path)

    academie = None
    if academie_code:
        wanted = normalize_academie_code(academie_code)
        academie = next((a for a in Academie.objects.all() if normalize_academie_code(a.code) == wanted), None)
        if academie is None:
            raise ImportFileError(f"--academie {academie_code} : académie inconnue.")

    with transaction.atomic():
        structures = _import_schools(parsed["schools"], report, academie)
        _import_staff(parsed["staff"], report, structures)
        if dry_run:
            transaction.set_rollback(True)
            report.notes.append("simulation (--dry-run) : rien n'a été écrit.")
    return report


def _kind(type_struct: str, name: str) -> str:
    text = f"{type_struct} {name}".upper()
    if "MATERNELLE" in text:
        return SchoolKind.MATERNELLE
    if "ELEMENTAIRE" in text or "ÉLÉMENTAIRE" in text:
        return SchoolKind.ELEMENTAIRE
    if "PRIMAIRE" in text or "1ORD" in text or "ECOLE" in text:
        return SchoolKind.PRIMAIRE
    if "CLG" in text or "COLLEGE" in text:
        return SchoolKind.COLLEGE
    if "LYC" in text:
        return SchoolKind.LYCEE
    return SchoolKind.OTHER


def _import_schools(requests, report, academie) -> dict[str, School]:
    """Upsert schools; returns structure identifier (and UAI) → School for the staff pass."""
    structures: dict[str, School] = {}
    for req in requests:
        uai = normalize_uai(req.first("ENTStructureUAI") or req.identifier)
        if req.operation == "delete":
            report.count("école", "skipped")
            report.notes.append(f"{req.where} : suppression d'établissement ignorée (l'historique des tickets est conservé).")
            continue
        try:
            validate_uai(uai)
        except ValidationError as exc:
            report.reject(f"{req.where}, ENTStructureUAI", exc.messages[0])
            continue
        name = req.first("ENTStructureNomCourant") or req.first("ou")
        email = req.first("mail")
        if email:
            try:
                _email_ok(email)
            except ValidationError:
                email = ""
        school = School.objects.filter(uai=uai).first()
        values = {"name": name, "kind": _kind(req.first("ENTStructureTypeStruct"), name), "commune": req.first("l")[:120], "email": email}
        values = {k: v for k, v in values.items() if v}
        if school is None:
            if academie is None:
                report.reject(f"{req.where}, ENTStructureUAI", f"école {uai} inconnue : précisez --academie pour la créer.")
                continue
            if not name:
                report.reject(f"{req.where}, ENTStructureNomCourant", f"nom absent pour la nouvelle école {uai}.")
                continue
            school = School.objects.create(uai=uai, academie=academie, **values)
            report.count("école", "created")
        else:
            changed = [f for f, v in values.items() if getattr(school, f) != v]
            for f in changed:
                setattr(school, f, values[f])
            if changed:
                school.save(update_fields=changed)
            report.count("école", "updated" if changed else "unchanged")
        structures[req.identifier] = structures[uai] = school
    return structures


def _resolve(structures: dict[str, School], key: str) -> School | None:
    key = key.strip()
    if not key:
        return None
    if key in structures:
        return structures[key]
    uai = normalize_uai(key)
    school = School.objects.filter(uai=uai).first() if re.fullmatch(r"[0-9]{7}[A-Z]", uai) else None
    if school is not None:
        structures[key] = school
    return school


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".")


def _username(req: AafRequest, user: User | None) -> str:
    login = req.first("ENTPersonLogin")
    if login and not User.objects.filter(username=login).exclude(pk=getattr(user, "pk", None)).exists():
        return login[:150]
    if user is not None:
        return user.username
    base = _slug(f"{req.first('givenName')} {req.first('sn')}") or f"aaf.{req.identifier}"
    candidate, n = base[:140], 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base[:140]}{n}"
    return candidate


def _level0_desk(school: School, report) -> Desk:
    desk = school.desks.filter(level=Level.SCHOOL).order_by("pk").first()
    if desk is None:
        slug, n = f"n0-{school.uai.lower()}", 1
        while Desk.objects.filter(slug=slug).exists():
            n += 1
            slug = f"n0-{school.uai.lower()}-{n}"
        desk = Desk.objects.create(slug=slug, name=f"Correspondant ENT — {school.name}"[:160], level=Level.SCHOOL, school=school)
        report.count("guichet de niveau 0", "created")
    return desk


def _import_staff(requests, report, structures) -> None:
    for req in requests:
        if not req.identifier:
            report.reject(req.where, "identifiant AAF (identifier/id) absent.")
            continue
        user = User.objects.filter(aaf_id=req.identifier).first()
        if req.operation == "delete":
            if user is None:
                report.count("compte", "skipped")
            elif user.is_active:
                user.is_active = False
                user.save(update_fields=["is_active"])
                report.count("compte", "deactivated")
            else:
                report.count("compte", "unchanged")
            continue
        profiles = " ".join(req.attrs.get("ENTPersonProfils", [])).upper()
        if "ELV" in profiles or "TUT" in profiles or any(a.startswith("ENTEleve") for a in req.attrs):
            report.count("élève ou responsable", "skipped")
            continue

        schools: dict[int, School] = {}
        directed: dict[int, School] = {}
        unknown = []
        for key in req.attrs.get("ENTPersonStructRattach", []):
            school = _resolve(structures, key)
            if school:
                schools[school.pk] = school
            elif key:
                unknown.append(key)
        for value in req.attrs.get("ENTPersonFonctions", []):
            parts = value.split("$")
            school = _resolve(structures, parts[0])
            if school is None:
                if parts[0]:
                    unknown.append(parts[0])
                continue
            schools[school.pk] = school
            if len(parts) > 1 and parts[1].strip().upper() in DIRECTOR_FUNCTIONS:
                directed[school.pk] = school
        if not schools:
            reason = f"structure(s) inconnue(s) : {', '.join(sorted(set(unknown)))}" if unknown else "aucune structure de rattachement"
            report.reject(f"{req.where}, ENTPersonStructRattach", f"{reason} — importez d'abord le fichier EtabEducNat.")
            continue

        email = req.first("mail")
        if email:
            try:
                _email_ok(email)
            except ValidationError:
                email = ""
        values = {"first_name": req.first("givenName")[:150], "last_name": (req.first("sn") or req.first("ENTPersonNomPatro"))[:150]}
        if email:
            values["email"] = email
        if user is None:
            user = User(aaf_id=req.identifier, username=_username(req, None), **values)
            user.set_unusable_password()  # staff sign in through the académie's identity provider
            user.save()
            report.count("compte", "created")
        else:
            values["username"] = _username(req, user)
            if req.operation == "add" and not user.is_active:
                values["is_active"] = True
            changed = [f for f, v in values.items() if getattr(user, f) != v]
            for f in changed:
                setattr(user, f, values[f])
            if changed:
                user.save(update_fields=changed)
            report.count("compte", "updated" if changed else "unchanged")

        for school in schools.values():
            _, created = Membership.objects.get_or_create(user=user, role=Role.REQUESTER, school=school)
            report.count("appartenance", "created" if created else "unchanged")
        for school in directed.values():
            desk = _level0_desk(school, report)
            membership, created = Membership.objects.get_or_create(
                user=user, role=Role.AGENT, desk=desk, defaults={"is_school_contact": True},
            )
            if not created and not membership.is_school_contact:
                membership.is_school_contact = True
                membership.save(update_fields=["is_school_contact"])
            report.count("contact de niveau 0", "created" if created else "unchanged")
        if unknown:
            report.notes.append(f"{req.where} : structure(s) inconnue(s) ignorée(s) : {', '.join(sorted(set(unknown)))}.")
