"""Words a teacher understands for where a ticket is and what it waits for (no ITIL jargon)."""

from django.utils.translation import gettext_lazy as _

STATE_BADGE = {
    "new": "new",
    "in_progress": "info",
    "waiting_requester": "warning",
    "resolved": "success",
    "closed": "",
    "cancelled": "",
}


def where_label(desk) -> str:
    """Who holds the ticket, from its desk's owner."""
    if desk is None:
        return _("en cours d'orientation")
    if desk.vendor_id:
        return _("chez l'éditeur de l'ENT")
    if desk.collectivite_id:
        return _("au service informatique de la collectivité")
    if desk.school_id:
        return _("au correspondant ENT de l'école")
    if desk.circonscription_id:
        return _("chez le conseiller numérique de la circonscription (ERUN)")
    if desk.level >= 2:
        return _("chez les experts de l'académie")
    return _("au support de l'académie")


def requester_status(ticket) -> str:
    """One sentence for "Mes demandes" and the requester's ticket page."""
    state = ticket.state
    if state == "waiting_requester":
        return _("En attente de votre réponse")
    if state == "resolved":
        return _("Résolue : confirmez que tout fonctionne")
    if state == "closed":
        return _("Terminée")
    if state == "cancelled":
        return _("Annulée")
    where = where_label(ticket.desk)
    if state == "new":
        return _("Reçue, bientôt prise en charge %(where)s") % {"where": where}
    return _("En cours de traitement %(where)s") % {"where": where}


def state_badge(state: str) -> str:
    return STATE_BADGE.get(state, "")
