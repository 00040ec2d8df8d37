"""Writes of the access journal: `record` (one line per access), `record_bulk_read` (one line per
list, board or export request) and the retention purge."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .gate import purge_gate
from .models import AccessEntry, Action, Interface, ObjectType, Outcome

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 365


def retention_days() -> int:
    return int(settings.HELPDESK.get("ACCESS_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or — behind N trusted reverse proxies — the address the outermost proxy saw.

    X-Forwarded-For is only read when HELPDESK["ACCESS_LOG_PROXY_COUNT"] says how many proxies
    append to it: otherwise any client could write the address of its choice in the journal."""
    proxies = int(settings.HELPDESK.get("ACCESS_LOG_PROXY_COUNT", 0))
    if proxies > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            return chain[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def interface_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and "admin" in match.namespaces:
        return Interface.ADMIN
    if request.path.startswith("/api/"):
        return Interface.API
    return Interface.WEB


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonyme"
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{actor.get_username()} ({full})" if full else actor.get_username()


def _describe(obj) -> tuple[str, str, str, int | None]:
    """(object_type, object_id, label, school_id) of a model instance."""
    from directory.models import User
    from tickets.models import Attachment, Ticket

    if isinstance(obj, Ticket):
        return ObjectType.TICKET, str(obj.pk), obj.reference, obj.school_id
    if isinstance(obj, Attachment):
        return ObjectType.ATTACHMENT, str(obj.pk), f"{obj.ticket.reference} / {obj.original_name}", obj.ticket.school_id
    if isinstance(obj, User):
        return ObjectType.PERSON, str(obj.pk), obj.get_username(), None
    ticket = getattr(obj, "ticket", None)
    if isinstance(ticket, Ticket):
        return getattr(obj, "journal_type", ObjectType.OTHER), str(obj.pk), ticket.reference, ticket.school_id
    return ObjectType.OTHER, str(getattr(obj, "pk", "") or ""), str(obj)[:200], None


def record(
    who,
    action: str,
    obj=None,
    interface: str | None = None,
    *,
    outcome: str = Outcome.GRANTED,
    object_type: str | None = None,
    object_id: str = "",
    object_label: str = "",
    school_id: int | None = None,
    status_code: int | None = None,
    detail: dict | None = None,
    rows: int | None = None,
    references: list | None = None,
    filters: dict | None = None,
) -> AccessEntry:
    """Journal one access. `who` is the request (actor, address, interface read from it) or a user
    (or None for a periodic task)."""
    request = who if hasattr(who, "META") else None
    actor = getattr(request, "user", None) if request is not None else who
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        o_type, o_id, o_label, o_school = _describe(obj)
        object_type = object_type or o_type
        object_id = object_id or o_id
        object_label = object_label or o_label
        school_id = school_id if school_id is not None else o_school
    entry = AccessEntry(
        actor=actor,
        actor_label=_actor_label(actor),
        interface=interface or (interface_of(request) if request is not None else Interface.SYSTEM),
        action=action,
        outcome=outcome,
        object_type=object_type or ObjectType.OTHER,
        object_id=str(object_id)[:64],
        object_label=str(object_label)[:200],
        school_id=school_id,
        status_code=status_code,
        detail=detail or {},
        rows=rows,
        references=references or [],
        filters=filters or {},
    )
    if request is not None:
        entry.ip_address = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        entry.method = request.method[:8]
        entry.path = request.get_full_path()[:300]
        client = getattr(request, "api_client", None)
        if client is not None:
            entry.detail = {**entry.detail, "api_client": str(client)}
    entry.save()
    return entry


# --- bulk reads ---------------------------------------------------------------------------------
REFERENCES_KEPT = 200
FILTERS_KEPT = 30
FILTER_VALUE_LENGTH = 64
# Query parameters that carry what a person typed (a name, a phone number…): only their length.
FREE_TEXT_PARAMS = frozenset({"q", "search", "recherche", "texte", "contact", "nom"})


def bulk_filters(params) -> dict:
    """The query parameters of a list request, as the journal keeps them: names and values,
    values capped, free text replaced by its length, a bounded number of parameters."""
    kept: dict = {}
    for name in list(params.keys())[:FILTERS_KEPT]:
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        key = str(name)[:FILTER_VALUE_LENGTH]
        if key.lower() in FREE_TEXT_PARAMS:
            kept[key] = [f"<texte libre : {len(str(v or ''))} caractères>" for v in values][:5]
        else:
            kept[key] = [str(v if v is not None else "")[:FILTER_VALUE_LENGTH] for v in values][:5]
        if len(kept[key]) == 1:
            kept[key] = kept[key][0]
    return kept


def _reference_of(row):
    return row.get("reference") if isinstance(row, dict) else getattr(row, "reference", None)


def record_bulk_read(request, name: str, page=None, *, rows: int | None = None, references=None,
                     export: bool = False, params=None, detail: dict | None = None) -> AccessEntry:
    """One line for a list, board or export request: which one (`name`), its filters, how many
    rows it returned and which ticket references. `page`: the rows already built (dicts or
    instances with a `reference`), read in memory — no query per row."""
    if page is not None:
        page = list(page)
        rows = len(page) if rows is None else rows
        references = [_reference_of(row) for row in page] if references is None else references
    refs = [str(r) for r in (references or ()) if r]
    extra = dict(detail or {})
    if len(refs) > REFERENCES_KEPT:
        extra["references_total"] = len(refs)
    entry = record(
        request, Action.EXPORT if export else Action.VIEW, object_type=ObjectType.LIST,
        object_label=name, rows=rows, references=refs[:REFERENCES_KEPT],
        filters=bulk_filters(request.GET if params is None else params), detail=extra,
    )
    # One line per request: the middleware writes no other (it sees Django's request, under DRF's).
    getattr(request, "_request", request)._journal_recorded = True
    return entry


@transaction.atomic
def purge_expired(now=None) -> int:
    """Remove journal lines older than the retention period; the purge itself is journaled."""
    now = now or timezone.now()
    days = retention_days()
    cutoff = now - timedelta(days=days)
    with purge_gate(cutoff):  # the database triggers refuse any other DELETE
        count = AccessEntry.objects.filter(at__lt=cutoff)._purge()
    record(None, Action.CHANGE, interface=Interface.SYSTEM, object_type=ObjectType.OTHER,
           object_label="purge du journal des accès", detail={"deleted": count, "cutoff": cutoff.isoformat(), "retention_days": days})
    log.info("access journal: %s entries older than %s days purged", count, days)
    return count
