"""Tickets brought to a level through the real services (admin acts, as an administrator may)."""

from tickets import services

QUALIFICATION = {
    "steps_to_reproduce": "Ouvrir le cahier de textes, cliquer sur « Ajouter ».",
    "expected_behaviour": "La séance est créée.",
    "observed_behaviour": "Erreur 500.",
    "users_affected": 12,
    "first_seen_at": "2025-01-06T08:30:00+01:00",
    "browser_device": "Firefox 128, Windows 11",
    "malfunction_proven": True,
}


def open_ticket(world, uai="0341255E", title="Le cahier de textes ne s'ouvre plus", category="malfunction", actor=None):
    return services.open_ticket(
        actor=actor or world.users["admin"], school=world.schools[uai], title=title,
        description="Depuis ce matin **aucune** classe ne peut ouvrir le cahier de textes.",
        category=category, impact=2, urgency=2,
    )


def to_level(world, ticket, level):
    admin = world.users["admin"]
    while ticket.level < level:
        ticket = services.escalate(ticket, actor=admin, reason="Dysfonctionnement avéré", **QUALIFICATION)
    return ticket


def vendor_ticket(world, uai="0341255E", **kwargs):
    """A ticket at the vendor's level (ODE for Montpellier/Nice, Kosmos for Grand Est)."""
    return to_level(world, open_ticket(world, uai=uai, **kwargs), 3)
