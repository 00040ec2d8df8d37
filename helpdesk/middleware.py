"""Input refused before it reaches a view or the database, and a view's bad parameter answered
with a 400 naming it (core.params.BadParameter)."""

from django.utils.translation import gettext as _

from core.params import BadParameter

from .views import _error_page


def _bad_request(request, detail, *, full_layout=True):
    # The project's error page: French HTML (in the site layout when the user is known),
    # problem+json under /api/.
    return _error_page(request, 400, _("Requête incorrecte"), detail, slug="bad-request", full_layout=full_layout)


class BadInputMiddleware:
    """NUL bytes in the path or the query string: PostgreSQL refuses them in text ("A string literal
    cannot contain NUL"), so a lookup would be a 500. Refused here, before the session or the user
    is read (no query at all): placed before the session middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:  # already percent-decoded: /demandes/%00/
            return _bad_request(request, _("Caractère nul refusé dans l'adresse."), full_layout=False)
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                return _bad_request(request, _("Caractère nul refusé dans le paramètre « %(name)s ».")
                                    % {"name": name.replace("\x00", "")}, full_layout=False)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return _bad_request(request, str(exception))
        return None
