"""The vendor guard is convention data: a matrix cell with `direct_access` sends its category to the
vendor's desk without the qualification and the proven malfunction every other cell asks for
(Grand Est: vie scolaire; Poitiers: the editor handles every level-1 question). Network and
hardware faults never reach a vendor, whatever the convention says: that rule is the product's.

The territories are built here with the models (not the demo world, which changes with the
example conventions): one académie, a collège and a lycée, their collectivités, a vendor with
three levels of desks, the académie's single desk and its GAR / MédiaCentre desk."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from directory.choices import Category, CollectiviteKind, Resolver, Role, SchoolKind
from directory.models import (
    Academie, Collectivite, Convention, ConventionSchool, Desk, EntProduct, Membership, RegionAcademique, School,
    SupportRoute, User, Vendor,
)
from tickets import services
from tickets.exceptions import GuardFailed
from tickets.models import Ticket

from .conftest import QUALIF

pytestmark = pytest.mark.django_db

C = Category
# (level, category, resolver, desk key for a fixed desk, direct access)
GRAND_EST = [
    (0, "", Resolver.SCHOOL, None, False),
    (0, C.NETWORK, Resolver.SKIP, None, False),
    (1, "", Resolver.DESK, "guichet", False),
    (1, C.NETWORK, Resolver.COLLECTIVITE, None, False),
    (1, C.THIRD_PARTY, Resolver.EDITOR, None, False),
    (1, C.VIE_SCOLAIRE, Resolver.DESK, "v1", True),
    (2, "", Resolver.DESK, "v2", False),
    (3, "", Resolver.DESK, "v3", False),
]
# Poitiers art. 7: the editor handles all assistance about its interface, from level 1.
POITIERS = [
    (0, "", Resolver.SCHOOL, None, False),
    (1, "", Resolver.EDITOR, None, True),
    (1, C.NETWORK, Resolver.COLLECTIVITE, None, False),
    (1, C.THIRD_PARTY, Resolver.EDITOR, None, False),
    (2, "", Resolver.DESK, "v2", False),
]


def uai(first7: str) -> str:
    return first7 + "ABCDEFGHJKLMNPRSTUVWXYZ"[int(first7) % 23]


def territory(matrix, key="t") -> SimpleNamespace:
    """A convention in force over a collège and a lycée of a test académie, with `matrix`, its
    desks and one person per desk (`users`: prof, n0, guichet, gar, dep, v1, v2, v3)."""
    region = RegionAcademique.objects.create(code=f"RT-{key}", name=f"Région académique test {key}")
    academie = Academie.objects.create(code=f"T{key}"[:8], name=f"Académie test {key}", region=region, holiday_zone="B")
    departement = Collectivite.objects.create(name=f"Département test {key}", kind=CollectiviteKind.DEPARTEMENT, insee_code="57")
    region_c = Collectivite.objects.create(name=f"Région test {key}", kind=CollectiviteKind.REGION)
    n = School.objects.filter(uai__startswith="05799").count()
    college = School.objects.create(uai=uai(f"05799{n:02d}"), name="Collège test", kind=SchoolKind.COLLEGE, commune_code="57463",
                                    academie=academie, collectivite=departement)
    lycee = School.objects.create(uai=uai(f"05799{n + 1:02d}"), name="Lycée test", kind=SchoolKind.LYCEE, commune_code="57463",
                                  academie=academie, collectivite=region_c)
    vendor = Vendor.objects.create(slug=f"vendor-{key}", name=f"Éditeur ENT {key}")
    product = EntProduct.objects.create(slug=f"ent-{key}", name=f"ENT {key}", vendor=vendor)
    desks = {
        "n0": Desk.objects.create(slug=f"n0-{key}", name="Correspondant ENT du collège", level=0, school=college),
        "n0-lycee": Desk.objects.create(slug=f"n0l-{key}", name="Correspondant ENT du lycée", level=0, school=lycee),
        "guichet": Desk.objects.create(slug=f"guichet-{key}", name="Guichet unique académique", level=1, academie=academie),
        "gar": Desk.objects.create(slug=f"gar-{key}", name="Assistance GAR / MédiaCentre (DSDEN, SRANE)", level=1,
                                   academie=academie, speciality="gar", email=f"gar-{key}@ac-test.example"),
        "dep": Desk.objects.create(slug=f"dep-{key}", name="Support du Département", level=1, collectivite=departement),
        "reg": Desk.objects.create(slug=f"reg-{key}", name="Support de la Région", level=1, collectivite=region_c),
        **{f"v{n}": Desk.objects.create(slug=f"v{n}-{key}", name=f"Éditeur ENT niveau {n}", level=n, vendor=vendor)
           for n in (1, 2, 3)},
    }
    today = timezone.localdate()
    convention = Convention.objects.create(reference=f"CONV-{key}", academie=academie, product=product,
                                           starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300))
    convention.collectivites.set([departement, region_c])
    for school in (college, lycee):
        ConventionSchool.objects.create(convention=convention, school=school)
    for level, category, resolver, desk, direct in matrix:
        SupportRoute.objects.create(convention=convention, level=level, category=category, resolver=resolver,
                                    desk=desks[desk] if desk else None, direct_access=direct)
    users = {}

    def person(name, role, **target):
        users[name] = User.objects.create_user(username=f"{name}-{key}", password="x", email=f"{name}-{key}@example.org")
        Membership.objects.create(user=users[name], role=role, **target)

    person("prof", Role.REQUESTER, school=college)
    person("n0", Role.AGENT, desk=desks["n0"], is_school_contact=True)
    for name in ("guichet", "gar", "dep", "v1", "v2", "v3"):
        person(name, Role.AGENT, desk=desks[name])
    return SimpleNamespace(academie=academie, college=college, lycee=lycee, vendor=vendor, product=product,
                           desks=desks, convention=convention, users=users)


def open_at(w, category, *, school=None, actor=None, **kw) -> Ticket:
    return services.open_ticket(
        actor=actor or w.users["prof"], school=school or w.college, title="Le module ne répond plus",
        description="Depuis ce matin, message d'erreur.", category=category, impact=2, urgency=2, **kw,
    )


def up(w, t, agent, **kw) -> Ticket:
    """The desk's agent takes the ticket and escalates it (with `kw` as qualification)."""
    return services.escalate(services.take(t, actor=w.users[agent]), actor=w.users[agent], **kw)


