"""Outbound webhooks signed per the Standard Webhooks specification.

Events become one WebhookDelivery per matching subscription (fan-out, run by the worker from the
outbox, never inside the request). Each delivery keeps its webhook-id for every attempt; failures are
retried with exponential backoff for 24 h; a subscription failing repeatedly is disabled and its
owner told.
"""

import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from . import conf
from .models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)
USER_AGENT = "assistance-ent-webhooks/1"


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(
        {"type": delivery.event_type, "timestamp": delivery.created_at.astimezone(UTC).isoformat(), "data": delivery.payload},
        cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"),
    )


def signed_headers(secret: str, webhook_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    at = (at or timezone.now()).astimezone(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _can_see(subscription: WebhookSubscription, ticket, entry=None, outage_id=None) -> bool:
    """The client reads the ticket, and the timeline line the payload tells (its audience:
    `tickets.access.entries_q` — a vendor's webhook never carries another organisation's note).
    An event without a ticket is an outage's: the clients who may list it (`GET /outages/`, the
    same selector); anything else without a ticket goes to nobody."""
    user = subscription.client.service_user
    if ticket is None:
        if outage_id is None:
            return False
        from sla.selectors import visible_outages

        return visible_outages(user).filter(pk=outage_id).exists()
    from tickets.access import may_read_entry
    from tickets.selectors import visible_to

    if entry is not None:
        return may_read_entry(user, entry)
    return visible_to(user).filter(pk=ticket.pk).exists()


def fan_out(event_type: str, payload: dict, *, ticket=None, event=None, source: str | None = None) -> list[WebhookDelivery]:
    """Create the deliveries of one event for every active subscription that wants it and whose
    client may see the ticket (and `event`, the timeline line it tells) or the outage; schedule
    their first attempt after commit.

    `source` (e.g. the outbox message) makes it idempotent: a replayed event reuses the same
    webhook-id per subscription and creates nothing new."""
    subscriptions = (
        WebhookSubscription.objects.filter(is_active=True, client__revoked_at__isnull=True)
        .select_related("client__service_user")
    )
    outage_id = payload.get("id") if ticket is None and event_type.startswith("outage.") else None
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            subscription=sub, event_type=event_type,
            webhook_id=f"msg_{source}_{sub.pk}" if source else new_webhook_id(),
            payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)), next_attempt_at=now,
        )
        for sub in subscriptions
        if event_type in sub.events and _can_see(sub, ticket, event, outage_id)
    ]
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        ids = list(WebhookDelivery.objects.filter(
            webhook_id__in=[d.webhook_id for d in deliveries], status=WebhookDelivery.Status.PENDING, attempts=0,
        ).values_list("pk", flat=True))
        transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def _enqueue(ids, delay=None):
    from .tasks import deliver_webhook

    for pk in ids:
        if delay:
            deliver_webhook.schedule((pk,), delay=delay)
        else:
            deliver_webhook(pk)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt n+1 after n failed ones: 30 s, 1 min, 2 min, … doubling, capped at 6 h."""
    return timedelta(seconds=min(conf.webhook_first_delay() * 2 ** max(attempts - 1, 0), 6 * 3600))


# --- destinations (SSRF): checked when subscribing, and again at connect time ---------------------

def allow_loopback() -> bool:
    """HELPDESK["WEBHOOK_ALLOW_LOOPBACK"]: development and tests post to a local receiver."""
    return bool(settings.HELPDESK.get("WEBHOOK_ALLOW_LOOPBACK", False))


def refused_address(ip: str) -> bool:
    """An address a webhook never reaches: loopback (unless allowed), private, link-local,
    multicast, reserved, unspecified, shared (CGNAT)… anything not globally routable."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not allow_loopback()
    return address.is_multicast or address.is_reserved or address.is_unspecified or not address.is_global


