"""OAuth2 client credentials mapped to the client's service user, per-client scopes."""

import hashlib

from django.http import HttpResponse
from django.utils.translation import gettext as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.views import TokenView as DOTTokenView
from oauthlib.oauth2.rfc6749.errors import UnsupportedGrantTypeError
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from . import conf


class ClientCredentialsAuthentication(OAuth2Authentication):
    """A client-credentials token has no user: act as the client's service user, so that the
    ticket services and perimeters apply unchanged. Revoked clients are refused."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            if request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
                raise exceptions.AuthenticationFailed(_("Jeton d'accès invalide ou expiré."))
            return None
        user, token = result
        client = _client_of(token)
        if client is None:
            if user is None:
                raise exceptions.AuthenticationFailed(_("Ce jeton n'est rattaché à aucun client d'API."))
            return user, token
        if not client.is_active or not client.service_user.is_active:
            raise exceptions.AuthenticationFailed(_("Ce client d'API a été révoqué."))
        request.api_client = client
        return client.service_user, token


class TokenValidator(OAuth2Validator):
    """DOT's validator, loading a presented access token with its application, API client and the
    client's service user in one query (every API request pays it) instead of three."""

    def _load_access_token(self, token):
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()  # as DOT stores it
        return (
            get_access_token_model().objects.select_related("application__api_client__service_user")
            .filter(token_checksum=checksum).first()
        )


class TokenView(DOTTokenView):
    """The token endpoint of the one grant the product uses, client credentials. Any other
    grant_type gets the same answer before anything is checked: the password grant would otherwise
    tell a right password from a wrong one and feed the sign-in lockout, and DOT's device-code branch
    answers 500 on a missing field. The server class (OAUTH2_SERVER_CLASS) knows only this grant too."""

    GRANT_TYPE = "client_credentials"

    def post(self, request, *args, **kwargs):
        if request.POST.get("grant_type") != self.GRANT_TYPE:
            error = UnsupportedGrantTypeError()
            response = HttpResponse(error.json, status=error.status_code, content_type="application/json")
            response["Cache-Control"] = "no-store"  # RFC 6749 §5.2, as on oauthlib's own answers
            response["Pragma"] = "no-cache"
            return response
        response = super().post(request, *args, **kwargs)
        if response.status_code == 401:
            # RFC 6749 §5.2: a failed client authentication is challenged with the scheme the
            # client authenticates with here (HTTP Basic), not oauthlib's Bearer.
            response["WWW-Authenticate"] = 'Basic realm="api", charset="UTF-8"'
        return response


def _client_of(token):
    """The token's API client (with its service user), as loaded by TokenValidator; one query
    when another validator loaded the token."""
    application = token.application if token.application_id else None
    if application is None:
        return None
    if type(application).api_client.is_cached(application):
        return getattr(application, "api_client", None)  # None: an application without a client
    from .models import ApiClient

    return ApiClient.objects.select_related("service_user").filter(application=application).first()


class ClientScopes(BaseScopes):
    """Each client may only obtain the scopes it was created with."""

    def get_all_scopes(self):
        return conf.SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "api_client", None) if application is not None else None
        if client is None:
            return list(conf.SCOPES)
        return [s for s in client.scope_list if s in conf.SCOPES] if client.is_active else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


class HasScope(BasePermission):
    """`required_scopes` on the view, or `required_scopes_by_method` {method: [...]}; browser sessions
    (no token) are not limited by scopes, only by the user's perimeter."""

    message = None

    def has_permission(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "scope"):
            return True
        scopes = self.required(request, view)
        if not scopes or token.is_valid(scopes):
            return True
        self.message = _("Ce jeton n'a pas la portée requise : %(scopes)s.") % {"scopes": " ".join(scopes)}
        return False

    @staticmethod
    def required(request, view):
        by_method = getattr(view, "required_scopes_by_method", None)
        if by_method is not None:
            key = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
            return by_method.get(request.method) or by_method.get(key) or []
        return getattr(view, "required_scopes", [])
