"""OpenID Connect sign-in (ProConnect or an académie identity provider), enabled by environment.

Accounts and roles live in the directory: the identity provider proves who the person is, the
directory says what they may do. No account is created here. At the first sign-in a verified
e-mail links the provider's account (issuer, sub) to the one active directory account with that
address, never a staff or superuser one; afterwards only that binding finds the account, so an
e-mail changed at the provider does not move the sign-in, and another sub with the same e-mail is
refused. Every refusal ends on the sign-in page with a message, never on an error page.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from directory.models import OidcIdentity

log = logging.getLogger(__name__)

PERSON_CLAIMS = ("email", "email_verified", "given_name", "usual_name", "family_name")


class Refused(SuspiciousOperation):
    """The provider vouched for someone this helpdesk does not let in (already told the person)."""


def _provider():
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or _("le fournisseur d'identité")


def _tell(request, message):
    # One message per attempt: the most precise one, said first, wins.
    if request is not None and not getattr(request, "_oidc_told", False):
        messages.error(request, message)
        request._oidc_told = True


def _failed():
    return _(
        "La connexion avec %(provider)s a échoué. Réessayez ; si le problème persiste, connectez-vous "
        "avec votre identifiant et votre mot de passe."
    ) % {"provider": _provider()}


def _no_account():
    # Same words whatever the cause (no account, several, staff, bound to someone else): no oracle.
    return _(
        "Aucun compte de l'assistance ne peut être relié à cette identité %(provider)s. Connectez-vous avec "
        "votre identifiant et votre mot de passe, ou demandez à votre référent d'ouvrir votre accès."
    ) % {"provider": _provider()}


def _unverified():
    return _(
        "Votre adresse électronique n'est pas vérifiée par %(provider)s : la connexion est refusée. "
        "Faites-la vérifier auprès de %(provider)s puis réessayez."
    ) % {"provider": _provider()}


def _true(value):
    return value is True or (isinstance(value, str) and value.lower() == "true")


class HelpdeskOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException, ValueError) as exc:
            # Bad signature, expired token, provider down or answering nonsense: a refusal, not a 500.
            log.warning("OIDC sign-in failed: %s: %s", type(exc).__name__, exc)
            _tell(request, _failed())
            return None

    def _refuse(self, message, reason, payload):
        log.warning("OIDC sign-in refused (%s) for sub %r of %r", reason, payload.get("sub"), payload.get("iss"))
        _tell(self.request, message)
        raise Refused(reason)

    def check_id_token(self, payload):
        """What the library leaves unchecked: issuer, audience, expiry and subject must be there."""
        expected = getattr(settings, "OIDC_OP_ISSUER", "")
        iss, aud, sub = payload.get("iss"), payload.get("aud"), payload.get("sub")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        problem = (
            "no issuer" if not isinstance(iss, str) or not iss
            else "unexpected issuer" if expected and iss != expected
            else "not for this client" if self.OIDC_RP_CLIENT_ID not in audiences
            else "azp is another client" if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID
            else "no expiry" if not isinstance(payload.get("exp"), (int, float))
            else "no subject" if not isinstance(sub, str) or not sub
            else None
        )
        if problem:
            self._refuse(_failed(), problem, payload)

    def get_userinfo(self, access_token, id_token, payload):
        """The person's claims from the ID token, completed by the userinfo endpoint when configured.

        `email_verified` is read from the source that gives the e-mail (userinfo first); the ID
        token's verdict counts for userinfo's e-mail only when both state the same address."""
        info = {}
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload["sub"]:
                self._refuse(_failed(), "userinfo for another sub", payload)
        token = {k: payload[k] for k in PERSON_CLAIMS if k in payload}
        source = info if info.get("email") else token
        email = (source.get("email") or "").strip()
        verified = source.get("email_verified")
        if verified is None and source is info and (token.get("email") or "").strip().lower() == email.lower():
            verified = token.get("email_verified")
        return {**token, **info, "iss": payload["iss"], "sub": payload["sub"], "email": email, "email_verified": _true(verified)}

    def get_or_create_user(self, access_token, id_token, payload):
        self.check_id_token(payload)
        claims = self.get_userinfo(access_token, id_token, payload)
        if not claims["email_verified"]:
            self._refuse(_unverified(), "e-mail not verified", payload)
        identity = OidcIdentity.objects.select_related("user").filter(issuer=claims["iss"], sub=claims["sub"]).first()
        if identity is not None:
            if not identity.user.is_active:
                self._refuse(_no_account(), "bound account inactive", payload)
            return self.update_user(identity.user, claims)
        return self.bind_by_email(claims, payload)

    def bind_by_email(self, claims, payload):
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) != 1:
            self._refuse(_no_account(), f"{len(users)} active account(s) with this e-mail", payload)
        user = users[0]
        if user.is_staff or user.is_superuser:
            # An admin's address at a provider is not proof enough; an admin links them by hand.
            self._refuse(_no_account(), "staff account never linked by e-mail", payload)
        try:
            with transaction.atomic():
                OidcIdentity.objects.create(user=user, issuer=claims["iss"], sub=claims["sub"])
        except IntegrityError:
            # One sub per account and provider: the account already answers to another one.
            self._refuse(_no_account(), "account bound to another sub", payload)
        log.info("OIDC identity of %r bound to user %s", claims["iss"], user.pk)
        return self.update_user(user, claims)

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def update_user(self, user, claims):
        # Names follow the identity provider; ProConnect sends given_name / usual_name.
        first = claims.get("given_name") or user.first_name
        last = claims.get("usual_name") or claims.get("family_name") or user.last_name
        if (first, last) != (user.first_name, user.last_name):
            user.first_name, user.last_name = first, last
            user.save(update_fields=["first_name", "last_name"])
        return user


class HelpdeskOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: any failure shows the sign-in page with a message."""

    @property
    def failure_url(self):
        return resolve_url(settings.LOGIN_URL)

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # e.g. a state this session never sent
            log.warning("OIDC callback refused: %s", exc)
            return self.login_failure()

    def login_failure(self):
        _tell(self.request, _failed())
        return super().login_failure()
