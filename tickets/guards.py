"""The named guards of the workflow table (`Transition.guards`): rules a transition must pass,
each raising GuardFailed with a French reason.

A guard needs the ticket, and possibly one more thing (`needs`):
- ""       only the ticket: checked with the right (`tickets.rights.check`), so a button is not
           offered when the rule already refuses (reopen after the delay, send back from level 0);
- "actor"  who acts: checked by the action core before the action's body;
- "target" the desk the ticket moves to, known once the body has chosen it (route: the desk asked
           for; escalate: the next level of the matrix): checked by the core after the body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import DeskSpeciality
from directory.models import Desk
from directory.routing import Unresolved, cell, chain_desks, desk_at, resolve, routes_of

from .exceptions import GuardFailed
from .qualification import check_ready_for_vendor

GUARDS: dict[str, Callable] = {}


def guard(needs: str = ""):
    def register(fn):
        fn.needs = needs
        GUARDS[fn.__name__] = fn
        return fn

    return register


def run(row, ticket, needs: str = "", **context) -> None:
    """Run the row's guards that need `needs` (in the row's order)."""
    for name in row.guards:
        fn = GUARDS[name]
        if fn.needs == needs:
            fn(ticket, **context)


# --- only the ticket -----------------------------------------------------------------------------

@guard()
def has_lower_level(ticket) -> None:
    lower_desk(ticket)


def lower_desk(ticket):
    """(level, desk, assignee id) `send_back` returns the ticket to: the desk (and agent) that
    escalated it here, else the matrix's nearest lower level that handles its category (a cell
    "level skipped" is passed over); GuardFailed when there is none (level 0, or a Grand Est
    network fault, which starts at the collectivité)."""
    if ticket.level == 0:
        raise GuardFailed(_("Le ticket est déjà au niveau 0 : il ne peut pas être renvoyé plus bas."))
    arrival = (
        ticket.events.filter(to_level=ticket.level, from_level__lt=ticket.level, from_desk__isnull=False)
        .order_by("-id").select_related("from_desk").first()
    )
    if arrival is not None:
        return arrival.from_level, arrival.from_desk, arrival.actor_id
    routes = routes_for(ticket)
    for level in range(ticket.level - 1, -1, -1):
        desk = desk_at(routes, level, ticket.category, ticket.school, ticket.resource)
        if desk is not None:
            return level, desk, None
    raise GuardFailed(_("Aucun niveau inférieur ne traite cette catégorie : le ticket ne peut pas être renvoyé."))


@guard()
def within_reopen_delay(ticket) -> None:
    days = settings.HELPDESK["REOPEN_DAYS"]
    if ticket.resolved_at is None or timezone.now() - ticket.resolved_at > timezone.timedelta(days=days):
        raise GuardFailed(
            _("Le délai de réouverture (%(days)s jours après la résolution) est dépassé : ouvrez un nouveau ticket.")
            % {"days": days}
        )


@guard()
def resolved_long_enough(ticket) -> None:
    days = settings.HELPDESK["AUTO_CLOSE_DAYS"]
    if ticket.resolved_at is None or timezone.now() - ticket.resolved_at < timezone.timedelta(days=days):
        raise GuardFailed(_("La clôture automatique intervient %(days)s jours après la résolution.") % {"days": days})


@guard()
def external_support_known(ticket) -> None:
    """`forward_external` is offered when the ticket has somewhere to go outside the product."""
    if not external_recipients(ticket):
        raise GuardFailed(
            _("Aucun support externe n'est prévu pour cette demande : seul le guichet GAR / MédiaCentre de "
              "l'académie transmet au support national du GAR, et une demande sur une ressource tierce est "
              "transmise au support de son éditeur quand celui-ci n'a pas de guichet dans l'outil.")
        )


# --- the actor -----------------------------------------------------------------------------------

@guard("actor")
def not_own_assignment(ticket, *, actor) -> None:
    if actor is not None and ticket.assignee_id == actor.pk:
        raise GuardFailed(_("Vous avez déjà pris en charge ce ticket."))


# --- the target desk -----------------------------------------------------------------------------

@guard("target")
def qualified_for_vendor(ticket, *, target) -> None:
    if target.vendor_id is not None:
        check_ready_for_vendor(ticket, direct_access=direct_access_to(ticket, target))


def direct_access_to(ticket, target) -> bool:
    """Does the convention give the ticket's category a direct access to `target`? True when the
    matrix cell of the target's level for that category says so and names that very desk for the
    ticket's school (a direct access to one party is not one to every desk of the level)."""
    if ticket.convention_id is None:
        return False
    route = cell(routes_for(ticket), target.level, ticket.category)
    if route is None or not route.direct_access or not route.handles:
        return False
    try:
        desk, _reason = resolve(route, ticket.school, ticket.resource)
    except Unresolved:
        return False
    return desk.pk == target.pk


