import pytest

from evolutions import demo, services


@pytest.fixture
def bodies(world):
    """The demo's bodies: the IEN of Antibes (Alpes-Maritimes), the académie's working groups (Montpellier)."""
    return demo.seed_governance(world)


@pytest.fixture
def school(world):
    return world.schools["0341255E"]  # École Bouissinet (Villeneuve-lès-Maguelone): enseignant, directeur


@pytest.fixture
def proposal(world, bodies, school):
    return services.submit(world.users["enseignant"], school=school, service="Messagerie",
                           title="Classer les messages par dossier (fictif)", description="Des dossiers dans la messagerie.")


@pytest.fixture
def nice_school(world):
    return world.schools["0060768C"]


def advance(evolution, user, *names, **data):
    for name in names:
        kwargs = {"priority": 2} if name == "retain" else {}
        kwargs.update(data.get(name, {}))
        evolution = services.apply(user, evolution, name, **kwargs)
    return evolution


@pytest.fixture
def auth_outage(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sla import outages
    from sla.models import Service

    service = Service.objects.create(slug="authentification", name="Authentification (fournisseur d'identité)")
    return outages.declare_outage(
        service, actor=world.users["dsi"], scope="academie", academie=world.academies["montpellier"],
        started_at=datetime(2026, 3, 17, 9, 5, tzinfo=ZoneInfo("Europe/Paris")),
        ended_at=datetime(2026, 3, 17, 12, 50, tzinfo=ZoneInfo("Europe/Paris")), cause="Certificat expiré (fictif)")
