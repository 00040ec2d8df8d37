"""API settings with their defaults (override with API_* in the Django settings)."""

from datetime import timedelta

from django.conf import settings

SCOPES = {
    "tickets:read": "Lire les tickets du périmètre du client",
    "tickets:write": "Ouvrir, commenter et faire évoluer les tickets du périmètre",
    "outages:write": "Déclarer et clore des interruptions de service",
}


def get(name, default):
    return getattr(settings, f"API_{name}", default)


def idempotency_ttl() -> timedelta:
    return timedelta(seconds=get("IDEMPOTENCY_TTL_SECONDS", 24 * 3600))


def in_flight_timeout() -> timedelta:
    # A request still "in flight" after this long died with its process: the key may be reused.
    return timedelta(seconds=get("IDEMPOTENCY_IN_FLIGHT_SECONDS", 300))


def max_json_bytes() -> int:
    return get("MAX_JSON_BYTES", 1024 * 1024)


def webhook_retry_window() -> timedelta:
    return timedelta(seconds=get("WEBHOOK_RETRY_SECONDS", 24 * 3600))


def webhook_first_delay() -> int:
    return get("WEBHOOK_FIRST_DELAY_SECONDS", 30)


def webhook_disable_after() -> int:
    """Consecutive failed attempts (across deliveries) after which a subscription is disabled."""
    return get("WEBHOOK_DISABLE_AFTER_FAILURES", 20)


def webhook_timeout() -> float:
    return get("WEBHOOK_TIMEOUT_SECONDS", 10.0)


def base_url() -> str:
    """The site's absolute address: the one setting, HELPDESK["BASE_URL"] (env HELPDESK_BASE_URL)."""
    return str(settings.HELPDESK["BASE_URL"]).rstrip("/")
