"""Writes of incoming mail: `ingest` (one message, from its bytes), `accept_held` and `reject_held`
(an agent's decision on a held message). Each in one transaction, with one `MailEvent`.

`ingest` is idempotent on the Message-ID (a message without one is known by its content's hash):
a second delivery of the same message returns the first row and does nothing. It never raises on
the message's content: what cannot be read is held for an agent with the reason in French.

A reply is recognised by the token of its address (desk+<token>@domain, `reply_address`) or by the
threading headers (In-Reply-To / References) naming the ticket's thread or one of the product's
mails about it (`tickets.outbox.thread_id`, `tickets.outbox.message_id`). It goes through the web's
actions: `services.comment` (a requester's answer brings a waiting ticket back to work; an agent's
reply gets the audience they would get on the web) and `services.add_attachment` (same checks).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.conf import settings
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from directory.models import Membership, School
from directory.selectors import desks_for
from tickets import outbox
from tickets import services as ticket_services
from tickets.access import can_view
from tickets.mail_preferences import languages_of
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import Impact, OutboxMessage, Ticket, Urgency

from . import parse as mailparse
from .models import DeskMailbox, InboundMessage, Kind, MailEvent, Status, UnknownSender

logger = logging.getLogger(__name__)

RAW_KEPT = 2 * 1024 * 1024  # bytes of an oversized message kept for the agent (its headers and start)
_THREAD = re.compile(r"^<(ticket|outbox)-(\d+)-(\d+)@")
_TOKEN = re.compile(r"^t(\d+)-([0-9a-f]{12})$")


# --- reply addresses ------------------------------------------------------------------------------

def reply_token(ticket) -> str:
    mac = salted_hmac("mailin.reply-token", f"{ticket.pk}:{int(ticket.created_at.timestamp())}").hexdigest()[:12]
    return f"t{ticket.pk}-{mac}"


def reply_address(ticket, mailbox: DeskMailbox | None = None) -> str:
    """The address a reply about `ticket` is sent to: the desk's, with the ticket's token."""
    mailbox = mailbox or DeskMailbox.objects.filter(desk_id=ticket.desk_id, active=True).first()
    if mailbox is None:
        return ""
    local, _at, domain = mailbox.address.partition("@")
    return f"{local.split('+', 1)[0]}+{reply_token(ticket)}@{domain}"


def ticket_of_token(token: str) -> Ticket | None:
    found = _TOKEN.match(token or "")
    if not found:
        return None
    ticket = Ticket.objects.filter(pk=int(found.group(1))).first()
    if ticket is None or not constant_time_compare(reply_token(ticket), token):
        return None
    return ticket


def ticket_of_references(references) -> Ticket | None:
    """The ticket whose thread (or one of whose mails) a reply names, the timestamps checked."""
    for ref in reversed(references):  # the most recent first
        found = _THREAD.match(ref)
        if not found:
            continue
        what, pk, stamp = found.group(1), int(found.group(2)), int(found.group(3))
        if what == "ticket":
            ticket = Ticket.objects.filter(pk=pk).first()
            if ticket and int(ticket.created_at.timestamp()) == stamp:
                return ticket
        else:
            row = OutboxMessage.objects.select_related("ticket").filter(pk=pk).first()
            if row and row.ticket_id and int(row.created_at.timestamp()) == stamp:
                return row.ticket
    return None


def find_ticket(parsed: mailparse.ParsedMessage) -> Ticket | None:
    for token in parsed.tokens:
        ticket = ticket_of_token(token)
        if ticket is not None:
            return ticket
    return ticket_of_references(parsed.references)


# --- who ------------------------------------------------------------------------------------------

def person_of(address: str):
    if not address:
        return None
    return get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk").first()


def school_of(user) -> School | None:
    """The school a person's mail is about: their own school (first membership), else none."""
    membership = Membership.objects.filter(user=user, school__isnull=False).select_related("school").order_by("pk").first()
    if membership is not None:
        return membership.school
    membership = Membership.objects.filter(user=user, desk__school__isnull=False).select_related("desk__school").order_by("pk").first()
    return membership.desk.school if membership is not None else None


