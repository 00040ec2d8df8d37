"""Durable outbox: notifications are rows written in the transition's transaction, delivered after
commit by Huey (`tasks.deliver_outbox`), retried by a periodic task until they succeed.

A rolled-back transition leaves no row, hence sends nothing; a stopped worker leaves rows pending,
picked up at the next run. Delivery channels are pluggable: `register_handler(channel, fn)` — the
API app adds webhook fan-out this way. Handlers must be idempotent (a crash after sending and
before marking the row sent means one more delivery).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.choices import Role
from directory.models import Membership
from directory.selectors import people_covering

from . import events, mail_preferences
from .access import readers_among
from .events import Audience
from .models import QUALIFICATION_FIELDS, EventKind, Notification, OutboxMessage, Ticket, TicketEvent

logger = logging.getLogger(__name__)

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)

_handlers: dict[str, list] = defaultdict(list)


def register_handler(channel: str, fn) -> None:
    """Add a delivery function `fn(message: OutboxMessage)` for a channel (raise to retry)."""
    if fn not in _handlers[channel]:
        _handlers[channel].append(fn)


def unregister_handler(channel: str, fn) -> None:
    if fn in _handlers[channel]:
        _handlers[channel].remove(fn)


_reply_addresses: list = []


def register_reply_address(fn) -> None:
    """Add `fn(ticket) -> address or ""`: where a reply to a mail about the ticket should go (the
    mailin app gives its desk's address with the ticket's token); the first answer wins."""
    if fn not in _reply_addresses:
        _reply_addresses.append(fn)


def event_name(event: TicketEvent) -> str:
    return events.of_kind(event.kind).name


def live_message(ticket: Ticket) -> dict:
    return {
        "type": "ticket.changed",
        "reference": ticket.reference,
        "state": ticket.state,
        "level": ticket.level,
        "desk": ticket.desk_id,
        "version": ticket.version,
    }


def ticket_payload(ticket: Ticket) -> dict:
    """The ticket in a webhook: what the API accepts back (reference, desk slug, school UAI), never
    an internal number."""
    return {
        "reference": ticket.reference,
        "title": ticket.title,
        "state": ticket.state,
        "level": ticket.level,
        "desk": ticket.desk.slug if ticket.desk_id else None,
        "school": ticket.school.uai,
        "category": ticket.category,
        "priority": ticket.priority,
        "version": ticket.version,
        "vendor_reference": ticket.vendor_reference,
        "updated_at": utc_iso(ticket.updated_at),
    }


def utc_iso(value):
    """ISO 8601 in UTC (`+00:00`), as the REST API writes the times it reads: one zone for every
    timestamp of a webhook. An ISO string with an offset is converted too; anything else is kept."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            return value
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value


def utc_timestamps(data):
    """`data` with each timestamp (`at`, `…_at`) in UTC, at any depth."""
    if isinstance(data, dict):
        return {k: utc_iso(v) if k == "at" or k.endswith("_at") else utc_timestamps(v) for k, v in data.items()}
    if isinstance(data, list):
        return [utc_timestamps(v) for v in data]
    return data


def _person(user):
    # As the API's ticket and timeline show people (api.ticket_serializers._person).
    return (user.get_full_name() or user.username) if user else None


def _webhook_data(payload: dict) -> dict:
    """An event's detail for the outside: its internal numbers become what the API accepts (a desk
    slug, a person as the API shows them), or go (an SLA clock has no endpoint)."""
    from directory.models import Desk

    data = dict(payload or {})
    if isinstance(data.get("desk"), int):
        data["desk"] = Desk.objects.filter(pk=data["desk"]).values_list("slug", flat=True).first()
    for key in ("assignee", "on_behalf_of"):  # people (take, opened for someone)
        if isinstance(data.get(key), int):
            data[key] = _person(get_user_model().objects.filter(pk=data[key]).first())
    data.pop("clock", None)
    return utc_timestamps(data)


def _desk_recipients(desk_id) -> tuple[list[int], list[str]]:
    members = list(
        Membership.objects.filter(desk_id=desk_id, role=Role.AGENT).values_list("user_id", "user__email")
    )
    return [m[0] for m in members], [m[1] for m in members if m[1]]


