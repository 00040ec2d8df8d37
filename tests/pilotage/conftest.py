from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sla import outages
from sla.models import Service

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def auth_outage(world):
    """The identity provider of the académie de Montpellier down 9:05–12:50 on a school day (fictif)."""
    service = Service.objects.create(slug="authentification", name="Authentification (fournisseur d'identité)")
    return outages.declare_outage(
        service, actor=world.users["dsi"], scope="academie", academie=world.academies["montpellier"],
        started_at=datetime(2026, 3, 17, 9, 5, tzinfo=PARIS), ended_at=datetime(2026, 3, 17, 12, 50, tzinfo=PARIS),
        cause="Certificat expiré (fictif)")
