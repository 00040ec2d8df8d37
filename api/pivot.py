"""OPEN-ENT-NG "support-pivot" interop: the mapping between our tickets and the pivot JSON, the export
(`to_pivot`) and the import service (`import_ticket`, one transaction through tickets.services).

Vocabularies are those of the support-pivot module (fr.openent.supportpivot: PivotConstants,
PriorityEnum): priorities "Mineur" / "Majeur" / "Bloquant", statuses "Ouvert" / "En cours" /
"Résolu" / "Fermé", attributions "ENT" / "RECTORAT" / "CGI". The mapping table is in docs/api.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import Category, Level
from directory.models import School, User
from tickets import selectors, services
from tickets.exceptions import PermissionDenied
from tickets.models import QUALIFICATION_FIELDS, Attachment, Comment, Impact, State, Ticket, Urgency
from tickets.permissions import allowed
from tickets.states import Visibility

from .models import ApiClient, PivotLink
from .problems import ApiProblem

# --- vocabularies ---------------------------------------------------------------------------------

STATUS_NEW, STATUS_OPEN, STATUS_RESOLVED, STATUS_CLOSED = "Ouvert", "En cours", "Résolu", "Fermé"
STATUSES = (STATUS_NEW, STATUS_OPEN, STATUS_RESOLVED, STATUS_CLOSED)
STATE_TO_STATUS = {
    State.NEW: STATUS_NEW,
    State.IN_PROGRESS: STATUS_OPEN,
    State.WAITING_REQUESTER: STATUS_OPEN,
    State.RESOLVED: STATUS_RESOLVED,
    State.CLOSED: STATUS_CLOSED,
    State.CANCELLED: STATUS_CLOSED,
}

PRIORITY_MINOR, PRIORITY_MAJOR, PRIORITY_BLOCKING = "Mineur", "Majeur", "Bloquant"
PRIORITIES = (PRIORITY_MINOR, PRIORITY_MAJOR, PRIORITY_BLOCKING)
# Our P1..P4 (impact × urgency) → the pivot's three levels.
PRIORITY_TO_PIVOT = {1: PRIORITY_BLOCKING, 2: PRIORITY_MAJOR, 3: PRIORITY_MINOR, 4: PRIORITY_MINOR}
# The pivot's level → (impact, urgency) chosen so that it maps back to the same level.
PIVOT_TO_IMPACT_URGENCY = {
    PRIORITY_BLOCKING: (Impact.HIGH, Urgency.HIGH),      # P1
    PRIORITY_MAJOR: (Impact.HIGH, Urgency.MEDIUM),       # P2
    PRIORITY_MINOR: (Impact.MEDIUM, Urgency.MEDIUM),     # P3
}
# Other spellings found in the module (PriorityEnum: English and feminine forms).
PRIORITY_SYNONYMS = {
    "mineur": PRIORITY_MINOR, "mineure": PRIORITY_MINOR, "lowest": PRIORITY_MINOR, "low": PRIORITY_MINOR,
    "majeur": PRIORITY_MAJOR, "majeure": PRIORITY_MAJOR, "high": PRIORITY_MAJOR,
    "bloquant": PRIORITY_BLOCKING, "bloquante": PRIORITY_BLOCKING, "highest": PRIORITY_BLOCKING,
}

ATTRIBUTION_ENT, ATTRIBUTION_RECTORAT, ATTRIBUTION_VENDOR = "ENT", "RECTORAT", "CGI"
ATTRIBUTIONS = (ATTRIBUTION_ENT, ATTRIBUTION_RECTORAT, ATTRIBUTION_VENDOR)
LEVEL_TO_ATTRIBUTION = {
    Level.SCHOOL: ATTRIBUTION_ENT,
    Level.AUTHORITY: ATTRIBUTION_RECTORAT,
    Level.EXPERTISE: ATTRIBUTION_RECTORAT,
    Level.VENDOR: ATTRIBUTION_VENDOR,
}

CATEGORY_TO_TYPE = {
    Category.MALFUNCTION: "Anomalie",
    Category.USAGE: "Assistance",
    Category.ACCOUNT: "Compte et accès",
    Category.NETWORK: "Réseau et matériel",
    Category.THIRD_PARTY: "Ressource tierce",
    Category.VIE_SCOLAIRE: "Vie scolaire",
    Category.DATA_PROTECTION: "Données personnelles",
    Category.SECURITY: "Incident de sécurité",
    Category.OTHER: "Autre",
}
DEFAULT_TYPE = "Assistance"


def _fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", html.unescape(value or "")).encode("ascii", "ignore").decode()
    return " ".join(value.casefold().split())


TYPE_TO_CATEGORY = {_fold(label): category for category, label in CATEGORY_TO_TYPE.items()}
# IWS numeric codes (PivotConstants.TYPE_INCIDENT / TYPE_REQUEST) and common words.
TYPE_TO_CATEGORY.update({"1": Category.MALFUNCTION, "5": Category.USAGE, "incident": Category.MALFUNCTION,
                         "bug": Category.MALFUNCTION, "demande": Category.USAGE, "question": Category.USAGE})


def category_of(type_demande: str | None) -> str | None:
    return TYPE_TO_CATEGORY.get(_fold(type_demande or DEFAULT_TYPE))


def priority_of(priorite: str | None) -> str | None:
    return PRIORITY_SYNONYMS.get(_fold(priorite or PRIORITY_MINOR))


def status_of(statut: str | None) -> str | None:
    folded = _fold(statut or "")
    return next((s for s in STATUSES if _fold(s) == folded), None)


# --- export -------------------------------------------------------------------------------------

OUR_COMMENT_PREFIX = "hd-"
_COMMENT_RE = re.compile(r"^\s*(?P<id>[^|]*?)\s*\|\s*(?P<author>[^|]*?)\s*\|\s*(?P<date>[^|]*?)\s*\|\s?(?P<text>.*)$", re.S)


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _person(user) -> str:
    if user is None:
        return ""
    name = user.get_full_name() or user.username
    return f"{name} | {user.email}" if user.email else name


def comment_line(comment_id: str, author: str, date: str, text: str) -> str:
    return f"{comment_id} | {author} | {date} | {text}"


def parse_comment(line: str) -> dict:
    """"id | auteur | date | texte" (the module's format); a bare string is a comment without id."""
    match = _COMMENT_RE.match(line)
    if match is None:
        return {"id": "", "author": "", "date": "", "text": line.strip()}
    return {k: v.strip() if k != "text" else v.strip() for k, v in match.groupdict().items()}


def export_queryset(user, client: ApiClient | None):
    """Visible tickets with everything `to_pivot` reads, in a constant number of queries."""
    links = PivotLink.objects.filter(client=client) if client is not None else PivotLink.objects.none()
    return (
        # Only the relations to_pivot reads: each join more costs PostgreSQL milliseconds of planning.
        selectors.visible_to(user).select_related(None)
        .select_related("school__academie", "school__collectivite", "requester")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.filter(visibility=Visibility.PUBLIC).select_related("author").order_by("id"), to_attr="pivot_comments"),
            Prefetch("attachments", queryset=Attachment.objects.filter(visibility=Visibility.PUBLIC).order_by("id"), to_attr="pivot_attachments"),
            Prefetch("pivot_links", queryset=links, to_attr="pivot_link_list"),
        )
    )


