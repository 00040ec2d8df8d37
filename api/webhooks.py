"""Outbound webhooks signed per the Standard Webhooks specification.

Events become one WebhookDelivery per matching subscription (fan-out, run by the worker from the
outbox, never inside the request). Each delivery keeps its webhook-id for every attempt; failures are
retried with exponential backoff for 24 h; a subscription failing repeatedly is disabled and its
owner told.
"""

import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

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


def _can_see(subscription: WebhookSubscription, ticket, entry=None) -> bool:
    """The client reads the ticket, and the timeline line the payload tells (its audience:
    `tickets.access.entries_q` — a vendor's webhook never carries another organisation's note)."""
    if ticket is None:
        return True
    from tickets.access import may_read_entry
    from tickets.selectors import visible_to

    user = subscription.client.service_user
    if entry is not None:
        return may_read_entry(user, entry)
    return visible_to(user).filter(pk=ticket.pk).exists()


def fan_out(event_type: str, payload: dict, *, ticket=None, event=None, source: str | None = None) -> list[WebhookDelivery]:
    """Create the deliveries of one event for every active subscription that wants it and whose
    client may see the ticket (and `event`, the timeline line it tells); schedule their first
    attempt after commit.

    `source` (e.g. the outbox message) makes it idempotent: a replayed event reuses the same
    webhook-id per subscription and creates nothing new."""
    subscriptions = (
        WebhookSubscription.objects.filter(is_active=True, client__revoked_at__isnull=True)
        .select_related("client__service_user")
    )
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            subscription=sub, event_type=event_type,
            webhook_id=f"msg_{source}_{sub.pk}" if source else new_webhook_id(),
            payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)), next_attempt_at=now,
        )
        for sub in subscriptions
        if event_type in sub.events and _can_see(sub, ticket, event)
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


def _post(url: str, body: str, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=conf.webhook_timeout()) as response:  # noqa: S310 (http(s) only, URLField)  # nosec B310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except Exception as exc:  # network errors are failures to retry, never crashes of the worker
        return None, f"{type(exc).__name__}: {exc}"[:500]


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
    delivery.last_error = "" if ok else error or f"HTTP {status_code}"
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
