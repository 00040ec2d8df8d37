"""A school whose convention lapsed (or that no convention covers) is never blocked (issue 18): the
ticket is accepted, lands at the académie's desk — the last convention's guichet de repli, else the
académie's level-1 desk —, is marked "hors convention" and the timeline says why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.choices import Category, Level
from directory.models import Convention, School
from tickets import services
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


def _open(u, school, actor="admin"):
    return services.open_ticket(actor=u[actor], school=school, title="L'ENT ne répond plus", description="Depuis ce matin.",
                                category=Category.MALFUNCTION, impact=2, urgency=2)


def test_a_lapsed_convention_sends_the_ticket_to_its_fallback_desk_marked_outside(world, u, client):
    school = world.schools["0341255E"]
    covering = Convention.objects.filter(coverage__school=school)
    last = covering.order_by("-ends_on").first()
    yesterday = timezone.localdate() - timedelta(days=1)
    covering.update(ends_on=yesterday)
    Convention.objects.filter(pk=last.pk).update(starts_on=min(last.starts_on, yesterday))
    t = _open(u, school)
    assert t.outside_convention and t.convention_id == last.pk
    assert t.desk == last.fallback_desk and t.level == t.desk.level
    opened = t.events.get(kind=EventKind.OPENED)
    assert opened.payload["outside_convention"] is True and "hors convention" in opened.payload["routing"]
    client.force_login(u["admin"])
    page = client.get(reverse("web:ticket", args=[t.reference])).content.decode()
    assert 'id="outside-convention"' in page and "Hors convention" in page


def test_a_school_no_convention_covers_goes_to_its_academie_desk(world, u):
    mtp = world.academies["montpellier"]
    school = School.objects.create(uai="0341999X", name="École sans convention (fictif)", academie=mtp)
    t = _open(u, school)
    assert t.outside_convention and t.convention is None
    assert t.desk.academie_id == mtp.pk and t.desk.level == Level.AUTHORITY


def test_a_ticket_under_a_convention_in_force_is_not_marked(world, u):
    t = _open(u, world.schools["0341255E"])
    assert not t.outside_convention


def test_a_tacitly_renewed_convention_still_receives_tickets_past_its_initial_end(world):
    from datetime import date

    from directory.models import ConventionSchool
    from tickets.actions import convention_for

    school = world.schools["0062050W"]  # Villeneuve-Loubet (seed 000: one-year tacit renewals, three years at most)
    first = Convention.objects.get(reference="DSDEN06-VILLENEUVE-LOUBET-2023")
    ConventionSchool.objects.filter(school=school).exclude(convention=first).delete()  # the seed's convention alone
    assert first.ends_on == date(2023, 9, 1)
    assert convention_for(school, on=date(2024, 6, 1)) == first  # renewed by its terms
    assert convention_for(school, on=date(2025, 9, 5)) is None  # no renewal past three years: lapsed