def _desk_mail_rows(ticket: Ticket, event: TicketEvent, name: str, user_ids: set[int], text: str, body: str,
                    render) -> list[OutboxMessage]:
    """The desk's news for its agents, one mail each as they chose for this desk: now, in their next
    digest, or none; in their language (`render()` says it again); each with its one-click
    unsubscribe link (the in-app line stays)."""
    modes = mail_preferences.modes_at(ticket.desk_id, user_ids)
    languages = mail_preferences.languages_of(user_ids)
    emails = dict(get_user_model().objects.filter(pk__in=sorted(user_ids)).exclude(email="").values_list("pk", "email"))
    said = {settings.LANGUAGE_CODE: (text, body)}
    rows = []
    for uid in sorted(emails):
        mode = modes[uid]
        if mode == mail_preferences.Mode.NONE:
            continue
        language = languages[uid]
        if language not in said:
            with translation.override(language):
                said[language] = render()
        text_in, body_in = said[language]
        payload = {"to": [emails[uid]], "subject": text_in[:200], "body": body_in, "line": text_in[:300],
                   "language": language, "unsubscribe": {"user": uid, "desk": ticket.desk_id}}
        row = OutboxMessage(channel=Channel.EMAIL, event_name=name, ticket=ticket, event=event, payload=payload)
        if mode == mail_preferences.Mode.DIGEST:
            row.batch, row.next_attempt_at = f"digest:{uid}", mail_preferences.next_digest_at()
            payload["digest"] = True
        rows.append(row)
    return rows


def _mail_rows_by_language(ticket: Ticket, event: TicketEvent, name: str, user_ids: set[int], addresses: set[str],
                           text: str, body: str, render=None) -> list[OutboxMessage]:
    """One mail per language for several readers (followers, observers, admins): each person's
    address in the mail of the language they chose (`render()` says it again); an address that is
    no one's own — a desk's shared mailbox — reads French."""
    groups = {settings.LANGUAGE_CODE: set(addresses)}
    if render is not None:
        languages = mail_preferences.languages_of(user_ids)
        for uid, email in get_user_model().objects.filter(pk__in=sorted(user_ids), email__in=sorted(addresses)).values_list("pk", "email"):
            if languages[uid] != settings.LANGUAGE_CODE:
                groups[settings.LANGUAGE_CODE].discard(email)
                groups.setdefault(languages[uid], set()).add(email)
    rows = []
    for language, to in sorted(groups.items()):
        if not to:
            continue
        if language == settings.LANGUAGE_CODE:
            text_in, body_in = text, body
        else:
            with translation.override(language):
                text_in, body_in = render()
        rows.append(OutboxMessage(channel=Channel.EMAIL, event_name=name, ticket=ticket, event=event,
                                  payload={"to": sorted(to), "subject": text_in[:200], "body": body_in, "language": language}))
    return rows


def _requester_mail_row(ticket: Ticket, event: TicketEvent, name: str, addresses: set[str], text: str, body: str, parts: dict) -> OutboxMessage:
    """The requester's mail; within the batch window it joins the one still waiting for this ticket,
    so that a burst of events (taken, answered, resolved) makes one message."""
    row = OutboxMessage(channel=Channel.EMAIL, event_name=name, ticket=ticket, event=event,
                        payload={"to": sorted(addresses), "subject": text[:200], "body": body, **parts})
    seconds = mail_preferences.requester_batch_seconds()
    if seconds > 0:
        row.batch = f"requester:{ticket.pk}"
        waiting = (OutboxMessage.objects.filter(batch=row.batch, status=Status.PENDING)
                   .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
        row.next_attempt_at = waiting or timezone.now() + timedelta(seconds=seconds)
        _kick_at(row.next_attempt_at)
    return row


def base_url() -> str:
    """The web UI's absolute address (settings.HELPDESK["BASE_URL"], env HELPDESK_BASE_URL)."""
    return str(settings.HELPDESK["BASE_URL"]).rstrip("/")


def web_url(name: str, *args) -> str:
    """Absolute address of a page of the web UI, for e-mails (no request, hence no script prefix)."""
    from django.urls import NoReverseMatch, get_script_prefix, reverse

    try:
        path = reverse(name, args=args)
    except NoReverseMatch:  # a URLconf without the web UI (the API's own tests): the project's
        path = reverse(name, args=args, urlconf="helpdesk.urls")
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]  # BASE_URL already carries the prefix the site is served under
    return base_url() + path


def ticket_url(ticket_or_reference) -> str:
    """Absolute address of the ticket's page."""
    return web_url("web:ticket", getattr(ticket_or_reference, "reference", ticket_or_reference))