def _attachment_content(attachment) -> str:
    with attachment.file.open("rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


def to_pivot(t: Ticket) -> dict:
    link = (getattr(t, "pivot_link_list", None) or [None])[0]
    imported = {str(v.get("pk")): (ext_id, v) for ext_id, v in (link.comment_ids if link else {}).items()}
    comments = []
    public_comments = getattr(t, "pivot_comments", None)  # prefetched; [] is no comment, not "not prefetched"
    if public_comments is None:
        public_comments = t.comments.filter(visibility=Visibility.PUBLIC).order_by("id")
    for c in public_comments:
        if str(c.pk) in imported:  # keep the other tool's id, author and date: it recognises its own
            ext_id, meta = imported[str(c.pk)]
            comments.append(comment_line(ext_id, meta.get("author", ""), meta.get("date", ""), c.body))
        else:
            comments.append(comment_line(f"{OUR_COMMENT_PREFIX}{c.pk}", _person(c.author), _iso(c.created_at), c.body))
    attachments = getattr(t, "pivot_attachments", None)
    if attachments is None:
        attachments = t.attachments.filter(visibility=Visibility.PUBLIC).order_by("id")
    school = t.school
    return {
        "id_ent": (link.id_ent if link and link.id_ent else t.reference),
        "id_externe": t.vendor_reference or (link.id_externe if link else "") or None,
        "uai": school.uai,
        "academie": school.academie.name,
        "collectivite": school.collectivite.name if school.collectivite_id else None,
        "demandeur": _person(t.requester),
        "attribution": LEVEL_TO_ATTRIBUTION[t.level],
        "titre": t.title,
        "description": t.description,
        "type_demande": CATEGORY_TO_TYPE.get(t.category, DEFAULT_TYPE),
        "priorite": PRIORITY_TO_PIVOT[t.priority],
        "modules": [m.strip() for m in t.service.split(",") if m.strip()],
        "commentaires": comments,
        "pj": [{"nom": a.original_name, "contenu": _attachment_content(a)} for a in attachments],
        "creation": _iso(t.created_at),
        "maj": _iso(t.updated_at),
        "statut_ent": STATE_TO_STATUS[t.state],
        "statut_externe": (link.statut_externe if link else "") or None,
        "qualification": qualification_of(t),
    }


# Our extension of the format: the qualification the support chain filled (API names, see docs/api.md).
QUALIFICATION_KEYS = (*QUALIFICATION_FIELDS, "malfunction_proven", "no_solution_found")


def qualification_of(t: Ticket) -> dict:
    return {name: _iso(value) if name == "first_seen_at" else value
            for name in QUALIFICATION_KEYS if (value := getattr(t, name)) not in (None, "", False)}


# --- import -------------------------------------------------------------------------------------

def _requester(demandeur: str | None, school: School) -> User | None:
    """The pivot names the requester as "Nom Prénom | courriel | …": found by e-mail, else login."""
    if not demandeur or not demandeur.strip():
        return None
    parts = [p.strip() for p in demandeur.split("|") if p.strip()]
    emails = [p for p in parts if "@" in p]
    candidates = []
    if emails:
        candidates = list(User.objects.filter(email__iexact=emails[0], is_active=True))
    if not candidates:
        candidates = list(User.objects.filter(username__in=parts, is_active=True))
    if not candidates:
        raise ValidationError({"demandeur": _("Aucun compte ne correspond au demandeur « %(d)s » (courriel ou identifiant).") % {"d": demandeur[:120]}})
    return candidates[0]


def _find(user, client, id_ent: str, id_externe: str) -> tuple[Ticket | None, PivotLink | None]:
    links = PivotLink.objects.filter(client=client).select_related("ticket")
    link = None
    if id_ent:
        link = links.filter(id_ent=id_ent).first()
    if link is None and id_externe:
        link = links.filter(id_externe=id_externe).first()
    visible = selectors.visible_to(user)
    if link is not None:
        ticket = visible.filter(pk=link.ticket_id).first()
        if ticket is None:
            raise PermissionDenied(_("Le ticket lié à cet identifiant n'est plus dans votre périmètre."))
        return ticket, link
    ticket = None
    if id_ent:  # our own export echoed back: id_ent is our reference (unless that ticket has its own id_ent)
        ticket = visible.filter(reference=id_ent).exclude(pivot_links__client=client, pivot_links__id_ent__gt="").first()
    if ticket is None and id_externe:
        ticket = visible.filter(vendor_reference=id_externe).first()
    if ticket is not None:
        link = PivotLink.objects.filter(client=client, ticket=ticket).first()
    return ticket, link


def _decode(pj: dict, index: int) -> ContentFile:
    try:
        data = base64.b64decode(pj["contenu"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({f"pj[{index}].contenu": _("Contenu base64 invalide.")}) from None
    return ContentFile(data, name=pj["nom"])


def _known_comment(ticket: Ticket, link: PivotLink, ext_id: str) -> bool:
    if not ext_id:
        return False
    if ext_id in link.comment_ids:
        return True
    if ext_id.startswith(OUR_COMMENT_PREFIX) and ext_id[len(OUR_COMMENT_PREFIX):].isdigit():
        return ticket.comments.filter(pk=int(ext_id[len(OUR_COMMENT_PREFIX):])).exists()
    return False


@transaction.atomic
def import_ticket(*, client: ApiClient | None, user, data: dict) -> tuple[Ticket, bool]:
    """Open or update the ticket a pivot document describes. Idempotent: the same document twice
    changes nothing the second time (identifiers, comment ids and attachment hashes are matched).
    Returns (ticket, created)."""
    if client is None:
        raise ApiProblem(403, "forbidden", _("L'import support-pivot est réservé aux clients d'API."))
    id_ent = (data.get("id_ent") or "").strip()
    id_externe = (data.get("id_externe") or "").strip()
    statut_externe = html.unescape((data.get("statut_externe") or "").strip())
    ticket, link = _find(user, client, id_ent, id_externe)
    created = ticket is None
    if created:
        missing = {f: [_("Champ obligatoire pour créer un ticket.")] for f in ("uai", "titre", "description") if not data.get(f)}
        if missing:
            raise ValidationError(missing)
        school = School.objects.filter(uai=data["uai"]).first()
        if school is None:
            raise ValidationError({"uai": _("Aucune école avec cet UAI.")})
        impact, urgency = PIVOT_TO_IMPACT_URGENCY[priority_of(data.get("priorite"))]
        try:
            ticket = services.open_ticket(
                actor=user, school=school, title=data["titre"], description=data["description"],
                category=category_of(data.get("type_demande")), service=", ".join(data.get("modules") or [])[:120],
                impact=impact, urgency=urgency, via="pivot", on_behalf_of=_requester(data.get("demandeur"), school),
                qualification=data.get("qualification") or None,
            )
        except PermissionDenied as exc:
            if getattr(exc, "field", None) == "on_behalf_of":  # the pivot names the requester "demandeur"
                exc.field = "demandeur"
            raise
    if link is None:
        link = PivotLink(client=client, ticket=ticket)
    link.id_ent = link.id_ent or id_ent
    link.id_externe = id_externe or link.id_externe
    if statut_externe:
        link.statut_externe = statut_externe[:80]
    link.updated_at = timezone.now()
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        # Another import of the same id_ent / id_externe won the race: nothing of ours is kept.
        raise ApiProblem(409, "conflict", _("Un autre import du même ticket est en cours ; réessayez.")) from None

    for line in data.get("commentaires") or []:
        parsed = parse_comment(line)
        if not parsed["text"] or _known_comment(ticket, link, parsed["id"]):
            continue
        ticket = services.comment(ticket, actor=user, body=parsed["text"])
        if parsed["id"]:
            link.comment_ids[parsed["id"]] = {"pk": ticket.last_event.comment.pk, "author": parsed["author"], "date": parsed["date"]}

    known = set(ticket.attachments.values_list("sha256", flat=True))
    for index, pj in enumerate(data.get("pj") or []):
        upload = _decode(pj, index)
        digest = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        if digest in known:
            continue
        try:
            services.add_attachment(ticket, actor=user, upload=upload, public=True)
        except ValidationError as exc:
            raise ValidationError({f"pj[{index}]": exc.messages}) from None
        known.add(digest)

    # "En cours" from the other side: the relay has it in hand (take). Other statuses are never applied
    # from a document: resolving, sending back… go through the transitions endpoints.
    if status_of(data.get("statut_ent")) == STATUS_OPEN and ticket.state == State.NEW and allowed("take", user, ticket):
        ticket = services.take(ticket, actor=user)

    if id_externe and ticket.vendor_reference != id_externe and allowed("set_vendor_reference", user, ticket):
        ticket = services.set_vendor_reference(ticket, actor=user, vendor_reference=id_externe[:80])
    link.save(update_fields=["comment_ids", "updated_at"])
    return ticket, created
