"""The ticket's states and the kinds of its timeline lines.

Apart from `tickets.models` so that the workflow table (`tickets.workflow`) can name them and the
model can derive its FSM transitions from that table without an import cycle. `tickets.models`
re-exports both.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    NEW = "new", _("Nouveau")
    IN_PROGRESS = "in_progress", _("En cours")
    WAITING_REQUESTER = "waiting_requester", _("En attente du demandeur")
    RESOLVED = "resolved", _("Résolu")
    CLOSED = "closed", _("Clos")
    CANCELLED = "cancelled", _("Annulé")




class Visibility(models.TextChoices):
    """Who reads a timeline line, a comment or an attachment (`tickets.access.entries_q`): the three
    audiences of a contribution. An organisation-only entry never leaves its author's organisation
    (API, pivot, webhooks, e-mail included); a chain entry is read by every party of the support
    chain that reads the ticket (the vendor included), never by the requester's side."""

    PUBLIC = "public", _("Tous, demandeur compris")
    CHAIN = "chain", _("Chaîne de support (éditeur compris)")
    ORGANISATION = "organisation", _("Mon organisation seulement")


class EventKind(models.TextChoices):
    OPENED = "opened", _("Ticket ouvert")
    TAKEN = "taken", _("Pris en charge")
    COMMENTED = "commented", _("Réponse publique")
    NOTE = "note", _("Note interne")
    INFO_REQUESTED = "info_requested", _("Demande d'information")
    ANSWERED = "answered", _("Réponse du demandeur")
    ROUTED = "routed", _("Réorienté")
    ESCALATED = "escalated", _("Transmis au niveau supérieur")
    SENT_BACK = "sent_back", _("Renvoyé au niveau inférieur")
    RESOLVED = "resolved", _("Résolu")
    CONFIRMED = "confirmed", _("Résolution confirmée")
    REOPENED = "reopened", _("Réouvert")
    AUTO_CLOSED = "auto_closed", _("Clos automatiquement")
    CANCELLED = "cancelled", _("Annulé")
    LINKED_DUPLICATE = "linked_duplicate", _("Marqué comme doublon")
    PARENT_SET = "parent_set", _("Rattaché à un incident majeur")
    QUALIFIED = "qualified", _("Qualification mise à jour")
    VENDOR_REFERENCE = "vendor_reference", _("Référence éditeur enregistrée")
    ATTACHED = "attached", _("Pièce jointe ajoutée")
    FORWARDED_EXTERNAL = "forwarded_external", _("Transmis à un support externe")
    SATISFACTION = "satisfaction", _("Satisfaction exprimée")
    # Written by the sla app (sla/ticket_bridge.py). They annotate the timeline without changing
    # the ticket, so they do not take a new version (see TicketEvent.version).
    SLA_WARNING = "sla_warning", _("Alerte de délai (SLA)")
    SLA_BREACH = "sla_breach", _("Délai dépassé (SLA)")
    SLA_MET = "sla_met", _("Objectif de délai tenu (SLA)")
    LEGAL_NOTICE = "legal_notice", _("Notification légale enregistrée")