def _requester_text(ticket: Ticket, event: TicketEvent) -> tuple[str, str] | None:
    """(what happened, detail) in plain French for the requester, or None when there is nothing to
    tell them (a later take, by another desk: the ticket was already being handled)."""
    ref = ticket.reference
    p = event.payload or {}
    kind = event.kind
    if kind == EventKind.OPENED:
        return (_("Votre demande %(ref)s est enregistrée.") % {"ref": ref},
                _("Le support de votre école va la prendre en charge. Vous serez prévenu·e par courriel à chaque réponse."))
    if kind == EventKind.TAKEN:
        if event.from_state != Ticket.State.NEW:
            return None
        return _("Votre demande %(ref)s a été prise en charge.") % {"ref": ref}, ""
    if kind == EventKind.COMMENTED:
        return _("Le support a répondu à votre demande %(ref)s.") % {"ref": ref}, p.get("body", "")
    if kind == EventKind.INFO_REQUESTED:
        return (_("Le support a besoin d'une précision pour traiter votre demande %(ref)s.") % {"ref": ref},
                f"{p.get('body', '')}\n\n" + _("Répondez depuis la page de votre demande : le traitement reprendra dès votre réponse."))
    if kind == EventKind.RESOLVED:
        from .satisfaction import mail_text  # the signed rating links (one per value)

        return (_("Votre demande %(ref)s est résolue.") % {"ref": ref},
                f"{p.get('summary', '')}\n\n" + _("Si tout fonctionne, confirmez-le depuis la page de votre demande ; "
                                                    "sinon, vous pouvez la rouvrir.") + f"\n\n{mail_text(ticket)}")
    if kind == EventKind.AUTO_CLOSED:
        return (_("Votre demande %(ref)s est terminée.") % {"ref": ref},
                _("Elle a été close automatiquement %(days)s jours après sa résolution, sans nouvelle de votre part. "
                  "Si le problème revient, faites une nouvelle demande.") % {"days": p.get("after_days", "")})
    if kind == EventKind.CANCELLED:
        if p.get("duplicate_of"):
            detail = _("Elle porte sur le même problème que la demande %(other)s, qui reste suivie.") % {"other": p["duplicate_of"]}
        else:
            detail = _("Motif : %(reason)s") % {"reason": p.get("reason", "")}
        return _("Votre demande %(ref)s a été annulée.") % {"ref": ref}, detail
    return None


def _requester_body(ticket: Ticket, news: list[tuple[str, str]], url: str) -> str:
    """The requester's mail: greeting, what happened (one or several news), the link, signature."""
    if len(news) == 1:
        (lead, detail), = news
        said = [lead, f"« {ticket.title} »", detail.strip()]
    else:
        said = [_("Du nouveau sur votre demande %(ref)s « %(title)s » :") % {"ref": ticket.reference, "title": ticket.title}]
        said += ["\n".join(part for part in (f"• {lead}", detail.strip()) if part) for lead, detail in news]
    return "\n\n".join(part for part in (
        _("Bonjour,"), *said, _("Suivre votre demande : %(url)s") % {"url": url}, _("— L'assistance ENT"),
    ) if part)


def _desk_text(ticket: Ticket, event: TicketEvent) -> str:
    kind = event.kind
    if kind == EventKind.OPENED:
        return _("Nouvelle demande pour votre guichet")
    if kind == EventKind.ROUTED:
        return _("Demande réorientée vers votre guichet")
    if kind == EventKind.ESCALATED:
        return _("Demande transmise à votre guichet (niveau %(level)s)") % {"level": ticket.level}
    if kind == EventKind.SENT_BACK:
        return _("Demande renvoyée à votre guichet (niveau %(level)s)") % {"level": ticket.level}
    if kind == EventKind.REOPENED:
        return _("Demande rouverte par le demandeur")
    return str(EventKind(kind).label)


def _assignee_text(ticket: Ticket, event: TicketEvent) -> str:
    if event.kind == EventKind.ANSWERED:
        return _("Le demandeur a répondu à votre question")
    return _("Nouveau message du demandeur")


def enqueue(ticket: Ticket, event: TicketEvent, actor=None) -> list[OutboxMessage]:
    """Write the outbox rows of one event (call inside the transition's transaction)."""
    with translation.override(settings.LANGUAGE_CODE):  # mails are French, whatever the request's language
        return _enqueue(ticket, event, actor)


def _manager_ids(ticket: Ticket) -> set[int]:
    """Managers whose perimeter covers the ticket's school (school, circonscription, académie,
    collectivité or région)."""
    return people_covering(ticket.school, Role.MANAGER)


def webhook_payload(ticket: Ticket, event: TicketEvent, webhook: str, actor_id) -> dict:
    if actor_id is None:
        actor = None
    elif event.actor_id == actor_id:
        actor = event.actor
    else:
        actor = get_user_model().objects.filter(pk=actor_id).first()
    return {
        "event": webhook, "kind": event.kind, "at": utc_iso(event.at), "public": event.public, "visibility": event.visibility,
        "actor": _person(actor), "ticket": ticket_payload(ticket), "data": _webhook_data(event.payload),
        "from_state": event.from_state, "to_state": event.to_state,
        "from_level": event.from_level, "to_level": event.to_level,
        "from_desk": event.from_desk.slug if event.from_desk_id else None,
        "to_desk": event.to_desk.slug if event.to_desk_id else None,
    }


