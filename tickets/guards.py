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
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.routing import chain_desks, routes_of

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
def above_level_0(ticket) -> None:
    if ticket.level == 0:
        raise GuardFailed(_("Le ticket est déjà au niveau 0 : il ne peut pas être renvoyé plus bas."))


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


# --- the actor -----------------------------------------------------------------------------------

@guard("actor")
def not_own_assignment(ticket, *, actor) -> None:
    if actor is not None and ticket.assignee_id == actor.pk:
        raise GuardFailed(_("Vous avez déjà pris en charge ce ticket."))


# --- the target desk -----------------------------------------------------------------------------

@guard("target")
def qualified_for_vendor(ticket, *, target) -> None:
    if target.vendor_id is not None:
        check_ready_for_vendor(ticket)


@guard("target")
def in_support_chain(ticket, *, target) -> None:
    """Moves stay among the desks of the ticket's convention (never another convention's desk,
    hence never a vendor that does not serve the school)."""
    if ticket.convention_id is None:
        raise GuardFailed(_("Aucune convention n'est associée à ce ticket : sa chaîne de support est inconnue."))
    if target.pk not in {d.pk for d in chain_desks(routes_of(ticket.convention), ticket.school)}:
        raise GuardFailed(
            _("Le guichet « %(desk)s » ne fait pas partie de la chaîne de support de la convention %(convention)s : "
              "la demande ne peut pas lui être confiée.")
            % {"desk": target.name, "convention": ticket.convention.reference}
        )


def route_targets(ticket) -> list:
    """The desks `route` may send the ticket to: its convention's chain at its level, but its desk."""
    if ticket.convention_id is None:
        return []
    desks = chain_desks(routes_of(ticket.convention), ticket.school, level=ticket.level)
    return [d for d in desks if d.pk != ticket.desk_id]
