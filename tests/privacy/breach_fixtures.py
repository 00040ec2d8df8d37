"""Fixtures of the breach tests (imported by their modules; the folder's conftest is the requests')."""

import pytest

from directory.choices import Category
from tickets import services


@pytest.fixture
def u(world):
    return world.users


@pytest.fixture
def breach(world):
    """A security incident reported by the demo teacher (Montpellier: the académie's DPO covers it)."""
    return services.open_ticket(
        actor=world.users["enseignant"], school=world.schools["0341255E"], category=Category.SECURITY,
        title="Liste d'élèves visible par un autre compte", description="Un parent voit la classe voisine.",
        impact=2, urgency=2,
    )
