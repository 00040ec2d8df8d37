"""The demo's incident review: the year's big authentication outage (sla/demo.py: the identity
provider of the académie de Montpellier down from 9:05 to 12:50 on a school day) declared a major
incident, its review held, two improvement actions — one done. Everything here is invented and
says so ("(fictif)")."""

from __future__ import annotations

from datetime import timedelta

from sla.models import Outage

from . import services
from .models import ActionStatus, ReviewStatus

MINUTES = """## Revue d'incident — authentification indisponible (fictif)

**Présents** : académie de Montpellier (DANE, pôle d'assistance DSII), commune de
Villeneuve-lès-Maguelone, Open Digital Education.

**Constat** : le certificat du fournisseur d'identité académique a expiré ; aucune alerte ne
l'annonçait. Les enseignants ne pouvaient plus se connecter à l'ENT.

**Décisions** :
- superviser l'échéance des certificats (éditeur) ;
- rédiger une procédure de bascule vers l'authentification de secours (académie).
"""


def seed_reviews(world) -> int:
    """The review of the demo's authentication outage (0 when the history has none)."""
    outage = (Outage.objects.filter(service__slug="authentification", cause__icontains="certificat expiré")
              .order_by("-started_at").first())
    if outage is None:
        return 0
    manager = world.users["manager"]
    review = services.declare_major_incident(outage, actor=manager,
                                             title="Authentification académique indisponible (fictif)")
    meeting = outage.ended_at + timedelta(days=7) if outage.ended_at else None
    review = services.update_review(review, actor=manager, status=ReviewStatus.HELD, meeting_at=meeting,
                                    cause="Certificat du fournisseur d'identité expiré, sans alerte préalable (fictif).",
                                    minutes=MINUTES)
    ode = f"vendor:{world.vendors['ode'].pk}"
    academie = f"academie:{world.academies['montpellier'].pk}"
    due = (meeting or outage.started_at).date() + timedelta(days=30)
    done = services.add_action(review, actor=manager, title="Superviser l'échéance des certificats (fictif)",
                               owner=ode, due_on=due, evolution_ref="Demande d'évolution « alerte certificat » (fictif)",
                               tickets=list(outage.tickets.values_list("reference", flat=True)[:3]))
    services.update_action(done, actor=world.users["editeur"], status=ActionStatus.DONE)
    services.add_action(review, actor=manager, title="Procédure de bascule vers l'authentification de secours (fictif)",
                        owner=academie, due_on=due + timedelta(days=60))
    return 1