# --- mail back to the sender --------------------------------------------------------------------------

REPLY_PAUSE = timedelta(hours=1)


def _tell_sender(row, parsed, mailbox, say) -> None:
    """One mail to the sender, `say()` → (subject, body), in the language the sender chose if the
    directory knows them (Auto-Submitted: auto-generated, as every mail of the outbox: an
    autoresponder does not answer it). Never to an automatic sender, and at most one an hour to an
    address (a robot that ignores Auto-Submitted gets no ping-pong)."""
    if not parsed.sender or parsed.kind in (mailparse.AUTO, mailparse.BOUNCE):
        return
    since = timezone.now() - REPLY_PAUSE
    if (InboundMessage.objects.filter(sender=row.sender, received_at__gte=since, status__in=(Status.HELD, Status.REJECTED))
            .exclude(pk=row.pk).exists()):
        return
    person = row.sender_user or person_of(parsed.sender)
    language = languages_of({person.pk})[person.pk] if person is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        subject, body = say()
        text = "\n\n".join((_("Bonjour,"), body, _("— L'assistance ENT (%(desk)s)") % {"desk": mailbox.desk.name}))
    OutboxMessage.objects.create(channel=OutboxMessage.Channel.EMAIL, event_name="mailin.reply",
                                 payload={"to": [parsed.sender], "subject": subject[:200], "body": text, "language": language})
    outbox.schedule_delivery()


# --- ingest ---------------------------------------------------------------------------------------

def ingest(raw: bytes, mailbox: DeskMailbox) -> InboundMessage:
    """One message received by `mailbox`: a ticket, a reply on its ticket, held, refused or ignored."""
    parsed = mailparse.parse(raw, mailbox.max_bytes)
    existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _ingest(raw, parsed, mailbox)
    except IntegrityError:  # the same message ingested at the same time by another worker
        existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return existing


def _ingest(raw: bytes, parsed, mailbox) -> InboundMessage:
    row = InboundMessage(
        mailbox=mailbox, message_id=parsed.message_id, sender=parsed.sender[:254], sender_name=parsed.sender_name,
        subject=parsed.subject, kind=parsed.kind, text=parsed.text, size=len(raw), raw=raw[:RAW_KEPT],
        status=Status.HELD, reason=parsed.reason,
    )
    row.save()  # the unique Message-ID: a concurrent duplicate fails here
    outcome = _decide(row, parsed, mailbox)
    row.save()
    MailEvent.objects.create(message=row, what=MailEvent.What.RECEIVED,
                             detail={"status": row.status, "kind": row.kind, **outcome})
    return row


def _hold(row, reason: str) -> dict:
    row.status, row.reason = Status.HELD, reason
    return {}


