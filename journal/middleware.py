"""Journals accesses without touching the views: after each response, the URL name (resolved by
Django) says whether the request read or changed a ticket, an attachment or a personal record.

- registered object URLs (ticket pages and API endpoints, attachment downloads, privacy pages):
  one line per request, granted or denied (401/403/404 — attempts from outside the perimeter);
- the admin's object pages (change/delete/history of any model), its journal search and its lists
  of tickets and of people (bulk reads, like the API lists, boards and exports that call
  `services.record_bulk_read` themselves);
- any other 403 answered to a signed-in person: one "denied" line.
Other apps add their object URLs with `register(view_name, resolver)`.
"""

from __future__ import annotations

import logging
from typing import Callable

from .models import Action, ObjectType, Outcome

log = logging.getLogger(__name__)

DENIED_STATUSES = {401, 403, 404}
# view_name (or prefix ending with "*") → resolver(kwargs) → (object_type, object_id, label, school_id)
_ROUTES: dict[str, Callable] = {}


def register(view_name: str, resolver: Callable) -> None:
    _ROUTES[view_name] = resolver


def ticket_by_reference(kwargs):
    from tickets.models import Ticket

    reference = str(kwargs.get("reference", ""))[:20].upper()
    row = Ticket.objects.filter(reference=reference).values("pk", "school_id").first()
    if row is None:
        return ObjectType.TICKET, "", reference, None
    return ObjectType.TICKET, str(row["pk"]), reference, row["school_id"]


def attachment_by_pk(kwargs):
    from tickets.models import Attachment

    row = Attachment.objects.filter(pk=kwargs.get("pk")).values("pk", "ticket__reference", "ticket__school_id").first()
    if row is None:
        return ObjectType.ATTACHMENT, str(kwargs.get("pk", "")), "", None
    return ObjectType.ATTACHMENT, str(row["pk"]), row["ticket__reference"], row["ticket__school_id"]


for _name in ("web:ticket", "web:ticket_message", "web:ticket_action", "api:ticket", "api:ticket-comments",
              "api:ticket-attachments", "api:ticket-events", "api:ticket-transitions", "api:ticket-transition-*",
              "api:pivot-ticket", "web:kb_from_ticket"):
    register(_name, ticket_by_reference)
register("tickets:attachment-download", attachment_by_pk)


def _resolver_for(view_name: str):
    if view_name in _ROUTES:
        return _ROUTES[view_name]
    for key, resolver in _ROUTES.items():
        if key.endswith("*") and view_name.startswith(key[:-1]):
            return resolver
    return None


def _admin_target(match):
    """Object pages of the admin: <app>_<model>_change|delete|history with object_id."""
    name = match.url_name or ""
    object_id = match.kwargs.get("object_id")
    for suffix in ("_change", "_delete", "_history"):
        if name.endswith(suffix) and object_id:
            app_model = name[: -len(suffix)]
            return app_model, str(object_id)
    return None


def _admin_entry(request, response, match):
    from django.apps import apps

    target = _admin_target(match)
    if target is None:
        if match.url_name == "journal_accessentry_changelist":
            return {"object_type": ObjectType.PAGE, "object_label": "recherche dans le journal des accès",
                    "detail": {"query": request.GET.urlencode()[:500]}}
        return None
    app_model, object_id = target
    model = None
    for m in apps.get_models():
        if f"{m._meta.app_label}_{m._meta.model_name}" == app_model:
            model = m
            break
    if model is None:
        return None
    label, school_id, object_type = f"{app_model} #{object_id}", None, ObjectType.OTHER
    if app_model == "tickets_ticket":
        object_type, _, label, school_id = ticket_by_reference_pk(object_id)
    elif model._meta.label == _user_label():
        object_type = ObjectType.PERSON
        username = model._default_manager.filter(pk=object_id).values_list(model.USERNAME_FIELD, flat=True).first()
        label = username or label
    return {"object_type": object_type, "object_id": object_id, "object_label": label, "school_id": school_id}


def _user_label():
    from django.conf import settings

    return settings.AUTH_USER_MODEL


def ticket_by_reference_pk(pk):
    from tickets.models import Ticket

    row = Ticket.objects.filter(pk=pk).values("pk", "reference", "school_id").first() if str(pk).isdigit() else None
    if row is None:
        return ObjectType.TICKET, str(pk), f"ticket #{pk}", None
    return ObjectType.TICKET, str(row["pk"]), row["reference"], row["school_id"]


def _action(request, object_type, status):
    if status in DENIED_STATUSES:
        return Action.DENIED
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return Action.DOWNLOAD if object_type == ObjectType.ATTACHMENT else Action.VIEW
    return Action.CHANGE


def _as_requested(match, fields) -> str:
    """A refused request is labelled with what it asked for, never with what the database holds
    behind it (an attachment's ticket reference, an account's name): the prober reads their own
    lines in their personal-data export. The object id and school stay, for the target's DPO."""
    if "reference" in match.kwargs:
        return str(match.kwargs["reference"])[:20].upper()
    object_id = fields.get("object_id") or ""
    if object_id and fields["object_type"] != ObjectType.PAGE:
        return f"{ObjectType(fields['object_type']).label} n° {object_id}"[:200]
    return fields.get("object_label", "")


def _admin_changelist(request, response, match) -> bool:
    """The admin's lists of tickets and of people: one bulk-read line with the page's rows."""
    from .services import record_bulk_read

    user_list = "{}_changelist".format(_user_label().lower().replace(".", "_"))
    if match.url_name not in ("tickets_ticket_changelist", user_list):
        return False
    cl = (getattr(response, "context_data", None) or {}).get("cl")
    if cl is None:
        return False  # a redirect (unknown filter) or a refusal: the generic rules apply
    page = list(cl.result_list)  # already evaluated by the rendering: no query
    references = [row.reference for row in page] if match.url_name == "tickets_ticket_changelist" else [str(row.pk) for row in page]
    record_bulk_read(request, f"admin:{match.url_name}", rows=len(page), references=references,
                     detail={"total": cl.result_count})
    return True


def journal_response(request, response) -> None:
    from .services import record

    if getattr(request, "_journal_recorded", False):
        return  # the view journaled itself, with more detail
    match = getattr(request, "resolver_match", None)
    if match is None:
        return
    if "admin" in match.namespaces and _admin_changelist(request, response, match):
        return
    status = response.status_code
    fields = None
    if "admin" in match.namespaces:
        fields = _admin_entry(request, response, match)
    else:
        resolver = _resolver_for(match.view_name)
        if resolver is not None:
            object_type, object_id, label, school_id = resolver(match.kwargs)
            fields = {"object_type": object_type, "object_id": object_id, "object_label": label, "school_id": school_id}
    if fields is None:
        user = getattr(request, "user", None)
        if status != 403 or user is None or not user.is_authenticated:
            return
        fields = {"object_type": ObjectType.PAGE, "object_label": match.view_name or request.path[:200]}
    action = _action(request, fields["object_type"], status)
    outcome = Outcome.DENIED if status in DENIED_STATUSES else Outcome.GRANTED
    if outcome == Outcome.DENIED:
        fields["object_label"] = _as_requested(match, fields)
    record(request, action, outcome=outcome, status_code=status, **fields)


class AccessJournalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            journal_response(request, response)
        except Exception:  # the journal must never turn an answered request into an error page
            log.exception("access journal: could not record %s %s", request.method, request.path)
        return response
