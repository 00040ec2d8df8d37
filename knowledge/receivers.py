"""Keeps the search index in step with tickets (in the transition's transaction) and tells the
people who joined a ticket ("Je suis aussi concerné·e") when it is resolved."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from directory.models import Academie, School
from tickets.models import Comment, State
from tickets.signals import ticket_transitioned

from .models import Article, SearchEntry
from .search import forget_entries, sync_perimeter, write_entry


def ticket_text(ticket) -> tuple[str, str]:
    body = "\n".join(p for p in (ticket.description, ticket.resolution_summary) if p)
    return ticket.title, body


def index_ticket(ticket) -> None:
    """The ticket's own entry says its text, and every entry of the ticket (its text and its
    contributions) its current perimeter: a ticket that moved desk or school leaves the old
    perimeter's search in the same transaction."""
    title, body = ticket_text(ticket)
    entry = SearchEntry.objects.filter(ticket_id=ticket.pk, comment__isnull=True).first()
    if entry is None or entry.title != title or entry.body != body:
        if entry is None:
            entry = SearchEntry(ticket_id=ticket.pk, visibility="public")
        entry.title, entry.body = title, body
        entry.save()
        write_entry(entry, perimeter=False)
    sync_perimeter(SearchEntry.objects.filter(ticket_id=ticket.pk))


@receiver(post_save, sender=School, dispatch_uid="knowledge.school_moved")
def on_school_saved(sender, instance, created, raw=False, **kwargs):
    """A school that changed circonscription, académie or collectivité: its tickets' entries follow."""
    if created or raw:
        return
    same = {"ticket_circonscription": instance.circonscription_id, "ticket_academie": instance.academie_id,
            "ticket_collectivite": instance.collectivite_id,
            "ticket_region": Academie.objects.filter(pk=instance.academie_id).values("region_id")[:1]}
    stale = SearchEntry.objects.filter(ticket_school=instance.pk).exclude(
        **{k: v for k, v in same.items() if v is not None},
        **{f"{k}__isnull": True for k, v in same.items() if v is None})
    sync_perimeter(stale)


@receiver(post_save, sender=Academie, dispatch_uid="knowledge.academie_moved")
def on_academie_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        sync_perimeter(SearchEntry.objects.filter(ticket_academie=instance.pk).exclude(ticket_region=instance.region_id))


@receiver(ticket_transitioned, dispatch_uid="knowledge.index_ticket")
def on_transition(sender, ticket, event, before, **kwargs):
    index_ticket(ticket)
    if event.to_state == State.RESOLVED and (before or {}).get("state") != State.RESOLVED:
        tell_concerned(ticket, event)


@receiver(post_save, sender=Comment, dispatch_uid="knowledge.index_comment")
def on_comment(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    entry, _created = SearchEntry.objects.update_or_create(
        comment=instance, defaults={"ticket_id": instance.ticket_id, "visibility": instance.visibility,
                                    "organisation": instance.organisation, "title": "", "body": instance.body})
    write_entry(entry)


@receiver(post_delete, sender=SearchEntry, dispatch_uid="knowledge.forget_entry")
def on_entry_deleted(sender, instance, **kwargs):
    forget_entries([instance.pk])


@receiver(post_delete, sender=Article, dispatch_uid="knowledge.forget_article")
def on_article_deleted(sender, instance, **kwargs):
    SearchEntry.objects.filter(article_id=instance.pk).delete()


def tell_concerned(ticket, event) -> None:
    """In the app and by e-mail, through the tickets outbox (delivered after commit). The message
    names the ticket by reference and title only: the person may not read it in full."""
    from django.utils import timezone

    from tickets import outbox
    from tickets.models import OutboxMessage

    from .models import Concerned

    rows = list(Concerned.objects.filter(ticket=ticket, notified_at__isnull=True).select_related("user"))
    rows = [r for r in rows if r.user.is_active]
    if not rows:
        return
    text = _("La demande %(ref)s « %(title)s », qui vous concernait aussi, est résolue.") % {
        "ref": ticket.reference, "title": ticket.title}
    body = text
    ids = sorted(r.user_id for r in rows)
    out = [OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name="ticket.resolved", event=event,
                         payload={"user_ids": ids, "verb": "concerned_resolved", "message": text[:300], "link": "/aide/"})]
    addresses = sorted({r.user.email for r in rows if r.user.email})
    if addresses:
        out.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name="ticket.resolved", event=event,
                                 payload={"to": addresses, "subject": text[:200], "body": body}))
    OutboxMessage.objects.bulk_create(out)
    Concerned.objects.filter(pk__in=[r.pk for r in rows]).update(notified_at=timezone.now())
    outbox.schedule_delivery()
