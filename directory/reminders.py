"""Reminders before a convention's deadlines (lifecycle.next_deadlines and the avenant window of
1 September – 15 October, directory.enrolment.deadlines): each party's contacts — the agents and
managers of the convention's académie (or région académique) and of its collectivités — receive an
e-mail `REMINDER_DAYS` days before (setting CONVENTION_REMINDER_DAYS, default 30), once per deadline:
what was sent is stored (`ConventionReminder`), a later run does not send it again.

Dates that move with the day (« avenant envoyé ce jour : effet au plus tôt ») are not deadlines and
are not reminded. The mail and the in-app notifications belong to tickets/, above this app: the
signal `convention_reminder_sent` carries the subject, the body and each party's address, and
tickets writes one outbox mail per address (no one sees the others') and the bells, in this
run's transaction — a reminder recorded twice is rolled back with its mails."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from .choices import Role
from .enrolment import deadlines
from .lifecycle import french_date
from .models import Convention, ConventionEvent, ConventionReminder, Membership
from .signals import convention_reminder_sent

SKIPPED_SUFFIX = "_effect"


def reminder_days() -> int:
    return int(getattr(settings, "CONVENTION_REMINDER_DAYS", 30))


def contacts(convention) -> list[str]:
    """The e-mail addresses of the parties' agents and managers (memberships of the organisations)."""
    return sorted({email for _uid, email in contact_people(convention) if email})


def contact_people(convention) -> set[tuple[int, str]]:
    """(user id, e-mail) of the parties' active agents and managers."""
    q = Q(collectivite_id__in=[c.pk for c in convention.collectivites.all()])
    if convention.academie_id:
        q |= Q(academie_id=convention.academie_id) | Q(desk__academie_id=convention.academie_id, role=Role.MANAGER)
    if convention.region_id:
        q |= Q(region_id=convention.region_id)
    rows = Membership.objects.filter(q, role__in=(Role.AGENT, Role.MANAGER), user__is_active=True)
    return set(rows.values_list("user_id", "user__email"))


def _url(convention) -> str:
    base = str(settings.HELPDESK.get("BASE_URL", "")).rstrip("/")
    return f"{base}/conventions/{convention.pk}/"


def due(now: datetime.date, days: int | None = None):
    """(convention, deadline) pairs within `days` of `now` not reminded yet."""
    days = reminder_days() if days is None else days
    sent = set(ConventionReminder.objects.values_list("convention_id", "kind", "due_on"))
    qs = Convention.objects.filter(starts_on__lte=now + datetime.timedelta(days=days)).prefetch_related("amendments", "collectivites")
    for convention in qs:
        for d in deadlines(convention, now, list(convention.amendments.all())):
            if d.kind.endswith(SKIPPED_SUFFIX) or not 0 <= (d.on - now).days <= days:
                continue
            if (convention.pk, d.kind, d.on) in sent:
                continue
            yield convention, d


def reminder_text(convention, d, now: datetime.date) -> tuple[str, str]:
    """(subject, body) of the reminder of deadline `d` seen on `now`."""
    left = (d.on - now).days
    subject = f"[{convention.reference}] {d.label} : {french_date(d.on)}"
    body = (f"Bonjour,\n\nÉchéance de la convention {convention.reference}"
            f"{' — ' + convention.title if convention.title else ''} :\n\n"
            f"{d.label} : {french_date(d.on)} (dans {left} jour{'s' if left > 1 else ''}).\n\n"
            f"La convention, ses versions et ses écoles inscrites : {_url(convention)}\n\n"
            "Message automatique de l'assistance ENT, envoyé une seule fois pour cette échéance.\n")
    return subject, body


def send_reminders(now: datetime.date, days: int | None = None) -> list[ConventionReminder]:
    """Record and announce what is due on `now` (the mails go through tickets' outbox); returns the
    reminders recorded by this run."""
    out = []
    for convention, d in list(due(now, days)):
        people = contact_people(convention)
        to = sorted({email for _uid, email in people if email})
        subject, body = reminder_text(convention, d, now)
        try:
            with transaction.atomic():
                reminder = ConventionReminder.objects.create(convention=convention, kind=d.kind, due_on=d.on,
                                                             label=d.label[:255], recipients=to)
                ConventionEvent.objects.create(convention=convention, kind="reminder_sent", payload={
                    "kind": d.kind, "due_on": d.on.isoformat(), "recipients": len(to)})
                convention_reminder_sent.send(
                    sender=ConventionReminder, reminder=reminder, user_ids=sorted(uid for uid, _email in people),
                    message=subject[:300], link=f"/conventions/{convention.pk}/",
                    subject=subject, body=body, addresses=to)
        except IntegrityError:
            continue  # another run recorded it first
        out.append(reminder)
    return out
