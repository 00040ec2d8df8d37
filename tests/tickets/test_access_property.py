"""Property: one access rule, the same answer everywhere.

Hypothesis builds random worlds — two or three conventions with their support matrices (some
naming desks of two vendors), schools, desks, memberships of every role — opens tickets of random
categories (security incidents included) and moves them through random transitions; then, for
every person and ticket:

    in visible_to ⇔ can_view ⇔ the ticket page opens ⇔ its live messages reach the person's
    websocket ⇔ it is in the person's export (pivot)

and for boards: a ticket on a board the person can open is visible, and a visible ticket at a
desk whose board the person can open is on that board (`desk_tickets` = visible ∩ desk).
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.pivot import export_queryset
from directory.choices import Category, Level, Role
from directory.models import (
    Academie, Circonscription, Collectivite, Convention, Desk, EntProduct, Membership, RegionAcademique, School,
    SupportRoute, User, Vendor,
)
from directory.selectors import desks_for
from directory.services import cover_schools
from directory.validators import uai_check_letter
from tickets import access, services
from tickets.exceptions import Conflict, GuardFailed, PermissionDenied
from tickets.models import Ticket
from tickets.outbox import live_message
from tickets.selectors import desk_tickets
from web.consumers import may_follow_desk, may_follow_ticket, may_receive

from .conftest import QUALIF

pytestmark = pytest.mark.django_db

CATEGORIES = [Category.MALFUNCTION, Category.USAGE, Category.NETWORK, Category.VIE_SCOLAIRE, Category.SECURITY]
REFUSED = (GuardFailed, PermissionDenied, ValidationError, Conflict)


def _uai(n: int) -> str:
    first7 = f"{9300000 + n:07d}"
    return first7 + uai_check_letter(first7)


class World:
    def __init__(self):
        self.users, self.desks, self.agents, self.requesters, self.schools = [], [], {}, {}, []

    def person(self, role, **target):
        user = User.objects.create_user(username=f"u{len(self.users)}", password="x")
        Membership.objects.create(user=user, role=role, **target)
        self.users.append(user)
        return user


def build_world(draw) -> World:
    w = World()
    region = RegionAcademique.objects.create(code="PT", name="Région test")
    academies = [Academie.objects.create(code=f"9{i}", name=f"Académie {i}", region=region) for i in range(2)]
    vendors = [Vendor.objects.create(slug=f"editeur-{i}", name=f"Éditeur {i}") for i in range(2)]
    products = [EntProduct.objects.create(slug=f"ent-{i}", name=f"ENT {i}", vendor=v) for i, v in enumerate(vendors)]
    vendor_n3 = [Desk.objects.create(slug=f"ed{i}-n3", name=f"Éditeur {i} N3", level=Level.VENDOR, vendor=v)
                 for i, v in enumerate(vendors)]
    vendor_n1 = [Desk.objects.create(slug=f"ed{i}-n1", name=f"Éditeur {i} N1", level=Level.AUTHORITY, vendor=v)
                 for i, v in enumerate(vendors)]
    dsi = [Desk.objects.create(slug=f"dsi-{i}", name=f"DSI {i}", level=Level.EXPERTISE, academie=a)
           for i, a in enumerate(academies)]
    w.desks += vendor_n3 + vendor_n1 + dsi
    today = date.today()
    uai = 0
    for c in range(draw(st.integers(2, 3))):
        academie = academies[draw(st.integers(0, 1))]
        circ = Circonscription.objects.create(code=f"C{c}", name=f"Circonscription {c}", academie=academie)
        commune = Collectivite.objects.create(name=f"Commune {c}", kind="commune")
        schools = []
        for _ in range(draw(st.integers(1, 2))):
            uai += 1
            school = School.objects.create(uai=_uai(uai), name=f"École {uai}", academie=academie,
                                           circonscription=circ, collectivite=commune)
            schools.append(school)
            n0 = Desk.objects.create(slug=f"n0-{uai}", name=f"N0 {uai}", level=Level.SCHOOL, school=school)
            w.desks.append(n0)
        erun = Desk.objects.create(slug=f"erun-{c}", name=f"ERUN {c}", level=Level.AUTHORITY, circonscription=circ)
        w.desks.append(erun)
        v = draw(st.integers(0, 1))
        convention = Convention.objects.create(reference=f"CONV-{c}", product=products[v], academie=academie,
                                               starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300))
        cover_schools(convention, schools)
        matrix = {(0, ""): None, (1, ""): erun, (2, ""): dsi[academies.index(academie)], (3, ""): vendor_n3[v]}
        if draw(st.booleans()):
            matrix[(1, Category.VIE_SCOLAIRE)] = vendor_n1[v]
        if draw(st.integers(0, 3)):  # network faults to the other vendor: a vendor-to-vendor route in the chain
            matrix[(3, Category.NETWORK)] = vendor_n3[1 - v]
        SupportRoute.objects.bulk_create(
            SupportRoute(convention=convention, level=level, category=category, desk=desk, resolver="school" if desk is None else "desk")
            for (level, category), desk in matrix.items()
        )
        w.schools += schools
        # Memberships: a requester and a school contact per school, managers, DPOs, observers.
        for school in schools:
            w.requesters[school.pk] = w.person(Role.REQUESTER, school=school)
            if draw(st.booleans()):
                w.person(Role.AGENT, desk=school.desks.get(level=0), is_school_contact=True)
        for role, target in ((Role.OBSERVER, {"circonscription": circ}), (Role.MANAGER, {"circonscription": circ})):
            if draw(st.booleans()):
                w.person(role, **target)
    for academie in academies:
        for role in (Role.MANAGER, Role.DPO):
            if draw(st.booleans()):
                w.person(role, academie=academie)
    for desk in w.desks:  # one agent per desk, so that tickets can move
        w.agents[desk.pk] = w.person(Role.AGENT, desk=desk)
    for _ in range(draw(st.integers(0, 2))):  # people with several roles
        user = w.users[draw(st.integers(0, len(w.users) - 1))]
        Membership.objects.create(user=user, role=Role.AGENT, desk=w.desks[draw(st.integers(0, len(w.desks) - 1))])
    if draw(st.booleans()):
        Membership.objects.create(user=w.person(Role.AGENT, vendor=vendors[0]), role=Role.OBSERVER, academie=academies[0])
    admin = User.objects.create_user(username="admin", password="x", is_superuser=True)
    w.users.append(admin)
    return w


OPS = ["take", "escalate", "climb", "climb", "route", "route", "send_back", "resolve", "handover"]
STEP = st.tuples(st.integers(0, 99), st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 9))


def move(w: World, ticket: Ticket, op: str, pick: int, who: int):
    """One transition; most actors are agents of the ticket's desk, some anybody (refusals)."""
    t = Ticket.objects.get(pk=ticket.pk)
    actor = w.agents.get(t.desk_id) if who else w.users[pick % len(w.users)]
    if actor is None:
        return
    try:
        if op == "take":
            services.take(t, actor=actor)
        elif op == "send_back":
            services.send_back(t, actor=actor, reason="Précisez")
        elif op == "resolve":
            services.resolve(t, actor=actor, summary="Réglé")
        else:
            # climb: up the chain, each level's agent in turn; handover: then to another desk there
            for _ in range({"escalate": 1, "route": 0}.get(op, 3)):
                t = services.escalate(t, actor=actor, reason="Au-dessus", malfunction_proven=True, **QUALIF)
                actor = w.agents[t.desk_id]
            if op in ("route", "handover"):
                same_level = [d for d in w.desks if d.level == t.level and d.pk != t.desk_id] or w.desks
                services.route(t, actor=actor, desk=same_level[pick % len(same_level)], reason="Ailleurs")
    except REFUSED:
        pass


