"""OpenID Connect sign-in (ProConnect or an académie identity provider), enabled by environment.

Accounts and roles live in the directory: the identity provider proves who the person is, the
directory says what they may do. A verified e-mail that matches no active account is refused.
"""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class HelpdeskOIDCBackend(OIDCAuthenticationBackend):
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
