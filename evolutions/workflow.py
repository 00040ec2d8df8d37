"""The workflow of an evolution request as one table: every status change, who may make it and
what it asks for. The FSM transitions on `EvolutionRequest` (`fsm_<name>`), the rights check
(`evolutions.selectors.holds`), the web buttons and forms and the API routes are derived from it.

    proposée → instruite → retenue → transmise à l'éditeur → livrée
         └──────────┴──→ refusée (motif obligatoire)

Who prioritises is the body the convention names (`Governance`): the IEN of the school's
circonscription (Alpes-Maritimes, art. 3) or the académie's working group (Montpellier, art. 2.6);
the vendor — who does the evolutive maintenance — marks a request delivered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    INSTRUCTED = "instructed", _("Instruite")
    RETAINED = "retained", _("Retenue")
    REFUSED = "refused", _("Refusée")
    TRANSMITTED = "transmitted", _("Transmise à l'éditeur")
    DELIVERED = "delivered", _("Livrée")


# The vendor reads a request once it is retained, never before.
VENDOR_STATUSES = (Status.RETAINED, Status.TRANSMITTED, Status.DELIVERED)
# "Moi aussi" is open until the request is decided for good.
SUPPORT_STATUSES = (Status.PROPOSED, Status.INSTRUCTED, Status.RETAINED, Status.TRANSMITTED)


class Priority(models.IntegerChoices):
    HIGH = 1, _("Haute")
    NORMAL = 2, _("Normale")
    LOW = 3, _("Basse")


class Right(StrEnum):
    BODY = "body"      # a member of the body the convention names for the request's school
    VENDOR = "vendor"  # an agent of the vendor of the convention's ENT product


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool
    required_message: str = ""
    choices: tuple = ()


@dataclass(frozen=True)
class Transition:
    name: str
    label: str           # the button, in French
    done: str            # what the person reads once done
    source: tuple[str, ...]
    target: str
    who: frozenset[Right]
    denied: str          # why not, when the right is missing
    fields: tuple[Field, ...] = ()
    api: bool = False    # POST /api/v1/evolutions/{pk}/transitions/{name}/


NOTE = Field("note", _("Observation (facultative)"), required=False)
BODY_DENIED = _("Seule l'instance que la convention désigne pour prioriser les demandes d'évolution de cette école "
                "(IEN de la circonscription ou groupe de travail académique) le peut.")

TRANSITIONS: tuple[Transition, ...] = (
    Transition("instruct", _("Instruire"), _("La demande est instruite."),
               source=(Status.PROPOSED,), target=Status.INSTRUCTED, who=frozenset({Right.BODY}), denied=BODY_DENIED,
               fields=(NOTE,)),
    Transition("retain", _("Retenir"), _("La demande est retenue : l'éditeur la voit désormais."),
               source=(Status.INSTRUCTED,), target=Status.RETAINED, who=frozenset({Right.BODY}), denied=BODY_DENIED,
               fields=(Field("priority", _("Priorité"), required=True,
                             required_message=_("Choisissez la priorité de la demande retenue."),
                             choices=tuple(Priority.choices)), NOTE)),
    Transition("refuse", _("Refuser (motif obligatoire)"), _("La demande est refusée."),
               source=(Status.PROPOSED, Status.INSTRUCTED), target=Status.REFUSED, who=frozenset({Right.BODY}),
               denied=BODY_DENIED,
               fields=(Field("reason", _("Motif du refus"), required=True,
                             required_message=_("Le motif du refus est obligatoire : un refus doit être motivé.")),)),
    Transition("transmit", _("Transmettre à l'éditeur"), _("La demande est transmise à l'éditeur."),
               source=(Status.RETAINED,), target=Status.TRANSMITTED, who=frozenset({Right.BODY}), denied=BODY_DENIED,
               fields=(NOTE,)),
    Transition("deliver", _("Marquer livrée"), _("La demande est marquée livrée."),
               source=(Status.TRANSMITTED,), target=Status.DELIVERED, who=frozenset({Right.VENDOR}),
               denied=_("Seul l'éditeur de la solution ENT de la convention marque une évolution livrée."),
               fields=(Field("note", _("Version ou note de livraison (facultative)"), required=False),), api=True),
)

BY_NAME = {row.name: row for row in TRANSITIONS}


def get(name: str) -> Transition:
    return BY_NAME[name]
