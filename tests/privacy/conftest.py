from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from directory.choices import Role
from directory.importers.conventions import import_convention
from directory.models import Convention, Membership, User

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"
PARIS = ZoneInfo("Europe/Paris")

FILES = {
    "poitiers": ("poitiers-vienne-ecoles.yaml", "DSDEN86-ENT-ECOLES-2024"),
    "grand_est": ("grand-est.yaml", "GRAND-EST-ENT-2023"),
    "occitanie": ("occitanie-villeneuve-les-maguelone.yaml", "OCCITANIE-VILLENEUVE-LES-MAGUELONE-2022DECAD076"),
    "alpes_maritimes": ("alpes-maritimes-villeneuve-loubet.yaml", "DSDEN06-VILLENEUVE-LOUBET-2023"),
}


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def convention(db):
    """convention("poitiers") → the example convention, imported from docs/conventions."""

    def _load(name):
        path, reference = FILES[name]
        import_convention(EXAMPLES / path)
        return Convention.objects.get(reference=reference)

    return _load


@pytest.fixture
def dpo(db):
    """A DPO of the convention's académie (or, for Grand Est, of the région académique's académie)."""

    def _make(convention, username="dpd"):
        user = User.objects.create_user(username, password="x", first_name="Dora", last_name="Dpd")
        school = convention.schools.order_by("pk").first()
        Membership.objects.create(user=user, role=Role.DPO, academie=school.academie)
        return user

    return _make