def unchanged(t) -> bool:
    fresh = Ticket.objects.get(pk=t.pk)
    return fresh.version == t.version and fresh.desk_id == t.desk_id


# --- Grand Est ------------------------------------------------------------------------------------

def test_grand_est_vie_scolaire_goes_to_the_vendors_level_1_without_qualification():
    w = territory(GRAND_EST)
    t = open_at(w, C.VIE_SCOLAIRE)
    assert t.level == 0 and t.desk == w.desks["n0"]
    t = up(w, t, "n0", reason="Absences non enregistrées")  # no qualification, no proof
    assert (t.level, t.desk) == (1, w.desks["v1"]) and t.reached_vendor
    assert t.qualification_missing  # nothing was asked for: the convention gives a direct access


def test_grand_est_vie_scolaire_beyond_level_1_asks_the_qualification_again():
    """The direct access is the level-1 cell's, not the category's at every level."""
    w = territory(GRAND_EST)
    t = services.take(up(w, open_at(w, C.VIE_SCOLAIRE), "n0"), actor=w.users["v1"])
    with pytest.raises(GuardFailed, match="Qualification incomplète"):
        services.escalate(t, actor=w.users["v1"])
    assert unchanged(t)


def test_grand_est_malfunction_to_the_vendors_level_2_requires_qualification_and_proof():
    w = territory(GRAND_EST)
    t = up(w, open_at(w, C.MALFUNCTION), "n0")
    assert t.desk == w.desks["guichet"]
    t = services.take(t, actor=w.users["guichet"])
    with pytest.raises(GuardFailed, match=r"Qualification incomplète.*(Étapes|étapes)"):
        services.escalate(t, actor=w.users["guichet"])
    with pytest.raises(GuardFailed, match="avéré"):
        services.escalate(t, actor=w.users["guichet"], **QUALIF)
    assert unchanged(t)
    t = services.escalate(t, actor=w.users["guichet"], malfunction_proven=True, **QUALIF)
    assert (t.level, t.desk) == (2, w.desks["v2"])


