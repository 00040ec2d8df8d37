"""Every guard refuses with a reason naming the rule, and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from directory.choices import Category
from directory.models import ConventionSchool
from tickets import services
from tickets.exceptions import GuardFailed
from tickets.models import Ticket

from .conftest import QUALIF

pytestmark = pytest.mark.django_db


def unchanged(t):
    fresh = Ticket.objects.get(pk=t.pk)
    return fresh.version == t.version and fresh.events.count() == t.version


@pytest.mark.parametrize("call,error,match", [
    (lambda t, u, w: services.route(t, actor=u["erun"], desk=w.desks["erun-lattes"], reason="x"), GuardFailed, "déjà sur ce guichet"),
    (lambda t, u, w: services.route(t, actor=u["erun"], desk=w.desks["dsi-montpellier"], reason="x"), GuardFailed, "même niveau"),
    (lambda t, u, w: services.route(t, actor=u["erun"], desk=w.desks["erun-sete"], reason=" "), ValidationError, "motif"),
    (lambda t, u, w: services.route(t, actor=u["erun"], desk=w.desks["ode-n1"], reason="vie scolaire"), GuardFailed, "Qualification incomplète"),
    (lambda t, u, w: services.send_back(t, actor=u["erun"], reason=""), ValidationError, "motif du renvoi"),
    (lambda t, u, w: services.resolve(t, actor=u["erun"], summary=""), ValidationError, "résumé"),
    (lambda t, u, w: services.cancel(t, actor=u["erun"], reason=""), ValidationError, "motif de l'annulation"),
    (lambda t, u, w: services.cancel(t, actor=u["erun"], reason="x", duplicate_of=t.reference), ValidationError, "lui-même"),
    (lambda t, u, w: services.cancel(t, actor=u["erun"], reason="x", duplicate_of="ENT-1999-000001"), ValidationError, "introuvable"),
    (lambda t, u, w: services.set_parent(t, actor=u["erun"], parent=t.reference), ValidationError, "boucle"),
    (lambda t, u, w: services.comment(t, actor=u["erun"], body=""), ValidationError, "obligatoire"),
    (lambda t, u, w: services.confirm(t, actor=u["enseignant"]), GuardFailed, "état « En cours »"),
    (lambda t, u, w: services.answer(t, actor=u["enseignant"], body="x"), GuardFailed, "état"),
    (lambda t, u, w: services.update_qualification(t, actor=u["erun"], users_affected=-2), ValidationError, "entier positif"),
    (lambda t, u, w: services.update_qualification(t, actor=u["erun"], colour="bleu"), ValidationError, "inconnu"),
    (lambda t, u, w: services.take(services.take(t, actor=u["erun"]), actor=u["erun"]), GuardFailed, "déjà pris en charge"),
])
def test_guards(at_n1, u, world, call, error, match):
    with pytest.raises(error, match=match):
        call(at_n1, u, world)
    if match != "déjà pris en charge":  # that case changed the ticket on purpose first
        assert unchanged(at_n1)


def test_send_back_at_level_0_is_refused(open_mtp, u):
    with pytest.raises(GuardFailed, match="niveau 0"):
        services.send_back(open_mtp(), actor=u["directeur"], reason="x")


def test_escalate_beyond_the_last_level_is_refused(at_vendor, u):
    with pytest.raises(GuardFailed, match="aucun niveau au-dessus du niveau 3"):
        services.escalate(at_vendor, actor=u["editeur"])


def test_parent_cycle_is_refused(at_n1, open_mtp, u):
    child = services.escalate(open_mtp(title="Enfant"), actor=u["directeur"])
    services.set_parent(child, actor=u["erun"], parent=at_n1.reference)
    with pytest.raises(ValidationError, match="boucle"):
        services.set_parent(at_n1, actor=u["erun"], parent=child.reference)


def test_vendor_needs_proof_or_no_solution_statement(at_n1, u):
    t = services.escalate(services.take(at_n1, actor=u["erun"]), actor=u["erun"])
    with pytest.raises(GuardFailed, match="avéré"):
        services.escalate(t, actor=u["dsi"], **QUALIF)
    assert unchanged(t)
    t = services.escalate(t, actor=u["dsi"], no_solution_found=True, **QUALIF)
    assert t.level == 3 and t.no_solution_found


def test_open_without_convention_nor_academie_desk_is_refused(u, bouissinet):
    # Without a convention the académie's level-1 desk receives it (tests/tickets/test_outside_convention.py);
    # with neither, nothing can receive it: refused, nothing written.
    from directory.models import Desk

    ConventionSchool.objects.filter(school=bouissinet).delete()
    Desk.objects.filter(academie=bouissinet.academie, level=1).update(academie=None, region=bouissinet.academie.region)
    with pytest.raises(GuardFailed, match="Aucune convention"):
        services.open_ticket(actor=u["enseignant"], school=bouissinet, title="x", description="y",
                             category=Category.USAGE, impact=3, urgency=3)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field,kwargs", [
    ("title", {"title": " "}), ("description", {"description": ""}), ("category", {"category": "weather"}),
    ("impact", {"impact": 9}), ("urgency", {"urgency": 0}),
])
def test_open_bad_input_names_the_field(u, bouissinet, field, kwargs):
    data = dict(title="x", description="y", category=Category.USAGE, impact=3, urgency=3) | kwargs
    with pytest.raises(ValidationError) as exc:
        services.open_ticket(actor=u["enseignant"], school=bouissinet, **data)
    assert field in exc.value.message_dict
    assert not Ticket.objects.exists()
