"""Who may do what on a ticket, from `directory.selectors.perimeter_for(user)`.

- requester side: the ticket's requester, or a school contact / director of the ticket's school;
- agents act on tickets at a desk they belong to;
- observers (local trainers) read and comment on tickets that reached the vendor, in their area;
- managers and DPOs read within their perimeter; administrators do everything.

`check(action, user, ticket)` raises PermissionDenied or GuardFailed (state); services call it
inside their transaction on the locked row, `available_transitions` uses it for buttons.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import Category, Role
from directory.models import ConventionSchool
from directory.selectors import perimeter_for

from .exceptions import GuardFailed, PermissionDenied
from .models import ACTIVE, WORKING, State, Ticket

TRANSITIONS = (
    "take", "comment", "request_info", "answer", "route", "escalate", "send_back",
    "resolve", "confirm", "reopen", "auto_close", "cancel", "link_duplicate", "set_parent",
)
OTHER_ACTIONS = ("update_qualification", "set_vendor_reference", "add_attachment")

STATE_LABEL = dict(State.choices)


def _scope_ids(school) -> dict[str, int | None]:
    return {
        "school": school.pk,
        "circonscription": school.circonscription_id,
        "academie": school.academie_id,
        "collectivite": school.collectivite_id,
    }


def covers(perimeter, school, roles) -> bool:
    """Does one of the grants with these roles cover the school? Queries only for region/vendor."""
    if perimeter.everything:
        return True
    ids = _scope_ids(school)
    for g in perimeter.grants:
        if g.role not in roles:
            continue
        if g.scope in ids and ids[g.scope] == g.scope_id:
            return True
        if g.scope == "region" and school.academie.region_id == g.scope_id:
            return True
        if g.scope == "vendor" and ConventionSchool.objects.filter(
            school_id=school.pk, convention__product__vendor_id=g.scope_id
        ).exists():
            return True
    return False


def is_requester_side(user, ticket, perimeter=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if ticket.requester_id == user.pk:
        return True
    perimeter = perimeter or perimeter_for(user)
    return any(
        g.is_school_contact and g.scope == "school" and g.scope_id == ticket.school_id for g in perimeter.grants
    )


def is_agent_at_desk(user, ticket, perimeter=None) -> bool:
    if not ticket.desk_id or user is None:
        return False
    perimeter = perimeter or perimeter_for(user)
    return any(g.role == Role.AGENT and g.desk_id == ticket.desk_id for g in perimeter.grants)


def _vendor_ids(perimeter) -> set[int]:
    return {g.scope_id for g in perimeter.grants if g.role == Role.AGENT and g.scope == "vendor"}


def _reached_vendor_desks(ticket, vendor_ids) -> bool:
    if ticket.desk_id and ticket.desk.vendor_id in vendor_ids:
        return True
    return ticket.events.filter(to_desk__vendor_id__in=sorted(vendor_ids)).exists()


def is_observer_of(user, ticket, perimeter=None) -> bool:
    perimeter = perimeter or perimeter_for(user)
    return ticket.reached_vendor and covers(perimeter, ticket.school, {Role.OBSERVER})


def can_view(user, ticket) -> bool:
    if user is None or not user.is_authenticated:
        return False
    p = perimeter_for(user)
    if ticket.category == Category.SECURITY:
        return may_view_breach(user, ticket, p)
    if p.everything or is_requester_side(user, ticket, p) or is_agent_at_desk(user, ticket, p):
        return True
    non_vendor_agent_roles = {Role.MANAGER, Role.DPO}
    if covers(p, ticket.school, non_vendor_agent_roles):
        return True
    agent_grants = [g for g in p.grants if g.role == Role.AGENT and g.scope != "vendor"]
    if agent_grants and covers(
        type(p)(user_id=p.user_id, everything=False, grants=tuple(agent_grants)), ticket.school, {Role.AGENT}
    ):
        return True
    vendor_ids = _vendor_ids(p)
    if vendor_ids and _reached_vendor_desks(ticket, vendor_ids):
        return True
    return is_observer_of(user, ticket, p)


def may_view_breach(user, ticket, perimeter=None) -> bool:
    """Security incidents: DPOs and competent authorities of the perimeter (non-vendor agents above
    the school, or at the non-vendor desk holding it), and the reporter — never vendors, observers
    or managers. Same rule as selectors.breach_q."""
    p = perimeter or perimeter_for(user)
    if p.everything or ticket.requester_id == user.pk or covers(p, ticket.school, {Role.DPO}):
        return True
    if ticket.desk_id and ticket.desk.vendor_id is None and is_agent_at_desk(user, ticket, p):
        return True
    authority = tuple(g for g in p.grants if g.role == Role.AGENT and g.scope not in ("vendor", "school"))
    return bool(authority) and covers(type(p)(user_id=p.user_id, everything=False, grants=authority), ticket.school, {Role.AGENT})


def can_see_internal(user, ticket) -> bool:
    """Internal notes: agents, managers, DPOs and admins who can see the ticket; never requesters
    or observers."""
    p = perimeter_for(user)
    return p.everything or (p.has_role(Role.AGENT, Role.MANAGER, Role.DPO) and can_view(user, ticket))


def _state_guard(ticket, method_name: str, action: str):
    from django_fsm import can_proceed

    if not can_proceed(getattr(ticket, method_name), check_conditions=False):
        raise GuardFailed(
            _("Action « %(action)s » impossible : le ticket est à l'état « %(state)s ».")
            % {"action": action, "state": STATE_LABEL.get(ticket.state, ticket.state)}
        )


def check(action: str, user, ticket: Ticket, **context) -> None:
    """Raise PermissionDenied / GuardFailed if `user` may not do `action` on `ticket` now.

    Only permission and state are checked here; rules depending on the action's fields
    (reason given, qualification filled, target desk…) are checked by the service.
    """
    system = user is None
    p = perimeter_for(user) if not system else None
    admin = bool(p and p.everything)
    agent = admin or (not system and is_agent_at_desk(user, ticket, p))
    requester = admin or (not system and is_requester_side(user, ticket, p))

    def deny(msg=None):
        raise PermissionDenied(msg or _("Vous n'avez pas le droit d'effectuer cette action sur ce ticket."))

    if action == "auto_close":
        if not (system or admin):
            deny(_("Seule la clôture automatique (ou un administrateur) peut clore sans confirmation."))
        _state_guard(ticket, "fsm_auto_close", _("clôture automatique"))
        return
    if system:
        deny(_("Action réservée à une personne identifiée."))
    if ticket.category == Category.SECURITY and not may_view_breach(user, ticket, p):
        deny(_("Incident de sécurité : réservé aux délégués à la protection des données et aux autorités compétentes."))

    if action == "take":
        if not agent:
            deny(_("Seul un agent du guichet où se trouve le ticket peut le prendre en charge."))
        _state_guard(ticket, "fsm_take", _("prendre en charge"))
    elif action == "comment":
        internal = context.get("internal", False)
        if internal and not agent:
            deny(_("Seuls les agents du guichet peuvent écrire une note interne."))
        if not (agent or requester or is_observer_of(user, ticket, p)):
            deny(_("Vous ne pouvez pas commenter ce ticket."))
        _state_guard(ticket, "fsm_comment", _("commenter"))
    elif action in ("request_info", "route", "escalate", "send_back", "resolve", "link_duplicate", "set_parent",
                    "update_qualification"):
        if not agent:
            deny(_("Seul un agent du guichet où se trouve le ticket peut faire cela."))
        method = {
            "request_info": "fsm_request_info", "route": "fsm_route", "escalate": "fsm_escalate",
            "send_back": "fsm_send_back", "resolve": "fsm_resolve", "link_duplicate": "fsm_link",
            "set_parent": "fsm_link", "update_qualification": "fsm_link",
        }[action]
        _state_guard(ticket, method, action)
        if action == "send_back" and ticket.level == 0:
            raise GuardFailed(_("Le ticket est déjà au niveau 0 : il ne peut pas être renvoyé plus bas."))
    elif action == "answer":
        if not requester:
            deny(_("Seul le demandeur (ou le correspondant de l'école) peut répondre à une demande d'information."))
        _state_guard(ticket, "fsm_answer", _("répondre"))
    elif action == "confirm":
        if not requester:
            deny(_("Seul le demandeur (ou le correspondant de l'école) peut confirmer la résolution."))
        _state_guard(ticket, "fsm_confirm", _("confirmer"))
    elif action == "reopen":
        if not requester:
            deny(_("Seul le demandeur (ou le correspondant de l'école) peut rouvrir le ticket."))
        _state_guard(ticket, "fsm_reopen", _("rouvrir"))
        days = settings.HELPDESK["REOPEN_DAYS"]
        if ticket.resolved_at is None or timezone.now() - ticket.resolved_at > timezone.timedelta(days=days):
            raise GuardFailed(
                _("Le délai de réouverture (%(days)s jours après la résolution) est dépassé : ouvrez un nouveau ticket.")
                % {"days": days}
            )
    elif action == "cancel":
        own_new = requester and ticket.state == State.NEW
        if not (agent or own_new):
            deny(_("Seul un agent du guichet (ou le demandeur, tant que le ticket est nouveau) peut l'annuler."))
        _state_guard(ticket, "fsm_cancel", _("annuler"))
    elif action == "set_vendor_reference":
        if not (admin or (agent and ticket.desk.vendor_id is not None)):
            deny(_("Seul l'éditeur qui traite le ticket enregistre sa référence."))
        _state_guard(ticket, "fsm_link", _("référence éditeur"))
    elif action == "add_attachment":
        if not (agent or requester or is_observer_of(user, ticket, p)):
            deny(_("Vous ne pouvez pas joindre de fichier à ce ticket."))
        if ticket.state in (State.CLOSED, State.CANCELLED):
            raise GuardFailed(_("Le ticket est clos : on ne peut plus y joindre de fichier."))
    else:
        raise ValueError(f"unknown action {action!r}")


def allowed(action: str, user, ticket, **context) -> bool:
    try:
        check(action, user, ticket, **context)
    except (PermissionDenied, GuardFailed):
        return False
    return True


def available_transitions(user, ticket: Ticket) -> list[str]:
    """Transitions `user` may attempt now (permission + state). Field rules are checked on submit."""
    if user is None or not user.is_authenticated:
        return []
    return [name for name in TRANSITIONS if name != "auto_close" and allowed(name, user, ticket)]


__all__ = ["ACTIVE", "WORKING", "TRANSITIONS", "available_transitions", "can_view", "check", "allowed"]
