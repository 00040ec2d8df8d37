"""The ticket workflow as one table: every action on a ticket, what it needs and who may do it.

Everything else is derived from `TRANSITIONS`: the django-fsm-2 transitions on `Ticket`
(`fsm_<name>`), the permission check (`tickets.rights`), the named guards (`tickets.guards`), the API transition routes, inputs and OpenAPI schema, the
web action buttons and forms, the state diagram (docs/ticket-states.md). The action bodies are in
`tickets.actions` (re-exported by `tickets.services`), one function each; the event each writes (its public name, who is told, who sees
it) is in `tickets.events`, keyed by `event`.

Adding a transition: one `Transition(...)` row below and one function in `tickets.actions` (see
docs/tickets.md for a worked example).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .states import EventKind, State, Visibility

NEW, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED = (
    State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER, State.RESOLVED, State.CLOSED, State.CANCELLED,
)
WORKING = (NEW, IN_PROGRESS)
ACTIVE = (NEW, IN_PROGRESS, WAITING)
NOT_TERMINAL = (NEW, IN_PROGRESS, WAITING, RESOLVED)


class Right(StrEnum):
    """Who may do something, relative to one ticket (resolved by `tickets.rights.holds`).

    Administrators hold every right but `SYSTEM`'s exclusivity: they may run system actions too."""

    REQUESTER = "requester"          # the requester, or a contact / director of the ticket's school
    REQUESTER_WHILE_NEW = "requester_while_new"  # the requester side, while nobody has taken it yet
    DESK_AGENT = "desk_agent"        # an agent of the desk the ticket is at
    VENDOR_DESK_AGENT = "vendor_desk_agent"  # an agent of that desk, when it is a vendor's desk
    OBSERVER = "observer"            # a local trainer of the area, once the ticket reached the vendor
    FOLLOWER = "follower"            # an agent of a desk the ticket was at before (the desk that escalated)
    SYSTEM = "system"                # the platform itself (periodic tasks), no person


class Level(StrEnum):
    """What an action does to the ticket's level (the desk follows the convention's matrix)."""

    SAME = "same"        # level and desk unchanged
    OTHER_DESK = "other_desk"  # same level, another desk of the support chain (route)
    UP = "up"            # next level of the support chain that handles the category (escalate)
    DOWN = "down"        # back to the desk that escalated it, else the matrix's lower level
    RESOLVER = "resolver"  # back to the desk that resolved it (reopen)


class Input(StrEnum):
    TEXT = "text"                  # free text (markdown)
    BOOL = "bool"
    DESK = "desk"                  # a desk (id or slug in the API, a choice on the web)
    TICKET = "ticket"              # another ticket of the user's perimeter, by reference
    CHOICE = "choice"              # one of the field's `choices` (a select on the web, an enum in the API)
    QUALIFICATION = "qualification"  # the qualification fields (tickets.models.QUALIFICATION_FIELDS)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Input
    label: str
    required: bool = True
    # Only a holder of this right may set the field (e.g. an internal note: agents of the desk).
    right: Right | None = None
    denied: str = ""                 # why not, when a person without `right` sets it
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) of a CHOICE field


@dataclass(frozen=True)
class Transition:
    name: str
    label: str                       # the button, in French
    done: str                        # what the person reads once it is done
    source: tuple[str, ...]          # states it may start from
    target: str | None               # state after; None: unchanged
    who: frozenset[Right]
    event: EventKind                 # the one timeline line it writes (see tickets.events)
    denied: str                      # why not, when the right is missing
    level: Level = Level.SAME
    fields: tuple[Field, ...] = ()
    guards: tuple[str, ...] = ()     # named rules of tickets.guards, checked before it happens
    side: str = "agent"              # where the web shows it: "agent", "requester" or "" (not a button)
    api: bool = True                 # POST /api/v1/tickets/{ref}/transitions/{name}/
    wrong_state: str = ""            # why not, from another state (default: names the action and state)
    # The states in which this row is the ticket page's one primary action (the others go in a
    # menu); when several rows name a state, the first one the person may do wins (`primary_for`).
    primary: tuple[str, ...] = ()


