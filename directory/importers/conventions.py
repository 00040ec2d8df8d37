"""`import_convention`: a YAML or JSON description of a convention → the convention, its
parties, covered schools, desks and support matrix. Upsert by reference; all or nothing.

Every problem is reported with the path of the field in the file (`schools[3]`,
`support_matrix[1].desk`, `parties.collectivites[0].siret`); see docs/directory.md.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from directory.choices import Category, CollectiviteKind, DeskSpeciality, HolidayZone, Level, Resolver, SchoolKind
from directory.models import (
    Academie,
    Circonscription,
    Collectivite,
    Convention,
    ConventionSchool,
    Desk,
    EntProduct,
    RegionAcademique,
    Resource,
    School,
    SupportRoute,
    Vendor,
)
from directory.routing import matrix_gaps
from directory.services import overlapping_coverage
from directory.validators import normalize_uai, validate_siret, validate_uai

from .aaf import _level0_desk
from .academies import academie_defaults, normalize_academie_code
from .base import ImportFileError, ImportReport

SCHOOL_DESK = "school"
SKIP = "skip"
# What a matrix row's `desk` may name instead of a desk slug: a kind of party, found per school
# by directory.routing.resolve.
RESOLVER_NAMES = {
    "school": Resolver.SCHOOL, "circonscription": Resolver.CIRCONSCRIPTION, "collectivite": Resolver.COLLECTIVITE,
    "editor": Resolver.EDITOR, "gar": Resolver.GAR, "skip": Resolver.SKIP,
}


def dsr_fields(entry: dict) -> dict:
    """The convention's fields for its key `data_subject_requests` (checked by the importer)."""
    return {"dsr_modules": entry.get("modules", []), "dsr_rules": entry.get("rules", []),
            "dsr_forward_days": entry.get("forward_within_days"),
            "dsr_relay_answer": entry.get("relay_answer_to_collectivite", False),
            "dsr_source": str(entry.get("source") or "")[:255]}


def load_convention_file(path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path} : lecture impossible ({exc.strerror or exc}).") from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} : encodage invalide — le fichier doit être en UTF-8.") from exc
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path.name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg}).") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        raise ImportFileError(f"{path.name}{where} : YAML invalide ({getattr(exc, 'problem', None) or exc}).") from exc
    if not isinstance(data, dict):
        raise ImportFileError(f"{path.name} : une convention est un objet (clés reference, parties, product…).")
    return data


def import_convention(path, *, dry_run: bool = False) -> ImportReport:
    """Create or update the convention a file describes; raise ImportFileError listing every problem."""
    data = load_convention_file(path)
    report = ImportReport()
    with transaction.atomic():
        importer = _ConventionImporter(data, report)
        importer.run()
        if importer.errors:
            transaction.set_rollback(True)
            raise ImportFileError(importer.errors)
        if dry_run:
            transaction.set_rollback(True)
            report.notes.append("simulation (--dry-run) : rien n'a été écrit.")
    return report


class _Stop(Exception):
    """A problem after which checking the rest makes no sense."""


