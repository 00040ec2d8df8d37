"""Canned answers (macros): placeholders filled, the reply and the macro's action in one
transaction (a refused action writes nothing), the macros an agent may use (their desks and
organisations), the ticket page's select and button, the demo's two macros."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.selectors import organisation_keys, perimeter_for
from tickets import macros, services
from tickets.exceptions import GuardFailed, PermissionDenied
from tickets.models import Comment, Macro, State, TicketEvent
from tickets.states import EventKind

pytestmark = pytest.mark.django_db


def org_of(user):
    """The organisation key of the user's agent grant (what an organisation's macro names)."""
    return next(k for k in organisation_keys(perimeter_for(user).grants) if k)


@pytest.fixture
def ticket(open_mtp):
    return open_mtp()


@pytest.fixture
def screenshot(world):
    return Macro.objects.create(
        title="Demander une capture d'écran", transition="request_info", desk=world.desks["n0-0341255E"],
        body="Bonjour {demandeur}, pour {reference} ({ecole}) : une capture d'écran, s'il vous plaît ?")


@pytest.fixture
def thanks(world, u):
    return Macro.objects.create(title="Accusé de réception", organisation=org_of(u["erun"]),
                                body="Bien reçu {reference}, {demandeur}.")


def test_fill_replaces_the_placeholders(ticket, screenshot):
    text = macros.fill(screenshot, ticket)
    assert text == (f"Bonjour Camille Martin, pour {ticket.reference} (École élémentaire publique Pierre Bouissinet) : "
                    "une capture d'écran, s'il vous plaît ?")


def test_the_model_refuses_unknown_placeholders_actions_and_owners(world):
    bad = Macro(title="x", body="Bonjour {nom} {reference}", transition="escalate", desk=world.desks["n0-0341255E"])
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "{nom}" in str(exc.value.message_dict["body"]) and "transition" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        Macro(title="x", body="y", desk=world.desks["n0-0341255E"], organisation="academie:1").full_clean()
    assert "desk" in exc.value.message_dict
    assert "request_info" in macros.macro_transitions() and "resolve" in macros.macro_transitions()
    for name in ("comment", "route", "escalate", "send_back"):
        assert name not in macros.macro_transitions()


def test_a_macro_with_request_info_asks_the_question_once(ticket, screenshot, u):
    t = services.take(ticket, actor=u["directeur"])
    t = macros.apply_macro(u["directeur"], t, screenshot)
    assert t.state == State.WAITING_REQUESTER
    last = TicketEvent.objects.filter(ticket=t).order_by("-id").first()
    assert last.kind == EventKind.INFO_REQUESTED and "Camille Martin" in last.payload["body"]
    # the text reaches the requester once (the question), not a reply and the same question again
    assert Comment.objects.filter(ticket=t).count() == 1


def test_a_plain_macro_posts_a_public_reply(at_n1, thanks, u):
    state = at_n1.state
    t = macros.apply_macro(u["erun"], at_n1, thanks)
    comment = Comment.objects.get(ticket=t)
    assert comment.visibility == "public" and comment.body == f"Bien reçu {t.reference}, Camille Martin."
    assert comment.event.kind == EventKind.COMMENTED and t.state == state


def test_a_take_macro_takes_then_replies(ticket, world, u):
    macro = Macro.objects.create(title="Je m'en occupe", transition="take", desk=world.desks["n0-0341255E"],
                                 body="Je prends votre demande, {demandeur}.")
    t = macros.apply_macro(u["directeur"], ticket, macro)
    kinds = list(TicketEvent.objects.filter(ticket=t).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.TAKEN, EventKind.COMMENTED] and t.assignee == u["directeur"]


def test_a_refused_action_writes_nothing(ticket, screenshot, u, world):
    # request_info is for a ticket being worked on: from "waiting for the requester" it is refused
    t = services.take(ticket, actor=u["directeur"])
    t = services.request_info(t, actor=u["directeur"], body="Quel navigateur ?")
    events, comments, version = TicketEvent.objects.count(), Comment.objects.count(), t.version
    with pytest.raises(GuardFailed):
        macros.apply_macro(u["directeur"], t, screenshot)
    t.refresh_from_db()
    assert (TicketEvent.objects.count(), Comment.objects.count(), t.version) == (events, comments, version)
    # an action failing after the reply (a take of a ticket one already holds) rolls the reply back too
    taker = Macro.objects.create(title="Prendre", transition="take", desk=world.desks["n0-0341255E"], body="ok")
    fresh = services.take(services.open_ticket(
        actor=u["enseignant"], school=world.schools["0341255E"], title="Autre", description="d",
        category="malfunction", impact=3, urgency=3), actor=u["directeur"])
    events, comments = TicketEvent.objects.count(), Comment.objects.count()
    with pytest.raises(GuardFailed):
        macros.apply_macro(u["directeur"], fresh, taker)
    assert (TicketEvent.objects.count(), Comment.objects.count()) == (events, comments)


def test_macros_for_follows_desks_organisations_and_the_ticket(ticket, at_n1, screenshot, thanks, u, world):
    other_desk = Macro.objects.create(title="Nancy", body="x", desk=world.desks["guichet-nancy"])
    assert list(macros.macros_for(u["directeur"], ticket)) == [screenshot]  # the school desk's agent
    assert list(macros.macros_for(u["erun"], at_n1)) == [thanks]  # the ERUN's académie
    # not on a ticket they may not answer as the support side
    assert not macros.macros_for(u["erun"], ticket).exists()
    assert not macros.macros_for(u["enseignant"], ticket).exists()
    assert not macros.macros_for(u["guichet"], ticket).exists()
    # a macro of another desk cannot be applied, and nothing is written
    events = TicketEvent.objects.count()
    with pytest.raises(PermissionDenied):
        macros.apply_macro(u["directeur"], ticket, other_desk)
    with pytest.raises(PermissionDenied):
        macros.apply_macro(u["erun"], ticket, thanks)
    assert TicketEvent.objects.count() == events
    inactive = Macro.objects.create(title="Ancienne", body="x", desk=world.desks["n0-0341255E"], active=False)
    assert inactive not in macros.macros_for(u["directeur"], ticket)


def test_the_ticket_page_offers_the_macros_and_applies_one(ticket, screenshot, client, u):
    t = services.take(ticket, actor=u["directeur"])
    client.force_login(u["directeur"])
    url = reverse("web:ticket", args=[t.reference])
    html = client.get(url).content.decode()
    assert 'id="macro-select"' in html and "Demander une capture d&#x27;écran" in html
    assert "web/macros.js" in html and 'name="comment-body"' in html
    assert "Camille Martin" in html  # the filled text, for the reply form's select
    apply = reverse("web:ticket_macro", args=[t.reference])
    missing = client.post(apply, {"macro": ""})
    assert missing.status_code == 400 and "Réponse type" in missing.content.decode()
    done = client.post(apply, {"macro": screenshot.pk, "version": t.version})
    assert done.status_code == 302
    t.refresh_from_db()
    assert t.state == State.WAITING_REQUESTER
    # the requester never sees the panel
    client.force_login(u["enseignant"])
    assert 'id="macro-select"' not in client.get(url).content.decode()
    assert client.post(apply, {"macro": screenshot.pk}).status_code == 400


def test_the_demo_seeds_two_illustrative_macros(world):
    from tickets.demo import seed_macros

    assert seed_macros(world) == 2
    titles = dict(Macro.objects.values_list("title", "transition"))
    assert titles["Demander une capture d'écran"] == "request_info"
    assert all("illustrative" in body for body in Macro.objects.values_list("body", flat=True))
