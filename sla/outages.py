"""Outages: who may declare and close them, and what that does, for every entry point (the web page,
the API, Alertmanager, the demo). Views and API endpoints only translate their input and call these.

The right, in one place (`may_declare_outage`): administrators, managers and the agents of a
support desk above the school (level 1 and up), for a scope inside their perimeter (an académie
where it holds schools, schools it holds); the platform itself (`actor=None`, Alertmanager) always.
Closing asks the same of the outage's own scope. Effects: the outage's webhook event
(`outage.opened`, `outage.closed`) is written to the outbox in the same transaction."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import Level, Role
from directory.models import Academie, Desk
from directory.selectors import perimeter_for

from .calendar import _epoch
from .models import Outage, OutageScope, Service


def _holds_the_right(p) -> bool:
    if p.has_role(Role.MANAGER):
        return True
    desks = sorted(p.desk_ids)
    return bool(desks) and Desk.objects.filter(pk__in=desks, level__gte=Level.AUTHORITY).exists()


def may_declare_outage(user, scope: str | None = None, *, academie: Academie | None = None, schools=(),
                       collectivite=None) -> bool:
    """May `user` declare (or close) an outage of this scope? Without a scope: of some scope
    (whether to offer the form at all)."""
    if user is None:
        return True  # the platform (monitoring webhook)
    if not getattr(user, "is_authenticated", False):
        return False
    p = perimeter_for(user)
    if p.everything:
        return True
    if not p.grants or not _holds_the_right(p):
        return False
    if scope == OutageScope.ACADEMIE and academie is not None:
        return p.schools().filter(academie_id=academie.pk).exists()
    if scope == OutageScope.SCHOOLS:
        wanted = {s.pk for s in schools}
        return len(wanted) == p.schools().filter(pk__in=sorted(wanted)).count()
    if scope == OutageScope.COLLECTIVITE and collectivite is not None:
        return p.schools().filter(collectivite_id=collectivite.pk).exists()
    return True


def declarable_scopes(user) -> list[str]:
    """The scopes the declaration form offers: those `may_declare_outage` allows."""
    return [s for s in OutageScope.values if may_declare_outage(user, s)]


def may_close_outage(user, outage: Outage) -> bool:
    return may_declare_outage(user, outage.scope, academie=outage.academie, schools=list(outage.schools.all()),
                              collectivite=outage.collectivite)


def outage_payload(outage: Outage) -> dict:
    """The outage as the API shows it and as its webhook events carry it."""
    return {
        "id": outage.pk, "service": outage.service.slug, "scope": outage.scope,
        "academie": outage.academie.code if outage.academie_id else None,
        "collectivite": outage.collectivite.name if outage.collectivite_id else None,
        "schools": [s.uai for s in outage.schools.all()],
        "started_at": outage.started_at.isoformat(), "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
        "cause": outage.cause, "source": outage.source,
        "planned": outage.planned, "announced_at": outage.announced_at.isoformat() if outage.announced_at else None,
    }


def _publish(name: str, outage: Outage) -> None:
    from tickets.outbox import publish

    publish(name, outage_payload(outage))


def _denied(verb: str) -> PermissionDenied:
    return PermissionDenied({
        "declare": _("Vous ne pouvez pas déclarer d'interruption pour ce périmètre : seuls les administrateurs, "
                     "les responsables et les agents des guichets de niveau 1 et plus le peuvent, dans leur périmètre."),
        "close": _("Vous ne pouvez pas clore cette interruption : seuls les administrateurs, les responsables et "
                   "les agents des guichets de niveau 1 et plus le peuvent, dans leur périmètre."),
    }[verb])


@transaction.atomic
def declare_outage(service: Service, *, actor=None, started_at: datetime, scope: str = OutageScope.ALL,
                   academie: Academie | None = None, schools=(), cause: str = "", tickets=(), ended_at=None,
                   source: str = "manual", fingerprint: str = "", collectivite=None, planned: bool = False,
                   announced_at=None) -> Outage:
    """Record an outage (`ended_at`: already over). Webhooks: `outage.opened`, and `outage.closed`
    too when it is already over.

    Scope: all schools, an `academie`, a `collectivite` (its schools) or `schools`. Planned
    maintenance: `planned=True` with `announced_at` (when the users were told, at the latest now);
    whether it counts against availability is the convention's rule (`availability.Targets`)."""
    if not may_declare_outage(actor):
        raise _denied("declare")
    _epoch(started_at, "started_at")
    if ended_at is not None and _epoch(ended_at, "ended_at") < _epoch(started_at, "started_at"):
        raise ValidationError({"ended_at": _("la fin précède le début")})
    if scope not in OutageScope.values:
        raise ValidationError({"scope": _("%(scope)r inconnue (%(choices)s)") % {"scope": scope, "choices": ", ".join(OutageScope.values)}})
    schools = list(schools)
    if scope == OutageScope.ACADEMIE and academie is None:
        raise ValidationError({"academie": _("une interruption limitée à une académie doit la nommer")})
    if scope == OutageScope.SCHOOLS and not schools:
        raise ValidationError({"schools": _("une interruption limitée à des écoles doit les lister")})
    if scope == OutageScope.COLLECTIVITE and collectivite is None:
        raise ValidationError({"collectivite": _("une interruption limitée à une collectivité doit la nommer")})
    if announced_at is not None:
        _epoch(announced_at, "announced_at")
        if not planned:
            raise ValidationError({"announced_at": _("seule une maintenance planifiée s'annonce à l'avance")})
    if planned and announced_at is None:
        announced_at = timezone.now()
    if not may_declare_outage(actor, scope, academie=academie, schools=schools, collectivite=collectivite):
        raise _denied("declare")
    outage = Outage.objects.create(
        service=service, scope=scope, academie=academie if scope == OutageScope.ACADEMIE else None,
        collectivite=collectivite if scope == OutageScope.COLLECTIVITE else None, planned=planned, announced_at=announced_at,
        started_at=started_at, ended_at=ended_at, cause=cause, declared_by=actor, source=source,
        alert_fingerprint=fingerprint,
    )
    if scope == OutageScope.SCHOOLS:
        outage.schools.set(schools)
    if tickets:
        outage.tickets.set(tickets)
    _publish("outage.opened", outage)
    if ended_at is not None and ended_at <= timezone.now():  # a maintenance's planned end is no closing yet
        _publish("outage.closed", outage)
    return outage


@transaction.atomic
def close_outage(outage: Outage, *, actor=None, ended_at: datetime) -> Outage:
    """End an open outage (closing a closed one changes nothing). Webhook: `outage.closed`."""
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    if not may_close_outage(actor, outage):
        raise _denied("close")
    if outage.ended_at is not None:
        return outage
    if _epoch(ended_at, "ended_at") < _epoch(outage.started_at, "started_at"):
        raise ValidationError({"ended_at": _("la fin précède le début")})
    outage.ended_at = ended_at
    outage.closed_by = actor
    outage.save(update_fields=["ended_at", "closed_by"])
    _publish("outage.closed", outage)
    return outage
