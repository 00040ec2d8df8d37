from django.conf import settings

from directory.choices import Role
from directory.selectors import may_read_conventions, perimeter_for
from tickets.opening import may_open_somewhere


def ui(request):
    """Theme and the navigation the person's roles give (computed from the cached perimeter)."""
    user = getattr(request, "user", None)
    perimeter = perimeter_for(user) if user is not None else None
    roles = perimeter.roles if perimeter else frozenset()
    everything = bool(perimeter and perimeter.everything)
    return {
        "theme": settings.HELPDESK_THEME,
        "operator_name": settings.HELPDESK_OPERATOR,
        "oidc_enabled": getattr(settings, "OIDC_ENABLED", False),
        "oidc_provider_name": getattr(settings, "OIDC_PROVIDER_NAME", ""),
        "nav": {
            "requester": everything or Role.REQUESTER in roles,
            # CPC, ERUN, académie and collectivité agents open for someone of their schools too.
            "opens": bool(user and user.is_authenticated and may_open_somewhere(user)),
            "agent": everything or Role.AGENT in roles,
            "observer": Role.OBSERVER in roles,
            "manager": everything or Role.MANAGER in roles,
            # The outages page and the incident reviews: agents and managers (web/views/outages.py).
            "outages": everything or Role.AGENT in roles or Role.MANAGER in roles,
            # Data-subject requests are recorded by any agent or DPO (privacy/requests.py).
            "data_requests": everything or Role.AGENT in roles or Role.DPO in roles,
            # The Grand Est communication charter (charter/): collectivités' agents, the chefs
            # d'établissement (school contacts) and the académies' services (charter.selectors).
            "charter": everything or any(
                (g.role == Role.AGENT and g.scope == "collectivite") or g.is_school_contact
                or (g.scope in ("academie", "region") and g.role in (Role.AGENT, Role.MANAGER))
                for g in (perimeter.grants if perimeter else ())),
            # The conventions page: académies' and collectivités' agents and managers (directory.selectors).
            "conventions": bool(user and user.is_authenticated and may_read_conventions(user)),
            "admin": bool(user and user.is_authenticated and user.is_staff),
        },
    }
