import pytest
from huey.contrib.djhuey import HUEY

from directory.choices import Category, Role
from directory.models import Membership, User
from tickets import services


@pytest.fixture(autouse=True)
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def u(world):
    return world.users


@pytest.fixture
def bouissinet(world):
    return world.schools["0341255E"]


@pytest.fixture
def colleague(world, bouissinet):
    """Another teacher of the same school as `enseignant` (the demo's teacher)."""
    user = User.objects.create_user(username="collegue", password="x", email="collegue@example.org",
                                    first_name="Nour", last_name="Collègue (fictif)")
    Membership.objects.create(user=user, role=Role.REQUESTER, school=bouissinet)
    world.users["collegue"] = user
    return user


@pytest.fixture
def open_ticket(u, bouissinet):
    def _open(title, description="Détails (fictif).", actor=None, school=None, **kw):
        return services.open_ticket(actor=actor or u["enseignant"], school=school or bouissinet, title=title,
                                    description=description, category=kw.pop("category", Category.MALFUNCTION),
                                    impact=2, urgency=2, **kw)
    return _open