def _enqueue(ticket: Ticket, event: TicketEvent, actor=None) -> list[OutboxMessage]:
    entry = events.of_kind(event.kind)
    name = entry.name
    actor_id = getattr(actor, "pk", None)
    rows = []
    if entry.live:
        rows.append(OutboxMessage(
            channel=Channel.WEBSOCKET, event_name=name, ticket=ticket, event=event,
            payload={
                "groups": sorted({f"desk-{d}" for d in (event.from_desk_id, event.to_desk_id, ticket.desk_id) if d}
                                 | {f"ticket-{ticket.pk}"}),
                # The ticket's state and version only, never an entry's content: every reader of the
                # ticket may hear it (their page's version stays current), whoever reads the line.
                "message": live_message(ticket),
            },
        ))
    if entry.webhook:
        rows.append(OutboxMessage(channel=Channel.WEBHOOK, event_name=name, ticket=ticket, event=event,
                                  payload=webhook_payload(ticket, event, entry.webhook, actor_id)))
    for audience, (user_ids, addresses, text, body, *parts) in _audiences(ticket, event, entry, actor_id).items():
        user_ids.discard(None)
        if audience != "requester":  # the requester always reads their ticket; others only if the rule says so
            user_ids, addresses = _readers_only(ticket, user_ids, addresses, event)
        if user_ids:
            rows.append(OutboxMessage(
                channel=Channel.IN_APP, event_name=name, ticket=ticket, event=event,
                payload={"user_ids": sorted(user_ids), "verb": event.kind, "message": text[:300]},
            ))
        addresses.discard("")
        if audience == "requester" and addresses:
            rows.append(_requester_mail_row(ticket, event, name, addresses, text, body, *parts))
        elif audience == "desk" and not ticket.desk.email:  # the agents' own mailboxes: as each chose
            rows.extend(_desk_mail_rows(ticket, event, name, user_ids, text, body, *parts))
        elif addresses:
            rows.extend(_mail_rows_by_language(ticket, event, name, user_ids, addresses, text, body, *parts))
    if event.kind == EventKind.FORWARDED_EXTERNAL and (event.payload or {}).get("address"):
        rows.append(_external_mail(ticket, event))
    if not rows:
        return []
    created = OutboxMessage.objects.bulk_create(rows)
    schedule_delivery()
    return created


def _external_mail(ticket: Ticket, event: TicketEvent) -> OutboxMessage:
    """The request forwarded to a support outside the product (`forward_external`): what it needs
    to answer — reference, message, description, qualification — and nothing else: no requester's
    identity, no link it could not open, no note of the chain or of an organisation."""
    from datetime import datetime

    from django.utils.formats import date_format
    from django.utils.text import capfirst

    from .qualification import FIELD_LABELS

    p = event.payload
    desk = ticket.desk
    facts = [_("Établissement : %(school)s") % {"school": ticket.school}]
    if ticket.resource_id:
        facts.append(_("Ressource : %(resource)s") % {"resource": ticket.resource})
    facts.append(_("Catégorie : %(category)s") % {"category": ticket.get_category_display()})
    def shown(value):
        return date_format(timezone.localtime(value), "d/m/Y H:i") if isinstance(value, datetime) else value

    qualification = [f"- {capfirst(FIELD_LABELS[name])} : {shown(value)}" for name in QUALIFICATION_FIELDS
                     if (value := getattr(ticket, name)) not in (None, "")]
    if ticket.malfunction_proven:
        qualification.append("- " + _("Dysfonctionnement avéré (reproduit)"))
    if ticket.no_solution_found:
        qualification.append("- " + _("Aucune solution trouvée aux niveaux inférieurs"))
    reply = desk.email or settings.DEFAULT_FROM_EMAIL
    body = "\n\n".join((
        _("Bonjour,"),
        _("%(desk)s vous transmet la demande %(ref)s : « %(title)s ».") % {"desk": desk.name, "ref": ticket.reference, "title": ticket.title},
        p.get("message", ""),
        "\n".join(facts),
        _("Description :") + "\n" + ticket.description,
        (_("Qualification :") + "\n" + "\n".join(qualification)) if qualification else _("Qualification : non renseignée."),
        _("Merci de répondre à %(reply)s en rappelant la référence %(ref)s.") % {"reply": reply, "ref": ticket.reference},
        f"— {desk.name}",
    ))
    subject = _("[%(ref)s] Demande transmise par %(desk)s : %(title)s") % {"ref": ticket.reference, "desk": desk.name, "title": ticket.title}
    return OutboxMessage(channel=Channel.EMAIL, event_name=events.of_kind(event.kind).name, ticket=ticket, event=event,
                         payload={"to": [p["address"]], "subject": subject[:200], "body": body, "external": True})


