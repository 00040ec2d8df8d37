"""The event vocabulary: for every timeline kind (`EventKind`) and every event that is not about one
ticket (outages), its name, its French label, who is told and the webhook type subscribers receive.

The outbox (`tickets.outbox`) reads names and audiences here, the webhook event types of the API
(`api.models.WebhookEvent`) are `WEBHOOK_TYPES`, and the catalogue of docs/api.md is generated from
this module (`manage.py event_catalogue`). Nothing else translates event names.

`name` is the event's own name (outbox rows, admin, catalogue); `webhook` is the documented type it is
delivered as: several events share `ticket.updated` (the API promised no finer type for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import EventKind


class Audience(StrEnum):
    """Who is told (in-app and mail) besides the live updates and the webhooks."""

    REQUESTER = "requester"  # the requester, when someone else did it
    DESK = "desk"            # the agents of the desk the ticket lands on
    ASSIGNEE = "assignee"    # the agent in charge, when the requester speaks
    MANAGERS = "managers"    # the managers covering the ticket's school
    # Following a ticket (tickets.outbox says when each is told, see the catalogue's notes):
    FOLLOWERS = "followers"  # the desks that held it before, told of the vendor's answer
    OBSERVERS = "observers"  # the formateurs of the school's area, told when it reaches a vendor and of its answer
    ADMINS = "admins"        # the platform's administrators, told when it lands on a convention's fallback desk
    DPOS = "dpos"            # the DPOs who may read a breach or a data-subject request (privacy.steps writes them)


AUDIENCE_LABELS = {
    Audience.REQUESTER: _("le demandeur"),
    Audience.DESK: _("le guichet où se trouve la demande"),
    Audience.ASSIGNEE: _("l'agent en charge"),
    Audience.MANAGERS: _("les responsables de l'école"),
    Audience.FOLLOWERS: _("les guichets qui ont traité la demande"),
    Audience.OBSERVERS: _("les formateurs du secteur"),
    Audience.ADMINS: _("les administrateurs de la plateforme"),
    Audience.DPOS: _("les délégués à la protection des données"),
}


@dataclass(frozen=True)
class WebhookType:
    name: str
    label: str


# The webhook event types of the API, in the order of docs/api.md (stored subscriptions name them).
WEBHOOK_TYPES: tuple[WebhookType, ...] = (
    WebhookType("ticket.opened", _("Ticket ouvert")),
    WebhookType("ticket.escalated", _("Ticket escaladé")),
    WebhookType("ticket.updated", _("Ticket modifié")),
    WebhookType("ticket.commented", _("Ticket commenté")),
    WebhookType("ticket.sent_back", _("Ticket renvoyé au niveau inférieur")),
    WebhookType("ticket.resolved", _("Ticket résolu")),
    WebhookType("ticket.closed", _("Ticket clos")),
    WebhookType("sla.warning", _("Alerte de délai")),
    WebhookType("sla.breached", _("Délai dépassé")),
    WebhookType("outage.opened", _("Interruption de service ouverte")),
    WebhookType("outage.closed", _("Interruption de service close")),
)
UPDATED = "ticket.updated"


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    webhook: str | None               # None: never sent to webhook subscribers
    audiences: frozenset[Audience] = frozenset()
    public: bool = True               # the requester sees it on the timeline
    kind: EventKind | None = None     # None: not a timeline line (outages)
    annotation: bool = False          # written by `tickets.annotations` (no new ticket version)
    live: bool = True                 # pushed to the open pages and boards (websocket)
    note: str = ""                    # what the catalogue says about it, when the label is not enough


R, D, A, M = Audience.REQUESTER, Audience.DESK, Audience.ASSIGNEE, Audience.MANAGERS
F, O, X = Audience.FOLLOWERS, Audience.OBSERVERS, Audience.ADMINS
# When the following audiences are told (the vocabulary says who may be; tickets.outbox, when).
REACHED_VENDOR = _("les formateurs : quand la demande arrive au guichet d'un éditeur")
FALLBACK = _("les administrateurs : quand la demande arrive au guichet de repli de la convention")
VENDOR_ANSWER = _("les guichets qui ont traité la demande et les formateurs : quand l'éditeur répond")


def _t(kind, name, webhook, audiences=(), **kw) -> Event:
    return Event(name=name, label=kind.label, webhook=webhook, audiences=frozenset(audiences), kind=kind, **kw)


K = EventKind
EVENTS: tuple[Event, ...] = (
    _t(K.OPENED, "ticket.opened", "ticket.opened", (R, D, O, X), note=format_lazy("{} ; {}", REACHED_VENDOR, FALLBACK)),
    # The first take only (new → in progress) is told to the requester, as "prise en charge".
    _t(K.TAKEN, "ticket.taken", UPDATED, (R,), note=_("le demandeur : la première prise en charge seulement")),
    _t(K.COMMENTED, "ticket.commented", "ticket.commented", (R, A, F, O), note=VENDOR_ANSWER),
    _t(K.NOTE, "ticket.noted", "ticket.commented", (F, O), public=False,
       note=format_lazy("{} {}", VENDOR_ANSWER, _("(une note pour la chaîne de support)"))),
    _t(K.INFO_REQUESTED, "ticket.info_requested", UPDATED, (R,)),
    _t(K.ANSWERED, "ticket.commented", "ticket.commented", (A,)),
    # Level moves are the support chain's business: the receiving desk is told, not the requester.
    _t(K.ROUTED, "ticket.routed", UPDATED, (D, O), public=False, note=REACHED_VENDOR),
    _t(K.ESCALATED, "ticket.escalated", "ticket.escalated", (D, O, X), public=False, note=format_lazy("{} ; {}", REACHED_VENDOR, FALLBACK)),
    _t(K.SENT_BACK, "ticket.sent_back", "ticket.sent_back", (D,), public=False),
    _t(K.RESOLVED, "ticket.resolved", "ticket.resolved", (R,)),
    _t(K.CONFIRMED, "ticket.closed", "ticket.closed"),
    _t(K.REOPENED, "ticket.reopened", UPDATED, (D,)),
    _t(K.AUTO_CLOSED, "ticket.closed", "ticket.closed", (R,)),
    _t(K.CANCELLED, "ticket.cancelled", UPDATED, (R,)),
    _t(K.LINKED_DUPLICATE, "ticket.linked_duplicate", UPDATED),
    _t(K.PARENT_SET, "ticket.parent_set", UPDATED),
    _t(K.QUALIFIED, "ticket.qualified", UPDATED, public=False),
    _t(K.VENDOR_REFERENCE, "ticket.vendor_reference", UPDATED),
    _t(K.ATTACHED, "ticket.attached", UPDATED, note=_("publique ou interne, selon la pièce jointe")),
    # The e-mail to the external support (an editor's, the national GAR's) is its own outbox row.
    _t(K.FORWARDED_EXTERNAL, "ticket.forwarded_external", UPDATED, public=False,
       note=_("un courriel au support externe choisi (éditeur de la ressource ou support national du GAR)")),
    # The requester's rating of the resolution (tickets.satisfaction): for the support chain only.
    _t(K.SATISFACTION, "ticket.rated", None, public=False,
       note=_("la note (1 à 5) et le commentaire du demandeur après la résolution : lus par la chaîne de support")),
    # Annotations of the sla app: a timeline line at the ticket's current version.
    _t(K.SLA_WARNING, "sla.warning", "sla.warning", (D, M), public=False, annotation=True, live=False),
    _t(K.SLA_BREACH, "sla.breach", "sla.breached", (D, M), public=False, annotation=True, live=False),
    _t(K.SLA_MET, "sla.met", None, public=False, annotation=True, live=False,
       note=_("pas écrit : la résolution ou la notification légale le disent déjà")),
    _t(K.LEGAL_NOTICE, "sla.legal_notice", None, public=False, annotation=True, live=False),
    # Legal clocks of a breach or a data-subject request: told by privacy.steps, never by webhook.
    Event("privacy.clock_started", _("Délai légal démarré"), None, frozenset({Audience.DPOS}), public=False, live=False,
          note=_("incident de sécurité ou demande d'exercice de droits : les délégués qui peuvent la lire, "
                 "aussi à l'alerte et à l'échéance du délai")),
    # Not about one ticket: every subscriber that wants them receives them.
    Event("outage.opened", _("Interruption de service ouverte"), "outage.opened", public=False, live=False,
          note=_("depuis l'API, le site ou Alertmanager")),
    Event("outage.closed", _("Interruption de service close"), "outage.closed", public=False, live=False,
          note=_("depuis l'API, le site ou Alertmanager")),
)

BY_KIND: dict[str, Event] = {e.kind.value: e for e in EVENTS if e.kind is not None}
_BY_NAME: dict[str, Event] = {}
for _e in EVENTS:
    _BY_NAME.setdefault(_e.name, _e)
del _e
ANNOTATION_KINDS = tuple(e.kind for e in EVENTS if e.annotation)


def of_kind(kind) -> Event:
    """The entry of one timeline kind (KeyError for a kind missing here: the tests forbid it)."""
    return BY_KIND[str(kind)]


def by_name(name: str) -> Event | None:
    return _BY_NAME.get(name)


def webhook_type(name: str) -> str | None:
    """The webhook type an outbox row named `name` is delivered as (None: not delivered).

    A name this module no longer knows (an old pending row) is delivered as `ticket.updated`."""
    event = _BY_NAME.get(name)
    if event is None:
        return UPDATED if name.startswith("ticket.") else None
    return event.webhook


def label_of(name: str) -> str:
    """The French label of an event or webhook type name, the name itself when unknown."""
    event = _BY_NAME.get(name)
    if event is not None:
        return str(event.label)
    for wt in WEBHOOK_TYPES:
        if wt.name == name:
            return str(wt.label)
    return name


def webhook_choices() -> list[tuple[str, str]]:
    return [(wt.name, wt.label) for wt in WEBHOOK_TYPES]


def events_of_webhook(webhook: str) -> list[Event]:
    return [e for e in EVENTS if e.webhook == webhook]