def test_a_direct_access_is_to_the_cells_own_desk_only():
    """Routing a usage question from the académie's desk to the vendor's level 1 (a desk of the
    chain, through the vie scolaire cell) is not a direct access: the usage cell has none."""
    w = territory(GRAND_EST)
    t = services.take(up(w, open_at(w, C.USAGE), "n0"), actor=w.users["guichet"])
    with pytest.raises(GuardFailed, match="Qualification incomplète"):
        services.route(t, actor=w.users["guichet"], desk=w.desks["v1"], reason="Question pour l'éditeur")
    # A vie scolaire ticket sent aside to the académie's desk may come back to the vendor unqualified.
    vs = up(w, open_at(w, C.VIE_SCOLAIRE), "n0")
    vs = services.route(services.take(vs, actor=w.users["v1"]), actor=w.users["v1"], desk=w.desks["guichet"],
                        reason="Question de paramétrage académique")
    vs = services.route(services.take(vs, actor=w.users["guichet"]), actor=w.users["guichet"], desk=w.desks["v1"],
                        reason="Finalement pour l'éditeur")
    assert vs.desk == w.desks["v1"]


# --- Poitiers --------------------------------------------------------------------------------------

def test_poitiers_every_level_1_question_goes_to_the_editor_directly():
    w = territory(POITIERS)
    for category in (C.USAGE, C.MALFUNCTION, C.ACCOUNT, C.VIE_SCOLAIRE):
        t = up(w, open_at(w, category), "n0")
        assert (t.level, t.desk) == (1, w.desks["v1"]), category
    # Level 2 is no direct access: the editor's own escalation is qualified.
    with pytest.raises(GuardFailed, match="Qualification incomplète"):
        up(w, t, "v1")


def test_a_ticket_landing_on_a_vendor_desk_at_opening_follows_the_cell():
    direct = territory([(0, "", Resolver.SKIP, None, False), (1, "", Resolver.EDITOR, None, True)], key="d")
    t = open_at(direct, C.USAGE)
    assert (t.level, t.desk) == (1, direct.desks["v1"])
    qualified = territory([(0, "", Resolver.SKIP, None, False), (1, "", Resolver.EDITOR, None, False)], key="q")
    with pytest.raises(GuardFailed, match="Qualification incomplète"):
        open_at(qualified, C.USAGE)
    assert not Ticket.objects.filter(school=qualified.college).exists()


# --- the product's rule ----------------------------------------------------------------------------

def test_network_faults_never_reach_a_vendor_whatever_the_convention_says():
    w = territory(GRAND_EST)
    t = open_at(w, C.NETWORK)
    assert (t.level, t.desk) == (1, w.desks["dep"])  # the collège's Département
    t = services.take(t, actor=w.users["dep"])
    with pytest.raises(GuardFailed, match="jamais transmises à l'éditeur"):
        services.escalate(t, actor=w.users["dep"], malfunction_proven=True, **QUALIF)
    # A convention giving network a direct access to the vendor changes nothing.
    odd = territory([(0, "", Resolver.SCHOOL, None, False), (1, "", Resolver.EDITOR, None, True)], key="n")
    t = services.take(open_at(odd, C.NETWORK), actor=odd.users["n0"])
    with pytest.raises(GuardFailed, match="jamais transmises à l'éditeur"):
        services.escalate(t, actor=odd.users["n0"], malfunction_proven=True, **QUALIF)
    assert unchanged(t)


def test_a_guard_refusal_is_a_422_naming_what_is_missing_in_the_api(client):
    from api.services import create_api_client
    from tests.api.conftest import fetch_token

    w = territory(GRAND_EST)
    t = up(w, open_at(w, C.MALFUNCTION), "n0")
    api_client, secret = create_api_client(desk=w.desks["guichet"], scopes="tickets:read tickets:write")
    token = fetch_token(api_client.application.client_id, secret).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "fr", "HTTP_IF_MATCH": f'"{t.version}"'}
    response = client.post(f"/api/v1/tickets/{t.reference}/transitions/escalate/", {"reason": "Pour l'éditeur"},
                           content_type="application/json", **headers)
    assert response.status_code == 422, response.content
    assert "Qualification incomplète" in response.content.decode()
    assert Ticket.objects.get(pk=t.pk).desk == w.desks["guichet"]
