""""Je suis concerné·e" on an outage: the people who joined it from the report form instead of
opening a ticket (`IncidentFollower`), and telling them when it ends.

The rule of who may join (one place): a signed-in person, for one of the schools they may report
for (`tickets.opening.openable_schools`), an outage in progress that touches that school
(`sla.status.touching_q`: every school, its académie, its collectivité, or it by name). An outage
that is a major incident is joined through its incident (`major_incident` set); one that is not yet
records the person on the outage (the incident is filled in when it is declared, `receivers`)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import FollowerEvent, IncidentFollower, MajorIncident

logger = logging.getLogger(__name__)

STATUS_LINK = "/etat/"


@transaction.atomic
def join_outage(user, outage, school) -> tuple[IncidentFollower, bool]:
    """`user` follows `outage` for `school` (idempotent: joining twice returns the first row,
    `created=False`, and writes nothing). One audit line (`FollowerEvent` "joined")."""
    from sla.models import Outage
    from sla.status import touching_q
    from tickets import opening

    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Connectez-vous pour signaler que vous êtes concerné·e."))
    existing = IncidentFollower.objects.filter(outage=outage, user=user).first()
    if existing is not None:
        return existing, False
    if school is None or not opening.openable_schools(user).filter(pk=school.pk).exists():
        raise PermissionDenied(_("Vous ne signalez pas de problème pour cette école."))
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    if not Outage.objects.filter(touching_q(school), pk=outage.pk).exists():
        raise PermissionDenied(_("Cette interruption ne concerne pas l'école %(school)s.") % {"school": school.name})
    now = timezone.now()
    if outage.ended_at is not None and outage.ended_at <= now:
        raise ValidationError({"outage": _("Cette interruption est terminée : s'il reste un problème, signalez-le.")})
    if outage.started_at > now:
        raise ValidationError({"outage": _("Cette maintenance n'a pas encore commencé.")})
    incident = MajorIncident.objects.filter(outage_id=outage.pk).first()
    try:
        with transaction.atomic():
            row = IncidentFollower.objects.create(outage=outage, major_incident=incident, user=user, school=school, at=now)
    except IntegrityError:  # joined at the same time from another tab
        return IncidentFollower.objects.get(outage=outage, user=user), False
    FollowerEvent.objects.create(outage=outage, major_incident=incident, actor=user, kind="joined", at=now,
                                 payload={"school": school.uai, "major_incident": incident.pk if incident else None})
    return row, True


def followed_outages(user) -> QuerySet[IncidentFollower]:
    """What `user` follows: their rows, the outages still in progress first, with the service."""
    if user is None or not getattr(user, "is_authenticated", False):
        return IncidentFollower.objects.none()
    return (IncidentFollower.objects.filter(user=user).select_related("outage__service", "school")
            .order_by("notified_at", "-at"))


def current_followed(user) -> list[IncidentFollower]:
    """Rows of outages still in progress (the home page's card)."""
    now = timezone.now()
    return [f for f in followed_outages(user).filter(notified_at__isnull=True)[:20]
            if f.outage.ended_at is None or f.outage.ended_at > now]


def notify_followers(outage) -> int:
    """The outage has ended: tell each follower not yet told, in the app and by e-mail (one mail per
    person: no one sees the others' addresses), through the tickets outbox in the caller's
    transaction (delivered after commit). Returns the number of people told."""
    from tickets import outbox
    from tickets.models import OutboxMessage

    rows = list(IncidentFollower.objects.select_for_update().filter(outage_id=outage.pk, notified_at__isnull=True)
                .select_related("user"))
    if not rows:
        return 0
    service = outage.service.name
    end = date_format(timezone.localtime(outage.ended_at), "DATETIME_FORMAT") if outage.ended_at else ""
    text = _("L'interruption « %(service)s » qui vous concernait est terminée (fin : %(end)s). "
             "Si le problème persiste, signalez-le.") % {"service": service, "end": end}
    active = [r for r in rows if r.user.is_active]
    out = []
    if active:
        out.append(OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name="outage.closed",
                                 payload={"user_ids": sorted(r.user_id for r in active), "verb": "outage_ended",
                                          "message": text[:300], "link": STATUS_LINK}))
    subject = _("Fin de l'interruption : %(service)s") % {"service": service}
    body = f"{text}\n\n" + _("État des services : %(url)s") % {"url": outbox.base_url().rstrip("/") + STATUS_LINK}
    for r in active:
        if r.user.email:
            out.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name="outage.closed",
                                     payload={"to": [r.user.email], "subject": subject[:200], "body": body}))
    OutboxMessage.objects.bulk_create(out)
    now = timezone.now()
    IncidentFollower.objects.filter(pk__in=[r.pk for r in rows]).update(notified_at=now)
    incident = MajorIncident.objects.filter(outage_id=outage.pk).first()
    FollowerEvent.objects.create(outage=outage, major_incident=incident, kind="notified", at=now,
                                 payload={"people": len(active)})
    if out:
        outbox.schedule_delivery()
    return len(active)


def notify_due_followers(now=None) -> int:
    """The sweep for outages whose end was set in advance (a planned maintenance declared with its
    end): their followers are told once that end has passed. Each outage in its own transaction,
    locked by `notify_followers`. Returns the number of people told."""
    from sla.models import Outage

    now = now or timezone.now()
    due = (Outage.objects.filter(ended_at__lte=now, followers__notified_at__isnull=True)
           .select_related("service").distinct().order_by("pk")[:500])
    told = 0
    for outage in due:
        with transaction.atomic():
            told += notify_followers(outage)
    return told
