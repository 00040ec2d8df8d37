"""Project views: home, health, and the error pages (French HTML in the site layout; problem+json
under /api/)."""

import logging

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from directory.selectors import perimeter_for

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


def home(request):
    perimeter = perimeter_for(request.user)
    return render(request, "home.html", {"perimeter": perimeter})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _is_api(request):
    return request.path.startswith("/api/")


def _problem(request, status, slug, title, detail):
    from api.problems import problem_body

    body = problem_body(status, slug, detail, title=title, instance=request.path)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})


def _error_page(request, status, title, detail, *, slug, full_layout=True):
    if _is_api(request):
        return _problem(request, status, slug, title, detail)
    context = {"status": status, "title": title, "detail": detail}
    if full_layout:
        try:
            return render(request, "errors/error.html", context, status=status)
        except Exception:  # the layout needs the database: fall back to the bare page
            logger.exception("Error page %s rendered without the site layout", status)
    return HttpResponse(loader.render_to_string("errors/bare.html", context), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error_page(request, 400, _("Requête incorrecte"),
                       _("Le navigateur a envoyé une requête que le site ne comprend pas."), slug="bad-request")


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(request, 403, _("Accès refusé"),
                       _("Cette page ou cette action n'est pas ouverte à votre compte."), slug="forbidden")


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, 404, _("Page introuvable"),
                       _("Cette adresse ne correspond à aucune page, ou la page n'est pas dans votre périmètre."),
                       slug="not-found")


@requires_csrf_token
def server_error(request):
    return _error_page(request, 500, _("Erreur interne"),
                       _("Une erreur inattendue est survenue ; elle a été journalisée. Réessayez dans quelques instants."),
                       slug="internal-error")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually an expired form (the page stayed open too long) or blocked cookies."""
    return _error_page(
        request, 403, _("Formulaire expiré"),
        _("Le formulaire a expiré ou les cookies sont bloqués : rechargez la page puis recommencez."),
        slug="csrf-failed",
    )