def _readers_only(ticket: Ticket, user_ids: set[int], addresses: set[str], event=None) -> tuple[set[int], set[str]]:
    """Keep the people who may read the ticket and the line told (tickets.access: its audience),
    and the addresses of those only; a desk's shared mailbox goes when its agents may not read it
    (a breach at a vendor's desk, a note of another organisation)."""
    kept = readers_among(ticket, user_ids, event)
    if kept == user_ids:
        return kept, addresses
    removed = user_ids - kept
    addresses = addresses - set(get_user_model().objects.filter(pk__in=sorted(removed)).values_list("email", flat=True))
    if ticket.desk_id and ticket.desk.email and removed & set(_desk_recipients(ticket.desk_id)[0]):
        addresses.discard(ticket.desk.email)
    return kept, addresses


def _audiences(ticket: Ticket, event: TicketEvent, entry: events.Event, actor_id):
    """audience → (user ids, addresses, subject / in-app line, mail body), for the audiences of the
    event's vocabulary entry that have something to be told."""
    audiences: dict[str, tuple[set[int], set[str], str, str]] = {}
    told = entry.audiences
    if not told:
        return audiences
    url = ticket_url(ticket)
    if Audience.MANAGERS in told:
        # An SLA alert: one line for the desk's agents and the managers, one mail to the desk's address.
        recipients = _manager_ids(ticket)
        if Audience.DESK in told and ticket.desk_id:
            recipients.update(_desk_recipients(ticket.desk_id)[0])
        text = f"{(event.payload or {}).get('message') or entry.label} — [{ticket.reference}] {ticket.title}"[:300]
        emails = {ticket.desk.email} if ticket.desk_id and ticket.desk.email else set()
        audiences["alert"] = (recipients, emails, text, text)
        return audiences
    if (Audience.REQUESTER in told and event.public
            and (actor_id != ticket.requester_id or event.kind == EventKind.OPENED)):
        language = mail_preferences.languages_of({ticket.requester_id})[ticket.requester_id]
        with translation.override(language):  # the requester's mails in the language they chose
            said = _requester_text(ticket, event)
            if said is not None:
                lead, detail = said
                body = _requester_body(ticket, [(lead, detail)], url)
                audiences["requester"] = (
                    {ticket.requester_id}, {ticket.requester.email} if ticket.requester.email else set(),
                    f"[{ticket.reference}] {lead}", body, {"lead": lead, "detail": detail, "language": language})
    extra = event.payload.get("body") or event.payload.get("reason") or event.payload.get("summary") or ""
    def for_agents(what):
        facts = _("État : %(state)s · niveau %(level)s · guichet %(desk)s") % {
            "state": ticket.get_state_display(), "level": ticket.level, "desk": ticket.desk.name if ticket.desk_id else "—"}
        line = f"{what} — [{ticket.reference}] {ticket.title}"
        body = "\n\n".join(part for part in (line, facts, str(extra).strip(), _("Ouvrir le ticket : %(url)s") % {"url": url}) if part)
        return line, body

    if Audience.DESK in told and ticket.desk_id:
        user_ids, addresses = _desk_recipients(ticket.desk_id)
        text, body = for_agents(_desk_text(ticket, event))
        audiences["desk"] = ({u for u in user_ids if u != actor_id},
                             {ticket.desk.email} if ticket.desk.email else set(addresses), text, body,
                             lambda: for_agents(_desk_text(ticket, event)))  # again, in an agent's language
    if Audience.ASSIGNEE in told and ticket.assignee_id and actor_id == ticket.requester_id:
        text, body = for_agents(_assignee_text(ticket, event))
        audiences["assignee"] = ({ticket.assignee_id}, {ticket.assignee.email} if ticket.assignee.email else set(), text, body,
                                 lambda: for_agents(_assignee_text(ticket, event)))
    audiences.update(_following(ticket, event, told, actor_id, for_agents))
    return audiences


# --- following a ticket: the desks that held it, the area's formateurs, the platform's admins ----

VENDOR_LANDINGS = (EventKind.OPENED, EventKind.ROUTED, EventKind.ESCALATED)
ANSWERS = (EventKind.COMMENTED, EventKind.NOTE)


def landed_at_vendor(event: TicketEvent) -> bool:
    """The event brought the ticket to a vendor's desk (an escalation, a route, a direct access)."""
    return event.kind in VENDOR_LANDINGS and event.to_desk_id is not None and event.to_desk.vendor_id is not None


