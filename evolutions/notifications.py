"""Telling the submitter and the supporters of a request that its status changed: one e-mail per
person (no one sees the others' addresses) and an in-app notification, written to the tickets
outbox in the transition's transaction (delivered after commit). The actor is not told of their own
action."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Support

LINK = "/evolutions/{pk}/"


def status_changed(evolution, event, *, actor=None) -> int:
    """Queue the messages for `event` (a status change). Returns the number of people told."""
    from directory.models import User
    from tickets import outbox
    from tickets.models import OutboxMessage

    ids = {evolution.submitter_id, *Support.objects.filter(evolution_id=evolution.pk).values_list("user_id", flat=True)}
    ids.discard(getattr(actor, "pk", None))
    people = list(User.objects.filter(pk__in=sorted(ids), is_active=True).only("pk", "email"))
    if not people:
        return 0
    status = evolution.get_status_display()
    text = _("La demande d'évolution %(ref)s « %(title)s » est désormais : %(status)s.") % {
        "ref": evolution.reference, "title": evolution.title, "status": status.lower()}
    if evolution.status == "refused" and evolution.refusal_reason:
        text += " " + _("Motif : %(reason)s") % {"reason": evolution.refusal_reason}
    elif event.note:
        text += " " + _("Observation : %(note)s") % {"note": event.note}
    link = LINK.format(pk=evolution.pk)
    name = f"evolution.{event.kind}"[:40]
    out = [OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name=name,
                         payload={"user_ids": sorted(p.pk for p in people), "verb": "evolution_status",
                                  "message": text[:300], "link": link})]
    subject = _("Demande d'évolution %(ref)s : %(status)s") % {"ref": evolution.reference, "status": status.lower()}
    body = f"{text}\n\n" + _("Suivre la demande : %(url)s") % {"url": outbox.base_url().rstrip("/") + link}
    out += [OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=name,
                          payload={"to": [p.email], "subject": subject[:200], "body": body})
            for p in people if p.email]
    OutboxMessage.objects.bulk_create(out)
    outbox.schedule_delivery()
    return len(people)
