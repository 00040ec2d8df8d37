import pytest
from huey.contrib.djhuey import HUEY

from directory.choices import Category, Role
from directory.models import Membership, User
from tickets import services

QUALIF = dict(
    steps_to_reproduce="Ouvrir le cahier de textes, cliquer sur « Ajouter »",
    expected_behaviour="La séance est enregistrée",
    observed_behaviour="Erreur 500",
    users_affected=12,
    first_seen_at="2026-01-05 09:30",
    browser_device="Firefox 128 / Windows 11",
)


@pytest.fixture(autouse=True)
def huey_immediate():
    """Tasks run synchronously in memory: nothing is written to the embedded Huey file."""
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


def make_user(world, username, role, **target):
    user = User.objects.create_user(username=username, password="x", email=f"{username}@example.org")
    Membership.objects.create(user=user, role=role, **target)
    world.users[username] = user
    return user


@pytest.fixture
def ge(world):
    """Grand Est people: a teacher and the N0 correspondent of Collège La Source, Kosmos agents."""
    d = world.desks
    make_user(world, "prof_ge", Role.REQUESTER, school=world.schools["0570098X"])
    make_user(world, "n0_ge", Role.AGENT, desk=d["n0-0570098X"], is_school_contact=True)
    make_user(world, "kosmos1", Role.AGENT, desk=d["kosmos-n1"])
    make_user(world, "kosmos2", Role.AGENT, desk=d["kosmos-n2"])
    make_user(world, "kosmos3", Role.AGENT, desk=d["kosmos-n3"])
    return world


@pytest.fixture
def nice(world):
    d = world.desks
    make_user(world, "prof_nice", Role.REQUESTER, school=world.schools["0061097K"])
    make_user(world, "n0_nice", Role.AGENT, desk=d["n0-0061097K"], is_school_contact=True)
    make_user(world, "erun_antibes", Role.AGENT, desk=d["erun-antibes"])
    make_user(world, "vl_tech", Role.AGENT, desk=d["vl-tech"])
    return world


@pytest.fixture
def open_mtp(u, bouissinet):
    def _open(category=Category.MALFUNCTION, title="Le cahier de textes ne s'enregistre pas", **kw):
        return services.open_ticket(
            actor=kw.pop("actor", u["enseignant"]), school=bouissinet, title=title,
            description="Depuis ce matin **impossible** d'enregistrer.", category=category,
            impact=kw.pop("impact", 2), urgency=kw.pop("urgency", 2), **kw,
        )

    return _open


@pytest.fixture
def at_n1(open_mtp, u):
    """A Montpellier ticket escalated by the school to the ERUN desk (level 1), unassigned."""
    t = open_mtp()
    t = services.take(t, actor=u["directeur"])
    return services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")


@pytest.fixture
def at_vendor(at_n1, u):
    """Montpellier ticket at the vendor (N3), through the ERUN (N1) and the DSI (N2)."""
    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")
    t = services.take(t, actor=u["dsi"])
    return services.escalate(t, actor=u["dsi"], malfunction_proven=True, **QUALIF)