def _decide(row, parsed, mailbox) -> dict:
    if parsed.kind in (mailparse.AUTO, mailparse.BOUNCE):
        row.status = Status.IGNORED  # never a ticket, never an answer: no loop
        return {}
    if parsed.kind == mailparse.BAD:
        _tell_sender(row, parsed, mailbox, lambda: (_("Votre message n'a pas pu être lu automatiquement"), _(
            "Votre message « %(subject)s » n'a pas pu être traité automatiquement (%(reason)s). "
            "Il est conservé et un agent du guichet va l'examiner.") % {"subject": parsed.subject or _("sans objet"),
                                                                      "reason": parsed.explained()}))
        return _hold(row, parsed.reason)
    user = person_of(parsed.sender)
    row.sender_user = user
    if parsed.auth_failed:
        return _hold(row, _("Authentification de l'expéditeur en échec (%(result)s) : message à vérifier.")
                     % {"result": parsed.auth_failed})
    ticket = find_ticket(parsed) if parsed.kind == mailparse.REPLY else None
    if ticket is not None:
        row.kind, row.ticket = Kind.REPLY, ticket
        if user is None:
            return _hold(row, _("Expéditeur inconnu de l'annuaire (réponse à la demande %(ref)s).") % {"ref": ticket.reference})
        if not can_view(user, ticket):
            return _hold(row, _("%(person)s n'a pas accès à la demande %(ref)s.") % {"person": user, "ref": ticket.reference})
        return _add_reply(row, ticket, user, parsed)
    row.kind = Kind.NEW
    if user is None:
        if mailbox.unknown_sender == UnknownSender.REFUSE:
            row.status, row.reason = Status.REJECTED, _("Expéditeur inconnu de l'annuaire : message refusé (politique du guichet).")
            _tell_sender(row, parsed, mailbox, lambda: (_("Votre message n'a pas été enregistré"), _(
                "Votre adresse n'est pas connue de l'annuaire de l'assistance ENT : votre message « %(subject)s » n'a pas "
                "ouvert de demande. Connectez-vous à l'ENT pour déposer votre demande, ou demandez au correspondant ENT de "
                "votre école de la saisir pour vous.") % {"subject": parsed.subject or _("sans objet")}))
            return {}
        return _hold(row, _("Expéditeur inconnu de l'annuaire : à accepter ou refuser par un agent."))
    return _open(row, parsed, mailbox, user)


def _attach(ticket, actor, parsed) -> list[str]:
    refused = []
    for attachment in parsed.attachments:
        try:
            ticket_services.add_attachment(ticket, actor=actor, upload=attachment)
        except (ValidationError, PermissionDenied, GuardFailed, Conflict) as exc:
            refused.append(_message(exc))
    return refused


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def _add_reply(row, ticket, user, parsed) -> dict:
    body = parsed.text or (_("(pièces jointes envoyées par courriel)") if parsed.attachments else "")
    if not body:
        return _hold(row, _("Réponse vide à la demande %(ref)s.") % {"ref": ticket.reference})
    try:
        with transaction.atomic():
            ticket_services.comment(ticket, actor=user, body=body)
    except (ValidationError, PermissionDenied, GuardFailed, Conflict) as exc:
        return _hold(row, _("La réponse n'a pas pu être ajoutée à la demande %(ref)s : %(why)s")
                     % {"ref": ticket.reference, "why": _message(exc)})
    refused = _attach(ticket, user, parsed)
    row.status = Status.REPLY
    row.reason = _("Pièces jointes refusées : %(list)s") % {"list": " ; ".join(refused)} if refused else ""
    return {"ticket": ticket.reference, "refused_attachments": len(refused)}


def _open(row, parsed, mailbox, user, *, actor=None, on_behalf_of=None, beneficiary_name="", school=None) -> dict:
    school = school or school_of(user)
    if school is None:
        return _hold(row, _("%(person)s n'est rattaché(e) à aucune école : à accepter par un agent.") % {"person": user})
    title = (parsed.subject or _("Demande reçue par courriel"))[:200]
    description = parsed.text or _("(message sans texte)")
    try:
        with transaction.atomic():
            ticket = ticket_services.open_ticket(
                actor=actor or user, school=school, title=title, description=description, category=mailbox.category,
                impact=Impact.LOW, urgency=Urgency.MEDIUM, via="email", on_behalf_of=on_behalf_of,
                beneficiary_name=beneficiary_name, contact=parsed.sender if beneficiary_name else "", door=mailbox.desk)
    except (ValidationError, PermissionDenied, GuardFailed) as exc:
        return _hold(row, _("La demande n'a pas pu être ouverte : %(why)s") % {"why": _message(exc)})
    row.ticket, row.status = ticket, Status.OPENED
    refused = _attach(ticket, actor or user, parsed)
    row.reason = _("Pièces jointes refusées : %(list)s") % {"list": " ; ".join(refused)} if refused else ""
    return {"ticket": ticket.reference}


# --- an agent's decision ----------------------------------------------------------------------------

def may_handle(user, message: InboundMessage) -> bool:
    return desks_for(user).filter(pk=message.mailbox.desk_id).exists()


