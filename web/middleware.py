"""French first: the web UI speaks French unless the person chose English in the language switch.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an English browser got the
whole UI in English. Here only the API (`/api/v1/`) negotiates through Accept-Language (vendors'
integrations ask for English problem details); every other page reads the language cookie set by
the header's language switch (`set_language`), else the default language (settings.LANGUAGE_CODE).

The switch's choice is remembered: Django's language cookie lasts only for the browser session
unless LANGUAGE_COOKIE_AGE is set, so when `set_language` sets it without a lifetime it is kept for
a year.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"
REMEMBER_SECONDS = 365 * 24 * 3600


def negotiates(request) -> bool:
    """Requests whose language follows Accept-Language: the REST API only."""
    return request.path_info.startswith(API_PREFIX)


def chosen_language(request) -> str:
    """The language picked in the switch (language cookie) if supported, else the default."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if negotiates(request):
            return super().process_request(request)
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        self._remember_choice(response)
        if negotiates(request):
            return super().process_response(request, response)
        # The page depends on the language cookie, not on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    @staticmethod
    def _remember_choice(response):
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie is not None and cookie.value and not cookie["max-age"] and not cookie["expires"]:
            cookie["max-age"] = REMEMBER_SECONDS