def vendor_answered(event: TicketEvent) -> bool:
    """A comment of a vendor's agent (or API client): written for the vendor's organisation."""
    return event.kind in ANSWERS and (event.organisation or "").startswith("vendor:")


def _held_desks(ticket: Ticket) -> list:
    """The desks the ticket was at before its current one (its timeline's arrivals)."""
    from directory.models import Desk

    held = set(ticket.events.exclude(to_desk=None).values_list("to_desk_id", flat=True)) - {ticket.desk_id}
    return list(Desk.objects.filter(pk__in=sorted(held)).order_by("pk"))


def _admin_ids() -> set[int]:
    from directory.selectors import perimeter_for

    people = get_user_model().objects.filter(Q(is_superuser=True) | Q(memberships__role=Role.ADMIN), is_active=True).distinct()
    return {person.pk for person in people if perimeter_for(person).everything}


def _emails(user_ids) -> set[str]:
    return set(get_user_model().objects.filter(pk__in=sorted(user_ids)).exclude(email="").values_list("email", flat=True))


def _following(ticket: Ticket, event: TicketEvent, told, actor_id, for_agents) -> dict:
    """Who follows the ticket and is told of this event (Poitiers art. 7: "les formateurs [...]
    seront informés des remontés de ticket"; issue 14: the desk that escalated hears the vendor's
    answer; a landing on the fallback desk alerts the administrators). Readers only (see _enqueue)."""
    audiences = {}
    answered, landed = vendor_answered(event), landed_at_vendor(event)
    if Audience.FOLLOWERS in told and answered:
        ids, addresses = set(), set()
        for desk in _held_desks(ticket):
            members, emails = _desk_recipients(desk.pk)
            ids.update(members)
            addresses.update({desk.email} if desk.email else emails)
        ids.discard(actor_id)
        if ids:
            def followers():
                return for_agents(_("Réponse de l'éditeur sur une demande que votre guichet a traitée"))
            audiences["followers"] = (ids, addresses, *followers(), followers)
    if Audience.OBSERVERS in told and (answered or landed):
        ids = people_covering(ticket.school, Role.OBSERVER) - {actor_id}
        if ids:
            def observers():
                return for_agents(_("Réponse de l'éditeur sur une demande de votre secteur") if answered
                                  else _("Demande de votre secteur transmise à l'éditeur (%(desk)s)") % {"desk": event.to_desk.name})
            audiences["observers"] = (ids, _emails(ids), *observers(), observers)
    if Audience.ADMINS in told and (event.payload or {}).get("fallback"):
        ids = _admin_ids() - {actor_id}
        if ids:
            routing = (event.payload or {}).get("routing", "")

            def admins():
                text, body = for_agents(_("Demande arrivée au guichet de repli de la convention : orientation à vérifier"))
                return text, f"{body}\n\n{routing}" if routing else body
            audiences["admins"] = (ids, _emails(ids), *admins(), admins)
    return audiences


def publish(name: str, data: dict) -> OutboxMessage:
    """An event that is not about one ticket (an outage): its webhook row, in the caller's
    transaction, delivered after commit to every subscriber that wants it."""
    entry = events.by_name(name)
    if entry is None or entry.kind is not None or not entry.webhook:
        raise ValueError(f"{name!r} is not an event without ticket of tickets.events")
    row = OutboxMessage.objects.create(channel=Channel.WEBHOOK, event_name=name,
                                       payload={"event": entry.webhook, **data})
    schedule_delivery()
    return row


def _kick_at(when) -> None:
    """After commit, ask the worker to deliver at `when` (a batched mail's time); the periodic retry
    delivers it anyway if the broker is down."""

    def kick():
        try:
            from .tasks import deliver_outbox

            deliver_outbox.schedule(eta=when + timedelta(seconds=1))
        except Exception:
            logger.exception("Could not schedule a batched mail's delivery")

    transaction.on_commit(kick)


def schedule_delivery() -> None:
    """After commit, ask the worker to deliver. Nothing runs if the transaction rolls back."""

    def kick():
        try:
            from .tasks import deliver_outbox

            deliver_outbox()
        except Exception:  # broker down: the periodic retry will deliver
            logger.exception("Could not schedule outbox delivery")

    transaction.on_commit(kick)


# --- Delivery -----------------------------------------------------------------------------------

