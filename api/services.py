"""Writes of the API app: clients, webhook subscriptions."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, RefreshToken, get_application_model

from directory.choices import Role
from directory.models import Desk, Membership, User, Vendor

from . import conf
from .models import ApiClient, WebhookEvent, WebhookSubscription


def _check_scopes(scopes) -> list[str]:
    scope_list = scopes.split() if isinstance(scopes, str) else list(scopes)
    unknown = [s for s in scope_list if s not in conf.SCOPES]
    if unknown or not scope_list:
        raise ValidationError(
            {"scopes": _("Portées inconnues ou absentes : %(bad)s (possibles : %(ok)s).") % {
                "bad": " ".join(unknown) or "∅", "ok": " ".join(conf.SCOPES)}}
        )
    return list(dict.fromkeys(scope_list))


@transaction.atomic
def create_api_client(*, vendor: Vendor | None = None, desk: Desk | None = None, scopes, name: str = "",
                      owner_email: str = "") -> tuple[ApiClient, str]:
    """Create the OAuth2 application, its service user and memberships. Returns the client and the
    plaintext secret, which is stored hashed and can never be read again."""
    if (vendor is None) == (desk is None):
        raise ValidationError(_("Un client d'API appartient à un éditeur ou à un guichet, exactement un des deux."))
    scope_list = _check_scopes(scopes)
    owner = vendor or desk
    name = name or f"API {owner.name}"
    slug = vendor.slug if vendor else desk.slug
    user = User.objects.create(
        username=f"api-{slug}-{secrets.token_hex(4)}"[:150],
        first_name="API", last_name=str(owner)[:150], is_active=True,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    secret = secrets.token_urlsafe(40)
    Application = get_application_model()
    application = Application.objects.create(
        name=name[:255], user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret, hash_client_secret=True,
    )
    client = ApiClient.objects.create(
        application=application, name=name, service_user=user, vendor=vendor, desk=desk,
        scopes=" ".join(scope_list), owner_email=owner_email or getattr(desk, "email", "") or "",
    )
    sync_memberships(client)
    return client, secret


@transaction.atomic
def sync_memberships(client: ApiClient) -> int:
    """Give the service user an agent membership on each desk the client acts for (a vendor: all its
    desks, so it sees its levels and nothing below)."""
    desks = list(Desk.objects.filter(vendor=client.vendor)) if client.vendor_id else [client.desk]
    Membership.objects.filter(user=client.service_user).exclude(desk__in=desks).delete()
    existing = set(Membership.objects.filter(user=client.service_user).values_list("desk_id", flat=True))
    # A school's level-0 client is that school's ENT help module: it relays its requesters (answers,
    # confirmations), as the school's ENT correspondent does.
    created = [Membership(user=client.service_user, role=Role.AGENT, desk=d, is_school_contact=d.school_id is not None)
               for d in desks if d.pk not in existing]
    Membership.objects.bulk_create(created)
    return len(created)


@transaction.atomic
def revoke_client(client: ApiClient) -> None:
    """Refuse the client from now on: tokens deleted, service user deactivated, webhooks stopped."""
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    # A new random secret nobody knows: the token endpoint refuses the old credentials.
    client.application.client_secret = secrets.token_urlsafe(40)
    client.application.save(update_fields=["client_secret"])
    AccessToken.objects.filter(application=client.application).delete()
    RefreshToken.objects.filter(application=client.application).delete()
    User.objects.filter(pk=client.service_user_id).update(is_active=False)
    client.webhooks.update(is_active=False, disabled_at=timezone.now(), disabled_reason=_("Client révoqué"))


def _check_events(events) -> list[str]:
    allowed = set(WebhookEvent.values)
    bad = [e for e in events if e not in allowed]
    if bad or not events:
        raise ValidationError({"events": _("Événements inconnus ou absents : %(bad)s.") % {"bad": ", ".join(bad) or "∅"}})
    return list(dict.fromkeys(events))


def subscribe(client: ApiClient, *, url: str, events, description: str = "") -> WebhookSubscription:
    return WebhookSubscription.objects.create(client=client, url=url, events=_check_events(events), description=description)


def update_subscription(subscription: WebhookSubscription, **fields) -> WebhookSubscription:
    if "events" in fields:
        fields["events"] = _check_events(fields["events"])
    reactivate = fields.pop("is_active", None)
    for name, value in fields.items():
        setattr(subscription, name, value)
    if reactivate is True:
        subscription.is_active, subscription.consecutive_failures = True, 0
        subscription.disabled_at, subscription.disabled_reason = None, ""
    elif reactivate is False:
        subscription.is_active = False
    subscription.save()
    return subscription


def rotate_secret(subscription: WebhookSubscription) -> WebhookSubscription:
    from .models import new_webhook_secret

    subscription.secret = new_webhook_secret()
    subscription.save(update_fields=["secret"])
    return subscription
