"""The demo's activity for `seed_demo`, put together by the project: each app seeds its own part
(sla: the ENT services, the policies and a year of history; tickets: today's tickets at every stage),
all through the services as real users would. Here because it spans the apps: none imports upwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from evolutions import demo as evolutions_demo
from knowledge import demo as knowledge_demo
from privacy import demo as privacy_demo
from pilotage import demo as pilotage_demo
from sla import demo as sla_demo
from sla.services import publish_policy
from tickets import demo as tickets_demo

H = 3600
POLICY = [
    {"kind": "first_response", "seconds": 4 * H}, {"kind": "resolution", "seconds": 40 * H},
    {"kind": "level", "level": 0, "seconds": 8 * H}, {"kind": "level", "level": 1, "seconds": 16 * H},
]


@dataclass
class Seeded:
    tickets: int  # today's tickets of the demo teacher
    history_tickets: int = 0
    services: int = 0
    outages: int = 0


def seed_activity(world, *, history: bool = True) -> Seeded:
    """Policies (published when the history begins), the services and their year, today's tickets."""
    now = timezone.now()
    catalogue = sla_demo.seed_services()
    result = Seeded(tickets=len(tickets_demo.TICKETS), services=len(catalogue))
    if history:
        import time_machine

        with time_machine.travel(now - timedelta(days=sla_demo.HISTORY_DAYS, hours=1), tick=False):
            for convention in world.conventions.values():
                publish_policy(convention, targets=POLICY, name="Politique de démonstration")
        h = sla_demo.seed_history(world, catalogue, now=now, privacy=privacy_demo)
        if h.failures:
            raise RuntimeError("historique de démonstration : " + " ; ".join(h.failures[:5]))
        result.history_tickets, result.outages = h.tickets, h.outages
        pilotage_demo.seed_reviews(world)  # the big authentication outage's review (fictif)
    else:
        for convention in world.conventions.values():
            publish_policy(convention, targets=POLICY, name="Politique de démonstration")
    tickets_demo.seed_today(world)
    tickets_demo.seed_macros(world)  # two canned answers (illustrative)
    knowledge_demo.seed_articles(world)  # a few published help articles (illustrative)
    evolutions_demo.seed_evolutions(world)  # who prioritises per convention, a few requests (fictif)
    return result