BODY = Field("body", Input.TEXT, _("Message"))
REASON = Field("reason", Input.TEXT, _("Motif"))

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "take", _("Prendre en charge"), _("Vous avez pris la demande en charge."),
        source=WORKING, target=IN_PROGRESS, who=frozenset({Right.DESK_AGENT}), event=EventKind.TAKEN,
        denied=_("Seul un agent du guichet où se trouve le ticket peut le prendre en charge."),
        # Primary while nobody at the desk holds it (new, or arrived in progress from another level);
        # not offered to the one who took it (guard), so "Répondre" comes first for them.
        guards=("not_own_assignment",), primary=(NEW, IN_PROGRESS),
    ),
    Transition(
        "comment", _("Répondre ou noter"), _("Votre message est ajouté à la demande."),
        source=ACTIVE, target=None, who=frozenset({Right.DESK_AGENT, Right.REQUESTER, Right.OBSERVER, Right.FOLLOWER}),
        event=EventKind.COMMENTED, denied=_("Vous ne pouvez pas commenter ce ticket."),
        fields=(BODY, Field("internal", Input.BOOL, _("Note interne (invisible du demandeur)"), required=False,
                            right=Right.DESK_AGENT,
                            denied=_("Seuls les agents du guichet peuvent écrire une note interne.")),
                # Who reads it (tickets.access.chosen_audience: what this person may choose, the default).
                Field("visibility", Input.CHOICE, _("Qui pourra lire ce message"), required=False,
                      choices=tuple((v.value, v.label) for v in Visibility))),
        primary=(IN_PROGRESS, WAITING),
    ),
    Transition(
        "request_info", _("Demander une information"),
        _("Votre question est envoyée au demandeur : la demande attend sa réponse."),
        source=WORKING, target=WAITING, who=frozenset({Right.DESK_AGENT}), event=EventKind.INFO_REQUESTED,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."),
        fields=(Field("body", Input.TEXT, _("Votre question au demandeur")),),
    ),
    Transition(
        "answer", _("Envoyer ma réponse"), _("Votre réponse est envoyée au support."),
        source=(WAITING,), target=IN_PROGRESS, who=frozenset({Right.REQUESTER}), event=EventKind.ANSWERED,
        denied=_("Seul le demandeur (ou le correspondant de l'école) peut répondre à une demande d'information."),
        fields=(Field("body", Input.TEXT, _("Votre réponse")),), side="requester", primary=(WAITING,),
    ),
    Transition(
        "route", _("Réorienter vers un autre guichet"), _("La demande est réorientée vers le guichet choisi."),
        source=WORKING, target=None, who=frozenset({Right.DESK_AGENT}), event=EventKind.ROUTED,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."), level=Level.OTHER_DESK,
        fields=(Field("desk", Input.DESK, _("Vers le guichet")), REASON),
        guards=("qualified_for_vendor", "in_support_chain"),
    ),
    Transition(
        "escalate", _("Transmettre au niveau supérieur"), _("La demande est transmise au niveau supérieur."),
        source=WORKING, target=IN_PROGRESS, who=frozenset({Right.DESK_AGENT}), event=EventKind.ESCALATED,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."), level=Level.UP,
        fields=(Field("qualification", Input.QUALIFICATION, _("Qualification"), required=False),
                Field("reason", Input.TEXT, _("Message pour le niveau suivant"), required=False)),
        guards=("qualified_for_vendor", "in_support_chain"),
    ),
    Transition(
        # The competent authority turns to a support outside the product (Grand Est art. 6: the
        # editor of the software concerned; Poitiers art. 2 and 7: the académie's GAR desk and the
        # national GAR support). The ticket stays where it is; the answer comes back as a comment.
        "forward_external", _("Transmettre à un support externe"),
        _("La demande est transmise au support externe : saisissez sa réponse en commentaire dès réception."),
        source=ACTIVE, target=None, who=frozenset({Right.DESK_AGENT}), event=EventKind.FORWARDED_EXTERNAL,
        denied=_("Seul un agent du guichet où se trouve le ticket peut le transmettre à un support externe."),
        fields=(Field("to", Input.CHOICE, _("Destinataire"), choices=(
                    ("editor", _("Le support de l'éditeur de la ressource")),
                    ("gar", _("Le support national du GAR")))),
                Field("message", Input.TEXT, _("Message au support externe"))),
        guards=("external_support_known",),
    ),
    Transition(
        "send_back", _("Renvoyer au niveau inférieur"), _("La demande est renvoyée au niveau inférieur."),
        source=WORKING, target=IN_PROGRESS, who=frozenset({Right.DESK_AGENT}), event=EventKind.SENT_BACK,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."), level=Level.DOWN,
        fields=(Field("reason", Input.TEXT, _("Ce qui manque (motif du renvoi)")),), guards=("has_lower_level",),
    ),
    Transition(
        "resolve", _("Résoudre"), _("La demande est résolue : le demandeur est invité à confirmer."),
        source=ACTIVE, target=RESOLVED, who=frozenset({Right.DESK_AGENT}), event=EventKind.RESOLVED,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."),
        fields=(Field("summary", Input.TEXT, _("Résumé de la résolution (visible du demandeur)")),),
        primary=(IN_PROGRESS, WAITING),
    ),
    Transition(
        "confirm", _("Oui, c'est réglé : confirmer"), _("Merci : vous avez confirmé que le problème est réglé."),
        source=(RESOLVED,), target=CLOSED, who=frozenset({Right.REQUESTER}), event=EventKind.CONFIRMED,
        denied=_("Seul le demandeur (ou le correspondant de l'école) peut confirmer la résolution."),
        fields=(Field("body", Input.TEXT, _("Un mot pour le support"), required=False),), side="requester",
        primary=(RESOLVED,),
    ),
    Transition(
        "reopen", _("Non, le problème continue : rouvrir"), _("La demande est rouverte : le support la reprend."),
        source=(RESOLVED, CLOSED), target=IN_PROGRESS, who=frozenset({Right.REQUESTER}), event=EventKind.REOPENED,
        denied=_("Seul le demandeur (ou le correspondant de l'école) peut rouvrir le ticket."), level=Level.RESOLVER,
        fields=(Field("reason", Input.TEXT, _("Qu'est-ce qui ne fonctionne toujours pas ?")),),
        guards=("within_reopen_delay",), side="requester",
    ),
    Transition(
        "auto_close", _("Clore automatiquement"), _("La demande est close."),
        source=(RESOLVED,), target=CLOSED, who=frozenset({Right.SYSTEM}), event=EventKind.AUTO_CLOSED,
        denied=_("Seule la clôture automatique (ou un administrateur) peut clore sans confirmation."),
        guards=("resolved_long_enough",), side="", api=False,
    ),
    Transition(
        "cancel", _("Annuler le ticket"), _("La demande est annulée."),
        source=ACTIVE, target=CANCELLED, who=frozenset({Right.DESK_AGENT, Right.REQUESTER_WHILE_NEW}),
        event=EventKind.CANCELLED,
        denied=_("Seul un agent du guichet (ou le demandeur, tant que le ticket est nouveau) peut l'annuler."),
        fields=(Field("reason", Input.TEXT, _("Motif de l'annulation")),
                Field("duplicate_of", Input.TICKET, _("Doublon de (référence)"), required=False)),
    ),
    Transition(
        "link_duplicate", _("Marquer comme doublon de…"), _("La demande est marquée comme doublon."),
        source=ACTIVE, target=None, who=frozenset({Right.DESK_AGENT}), event=EventKind.LINKED_DUPLICATE,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."),
        fields=(Field("duplicate_of", Input.TICKET, _("Référence du ticket (ENT-AAAA-NNNNNN)")),
                Field("reason", Input.TEXT, _("Motif"), required=False)),
    ),
    Transition(
        "set_parent", _("Rattacher à un incident majeur…"), _("La demande est rattachée à l'incident majeur."),
        source=ACTIVE, target=None, who=frozenset({Right.DESK_AGENT}), event=EventKind.PARENT_SET,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."),
        fields=(Field("parent", Input.TICKET, _("Référence de l'incident majeur (ENT-AAAA-NNNNNN)")),),
    ),
    Transition(
        "update_qualification", _("Mettre à jour la qualification"), _("La qualification est mise à jour."),
        source=ACTIVE, target=None, who=frozenset({Right.DESK_AGENT}), event=EventKind.QUALIFIED,
        denied=_("Seul un agent du guichet où se trouve le ticket peut faire cela."),
        fields=(Field("qualification", Input.QUALIFICATION, _("Qualification")),), side="", api=False,
    ),
    Transition(
        "set_vendor_reference", _("Enregistrer la référence éditeur"), _("La référence éditeur est enregistrée."),
        source=ACTIVE, target=None, who=frozenset({Right.VENDOR_DESK_AGENT}), event=EventKind.VENDOR_REFERENCE,
        denied=_("Seul l'éditeur qui traite le ticket enregistre sa référence."),
        fields=(Field("vendor_reference", Input.TEXT, _("Référence chez l'éditeur")),), side="", api=False,
    ),
    Transition(
        "add_attachment", _("Joindre un fichier"), _("Le fichier est joint à la demande."),
        source=NOT_TERMINAL, target=None, who=frozenset({Right.DESK_AGENT, Right.REQUESTER, Right.OBSERVER, Right.FOLLOWER}),
        event=EventKind.ATTACHED, denied=_("Vous ne pouvez pas joindre de fichier à ce ticket."),
        wrong_state=_("Le ticket est clos : on ne peut plus y joindre de fichier."), side="", api=False,
    ),
)

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


def primary_for(state: str, names) -> Transition | None:
    """The primary action of a ticket in `state` among the rows `names` a person may do now: the
    first row of the table naming the state in its `primary`; None when none of them does."""
    offered = set(names)
    return next((row for row in TRANSITIONS if state in row.primary and row.name in offered), None)


def get(name: str) -> Transition:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown transition {name!r}") from None