def _due(now):
    return Q(status=Status.PENDING, next_attempt_at__lte=now) & (Q(locked_until__isnull=True) | Q(locked_until__lt=now))


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Deliver due messages; returns counts by outcome. Safe to run in several workers at once."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    now = timezone.now()
    for pk in list(OutboxMessage.objects.filter(_due(now)).order_by("id").values_list("pk", flat=True)[:limit]):
        # Claim with a lease so that two workers never deliver the same row at the same time.
        if not OutboxMessage.objects.filter(_due(now), pk=pk).update(locked_until=now + LEASE):
            continue
        message = OutboxMessage.objects.select_related("ticket", "event").get(pk=pk)
        counts[deliver(message)] += 1
    return counts


def skip_pending(note: str) -> int:
    """Mark every pending message as skipped without delivering it, with the reason. For a replayed
    past (the demo's year of history): nobody should receive a year of old notifications today."""
    return OutboxMessage.objects.filter(status=Status.PENDING).update(status=Status.SKIPPED, last_error=note[:500])


def deliver(message: OutboxMessage) -> str:
    handlers = list(_handlers.get(message.channel, ()))
    if not handlers:
        OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SKIPPED, locked_until=None, sent_at=timezone.now())
        return "skipped"
    try:
        for fn in handlers:
            fn(message)
    except Exception as exc:  # noqa: BLE001 — any failure means "retry later"
        attempts = message.attempts + 1
        delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            status=Status.DEAD if attempts >= MAX_ATTEMPTS else Status.PENDING,
            next_attempt_at=timezone.now() + delay,
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Outbox message %s (%s) failed, attempt %s: %s", message.pk, message.channel, attempts, exc)
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT, sent_at=timezone.now(), locked_until=None, attempts=message.attempts + 1
    )
    return "sent"


# Key of an e-mail row's payload: when its mail was handed to the mail server (see send_email).
HANDED_OVER = "handed_over_at"


def message_id(message: OutboxMessage) -> str:
    """The mail's Message-ID, the same at every delivery of the row, so that receiving systems drop
    a second copy (a retry after a crash). The row's creation time keeps it unique when a re-created
    database numbers rows from 1 again."""
    from django.core.mail.utils import DNS_NAME

    domain = urlsplit(base_url()).hostname or str(DNS_NAME)
    return f"<outbox-{message.pk}-{int(message.created_at.timestamp())}@{domain}>"


def thread_id(ticket) -> str:
    """The Message-ID of a ticket's conversation (never sent as a message of its own): every mail
    about the ticket refers to it, so that mail clients show one thread per ticket."""
    from django.core.mail.utils import DNS_NAME

    domain = urlsplit(base_url()).hostname or str(DNS_NAME)
    return f"<ticket-{ticket.pk}-{int(ticket.created_at.timestamp())}@{domain}>"