class _ConventionImporter:
    def __init__(self, data: dict, report: ImportReport):
        self.data = data
        self.report = report
        self.errors: list[str] = []
        self.desks: dict[str, Desk] = {}
        self.collectivite_cache: dict[str, Collectivite] = {}

    # --- helpers
    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}")

    def require(self, mapping, key: str, where: str, kind=str):
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if value is None or value == "":
            self.error(where, "champ obligatoire manquant.")
            return None
        if kind is str and not isinstance(value, (str, int)):
            self.error(where, "texte attendu.")
            return None
        return str(value).strip() if kind is str else value

    def upsert(self, model, lookup: dict, values: dict, kind: str):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            self.report.count(kind, "created")
            return obj
        changed = [f for f, v in values.items() if v not in (None, "") and getattr(obj, f) != v]
        if changed:
            for f in changed:
                setattr(obj, f, values[f])
            obj.save(update_fields=changed)
            self.report.count(kind, "updated")
        else:
            self.report.count(kind, "unchanged")
        return obj

    # --- sections
    def run(self) -> None:
        try:
            reference = self.require(self.data, "reference", "reference")
            parties = self.data.get("parties")
            if not isinstance(parties, dict):
                self.error("parties", "objet attendu (academie et/ou region_academique, collectivites).")
                raise _Stop
            region = self.region(parties.get("region_academique"), "parties.region_academique")
            academie = self.academie(parties.get("academie"), "parties.academie", region)
            if academie is None and region is None:
                if "academie" not in parties and "region_academique" not in parties:
                    self.error("parties", "une académie ou une région académique est partie à la convention.")
                raise _Stop
            collectivites = self.collectivites(parties.get("collectivites", []))
            product = self.product(self.data.get("product"))
            starts_on, ends_on = self.validity(self.data.get("validity"))
            fee = self.fee(self.data.get("fee_per_school", 0))
            self.resources(self.data.get("resources"))
            for i, entry in enumerate(self.data.get("circonscriptions") or []):
                self.circonscription(entry, f"circonscriptions[{i}]", academie)
            schools = self.schools(self.data.get("schools"), academie)
            for i, entry in enumerate(self.data.get("desks") or []):
                self.desk(entry, f"desks[{i}]")
            fallback = self.fallback_desk(self.data.get("fallback_desk"))
            if self.errors or reference is None or product is None or starts_on is None:
                raise _Stop
            convention = self.convention(reference, academie, region, product, starts_on, ends_on, fee, fallback)
            convention.collectivites.set(collectivites)
            self.coverage(convention, schools)
            self.matrix(convention, self.data.get("support_matrix"), schools)
            self.data_subject_requests(convention, self.data.get("data_subject_requests"))
            self.breach_notification(convention, self.data.get("breach_notification"))
            self.lifecycle(convention, self.data.get("lifecycle"))
        except _Stop:
            return

    def region(self, value, where):
        if value in (None, ""):
            return None
        if isinstance(value, dict):
            code = self.require(value, "code", f"{where}.code")
            if code is None:
                return None
            return self.upsert(RegionAcademique, {"code": code}, {"name": value.get("name") or code}, "région académique")
        region = RegionAcademique.objects.filter(code=str(value).strip()).first()
        if region is None:
            self.error(where, f"région académique inconnue (code {value}) ; déclarez-la avec {{code, name}}.")
        return region

    def academie(self, value, where, region=None):
        if value in (None, ""):
            return None
        if isinstance(value, dict):
            code = self.require(value, "code", f"{where}.code")
            if code is None:
                return None
            existing = self._academie_by_code(code)
            if existing is not None:
                return existing
            defaults = academie_defaults(code, value.get("name", "")) or {}
            zone = value.get("holiday_zone") or defaults.get("holiday_zone")
            if zone not in HolidayZone.values:
                self.error(f"{where}.holiday_zone", f"zone de vacances inconnue « {zone} » (attendu : {', '.join(HolidayZone.values)}).")
                return None
            academie = Academie.objects.create(
                code=code, name=value.get("name") or defaults.get("name") or code, holiday_zone=zone,
                holiday_subdivision=str(value.get("holiday_subdivision") or defaults.get("holiday_subdivision") or ""),
                region=region,
            )
            self.report.count("académie", "created")
            return academie
        academie = self._academie_by_code(str(value))
        if academie is None:
            self.error(where, f"académie inconnue (code {value}) ; importez-la ou déclarez-la avec {{code, name, holiday_zone}}.")
        return academie

    def _academie_by_code(self, code):
        wanted = normalize_academie_code(code)
        for academie in Academie.objects.all():
            if normalize_academie_code(academie.code) == wanted:
                return academie
        return None

    def siret(self, value, where) -> str | None:
        siret = str(value).replace(" ", "")
        try:
            validate_siret(siret)
        except ValidationError as exc:
            self.error(where, exc.messages[0])
            return None
        return siret

    def collectivite(self, entry, where) -> Collectivite | None:
        if isinstance(entry, (str, int)):
            entry = {"siret": str(entry)}
        key = str(entry.get("siret") or entry.get("name") or "").replace(" ", "").casefold() if isinstance(entry, dict) else ""
        if key in self.collectivite_cache and set(entry) <= {"siret"} | ({"name"} if not entry.get("siret") else set()):
            return self.collectivite_cache[key]  # a bare reference to one already resolved
        found = self._collectivite(entry, where)
        if found is not None and key:
            self.collectivite_cache[key] = found
        return found

    def _collectivite(self, entry, where) -> Collectivite | None:
        if not isinstance(entry, dict):
            self.error(where, "objet {siret, name, kind} ou SIRET attendu.")
            return None
        siret = None
        if entry.get("siret"):
            siret = self.siret(entry["siret"], f"{where}.siret")
            if siret is None:
                return None
            found = Collectivite.objects.filter(siret=siret).first()
        elif entry.get("name"):
            found = Collectivite.objects.filter(name__iexact=str(entry["name"]).strip()).first()
        else:
            self.error(where, "une collectivité se désigne par son SIRET ou son nom.")
            return None
        kind = entry.get("kind")
        if kind is not None and kind not in CollectiviteKind.values:
            self.error(f"{where}.kind", f"type inconnu « {kind} » (attendu : {', '.join(CollectiviteKind.values)}).")
            return None
        if found is None:
            if not entry.get("name") or not kind:
                self.error(where, f"collectivité inconnue ({siret or entry.get('name')}) ; donnez name et kind pour la créer.")
                return None
            self.report.count("collectivité", "created")
            return Collectivite.objects.create(name=entry["name"], kind=kind, siret=siret or "", insee_code=str(entry.get("insee_code") or ""))
        return self.upsert(Collectivite, {"pk": found.pk}, {"name": entry.get("name"), "kind": kind, "insee_code": str(entry.get("insee_code") or "")}, "collectivité")

    def collectivites(self, entries):
        if not isinstance(entries, list):
            self.error("parties.collectivites", "liste attendue.")
            return []
        out = [self.collectivite(e, f"parties.collectivites[{i}]") for i, e in enumerate(entries)]
        return [c for c in out if c is not None]

    def product(self, entry):
        if not isinstance(entry, dict):
            self.error("product", "objet {slug, name, vendor} attendu.")
            return None
        slug = self.require(entry, "slug", "product.slug")
        vendor = self.vendor(entry.get("vendor"), "product.vendor")
        if slug is None or vendor is None:
            return None
        existing = EntProduct.objects.filter(slug=slug).first()
        if existing is not None and existing.vendor_id != vendor.pk:
            self.error("product.vendor", f"la solution « {slug} » appartient déjà à l'éditeur {existing.vendor}.")
            return None
        return self.upsert(EntProduct, {"slug": slug}, {"name": entry.get("name") or slug, "vendor": vendor}, "solution ENT")

    def vendor(self, entry, where):
        """An editor: the slug of a known one, or {slug, name, siret?, support_email?} to upsert."""
        if isinstance(entry, str):
            vendor = Vendor.objects.filter(slug=entry).first()
            if vendor is None:
                self.error(where, f"éditeur inconnu « {entry} » ; déclarez-le avec {{slug, name}}.")
            return vendor
        if not isinstance(entry, dict):
            self.error(where, "éditeur attendu (slug, ou objet {slug, name, siret, support_email}).")
            return None
        slug = self.require(entry, "slug", f"{where}.slug")
        siret = self.siret(entry["siret"], f"{where}.siret") if entry.get("siret") else ""
        email = str(entry.get("support_email") or "").strip()
        if email:
            try:
                EmailValidator()(email)
            except ValidationError:
                self.error(f"{where}.support_email", f"adresse e-mail invalide « {email} ».")
                return None
        if slug is None or siret is None:
            return None
        return self.upsert(Vendor, {"slug": slug}, {"name": entry.get("name") or slug, "siret": siret, "support_email": email}, "éditeur")

    def resources(self, entries):
        """Third-party resources and services (GAR resources included) and their editors."""
        if entries is None:
            return
        if not isinstance(entries, list):
            self.error("resources", "liste de ressources {slug, name, editor, is_gar} attendue.")
            return
        seen = {}
        for i, entry in enumerate(entries):
            where = f"resources[{i}]"
            if not isinstance(entry, dict):
                self.error(where, "objet {slug, name, editor, is_gar} attendu.")
                continue
            slug, name = self.require(entry, "slug", f"{where}.slug"), self.require(entry, "name", f"{where}.name")
            if slug in seen:
                self.error(f"{where}.slug", f"ressource « {slug} » déjà déclarée en resources[{seen[slug]}].")
                continue
            is_gar = entry.get("is_gar", False)
            if not isinstance(is_gar, bool):
                self.error(f"{where}.is_gar", "true ou false attendu.")
                continue
            editor = self.vendor(entry.get("editor"), f"{where}.editor")
            if slug is None or name is None or editor is None:
                continue
            seen[slug] = i
            self.upsert(Resource, {"slug": slug}, {"name": name, "editor": editor, "is_gar": is_gar}, "ressource")

    def validity(self, entry):
        if not isinstance(entry, dict):
            self.error("validity", "objet {starts_on, ends_on} attendu.")
            return None, None
        dates = []
        for key in ("starts_on", "ends_on"):
            value = entry.get(key)
            if isinstance(value, datetime.date):
                dates.append(value)
                continue
            try:
                dates.append(datetime.date.fromisoformat(str(value)))
            except ValueError:
                self.error(f"validity.{key}", f"date AAAA-MM-JJ attendue, pas « {value} ».")
                dates.append(None)
        if None not in dates and dates[1] < dates[0]:
            self.error("validity.ends_on", "la fin de validité précède le début.")
            return None, None
        return tuple(dates)

    def fee(self, value):
        try:
            fee = Decimal(str(value))
        except InvalidOperation:
            self.error("fee_per_school", f"montant attendu, pas « {value} ».")
            return None
        if fee < 0:
            self.error("fee_per_school", "le coût par école ne peut être négatif.")
            return None
        return fee

    def circonscription(self, entry, where, academie):
        if isinstance(entry, str):
            circ = Circonscription.objects.filter(code=entry).first()
            if circ is None:
                self.error(where, f"circonscription inconnue (code {entry}) ; déclarez-la dans circonscriptions.")
            return circ
        if not isinstance(entry, dict):
            self.error(where, "objet {code, name, academie} attendu.")
            return None
        code, name = self.require(entry, "code", f"{where}.code"), self.require(entry, "name", f"{where}.name")
        circ_academie = self.academie(entry["academie"], f"{where}.academie") if entry.get("academie") else academie
        if code is None or name is None:
            return None
        if circ_academie is None:
            self.error(f"{where}.academie", "académie de la circonscription inconnue.")
            return None
        return self.upsert(Circonscription, {"code": code}, {"name": name, "academie": circ_academie}, "circonscription")

    def schools(self, entries, academie):
        if not isinstance(entries, list) or not entries:
            self.error("schools", "liste non vide d'UAI attendue.")
            return []
        out, seen = [], {}
        for i, entry in enumerate(entries):
            where = f"schools[{i}]"
            raw = entry.get("uai") if isinstance(entry, dict) else entry
            uai = normalize_uai(str(raw or ""))
            try:
                validate_uai(uai)
            except ValidationError as exc:
                self.error(where, exc.messages[0])
                continue
            if uai in seen:
                self.error(where, f"UAI {uai} déjà listé en schools[{seen[uai]}].")
                continue
            seen[uai] = i
            school = School.objects.filter(uai=uai).first()
            if isinstance(entry, dict):
                school = self.declared_school(entry, where, uai, school, academie)
            elif school is None:
                self.error(where, f"école inconnue (UAI {uai}) ; importez l'annuaire ou déclarez-la avec {{uai, name}}.")
            if school is not None:
                out.append(school)
        return out

    def declared_school(self, entry, where, uai, school, academie):
        school_academie = self.academie(entry["academie"], f"{where}.academie") if entry.get("academie") else academie
        kind = entry.get("kind", SchoolKind.PRIMAIRE)
        if kind not in SchoolKind.values:
            self.error(f"{where}.kind", f"type inconnu « {kind} » (attendu : {', '.join(SchoolKind.values)}).")
            return None
        circ = self.circonscription(entry["circonscription"], f"{where}.circonscription", school_academie) if entry.get("circonscription") else None
        collectivite = self.collectivite(entry["collectivite"], f"{where}.collectivite") if entry.get("collectivite") else None
        if school is None:
            if not entry.get("name"):
                self.error(f"{where}.name", f"école inconnue (UAI {uai}) : name est nécessaire pour la créer.")
                return None
            if school_academie is None:
                self.error(f"{where}.academie", "académie nécessaire pour créer l'école.")
                return None
        values = {
            "name": entry.get("name"), "kind": kind if "kind" in entry or school is None else None,
            "commune": entry.get("commune"), "commune_code": str(entry.get("commune_code") or ""),
            "email": entry.get("email"), "academie": school_academie if school is None else None,
            "circonscription": circ, "collectivite": collectivite,
        }
        if circ is not None and school_academie is not None and circ.academie_id != school_academie.pk:
            self.error(f"{where}.circonscription", "la circonscription n'appartient pas à l'académie de l'école.")
            return None
        if school is None:
            self.report.count("école", "created")
            return School.objects.create(uai=uai, **{k: v for k, v in values.items() if v not in (None,)})
        return self.upsert(School, {"pk": school.pk}, values, "école")

    OWNER_KEYS = ("school", "circonscription", "academie", "region_academique", "collectivite", "vendor")

    def desk(self, entry, where):
        if not isinstance(entry, dict):
            self.error(where, "objet {slug, name, level, owner} attendu.")
            return
        slug, name = self.require(entry, "slug", f"{where}.slug"), self.require(entry, "name", f"{where}.name")
        level = entry.get("level")
        if level not in Level.values:
            self.error(f"{where}.level", f"niveau 0 à 3 attendu, pas « {level} ».")
            return
        owner = entry.get("owner")
        keys = [k for k in self.OWNER_KEYS if isinstance(owner, dict) and owner.get(k)]
        if len(keys) != 1:
            self.error(f"{where}.owner", f"exactement une organisation attendue parmi {', '.join(self.OWNER_KEYS)}.")
            return
        key = keys[0]
        value, owner_where = owner[key], f"{where}.owner.{key}"
        target = None
        if key == "school":
            target = School.objects.filter(uai=normalize_uai(str(value))).first()
        elif key == "circonscription":
            target = self.circonscription(value, owner_where, None)
        elif key == "academie":
            target = self.academie(value, owner_where)
        elif key == "region_academique":
            target = self.region(value, owner_where)
        elif key == "collectivite":
            target = self.collectivite(value, owner_where)
        elif key == "vendor":
            target = Vendor.objects.filter(slug=str(value)).first()
        if target is None:
            if key in ("school", "vendor"):
                self.error(owner_where, f"organisation inconnue « {value} ».")
            return
        if slug is None or name is None:
            return
        field = "region" if key == "region_academique" else key
        values = {f: None for f in Desk.OWNER_FIELDS}
        speciality = entry.get("speciality") or ""
        if speciality not in DeskSpeciality.values:
            self.error(f"{where}.speciality", f"spécialité inconnue « {speciality} » (attendu : gar, ou rien).")
            return
        if speciality == DeskSpeciality.GAR and key != "academie":
            self.error(f"{where}.speciality", "un guichet GAR / MédiaCentre appartient à l'académie (owner: {academie: …}).")
            return
        values.update({field: target, "name": name, "level": level, "speciality": speciality})
        if entry.get("email"):
            values["email"] = entry["email"]
        desk = Desk.objects.filter(slug=slug).first()
        if desk is None:
            desk = Desk.objects.create(slug=slug, **values)
            self.report.count("guichet", "created")
        else:
            changed = [f for f, v in values.items() if getattr(desk, f) != v]
            for f in changed:
                setattr(desk, f, values[f])
            if changed:
                desk.save()
                self.report.count("guichet", "updated")
            else:
                self.report.count("guichet", "unchanged")
        self.desks[slug] = desk

    def fallback_desk(self, slug):
        """The desk that receives what the matrix cannot route at run time (a school moved later…)."""
        if slug in (None, ""):
            return None
        desk = self.desks.get(str(slug)) or Desk.objects.filter(slug=str(slug)).first()
        if desk is None:
            self.error("fallback_desk", f"guichet inconnu « {slug} » ; déclarez-le dans desks.")
        return desk

    def convention(self, reference, academie, region, product, starts_on, ends_on, fee, fallback=None):
        values = {
            "title": str(self.data.get("title") or ""), "academie": academie, "region": region, "product": product,
            "starts_on": starts_on, "ends_on": ends_on, "fee_per_school": fee, "fallback_desk": fallback,
            "sla_policy_reference": str(self.data.get("sla_policy") or ""),
        }
        convention = Convention.objects.filter(reference=reference).first()
        if convention is None:
            self.report.count("convention", "created")
            return Convention.objects.create(reference=reference, **values)
        changed = [f for f, v in values.items() if getattr(convention, f) != v]
        for f in changed:
            setattr(convention, f, values[f])
        if changed:
            convention.save()
        self.report.count("convention", "updated" if changed else "unchanged")
        return convention

    def breach_notification(self, convention, entry):
        """Who notifies the CNIL of a breach, joint drafting (privacy/breaches.py)."""
        from directory.breach_rules import breach_fields, check_breach_rules

        if entry is None:
            return
        for where, message in check_breach_rules(entry):
            self.error("breach_notification" + (f".{where}" if where else ""), message)
        if self.errors:
            return
        rules = breach_fields(entry)["breach_rules"]
        if convention.breach_rules != rules:
            convention.breach_rules = rules
            convention.save(update_fields=["breach_rules"])

    def lifecycle(self, convention, entry):
        """Duration, tacit renewal, notices and conciliation (directory/lifecycle.py)."""
        from directory.lifecycle import check_lifecycle, lifecycle_fields

        if entry is None:
            return
        for where, message in check_lifecycle(entry, convention.starts_on, convention.ends_on):
            self.error("lifecycle" + (f".{where}" if where else ""), message)
        if self.errors:
            return
        terms = lifecycle_fields(entry)["lifecycle"]
        if convention.lifecycle != terms:
            convention.lifecycle = terms
            convention.save(update_fields=["lifecycle"])

    DSR_KEYS = {"modules": "dsr_modules", "rules": "dsr_rules", "forward_within_days": "dsr_forward_days",
                "relay_answer_to_collectivite": "dsr_relay_answer", "source": "dsr_source"}

    def data_subject_requests(self, convention, entry):
        """Who answers a data-subject request and the forwarding delay (privacy/requests.py).
        Counted apart from the convention row: the rules are data about the text, not its identity."""
        if entry is None:
            return
        from directory.data_subject_rules import check_rule_set

        if not isinstance(entry, dict):
            self.error("data_subject_requests", "objet {source, forward_within_days, relay_answer_to_collectivite, modules, rules} attendu.")
            return
        unknown = sorted(set(entry) - set(self.DSR_KEYS))
        if unknown:
            self.error("data_subject_requests", f"clé(s) inconnue(s) : {', '.join(unknown)} (attendu : {', '.join(self.DSR_KEYS)}).")
        relay = entry.get("relay_answer_to_collectivite", False)
        if not isinstance(relay, bool):
            self.error("data_subject_requests.relay_answer_to_collectivite", "true ou false attendu.")
        for where, message in check_rule_set(entry.get("modules", []), entry.get("rules", []), entry.get("forward_within_days")):
            self.error(f"data_subject_requests.{where}", message)
        if self.errors:
            return
        values = dsr_fields(entry)
        changed = [f for f, v in values.items() if getattr(convention, f) != v]
        for f in changed:
            setattr(convention, f, values[f])
        if changed:
            convention.save(update_fields=changed)
        self.report.count("règles des demandes de droits", "updated" if changed else "unchanged")

    def coverage(self, convention, schools):
        index = {s.pk: i for i, s in enumerate(schools)}
        for school, other in overlapping_coverage(convention, schools):
            self.error(
                f"schools[{index[school.pk]}]",
                f"l'école {school.uai} est déjà couverte pour {convention.product} par la convention {other.reference} "
                f"({other.starts_on:%d/%m/%Y}–{other.ends_on:%d/%m/%Y}), dates qui se chevauchent.",
            )
        if self.errors:
            raise _Stop
        wanted = {s.pk for s in schools}
        existing = set(convention.coverage.values_list("school_id", flat=True))
        removed = existing - wanted
        ConventionSchool.objects.filter(convention=convention, school_id__in=removed).delete()
        ConventionSchool.objects.bulk_create(ConventionSchool(convention=convention, school_id=pk) for pk in wanted - existing)
        self.report.count("école couverte", "created", len(wanted - existing))
        self.report.count("école couverte", "removed", len(removed))
        self.report.count("école couverte", "unchanged", len(wanted & existing))

    def matrix(self, convention, entries, schools=()):
        if not isinstance(entries, list) or not entries:
            self.error("support_matrix", "liste non vide de lignes {level, category, desk} attendue.")
            return
        routes, seen, index = [], {}, {}
        for i, entry in enumerate(entries):
            where = f"support_matrix[{i}]"
            if not isinstance(entry, dict):
                self.error(where, "objet {level, category, desk} attendu.")
                continue
            level = entry.get("level")
            if level not in Level.values:
                self.error(f"{where}.level", f"niveau 0 à 3 attendu, pas « {level} ».")
                continue
            category = entry.get("category") or ""
            if category == "*":
                category = ""
            if category and category not in Category.values:
                self.error(f"{where}.category", f"catégorie inconnue « {category} » (attendu : {', '.join(Category.values)}).")
                continue
            if (level, category) in seen:
                self.error(where, f"ligne en double (niveau {level}, catégorie {category or '*'}) : déjà en support_matrix[{seen[level, category]}].")
                continue
            seen[level, category] = i
            target = entry.get("desk")
            direct = entry.get("direct_access", False)
            if not isinstance(direct, bool):
                self.error(f"{where}.direct_access", "true ou false attendu.")
                continue
            route = SupportRoute(convention=convention, level=level, category=category, direct_access=direct)
            if isinstance(target, str) and target in RESOLVER_NAMES:
                if target == SCHOOL_DESK and level != Level.SCHOOL:
                    self.error(f"{where}.desk", "« school » (guichet de l'école) n'existe qu'au niveau 0.")
                    continue
                route.resolver = RESOLVER_NAMES[target]
            elif isinstance(target, str) and target:
                desk = self.desks.get(target) or Desk.objects.filter(slug=target).first()
                if desk is None:
                    self.error(f"{where}.desk", f"guichet inconnu « {target} » ; déclarez-le dans desks.")
                    continue
                if desk.level != level:
                    self.error(f"{where}.desk", f"le guichet « {target} » est de niveau {desk.level}, pas {level}.")
                    continue
                route.desk = desk
            else:
                self.error(f"{where}.desk", "slug d'un guichet ou l'une des parties " + ", ".join(f"« {n} »" for n in RESOLVER_NAMES) + " attendu.")
                continue
            routes.append(route)
            index[id(route)] = i
        if self.errors:
            return
        if any(r.resolver == Resolver.SCHOOL for r in routes):
            # The convention names each school's ENT correspondent as level 0: every covered school
            # gets its level-0 desk (as the AAF import does for a school's director).
            for school in schools:
                _level0_desk(school, self.report)
        # Every covered school must find its party in every cell it can reach (the fallback desk
        # does not count: it is for what changes after the import).
        for gap in matrix_gaps(routes, schools):
            route = gap.route
            self.error(
                f"support_matrix[{index[id(route)]}]",
                f"niveau {route.level}, catégorie {route.category or '*'} ({route.get_resolver_display()}) : "
                f"aucun guichet pour l'école {gap.school.uai} ({gap.school.name}) — {gap.why}.",
            )
        if self.errors:
            return
        def key(r):
            return (r.level, r.category, r.resolver, r.desk_id or 0, r.direct_access)

        current = list(convention.routes.all())
        if sorted(map(key, current)) == sorted(map(key, routes)):
            self.report.count("ligne de matrice", "unchanged", len(routes))
            return
        convention.routes.all().delete()
        SupportRoute.objects.bulk_create(routes)
        self.report.count("ligne de matrice", "updated" if current else "created", len(routes))
