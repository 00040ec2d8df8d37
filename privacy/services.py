"""Writes and reads of data-subject rights, retention and breach notifications.

- `personal_data(subject)`: everything held about a person (JSON-ready), for the export;
- `anonymise_expired()`: closed tickets past their convention's retention are anonymised
  (requester replaced, every copy of free text scrubbed or deleted, attachments deleted; statistics
  kept), each logged without the person;
- `purge_delivered(before)`: delivered outbox messages and webhook deliveries are deleted after
  HELPDESK["OUTBOX_RETENTION_DAYS"];
- `save_breach_report(ticket, actor, **fields)`: the CNIL notification data of a security incident.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from directory.choices import Category, Role
from directory.models import Circonscription, Membership, User
from directory.selectors import perimeter_for
from journal.models import Action, Interface, ObjectType
from journal.services import record

from .models import AnonymisationLog, BreachReport, RetentionPolicy

log = logging.getLogger(__name__)

ANONYMISED = "[anonymisé]"
SENTINEL_USERNAME = "personne-anonymisee"
TICKET_TEXT_FIELDS = ("contact", "beneficiary_name", "description", "steps_to_reproduce", "expected_behaviour", "observed_behaviour",
                      "browser_device", "resolution_summary", "cancel_reason")
# Payload strings kept by the anonymisation: values the product wrote (enumerations, references,
# routing reasons, an editor's support address), never a person's typing. Every other string of a
# timeline payload, an outbox message or a webhook delivery is replaced (deny by default: a key
# added later is scrubbed until someone says here that it holds no personal data).
SAFE_PAYLOAD_KEYS = frozenset({
    "convention", "category", "routing", "to", "address", "content_type", "duplicate_of", "parent", "beneficiary_kind",
    "visibility", "organisation", "event", "type", "kind", "verb", "at", "from_state", "to_state", "state",
    "channel", "groups", "clock", "measure",
})
# Numbers that designate the person the ticket is about (an account id).
PERSON_PAYLOAD_KEYS = frozenset({"on_behalf_of", "requester", "opened_by", "user_ids", "actor"})
SERVICE_FALLBACK = "Autre"
# --- who may export whose data -----------------------------------------------------------------
def may_export(user, subject) -> bool:
    """The person themself; an administrator; a DPO whose perimeter covers the person (their
    tickets' schools or their memberships)."""
    if user is None or not user.is_authenticated:
        return False
    if user.pk == subject.pk:
        return True
    p = perimeter_for(user)
    if p.everything:
        return True
    if not p.has_role(Role.DPO):
        return False
    from tickets.models import Ticket

    schools = p.schools(roles={Role.DPO})
    if Ticket.objects.filter(requester=subject, school__in=schools).exists():
        return True
    circos = Circonscription.objects.filter(pk__in=schools.values("circonscription_id"))
    academies = schools.values("academie_id")
    collectivites = schools.exclude(collectivite_id=None).values("collectivite_id")
    scope = (
        Q(school__in=schools) | Q(desk__school__in=schools)
        | Q(circonscription__in=circos) | Q(desk__circonscription__in=circos)
        | Q(academie__in=academies) | Q(desk__academie__in=academies)
        | Q(collectivite__in=collectivites) | Q(desk__collectivite__in=collectivites)
    )
    return Membership.objects.filter(scope, user=subject).exists()


# --- export -------------------------------------------------------------------------------------
def _dt(value):
    return value.isoformat() if value else None


def personal_data(subject: User) -> dict:
    """All personal data held about `subject`, grouped by where it is kept."""
    from axes.models import AccessLog
    from journal.models import AccessEntry
    from tickets.models import Attachment, Comment, Notification, Ticket, TicketEvent

    data = {
        "generated_at": _dt(timezone.now()),
        "identity": {
            "username": subject.username, "first_name": subject.first_name, "last_name": subject.last_name,
            "email": subject.email, "phone": subject.phone, "aaf_id": subject.aaf_id,
            "is_active": subject.is_active, "date_joined": _dt(subject.date_joined), "last_login": _dt(subject.last_login),
        },
        "memberships": [
            {"role": m.get_role_display(), "scope": str(m.target), "school_contact": m.is_school_contact}
            for m in Membership.objects.filter(user=subject).select_related(*Membership.TARGET_FIELDS)
        ],
        "tickets_requested": [
            {"reference": t.reference, "school": t.school.name, "title": t.title, "description": t.description,
             "contact": t.contact, "beneficiary_name": t.beneficiary_name, "beneficiary_kind": t.get_beneficiary_kind_display() if t.beneficiary_kind else "",
             "category": t.get_category_display(), "state": t.get_state_display(),
             "created_at": _dt(t.created_at), "closed_at": _dt(t.closed_at)}
            for t in Ticket.objects.filter(requester=subject).select_related("school").order_by("created_at")
        ],
        # Entered by the person for someone else (an ERUN for a teacher, the level 0 for a parent).
        "tickets_entered": [
            {"reference": t.reference, "school": t.school.name, "for": str(t.requester) if t.requester_id != subject.pk else t.beneficiary_name,
             "created_at": _dt(t.created_at)}
            for t in Ticket.objects.filter(opened_by=subject).select_related("school", "requester").order_by("created_at")
        ],
        "tickets_assigned": [t.reference for t in Ticket.objects.filter(assignee=subject).order_by("created_at")],
        "messages": [
            {"ticket": c.ticket.reference, "body": c.body, "public": c.public, "created_at": _dt(c.created_at)}
            for c in Comment.objects.filter(author=subject).select_related("ticket").order_by("created_at")
        ],
        "attachments": [
            {"ticket": a.ticket.reference, "name": a.original_name, "type": a.content_type, "size": a.size,
             "created_at": _dt(a.created_at)}
            for a in Attachment.objects.filter(uploaded_by=subject).select_related("ticket").order_by("created_at")
        ],
        "timeline_actions": [
            {"ticket": e.ticket.reference, "kind": e.get_kind_display(), "at": _dt(e.at)}
            for e in TicketEvent.objects.filter(actor=subject).select_related("ticket").order_by("at")
        ],
        "notifications": [
            {"ticket": n.ticket.reference, "message": n.message, "created_at": _dt(n.created_at), "read_at": _dt(n.read_at)}
            for n in Notification.objects.filter(user=subject).select_related("ticket").order_by("created_at")
        ],
        "accesses_by_the_person": [
            {"at": _dt(e.at), "interface": e.interface, "action": e.action, "outcome": e.outcome,
             # The object's kind in words ("Personne", not "person"): the export is read by the person.
             "object": f"{ObjectType(e.object_type).label if e.object_type in ObjectType.values else e.object_type} {e.object_label}",
             "ip_address": e.ip_address}
            for e in AccessEntry.objects.filter(actor=subject).order_by("at")
        ],
        "accesses_to_the_person_record": [
            {"at": _dt(e.at), "by": e.actor_label, "interface": e.interface, "action": e.action}
            for e in AccessEntry.objects.filter(object_type=ObjectType.PERSON, object_id=str(subject.pk)).order_by("at")
        ],
        "sign_ins": [
            {"at": _dt(a.attempt_time), "ip_address": a.ip_address, "user_agent": a.user_agent, "logout": _dt(a.logout_time)}
            for a in AccessLog.objects.filter(username=subject.username).order_by("attempt_time")
        ],
    }
    return data


# --- retention ----------------------------------------------------------------------------------
def default_retention_days() -> int:
    return int(settings.HELPDESK.get("TICKET_RETENTION_DAYS", 1095))


def sentinel_user() -> User:
    user, created = User.objects.get_or_create(
        username=SENTINEL_USERNAME, defaults={"first_name": "Personne", "last_name": "anonymisée", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# A message kept unsent keeps nothing of its recipients either (addresses are persons' too).
SAFE_MESSAGE_KEYS = SAFE_PAYLOAD_KEYS - {"to", "address"}


def scrub(value, key=None, safe=SAFE_PAYLOAD_KEYS):
    """`value` (a JSON payload) with every string a person may have typed replaced, recursively;
    numbers and booleans stay (statistics), except those designating a person."""
    if key in PERSON_PAYLOAD_KEYS and value not in (None, "", [], {}):
        return ANONYMISED
    if isinstance(value, dict):
        return {k: scrub(v, k, safe) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key, safe) for v in value]
    if isinstance(value, str) and value and key not in safe:
        return ANONYMISED
    return value


def _anonymous_service(service: str) -> str:
    """A service from a list the product knows stays (statistics by module); free text typed
    through the API is personal data like any other: it becomes "Autre"."""
    from directory.models import Resource
    from sla.models import Service
    from web.forms import ENT_SERVICES

    known = {str(v) for v, _label in ENT_SERVICES} | set(Service.objects.values_list("name", flat=True)) \
        | set(Resource.objects.values_list("name", flat=True))
    return service if service in known else SERVICE_FALLBACK


def _move_day_counts(ticket, service: str) -> None:
    """The dashboard's daily counts are keyed by service: move this ticket's counts to the new
    value and drop the rows left at zero (they would keep the typed text)."""
    from sla import rollup
    from sla.models import DayCount

    before = rollup.snapshot(ticket)
    outcomes = rollup.clock_results(ticket.pk)
    rollup.apply(before, outcomes, {**before, "service": service}, outcomes)
    DayCount.objects.filter(service=ticket.service, count__lte=0).delete()


def _scrub_messages(ticket) -> tuple[int, int]:
    """Every copy of the ticket's data on its way out: delivered outbox rows and webhook deliveries
    are deleted (their content was a copy; the timeline says what happened), pending ones are
    scrubbed and not sent (nothing worth sending is left). Returns (deleted, scrubbed)."""
    from api.models import WebhookDelivery
    from tickets.models import Notification, OutboxMessage

    pending = OutboxMessage.Status.PENDING
    rows = OutboxMessage.objects.filter(ticket=ticket)
    deleted = rows.exclude(status=pending).delete()[0]
    scrubbed = 0
    for message in rows.filter(status=pending):
        OutboxMessage.objects.filter(pk=message.pk).update(
            payload=scrub(message.payload, safe=SAFE_MESSAGE_KEYS), status=OutboxMessage.Status.SKIPPED, locked_until=None,
            last_error="Demande anonymisée avant l'envoi.")
        scrubbed += 1
    # The webhook body names the ticket by its reference (tickets.outbox.ticket_payload).
    deliveries = WebhookDelivery.objects.filter(payload__ticket__reference=ticket.reference)
    deleted += deliveries.exclude(status=WebhookDelivery.Status.PENDING).delete()[0]
    for delivery in deliveries.filter(status=WebhookDelivery.Status.PENDING):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            payload=scrub(delivery.payload, safe=SAFE_MESSAGE_KEYS), status=WebhookDelivery.Status.FAILED, next_attempt_at=None,
            last_error="Demande anonymisée avant l'envoi.")
        scrubbed += 1
    Notification.objects.filter(ticket=ticket).delete()  # every user's bell, not only the requester's
    return deleted, scrubbed


@transaction.atomic
def anonymise_ticket(ticket, *, retention_days: int, now=None) -> AnonymisationLog:
    """Anonymise, not pseudonymise: every copy of what a person typed goes (ticket fields, comments,
    every text of the timeline's payloads, attachments and their names, outbox messages, webhook
    deliveries, every user's notifications), the requester and whoever entered the ticket for them
    become the sentinel, and no row keeps a way back to them (the log included). What statistics
    need stays (school, category, levels, desks, dates, priority, SLA clocks, known service). The
    timeline is append-only for every other writer: anonymisation is its one permitted rewrite
    (GDPR storage limitation)."""
    from tickets.models import Attachment, Comment, Ticket, TicketEvent

    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if AnonymisationLog.objects.filter(ticket=ticket).exists():
        return ticket.anonymisation
    sentinel = sentinel_user()
    former = ticket.requester_id
    changes = {f: ANONYMISED for f in TICKET_TEXT_FIELDS if getattr(ticket, f)}
    changes["title"] = f"Demande {ticket.reference} (anonymisée)"
    if ticket.vendor_reference:
        changes["vendor_reference"] = ""  # a way to the vendor's copy of the request
    service = _anonymous_service(ticket.service) if ticket.service else ""
    if service != ticket.service:
        _move_day_counts(ticket, service)
        changes["service"] = service
    Ticket.objects.filter(pk=ticket.pk).update(requester=sentinel, **changes)
    Ticket.objects.filter(pk=ticket.pk, opened_by_id=former).update(opened_by=sentinel)
    comments = Comment.objects.filter(ticket=ticket)
    n_comments = comments.count()
    comments.filter(author_id=former).update(author=sentinel)
    comments.update(body=ANONYMISED)
    base_update = models.QuerySet.update  # TicketEvent's manager refuses update() to every other writer
    base_update(TicketEvent.objects.filter(ticket=ticket, actor_id=former), actor=sentinel)
    for event in TicketEvent.objects.filter(ticket=ticket).exclude(payload={}):
        scrubbed = scrub(event.payload)
        if scrubbed != event.payload:
            base_update(TicketEvent.objects.filter(pk=event.pk), payload=scrubbed)
    # Attachments go, row and file: a row without its file would still be listed, and its download
    # or the pivot export would fail on it; the timeline keeps the line (type and size only).
    n_attachments = 0
    for attachment in Attachment.objects.filter(ticket=ticket):
        if attachment.file:
            attachment.file.delete(save=False)
        attachment.delete()
        n_attachments += 1
    _scrub_messages(ticket)
    from knowledge.search import forget_ticket
    from sla.models import Clock

    forget_ticket(ticket.pk)  # the search index holds copies of the title, description and comments
    from tickets.satisfaction import forget_person

    forget_person(ticket.pk, sentinel=sentinel, text=ANONYMISED)  # the requester's rating comment

    Clock.objects.filter(ticket=ticket).exclude(note="").update(note=ANONYMISED)  # a DPO's note on a legal clock
    # The log keeps the ticket (the rule applied, when, to what: accountability, and what makes the
    # job idempotent) and counts; never who the requester was — the ticket is anonymous now.
    entry = AnonymisationLog.objects.create(
        ticket=ticket, at=now, retention_days=retention_days, fields=sorted(changes) + ["requester"],
        comments=n_comments, attachments=n_attachments,
    )
    record(None, Action.ANONYMISE, ticket, Interface.SYSTEM,
           detail={"retention_days": retention_days, "fields": entry.fields, "comments": n_comments, "attachments": n_attachments})
    return entry


def expired_tickets(now=None):
    """Closed or cancelled tickets past their convention's retention, not anonymised yet."""
    from tickets.models import State, Ticket

    now = now or timezone.now()
    policies = {p.convention_id: p.closed_ticket_days for p in RetentionPolicy.objects.all()}
    default = default_retention_days()
    done = AnonymisationLog.objects.values("ticket_id")
    conditions = Q()
    for days in sorted(set(policies.values()) | {default}):
        conventions = [c for c, d in policies.items() if d == days]
        in_scope = Q(convention_id__in=conventions)
        if days == default:
            in_scope |= Q(convention__isnull=True) | ~Q(convention_id__in=list(policies))
        cutoff = now - timedelta(days=days)
        ended = Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, updated_at__lt=cutoff)
        conditions |= in_scope & ended
    qs = Ticket.objects.filter(state__in=[State.CLOSED, State.CANCELLED]).exclude(pk__in=done).filter(conditions)
    return [(t, policies.get(t.convention_id, default)) for t in qs.order_by("pk")]