def fresh(user):
    return User.objects.get(pk=user.pk)  # no cached perimeter


def check_everywhere(w: World, tickets):
    client = Client()
    all_desks = {d.pk: d for d in w.desks}
    for user in w.users:
        visible = set(access.visible_to(fresh(user)).values_list("pk", flat=True))
        exported = set(export_queryset(fresh(user), None).values_list("pk", flat=True))
        assert exported == visible
        openable = set(desks_for(fresh(user)).values_list("pk", flat=True))
        on_boards = set()
        for desk_id, desk in all_desks.items():
            assert may_follow_desk(fresh(user), desk_id) == (desk_id in openable)
            board = set(desk_tickets(fresh(user), desk).values_list("pk", flat=True))
            assert board == set(access.visible_to(fresh(user)).filter(desk=desk).values_list("pk", flat=True))
            if desk_id in openable:
                on_boards |= board
        assert on_boards <= visible  # on a board the user can open ⇒ visible
        client.force_login(user)
        for t in tickets:
            seen = t.pk in visible
            assert access.can_view(fresh(user), t) == seen, (user.username, t.reference)
            status = client.get(reverse("web:ticket", args=[t.reference])).status_code
            assert status == (200 if seen else 404), (user.username, t.reference, status)
            assert may_follow_ticket(fresh(user), t.pk) == seen
            assert may_receive(fresh(user), live_message(t)) == seen
            if seen and t.desk_id in openable:  # visible, at a desk whose board opens ⇒ on that board
                assert t.pk in on_boards


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_access_rule_everywhere(data, huey_immediate):
    draw = data.draw
    with transaction.atomic():
        w = build_world(draw)
        tickets = []
        for _ in range(draw(st.integers(2, 5))):
            school = w.schools[draw(st.integers(0, len(w.schools) - 1))]
            try:
                tickets.append(services.open_ticket(
                    actor=w.requesters[school.pk], school=school, title="Un souci", description="Depuis ce matin.",
                    category=draw(st.sampled_from(CATEGORIES)), impact=2, urgency=2,
                ))
            except REFUSED:
                pass
        for which, op, pick, who in draw(st.lists(STEP, min_size=6, max_size=24)) if tickets else ():
            move(w, tickets[which % len(tickets)], op, pick, who)
        tickets = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
        check_everywhere(w, tickets)
        transaction.set_rollback(True)