def _check(user, message):
    if not may_handle(user, message):
        raise PermissionDenied(_("Ce courriel est adressé à un guichet dont vous n'êtes pas membre."))
    if message.status != Status.HELD:
        raise Conflict(_("Ce courriel a déjà été traité (%(status)s).") % {"status": message.get_status_display()})


@transaction.atomic
def accept_held(message: InboundMessage, *, actor, requester=None, beneficiary_name: str = "", beneficiary_kind: str = "",
                school=None) -> InboundMessage:
    """Open the held message's ticket (for `requester`, an account of the school; or for a person
    without account, `beneficiary_name`, reached at the sender's address), or add it to the ticket it
    answers (as a note of the agent for the support chain). One `MailEvent`."""
    message = InboundMessage.objects.select_for_update().select_related("mailbox__desk").get(pk=message.pk)
    _check(actor, message)
    parsed = mailparse.parse(bytes(message.raw), None)
    if message.ticket_id and message.kind == Kind.REPLY:
        ticket = message.ticket
        body = _("Courriel de %(sender)s accepté par %(agent)s :\n\n%(text)s") % {
            "sender": message.sender, "agent": actor, "text": parsed.text or _("(message sans texte)")}
        try:
            ticket_services.comment(ticket, actor=actor, body=body, internal=True)
        except (PermissionDenied, GuardFailed, Conflict) as exc:
            raise ValidationError({"ticket": _message(exc)}) from None
        refused = _attach(ticket, actor, parsed)
        outcome = {}
    else:
        beneficiary_name = (beneficiary_name or "").strip()
        if requester is None and not beneficiary_name:
            raise ValidationError({"requester": _("Choisissez le demandeur, ou saisissez le nom d'une personne sans compte.")})
        if requester is not None and school is None:
            school = school_of(requester)
        if school is None:
            raise ValidationError({"school": _("Choisissez l'école de la demande.")})
        try:
            ticket = ticket_services.open_ticket(
                actor=actor, school=school, title=(message.subject or _("Demande reçue par courriel"))[:200],
                description=parsed.text or _("(message sans texte)"), category=message.mailbox.category,
                impact=Impact.LOW, urgency=Urgency.MEDIUM, via="email", on_behalf_of=requester,
                beneficiary_name=beneficiary_name, beneficiary_kind=beneficiary_kind if beneficiary_name else "",
                contact=message.sender if beneficiary_name else "", door=message.mailbox.desk)
        except GuardFailed as exc:
            raise ValidationError({"requester": _message(exc)}) from None
        except PermissionDenied as exc:
            raise ValidationError({getattr(exc, "field", "requester"): _message(exc)}) from None
        refused = _attach(ticket, actor, parsed)
        outcome = {"requester": requester.pk if requester else None}
    message.ticket, message.status = ticket, Status.ACCEPTED
    message.handled_by, message.handled_at = actor, timezone.now()
    if refused:
        message.reason = f"{message.reason}\n" + _("Pièces jointes refusées : %(list)s") % {"list": " ; ".join(refused)}
    message.save()
    MailEvent.objects.create(message=message, what=MailEvent.What.ACCEPTED, actor=actor,
                             detail={"ticket": ticket.reference, **outcome})
    return message


@transaction.atomic
def reject_held(message: InboundMessage, *, actor, reason: str = "") -> InboundMessage:
    message = InboundMessage.objects.select_for_update().select_related("mailbox__desk").get(pk=message.pk)
    _check(actor, message)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": _("Le motif dépasse 500 caractères.")})
    message.status, message.handled_by, message.handled_at = Status.REJECTED, actor, timezone.now()
    message.reason = f"{message.reason}\n" + _("Refusé par %(agent)s%(why)s") % {
        "agent": actor, "why": f" : {reason}" if reason else ""}
    message.save()
    MailEvent.objects.create(message=message, what=MailEvent.What.REJECTED, actor=actor, detail={"reason": reason})
    return message
