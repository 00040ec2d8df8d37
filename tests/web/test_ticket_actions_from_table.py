"""The ticket page's action buttons and forms are derived from the workflow table
(`tickets.workflow.TRANSITIONS`): a person sees exactly the buttons of the rows of their side that
they may do now, each with the row's label; each posts and shows the row's `done` sentence."""

import re

import pytest
from django import forms
from django.urls import reverse

from tickets import services
from tickets.guards import route_targets
from tickets.models import Ticket
from tickets.permissions import available_transitions
from tickets.workflow import TRANSITIONS
from web.forms import transition_form

from .test_pages import at_erun

pytestmark = pytest.mark.django_db
AGENT_ROWS = [row for row in TRANSITIONS if row.side == "agent"]
BUTTON = re.compile(r'id="action-(\w+)"')


def buttons(client, ticket) -> list[str]:
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    names = {row.name for row in TRANSITIONS}
    return [name for name in BUTTON.findall(html) if name in names]


def filled(row, ticket, user, other) -> dict:
    """Valid input for every field of the row's form, under the names the page posts."""
    form = transition_form(row, ticket, user)
    data = {f"{row.name}-version": ticket.version}
    for name, field in form.fields.items():
        key = f"{row.name}-{name}"
        if name == "version" or isinstance(field, forms.BooleanField):
            continue
        if isinstance(field, forms.ModelChoiceField):
            choice = field.queryset.first()
            if choice is None:
                return {}
            data[key] = choice.pk
        elif isinstance(field, forms.DateTimeField):
            data[key] = "2026-03-02T08:30"
        elif isinstance(field, forms.IntegerField):
            data[key] = 3
        elif isinstance(field, forms.ChoiceField):  # e.g. a comment's audience: its first (default) choice
            data[key] = field.choices[0][0]
        elif field.max_length == 20:  # a ticket reference
            data[key] = other.reference
        else:
            data[key] = "Texte saisi dans le formulaire"
    return data


def post(client, ticket, name, data):
    return client.post(reverse("web:ticket_action", args=[ticket.reference, name]), data, follow=True)


def test_the_agent_sees_exactly_the_rows_allowed_with_their_labels(client, world):
    ticket = at_erun(world)
    erun = world.users["erun"]
    client.force_login(erun)
    allowed = set(available_transitions(erun, ticket))
    # Route is offered: the school's level-1 chain has the commune's and the GAR desks besides ERUN Lattes.
    assert route_targets(ticket)
    expected = [row.name for row in AGENT_ROWS if row.name in allowed]
    assert expected and "take" in expected and "route" in expected
    assert buttons(client, ticket) == expected
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    for row in AGENT_ROWS:
        if row.name in expected:
            assert str(row.label).replace("'", "&#x27;") in html, row.name
    # Once taken, the buttons still follow the rows allowed (state, rights and guards change).
    services.take(ticket, actor=erun)
    ticket.refresh_from_db()  # taken by the ERUN: "Prendre en charge" is no longer offered to them
    assert "take" not in available_transitions(erun, ticket)
    assert buttons(client, ticket) == [n for n in expected if n in set(available_transitions(erun, ticket))]


def test_route_is_offered_only_when_the_chain_has_another_desk_at_the_level(client, world):
    """A form whose required choice has no option is not offered; route lists the desks the
    school's matrix names at this level (each saying why), never another circonscription's."""
    from directory.choices import Resolver
    from directory.models import SupportRoute

    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    assert "route" in buttons(client, ticket)
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    select = re.search(r'<select name="route-desk".*?</select>', html, re.S).group(0)
    assert "Commune de Villeneuve-lès-Maguelone" in select and " — " in select
    assert "ERUN Sète" not in select and "Kosmos" not in select and "Nancy-Metz" not in select
    # Only the circonscription's cells left at level 1: no other desk, no route button.
    SupportRoute.objects.filter(convention=ticket.convention, level=1).exclude(resolver=Resolver.CIRCONSCRIPTION).delete()
    assert "route" not in buttons(client, ticket)


@pytest.mark.parametrize("row", AGENT_ROWS, ids=lambda r: r.name)
def test_each_agent_row_posts_and_says_it_is_done(client, world, row):
    ticket, other = at_erun(world), at_erun(world, title="Une autre demande")
    erun = world.users["erun"]
    client.force_login(erun)
    if row.name not in available_transitions(erun, ticket):
        pytest.skip(f"{row.name} is not open to the ERUN on a new ticket")
    data = filled(row, ticket, erun, other)
    if not data:
        pytest.skip(f"{row.name}: no other desk in this chain at level 1 (see test_the_route_form_offers_the_support_chain_and_routes)")
    response = post(client, ticket, row.name, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Action refusée" not in html, html[:3000]
    assert str(row.done).replace("'", "&#x27;") in html


def test_the_requester_sees_their_rows_and_each_says_it_is_done(client, world):
    teacher, erun = world.users["enseignant"], world.users["erun"]
    client.force_login(teacher)
    for name in ("confirm", "reopen"):
        ticket = services.resolve(at_erun(world), actor=erun, summary="Corrigé")
        allowed = set(available_transitions(teacher, ticket))
        # `answer` is written in the message form under the conversation, not as a button.
        assert buttons(client, ticket) == [r.name for r in TRANSITIONS
                                           if r.side == "requester" and r.name in allowed and r.name != "answer"]
        row = next(r for r in TRANSITIONS if r.name == name)
        response = post(client, ticket, name, filled(row, ticket, teacher, ticket))
        assert str(row.done).replace("'", "&#x27;") in response.content.decode()


def test_a_reference_outside_the_perimeter_is_a_form_error(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, "link_duplicate"]),
                           {"link_duplicate-version": ticket.version, "link_duplicate-duplicate_of": "ENT-1999-000001"})
    assert response.status_code == 400
    assert "Aucun ticket de votre périmètre ne porte cette référence." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).duplicate_of_id is None


def test_the_escalation_message_keeps_its_html_name(client, world):
    """`escalate-note` (the form's name before the table) carries the row's `reason`."""
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert 'name="escalate-note"' in html and "Message pour le niveau suivant" in html
    post(client, ticket, "escalate", {"escalate-version": ticket.version, "escalate-note": "Erreur reproduite"})
    event = Ticket.objects.get(pk=ticket.pk).events.order_by("-pk").first()
    assert event.payload["reason"] == "Erreur reproduite"


def test_the_route_form_offers_the_support_chain_and_routes(client, world):
    """A DESK input is a choice among `tickets.guards.route_targets` (the chain at the ticket's level)."""
    from tickets.guards import route_targets

    admin = world.users["admin"]
    ticket = services.open_ticket(actor=admin, school=world.schools["0570098X"], title="Absences",
                                  description="L'appel ne s'enregistre pas", category="usage", impact=2, urgency=2)
    ticket = services.escalate(ticket, actor=admin, reason="Pour le guichet")
    targets = route_targets(ticket)
    assert len(targets) >= 1
    client.force_login(world.users["guichet"])
    html = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    select = re.search(r'<select name="route-desk".*?</select>', html, re.S).group(0)
    assert sorted(int(v) for v in re.findall(r'value="(\d+)"', select)) == sorted(d.pk for d in targets)
    response = post(client, ticket, "route", {"route-version": ticket.version, "route-desk": targets[-1].pk,
                                              "route-reason": "Matériel"})
    assert "La demande est réorientée vers le guichet choisi." in response.content.decode().replace("&#x27;", "'")
    assert Ticket.objects.get(pk=ticket.pk).desk_id == targets[-1].pk