def mail_headers(message: OutboxMessage) -> dict:
    """Headers of every mail the product sends (RFC 3834 `Auto-Submitted`: autoresponders do not
    answer it), plus the thread of its ticket."""
    headers = {"Message-ID": message_id(message), "Auto-Submitted": "auto-generated",
               "X-Auto-Response-Suppress": "All"}
    if message.ticket_id and not message.payload.get("digest"):
        root = thread_id(message.ticket)
        headers.update({"In-Reply-To": root, "References": root})
        if not message.payload.get("external"):
            reply_to = next((a for a in (fn(message.ticket) for fn in _reply_addresses) if a), "")
            if reply_to:
                headers["Reply-To"] = reply_to
    if unsubscribe := message.payload.get("unsubscribe"):  # optional mails: one-click unsubscribe (RFC 8058)
        headers.update({"List-Unsubscribe": f"<{unsubscribe_url(unsubscribe['user'], unsubscribe['desk'])}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    return headers


def mail_subject(message: OutboxMessage) -> str:
    """The subject, with the ticket's reference in brackets (so that a reply names its ticket)."""
    subject = " ".join(str(message.payload["subject"]).split())
    if message.ticket_id and message.ticket.reference not in subject:
        subject = f"[{message.ticket.reference}] {subject}"
    return subject[:250]


def mail_html(body: str, language: str | None = None) -> str:
    """The HTML part: the same text, escaped, links made clickable — nothing the text part lacks."""
    from django.template.loader import render_to_string

    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        # Plain text to the template: its urlize and linebreaksbr filters escape it before adding markup.
        return render_to_string("tickets/email.html", {"paragraphs": [p for p in body.split("\n\n") if p.strip()],
                                                       "LANGUAGE_CODE": language})


def _mark_handed_over(message: OutboxMessage, batch=()) -> None:
    # Committed at once, before the row's other bookkeeping: a worker killed after this point leaves a
    # row that the retry marks sent without mailing again. Killed between the server's acceptance and
    # this line, the mail goes twice (same Message-ID): at-least-once, see docs/deploy.md.
    now = timezone.now()
    payload = {**message.payload, HANDED_OVER: now.isoformat()}
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(payload=payload)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
            status=Status.SENT, sent_at=now, locked_until=None, last_error=f"Envoyé dans le courriel n° {message.pk}")
    message.payload = payload


def _claim_batch(message: OutboxMessage) -> list[OutboxMessage]:
    """The other due mails of the message's batch, claimed (leased) so that no other worker sends
    them too; they go in this message's mail."""
    if not message.batch:
        return []
    now = timezone.now()
    others = OutboxMessage.objects.filter(_due(now), batch=message.batch, channel=Channel.EMAIL).exclude(pk=message.pk)
    ids = list(others.values_list("pk", flat=True))
    if not ids:
        return []
    OutboxMessage.objects.filter(_due(now), pk__in=ids).update(locked_until=now + LEASE)
    return list(OutboxMessage.objects.filter(pk__in=ids, locked_until=now + LEASE).select_related("ticket").order_by("pk"))


def _batched(message: OutboxMessage, batch: list[OutboxMessage]) -> dict:
    """Subject and body of one mail for a whole batch, in the reader's language."""
    rows = [message, *batch]
    rows.sort(key=lambda m: m.pk)
    p = message.payload
    with translation.override(p.get("language") or settings.LANGUAGE_CODE):
        if p.get("digest"):
            lines = [f"• {m.payload.get('line') or m.payload['subject']}\n  {ticket_url(m.ticket)}" for m in rows if m.ticket_id]
            return {"subject": _("Résumé : %(count)s notifications de vos guichets") % {"count": len(rows)},
                    "body": "\n\n".join([_("Bonjour,"), _("Voici ce qui est arrivé à vos guichets depuis le dernier résumé :"),
                                          *lines, _("Choisir comment recevoir ces courriels : %(url)s") % {"url": preferences_url()}])}
        news = [(m.payload.get("lead", m.payload["subject"]), m.payload.get("detail", "")) for m in rows]
        return {"subject": rows[-1].payload["subject"], "body": _requester_body(message.ticket, news, ticket_url(message.ticket))}


def preferences_url() -> str:
    return web_url("web:mail_preferences")


def unsubscribe_url(user_id: int, desk_id: int) -> str:
    return web_url("web:mail_unsubscribe", mail_preferences.unsubscribe_token(user_id, desk_id))


def send_email(message: OutboxMessage) -> None:
    """Send one mail row, unless it was already handed to the mail server. A row about a ticket
    always carries the ticket page's address (the SLA alerts' short text gets it appended here)."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    p = message.payload
    if p.get(HANDED_OVER):
        logger.info("Outbox mail %s was handed to the mail server at %s: not sent again", message.pk, p[HANDED_OVER])
        return
    batch = _claim_batch(message)
    if batch:
        p = {**p, **_batched(message, batch)}
    body = p["body"]
    if message.ticket_id and not p.get("external") and not p.get("digest"):  # an external support has no account to open it
        url = ticket_url(message.ticket)
        if url not in body:
            with translation.override(p.get("language") or settings.LANGUAGE_CODE):
                body = f"{body}\n\n" + _("Ouvrir le ticket : %(url)s") % {"url": url}
    subject = p["subject"] if p.get("digest") else mail_subject(message)
    mail = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, p["to"], headers=mail_headers(message))
    mail.attach_alternative(mail_html(body, p.get("language")), "text/html")
    # Our own connection: the row is marked as soon as the server accepted the mail, before QUIT,
    # whose failure then no longer counts as a failed delivery (which would mail it again).
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        connection.send_messages([mail])
    except Exception:
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(locked_until=None)  # back in their batch
        raise
    try:
        _mark_handed_over(message, batch)
    finally:
        try:
            connection.close()
        except Exception as exc:  # noqa: BLE001 — the mail is accepted (or the send's error is raised)
            logger.warning("Outbox mail %s: closing the mail server connection failed: %s", message.pk, exc)


def create_notifications(message: OutboxMessage) -> None:
    p = message.payload
    existing = set(Notification.objects.filter(outbox=message).values_list("user_id", flat=True))
    Notification.objects.bulk_create(
        Notification(
            user_id=uid, ticket_id=message.ticket_id, event_id=message.event_id, outbox=message,
            verb=p.get("verb", ""), message=p.get("message", "")[:300], link=str(p.get("link", ""))[:200],
        )
        for uid in p.get("user_ids", ()) if uid not in existing
    )


def broadcast(message: OutboxMessage) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    for group in message.payload.get("groups", ()):
        async_to_sync(layer.group_send)(group, message.payload["message"])


register_handler(Channel.EMAIL, send_email)
register_handler(Channel.IN_APP, create_notifications)
register_handler(Channel.WEBSOCKET, broadcast)
