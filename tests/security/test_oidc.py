"""OpenID sign-in against a provider on loopback (tests/oidc_provider.py), driven like a browser.

The account is found by verified e-mail once, bound to the provider's (issuer, sub), and found by
that binding only afterwards; staff and superusers are never linked by e-mail; every refusal lands
on the sign-in page with a French message, never an error page.
"""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.urls import resolve

from directory.models import OidcIdentity, User
from tests.oidc_provider import OidcProvider, new_key
from tests.test_production_profile import PRODUCTION_ENV, run_python

REFUSED = "Aucun compte de l&#x27;assistance ne peut être relié à cette identité ProConnect"
UNVERIFIED = "Votre adresse électronique n&#x27;est pas vérifiée par ProConnect"
FAILED = "La connexion avec ProConnect a échoué"


@pytest.fixture(scope="module")
def provider():
    op = OidcProvider().start()
    yield op
    op.stop()


@pytest.fixture
def op(provider, settings):
    """The provider, reset, and the settings helpdesk/settings.py derives from OIDC_* (checked below)."""
    provider.token_key = provider.key
    provider.userinfo_claims = None
    provider.issuer = provider.base
    for name, value in provider.django_settings().items():
        setattr(settings, name, value)
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "ProConnect"
    settings.OIDC_CREATE_USER = False
    settings.OIDC_CALLBACK_CLASS = "web.oidc.HelpdeskOIDCCallbackView"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "web.oidc.HelpdeskOIDCBackend"]
    settings.ROOT_URLCONF = "tests.oidc_urls"
    return provider


@pytest.fixture
def teacher(db):
    return User.objects.create_user(username="prof_oidc", email="camille.martin@ac-exemple.fr", password="x-Password-123")


def sign_in(client, op, **claims):
    """Sign-in button → provider's /authorize → callback with code and state; the final page."""
    op.claims = claims
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302 and start["Location"].startswith(f"{op.base}/authorize?")
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/oidc/callback/"
    return client.get(callback.path, dict(parse_qsl(callback.query)), follow=True)


def signed_in_as(client):
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def assert_refused(client, page, message):
    assert page.status_code == 200
    assert page.resolver_match.url_name == "login"
    assert message in page.content.decode()
    assert signed_in_as(client) is None


def test_callback_is_the_helpdesk_view(op):
    from web.oidc import HelpdeskOIDCCallbackView

    assert resolve("/oidc/callback/").func.view_class is HelpdeskOIDCCallbackView


def test_verified_first_sign_in_binds_the_account(client, op, teacher):
    page = sign_in(client, op, sub="sub-camille", email="Camille.Martin@ac-exemple.fr", email_verified=True)
    assert page.status_code == 200
    assert signed_in_as(client) == teacher
    identity = OidcIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.sub) == (teacher, op.issuer, "sub-camille")


def test_changed_email_at_the_provider_keeps_the_bound_account(client, op, teacher):
    sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    client.logout()
    other = User.objects.create_user(username="prof_autre", email="c.martin@ac-exemple.fr")

    sign_in(client, op, sub="sub-camille", email=other.email, email_verified=True)

    assert signed_in_as(client) == teacher
    assert OidcIdentity.objects.count() == 1


@pytest.mark.parametrize("verified", [False, "false", None], ids=["false", "string-false", "missing"])
def test_unverified_email_is_refused(client, op, teacher, verified):
    claims = {"sub": "sub-camille", "email": teacher.email}
    if verified is not None:
        claims["email_verified"] = verified
    assert_refused(client, sign_in(client, op, **claims), UNVERIFIED)
    assert not OidcIdentity.objects.exists()


def test_unverified_email_in_userinfo_wins_over_the_id_token(client, op, teacher):
    op.userinfo_claims = {"sub": "sub-camille", "email": teacher.email, "email_verified": False}
    page = sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    assert_refused(client, page, UNVERIFIED)


def test_another_sub_with_the_bound_accounts_email_is_refused(client, op, teacher):
    sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    client.logout()

    page = sign_in(client, op, sub="sub-intrus", email=teacher.email, email_verified=True)

    assert_refused(client, page, REFUSED)
    assert list(OidcIdentity.objects.values_list("sub", flat=True)) == ["sub-camille"]


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_staff_and_superusers_are_never_linked_by_email(client, op, db, flag):
    admin = User.objects.create_user(username="admin_oidc", email="admin@ac-exemple.fr", **{flag: True})
    page = sign_in(client, op, sub="sub-admin", email=admin.email, email_verified=True)
    assert_refused(client, page, REFUSED)
    assert not OidcIdentity.objects.exists()


def test_no_account_is_created_for_an_unknown_email(client, op, db):
    page = sign_in(client, op, sub="sub-inconnu", email="inconnu@ac-exemple.fr", email_verified=True)
    assert_refused(client, page, REFUSED)
    assert not User.objects.filter(email="inconnu@ac-exemple.fr").exists()


def test_inactive_bound_account_is_refused(client, op, teacher):
    sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    client.logout()
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert_refused(client, sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True), REFUSED)


def test_token_signed_by_another_key_is_refused(client, op, teacher):
    op.token_key = new_key()
    page = sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    assert_refused(client, page, FAILED)
    assert not OidcIdentity.objects.exists()


def test_token_from_another_issuer_is_refused(client, op, teacher, settings):
    settings.OIDC_OP_ISSUER = "https://autre-fournisseur.example"
    page = sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    assert_refused(client, page, FAILED)


def test_userinfo_for_another_sub_is_refused(client, op, teacher):
    op.userinfo_claims = {"sub": "sub-autre", "email": teacher.email, "email_verified": True}
    page = sign_in(client, op, sub="sub-camille", email=teacher.email, email_verified=True)
    assert_refused(client, page, FAILED)
    assert not OidcIdentity.objects.exists()


def test_callback_without_a_pending_sign_in_shows_the_login_page(client, op, db):
    page = client.get("/oidc/callback/", {"code": "x", "state": "inconnu"}, follow=True)
    assert_refused(client, page, FAILED)


def test_settings_block_wires_the_helpdesk_classes(tmp_path):
    """What the `op` fixture sets is what helpdesk/settings.py derives from the environment."""
    env = {
        **PRODUCTION_ENV,
        "OIDC_RP_CLIENT_ID": "helpdesk",
        "OIDC_RP_CLIENT_SECRET": "s3cret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
        "OIDC_OP_ISSUER": "https://idp.example",
    }
    code = (
        "import json, helpdesk.settings as s; print(json.dumps([s.OIDC_ENABLED, s.OIDC_CALLBACK_CLASS,"
        " s.OIDC_CREATE_USER, s.OIDC_OP_ISSUER, s.AUTHENTICATION_BACKENDS[-1], s.OIDC_TIMEOUT]))"
    )
    out = run_python(code, env, tmp_path)
    assert out.returncode == 0, out.stderr
    enabled, callback, create, issuer, backend, timeout = json.loads(out.stdout.strip().splitlines()[-1])
    assert (enabled, callback, create, issuer, backend) == (
        True, "web.oidc.HelpdeskOIDCCallbackView", False, "https://idp.example", "web.oidc.HelpdeskOIDCBackend",
    )
    assert timeout and timeout <= 30
