"""What each person asked of the product's e-mails: their language, and per desk immediately, in a
digest or not at all. Read by the outbox when it writes a mail row; written from the web page
"Mes courriels" and by the one-click unsubscribe link of optional mails (RFC 8058)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from .models import MailPreference

Mode = MailPreference.Mode
UNSUBSCRIBE_SALT = "tickets.mail-unsubscribe"


def languages_of(user_ids) -> dict[int, str]:
    """user id → the language of their mails (French unless they chose otherwise)."""
    chosen = dict(MailPreference.objects.filter(user_id__in=sorted(user_ids), desk=None).values_list("user_id", "language"))
    return {uid: chosen.get(uid, settings.LANGUAGE_CODE) for uid in user_ids}


def modes_at(desk_id, user_ids) -> dict[int, str]:
    """user id → how they receive the mails of this desk (immediately unless they chose otherwise)."""
    chosen = dict(MailPreference.objects.filter(user_id__in=sorted(user_ids), desk_id=desk_id).values_list("user_id", "mode"))
    return {uid: chosen.get(uid, Mode.IMMEDIATE) for uid in user_ids}


def preferences_of(user) -> tuple[str, dict[int, str]]:
    """(language, {desk id: mode}) of one person, for their settings page."""
    language, modes = settings.LANGUAGE_CODE, {}
    for desk_id, lang, mode in MailPreference.objects.filter(user=user).values_list("desk_id", "language", "mode"):
        if desk_id is None:
            language = lang
        else:
            modes[desk_id] = mode
    return language, modes


@transaction.atomic
def set_preferences(user, *, language: str | None = None, modes: dict | None = None) -> None:
    """Save a person's choices (one user action: the settings form)."""
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValueError(language)
        MailPreference.objects.update_or_create(user=user, desk=None, defaults={"language": language})
    for desk_id, mode in (modes or {}).items():
        if mode not in Mode.values:
            raise ValueError(mode)
        MailPreference.objects.update_or_create(user=user, desk_id=desk_id, defaults={"mode": mode})


def unsubscribe_token(user_id: int, desk_id: int) -> str:
    """The signed part of a one-click unsubscribe link: who stops receiving which desk's mails."""
    return signing.dumps({"u": user_id, "d": desk_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), int(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def requester_batch_seconds() -> int:
    """A requester receives at most one mail per ticket per this many seconds (0: one per event)."""
    return int(settings.HELPDESK.get("REQUESTER_MAIL_BATCH_SECONDS", 120))


def next_digest_at(now: datetime | None = None) -> datetime:
    """The next digest time (settings.HELPDESK["MAIL_DIGEST_HOURS"], local hours)."""
    now = timezone.localtime(now or timezone.now())
    hours = sorted(settings.HELPDESK.get("MAIL_DIGEST_HOURS", (8, 12, 17)))
    for day in range(2):
        base = (now + timedelta(days=day)).replace(minute=0, second=0, microsecond=0)
        for hour in hours:
            at = base.replace(hour=hour)
            if at > now:
                return at
    raise AssertionError("MAIL_DIGEST_HOURS is empty")