def anonymise_expired(now=None) -> int:
    count = 0
    for ticket, days in expired_tickets(now):
        anonymise_ticket(ticket, retention_days=days, now=now)
        count += 1
    if count:
        log.info("retention: %s closed tickets anonymised", count)
    return count


def outbox_retention_days() -> int:
    return int(settings.HELPDESK.get("OUTBOX_RETENTION_DAYS", 90))


@transaction.atomic
def purge_delivered(before) -> int:
    """Delete the outbox messages and webhook deliveries created before `before` that are done
    (sent, skipped, abandoned): copies of tickets' data in mails, notifications and webhook bodies,
    kept a while to diagnose a delivery, then gone — whatever the ticket's state. Pending ones stay
    (the worker still owes them). Notifications keep their text (the user's bell) without the row."""
    from api.models import WebhookDelivery
    from tickets.models import OutboxMessage

    n = OutboxMessage.objects.filter(created_at__lt=before).exclude(status=OutboxMessage.Status.PENDING).delete()[0]
    n += WebhookDelivery.objects.filter(created_at__lt=before).exclude(status=WebhookDelivery.Status.PENDING).delete()[0]
    if n:
        log.info("retention: %s delivered messages purged", n)
    return n


def purge_delivered_expired(now=None) -> int:
    return purge_delivered((now or timezone.now()) - timedelta(days=outbox_retention_days()))