def _addresses(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _scheme_allowed(scheme: str) -> bool:
    return scheme == "https" or (scheme == "http" and (settings.DEBUG or allow_loopback()))


def destination_error(url: str) -> str | None:
    """Why `url` may not receive webhooks (a French message for the `url` field), or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return _("Seules les URL http(s) sont acceptées.")
    if not _scheme_allowed(parts.scheme.lower()):
        return _("Seules les URL https:// sont acceptées.")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return _("Port invalide.")
    if not host:
        return _("L'URL doit nommer un hôte.")
    try:
        addresses = _addresses(host, port)
    except (socket.gaierror, UnicodeError):
        # Not resolvable now: accepted; the connection re-checks every attempt.
        return None
    if any(refused_address(ip) for ip in addresses):
        return _("Cette adresse est interne (boucle locale, réseau privé, lien local, multidiffusion ou "
                 "réservée) : les webhooks ne sont envoyés qu'à des adresses publiques.")
    return None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked beforehand, not to a second DNS answer (no rebinding);
    the Host header still names the URL's host."""

    def __init__(self, host, port, *, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self.ip = ip

    def connect(self):
        self.sock = socket.create_connection((self.ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same for TLS: SNI and certificate verification use the URL's host name."""

    def __init__(self, host, port, *, ip, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.ip = ip

    def connect(self):
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def status_class(code: int) -> str:
    return f"HTTP {code // 100}xx"


def _post(url: str, body: str, headers: dict) -> tuple[int | None, str]:
    """POST once; the error is a class ("timeout", "HTTP 5xx"…), never what the remote said.
    Resolve once, refuse if any address is internal, connect to the first one (http.client, not
    urllib: no redirects followed, no second resolution). No proxy is used."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not _scheme_allowed(scheme) or not parts.hostname:
        return None, "destination refused"
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        addresses = _addresses(parts.hostname, port)
    except (socket.gaierror, UnicodeError):
        return None, "DNS resolution failed"
    if not addresses or any(refused_address(ip) for ip in addresses):
        return None, "destination refused"
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, ip=addresses[0], timeout=conf.webhook_timeout())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        status = connection.getresponse().status   # the body is never read
        return status, "" if 200 <= status < 300 else status_class(status)
    except TimeoutError:
        return None, "timeout"
    except ConnectionRefusedError:
        return None, "connection refused"
    except ssl.SSLError:
        return None, "TLS error"
    except (OSError, http.client.HTTPException):   # reset, unreachable, malformed answer…
        return None, "connection error"
    finally:
        connection.close()


# Tests replace this to capture requests without a network.
transport = _post


def claim(delivery_id: int, lease: timedelta = timedelta(minutes=2)) -> WebhookDelivery | None:
    """Take the delivery for one attempt (a conditional update: two workers never send it twice)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + lease)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription__client").get(pk=delivery_id)


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """One attempt of one delivery; returns the delivery, or None when not due / already taken."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    subscription = delivery.subscription
    if not subscription.is_active:
        delivery.status, delivery.last_error = WebhookDelivery.Status.FAILED, _("Abonnement désactivé")
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    body = body_of(delivery)
    now = timezone.now()
    status_code, error = transport(subscription.url, body, signed_headers(subscription.secret, delivery.webhook_id, body, now))
    ok = status_code is not None and 200 <= status_code < 300
    delivery.attempts += 1
    delivery.last_status_code = status_code
    # A status class, never the remote's text (it could echo internal details back to the client).
    delivery.last_error = "" if ok else status_class(status_code) if status_code is not None else error or "connection error"
    delivery.log = [*delivery.log, {"at": now.isoformat(), "status": status_code, "error": delivery.last_error}]
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.Status.SUCCEEDED, now, None
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
    else:
        next_at = now + backoff(delivery.attempts)
        if next_at > delivery.created_at + conf.webhook_retry_window():
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = next_at
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    delivery.save()
    if not ok:
        subscription.refresh_from_db(fields=["consecutive_failures", "is_active"])
        abandoned = delivery.status == WebhookDelivery.Status.FAILED
        if subscription.is_active and (subscription.consecutive_failures >= conf.webhook_disable_after() or abandoned):
            disable(subscription, _("%(n)d échecs consécutifs ; dernier : %(err)s") % {
                "n": subscription.consecutive_failures, "err": delivery.last_error})
        elif delivery.next_attempt_at:
            transaction.on_commit(lambda: _enqueue([delivery.pk], delay=(delivery.next_attempt_at - now).total_seconds()))
    return delivery


def disable(subscription: WebhookSubscription, reason: str) -> None:
    """Stop a failing endpoint and tell the client's owner (pending deliveries are abandoned)."""
    updated = WebhookSubscription.objects.filter(pk=subscription.pk, is_active=True).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason=reason[:255])
    if not updated:
        return
    WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=_("Abonnement désactivé"))
    client = subscription.client
    recipients = [e for e in [client.owner_email] if e]
    logger.warning("Webhook subscription %s disabled: %s", subscription.pk, reason)
    if recipients:
        send_mail(
            subject=_("[Assistance ENT] Webhook désactivé : %(url)s") % {"url": subscription.url},
            message=_(
                "L'abonnement webhook n°%(id)s du client « %(client)s » vers %(url)s a été désactivé "
                "après des échecs répétés.\nMotif : %(reason)s\n\nCorrigez le point d'accès puis réactivez "
                "l'abonnement (PATCH /api/v1/webhooks/%(id)s/ avec {\"is_active\": true})."
            ) % {"id": subscription.pk, "client": client.name, "url": subscription.url, "reason": reason},
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=recipients, fail_silently=True,
        )


def due_ids(limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
