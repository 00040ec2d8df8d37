"""RFC 9457 problem details for every API error, in French or English (Accept-Language)."""

import logging
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://assistance-ent.example/problems/"


@contextmanager
def forbidden_as_403():
    """A domain refusal (Django's PermissionDenied) as a 403 that keeps its reason."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from None


class ApiProblem(exceptions.APIException):
    """An error with its own problem type (slug) and optional extra members."""

    def __init__(self, status_code, slug, detail, title=None, **extra):
        self.status_code = status_code
        self.slug = slug
        self.title = title
        self.extra = extra
        super().__init__(detail=detail, code=slug)


class PreconditionRequired(ApiProblem):
    def __init__(self):
        super().__init__(428, "precondition-required", _("L'en-tête If-Match est obligatoire : renvoyez l'ETag de la dernière lecture du ticket."))


class PreconditionFailed(ApiProblem):
    def __init__(self, current_etag):
        super().__init__(412, "precondition-failed", _("Le ticket a changé depuis votre dernière lecture (ETag périmé)."), current_etag=current_etag)


class Conflict(ApiProblem):
    def __init__(self, detail=None, slug="conflict"):
        super().__init__(409, slug, detail or _("Une autre action a modifié le ticket au même moment ; relisez-le puis réessayez."))


class GuardFailed(ApiProblem):
    def __init__(self, reason, **extra):
        super().__init__(422, "guard-failed", reason, **extra)


class Forbidden(ApiProblem):
    def __init__(self, detail):
        super().__init__(403, "forbidden", detail)


class PayloadTooLarge(ApiProblem):
    def __init__(self, limit):
        super().__init__(413, "payload-too-large", _("Corps de requête trop volumineux (limite : %(limit)s octets).") % {"limit": limit}, limit=limit)


def _titles():
    return {
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Action interdite"),
        404: _("Ressource introuvable"),
        405: _("Méthode non autorisée"),
        406: _("Format de réponse non disponible"),
        409: _("Conflit"),
        412: _("Précondition non remplie"),
        413: _("Requête trop volumineuse"),
        415: _("Type de contenu non pris en charge"),
        422: _("Requête impossible à traiter"),
        428: _("Précondition requise"),
        429: _("Trop de requêtes"),
        500: _("Erreur interne"),
    }


_SLUGS = {
    exceptions.ParseError: "malformed-request",
    exceptions.ValidationError: "validation-error",
    exceptions.NotAuthenticated: "not-authenticated",
    exceptions.AuthenticationFailed: "authentication-failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not-found",
    exceptions.MethodNotAllowed: "method-not-allowed",
    exceptions.NotAcceptable: "not-acceptable",
    exceptions.UnsupportedMediaType: "unsupported-media-type",
    exceptions.Throttled: "too-many-requests",
}


def _flatten(detail, prefix=""):
    """DRF's nested error dict → [{"field": "a.b", "message": "…", "code": "…"}]."""
    out = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key == api_settings.NON_FIELD_ERRORS_KEY else (f"{prefix}.{key}" if prefix else str(key))
            out.extend(_flatten(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)) and not isinstance(value, str):
                out.extend(_flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
            else:
                out.extend(_flatten(value, prefix))
    else:
        out.append({"field": prefix or None, "message": str(detail), "code": getattr(detail, "code", None)})
    return out


def problem_body(status_code, slug, detail, title=None, instance=None, **extra):
    body = {
        "type": TYPE_BASE + slug,
        "title": title or _titles().get(status_code, _("Erreur")),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(status_code, slug, detail, headers=None, **extra):
    response = Response(problem_body(status_code, slug, detail, **extra), status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _from_domain(exc):
    """Map the ticket services' exceptions without importing the app at module load."""
    name = type(exc).__name__
    module = type(exc).__module__
    if not module.startswith(("tickets.", "sla.")):
        return None
    reason = str(exc) or name
    extra = {}
    for attr in ("code", "guard", "field"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and value:
            extra[attr] = value
    if name == "PermissionDenied":
        return ApiProblem(403, "forbidden", reason, **extra)
    if name == "GuardFailed":
        return ApiProblem(422, "guard-failed", reason, **extra)
    if name in {"Conflict", "StaleVersion", "ConcurrentUpdate"}:
        return ApiProblem(409, "conflict", reason or _("Conflit de version"), **extra)
    if name in {"InvalidTransition", "TransitionNotAllowed"}:
        return ApiProblem(422, "invalid-transition", reason, **extra)
    if name.endswith(("ValidationError", "InvalidInput")):
        return ApiProblem(400, "validation-error", reason, **extra)
    return None


def exception_handler(exc, context):
    request = context.get("request")
    instance = request.path if request is not None else None
    headers = {}

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Ressource introuvable ou hors de votre périmètre."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif (mapped := _from_domain(exc)) is not None:
        exc = mapped

    if not isinstance(exc, exceptions.APIException):
        # Unexpected: log it and answer in the same shape rather than an HTML page.
        logger.exception("Unhandled API error", exc_info=exc)
        set_rollback()
        return problem_response(500, "internal-error", _("Erreur interne ; elle a été journalisée."), instance=instance)

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    status_code = exc.status_code
    extra = {}
    if isinstance(exc, ApiProblem):
        slug, detail, extra = exc.slug, str(exc.detail), dict(exc.extra)
        title = exc.title
    elif isinstance(exc, exceptions.ValidationError):
        slug, title = "validation-error", None
        errors = _flatten(exc.detail)
        extra["errors"] = errors
        detail = _("La requête contient %(count)d erreur(s) : %(first)s") % {
            "count": len(errors),
            "first": "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:3]),
        }
    else:
        slug, title = _SLUGS.get(type(exc), exc.default_code.replace("_", "-")), None
        detail = str(exc.detail)
        if isinstance(exc, exceptions.NotAuthenticated):
            detail = _("Authentification requise : jeton OAuth2 (Authorization: Bearer …) ou session.")
        elif isinstance(exc, exceptions.Throttled):
            detail = _("Trop de requêtes pour ce client ; réessayez dans %(s)d s.") % {"s": int(exc.wait or 1)}
        elif isinstance(exc, exceptions.ParseError):
            detail = _("Corps de requête illisible : %(error)s") % {"error": exc.detail}
    set_rollback()
    return problem_response(status_code, slug, detail, headers=headers, title=title, instance=instance, **extra)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Catch-all for unknown /api/v1/ paths, whatever the method: a problem, not an HTML page (a POST
    would otherwise meet the CSRF check first)."""
    body = problem_body(404, "not-found", _("Aucune ressource à cette adresse."), instance=request.path)
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