# --- breach notification ------------------------------------------------------------------------
BREACH_FIELDS = ("nature", "detected_at", "affected_perimeter", "person_categories", "approx_persons", "record_categories",
                 "approx_records", "consequences", "measures_taken", "measures_proposed", "contact_name", "contact_email",
                 "contact_phone")


def may_manage_breach(user, ticket) -> bool:
    from sla.services import may_record_legal_notice

    return ticket.category == Category.SECURITY and may_record_legal_notice(user, ticket)


@transaction.atomic
def save_breach_report(ticket, *, actor, **fields) -> BreachReport:
    if ticket.category != Category.SECURITY:
        raise ValidationError({"ticket": "Seul un ticket « Incident de sécurité » porte une notification de violation."})
    if not may_manage_breach(actor, ticket):
        raise PermissionDenied("Seul le délégué à la protection des données compétent renseigne la notification.")
    unknown = sorted(set(fields) - set(BREACH_FIELDS))
    if unknown:
        raise ValidationError({name: "champ inconnu" for name in unknown})
    if not (fields.get("nature") or "").strip():
        raise ValidationError({"nature": "Décrire la nature de la violation."})
    report, _created = BreachReport.objects.select_for_update().get_or_create(ticket=ticket, defaults={"nature": fields["nature"], "updated_by": actor})
    changed = [name for name, value in fields.items() if getattr(report, name) != value]
    for name, value in fields.items():
        setattr(report, name, value)
    if changed:
        report.approvals = {}  # a jointly drafted file is approved as it reads now
    report.updated_by = actor
    report.full_clean()
    report.save()
    return report
