"""Idempotency-Key for POST (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

The key row is inserted (and committed) *before* the request runs; the unique (user, key) constraint
makes a concurrent retry fail its insert and get 409 instead of running twice. The handler and the
stored response commit together, so a crash leaves either both or neither.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from . import conf
from .models import IdempotencyKey
from .problems import ApiProblem

HEADER = "Idempotency-Key"
_REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


def _fingerprint(request) -> str:
    """Of the meaning of the request, not its bytes: key order or a multipart boundary must not
    turn a faithful retry into a "different body"."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    files = getattr(request, "FILES", None) or {}
    plain = {k: (data.getlist(k) if hasattr(data, "getlist") else data[k]) for k in data} if hasattr(data, "keys") else data
    plain = {k: v for k, v in plain.items() if k not in files} if isinstance(plain, dict) else plain
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            file_hash = hashlib.sha256()
            for chunk in upload.chunks():
                file_hash.update(chunk)
            upload.seek(0)
            digest.update(f"\n{name}:{upload.name}:{file_hash.hexdigest()}".encode())
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.response_body or b""), status=row.response_status)
    for name, value in row.response_headers.items():
        response[name] = value
    response["Idempotency-Replayed"] = "true"
    return response


def _claim(request, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path,
                    fingerprint=fingerprint, expires_at=now + conf.idempotency_ttl(),
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if existing is None:
                continue  # released meanwhile: try again
            stale_in_flight = existing.state == IdempotencyKey.State.IN_FLIGHT and existing.created_at < now - conf.in_flight_timeout()
            if existing.expires_at <= now or stale_in_flight:
                IdempotencyKey.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
                continue
            if existing.fingerprint != fingerprint or existing.path != request.path:
                raise ApiProblem(422, "idempotency-key-reused", _(
                    "Cette clé d'idempotence a déjà servi pour une autre requête ; utilisez une nouvelle clé."))
            if existing.state == IdempotencyKey.State.IN_FLIGHT:
                raise ApiProblem(409, "idempotency-in-flight", _(
                    "Une requête avec cette clé d'idempotence est encore en cours ; réessayez dans un instant."))
            return _replay(existing)
    raise ApiProblem(409, "idempotency-in-flight", _("Clé d'idempotence en cours d'utilisation ; réessayez."))


def idempotent(handler):
    """Decorate a DRF view method (POST). Without the header the request runs normally."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        key = key.strip().strip('"')
        if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
            raise ApiProblem(400, "invalid-idempotency-key", _("En-tête Idempotency-Key invalide (1 à 255 caractères ASCII imprimables)."))
        claimed = _claim(request, key, _fingerprint(request))
        if isinstance(claimed, HttpResponse):
            return claimed
        try:
            with transaction.atomic():
                response = handler(self, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                self.finalize_idempotent_response(request, response)
                claimed.state = IdempotencyKey.State.DONE
                claimed.response_status = response.status_code
                claimed.response_body = response.content
                claimed.response_headers = {h: response[h] for h in _REPLAYED_HEADERS if response.has_header(h)}
                claimed.save(update_fields=["state", "response_status", "response_body", "response_headers"])
            return response
        except _NotStored as not_stored:
            IdempotencyKey.objects.filter(pk=claimed.pk).delete()
            return not_stored.response
        except BaseException:
            # Errors are not remembered: the client fixes the request and retries with the same key.
            IdempotencyKey.objects.filter(pk=claimed.pk).delete()
            raise

    return wrapper


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


class IdempotentMixin:
    """Render the response early so the stored copy is byte-identical to the one sent."""

    def finalize_idempotent_response(self, request, response):
        if isinstance(response, Response) and not getattr(response, "_is_rendered", False):
            self.finalize_response(request, response)
            response.render()