@guard("target")
def in_support_chain(ticket, *, target) -> None:
    """Moves stay among the desks of the ticket's convention (never another convention's desk,
    hence never a vendor that does not serve the school)."""
    if ticket.convention_id is None:
        raise GuardFailed(_("Aucune convention n'est associée à ce ticket : sa chaîne de support est inconnue."))
    if target.pk not in {d.pk for d in _chain(ticket)}:
        raise GuardFailed(
            _("Le guichet « %(desk)s » ne fait pas partie de la chaîne de support de la convention %(convention)s : "
              "la demande ne peut pas lui être confiée.")
            % {"desk": target.name, "convention": ticket.convention.reference}
        )


def routes_for(ticket) -> list:
    """The matrix of the ticket's convention (`routes_of`), read once per ticket instance and
    version: the page's previews, its forms and the guards share it, and its resolutions."""
    key = (ticket.convention_id, ticket.version)
    cached = ticket.__dict__.get("_matrix")
    if cached is None or cached[0] != key:
        cached = ticket.__dict__["_matrix"] = (key, routes_of(ticket.convention) if ticket.convention_id else [])
    return cached[1]


def _chain(ticket, level=None) -> list:
    """The ticket's support chain: its convention's desks for its school, and those its matrix names
    for its resource (the resource's editor, the académie's GAR desk for a GAR resource)."""
    routes = routes_for(ticket)
    desks = {d.pk: d for d in chain_desks(routes, ticket.school, level=level)}
    if ticket.resource_id is not None:
        for d in chain_desks(routes, ticket.school, level=level, resource=ticket.resource):
            desks.setdefault(d.pk, d)
    return sorted(desks.values(), key=lambda d: (d.level, d.name, d.pk))


def route_targets(ticket) -> list:
    """The desks `route` may send the ticket to: its convention's chain at its level, but its desk."""
    if ticket.convention_id is None:
        return []
    return [d for d in _chain(ticket, level=ticket.level) if d.pk != ticket.desk_id]


# --- supports outside the product (`forward_external`) ------------------------------------------

EXTERNAL_CHOICES = ("editor", "gar")


def external_recipient(ticket, to: str) -> tuple[str, str]:
    """(who, address) a desk may forward the ticket to outside the product; ValidationError on `to`
    saying why not. "editor": the editor of the ticket's resource, when it has no desk in the
    product (else the workflow reaches it) — Grand Est art. 6, the desk holding the request turns
    to it; "gar": the national GAR support, from the académie's GAR desk only (Poitiers art. 2:
    "c'est l'académie qui [...] est en relation avec le GAR"). A vendor's desk answers itself."""
    def no(message):
        return ValidationError({"to": message})

    if to not in EXTERNAL_CHOICES:
        raise no(_("Destinataire inconnu : « editor » (l'éditeur de la ressource) ou « gar » (le support national du GAR)."))
    desk = ticket.desk
    if desk is None or desk.vendor_id is not None:
        raise no(_("Un guichet d'éditeur ne transmet pas à un support externe : il répond lui-même à la demande."))
    if to == "gar":
        address = settings.HELPDESK.get("GAR_SUPPORT_EMAIL", "")
        if desk.speciality != DeskSpeciality.GAR:
            raise no(_("Seul le guichet GAR / MédiaCentre de l'académie transmet au support national du GAR : "
                       "c'est l'académie qui centralise les demandes et est en relation avec le GAR."))
        if not address:
            raise no(_("L'adresse du support national du GAR n'est pas configurée (HELPDESK_GAR_SUPPORT_EMAIL)."))
        return _("le support national du GAR"), address
    resource = ticket.resource
    if resource is None:
        raise no(_("La demande ne porte sur aucune ressource tierce : il n'y a pas d'éditeur à qui la transmettre."))
    editor = resource.editor
    if Desk.objects.filter(vendor_id=editor.pk).exists():
        raise no(_("L'éditeur %(editor)s a un guichet dans l'outil : transmettez-lui la demande par le niveau "
                   "supérieur ou la réorientation.") % {"editor": editor})
    if not editor.support_email:
        raise no(_("L'adresse du support de l'éditeur %(editor)s n'est pas renseignée : demandez à un "
                   "administrateur de la saisir dans l'annuaire.") % {"editor": editor})
    return str(editor), editor.support_email


def external_recipients(ticket) -> dict[str, tuple[str, str]]:
    """The supports outside the product the ticket may be forwarded to now, by `to`."""
    if ticket.desk_id is None or ticket.desk.vendor_id is not None:
        return {}  # no query for the usual case (the page asks for every ticket)
    if ticket.resource_id is None and ticket.desk.speciality != DeskSpeciality.GAR:
        return {}
    found = {}
    for to in EXTERNAL_CHOICES:
        try:
            found[to] = external_recipient(ticket, to)
        except ValidationError:
            continue
    return found
