import pytest

from directory.choices import Category, Role
from directory.models import Membership, User
from tickets import services


@pytest.fixture
def u(world):
    return world.users


def _open(actor, school, category=Category.MALFUNCTION, title="Le cahier de textes ne s'enregistre pas"):
    return services.open_ticket(
        actor=actor, school=school, title=title, description="Depuis ce matin, Mme Dupont ne peut plus enregistrer.",
        category=category, impact=2, urgency=2, contact="06 12 34 56 78",
    )


@pytest.fixture
def mtp_ticket(world):
    """A Montpellier (Lattes district) ticket of the demo teacher."""
    return _open(world.users["enseignant"], world.schools["0341255E"])


@pytest.fixture
def ge_teacher(world):
    user = User.objects.create_user(username="prof_metz", password="x-Password-123", first_name="Noa", last_name="Roux")
    Membership.objects.create(user=user, role=Role.REQUESTER, school=world.schools["0570098X"])
    return user


@pytest.fixture
def ge_ticket(world, ge_teacher):
    """A Grand Est ticket: outside every Montpellier perimeter."""
    return _open(ge_teacher, world.schools["0570098X"])


@pytest.fixture
def sete_ticket(world):
    """A ticket of another district of the same académie (Sète): outside the Lattes ERUN's perimeter."""
    user = User.objects.create_user(username="prof_sete", password="x-Password-123")
    Membership.objects.create(user=user, role=Role.REQUESTER, school=world.schools["0341301E"])
    return _open(user, world.schools["0341301E"])


@pytest.fixture
def breach(world):
    """A security incident reported by the demo teacher (Montpellier)."""
    return _open(world.users["enseignant"], world.schools["0341255E"], category=Category.SECURITY,
                 title="Liste d'élèves visible par un autre compte")
