"""The GAR / MédiaCentre procedure and third-party editors outside the product.

Poitiers art. 2 and 7: "c'est l'académie qui centralise les demandes et est en relation avec le
GAR": a request about a GAR resource reaches the académie's GAR desk (DSDEN with the SRANE), which
answers it, or forwards it to the resource's editor or to the national GAR support. Grand Est
art. 6: the competent authority turns to the editor of the software concerned. The forward is a
line of the support chain's timeline and an e-mail through the outbox; the answer comes back as a
comment of the GAR desk."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.choices import Category, Resolver
from directory.models import Resource, Vendor
from tickets import outbox, services
from tickets.exceptions import GuardFailed
from tickets.models import OutboxMessage, Ticket
from tickets.permissions import available_transitions
from tickets.selectors import timeline_for
from tickets.states import EventKind, Visibility

from .conftest import QUALIF
from .test_guards_data import GRAND_EST, open_at, territory, up

pytestmark = pytest.mark.django_db
C = Category
# Poitiers: the editor of the interface at level 1; third-party resources to their editor (a GAR
# resource first to the académie's GAR desk).
POITIERS = [
    (0, "", Resolver.SCHOOL, None, False),
    (1, "", Resolver.EDITOR, None, True),
    (1, C.THIRD_PARTY, Resolver.EDITOR, None, False),
    (2, "", Resolver.DESK, "v2", False),
]
NOTE = "Enseignante peu à l'aise avec le Médiacentre"
MESSAGE = "Le manuel de 4e affiche une page blanche pour toute la classe 4B depuis lundi."


@pytest.fixture
def gar_address(settings):
    settings.HELPDESK = {**settings.HELPDESK, "GAR_SUPPORT_EMAIL": "assistance@gar.example"}
    return "assistance@gar.example"


def editor_outside(slug="manuels-lumiere", email="support@manuels-lumiere.example"):
    """An editor with no desk in the product, only a support address."""
    return Vendor.objects.create(slug=slug, name="Éditions Lumière", support_email=email)


def at_gar_desk(w, resource):
    """A teacher's request about `resource`, escalated by the school's correspondent (with an
    internal note and the qualification), taken by the GAR desk."""
    t = open_at(w, C.THIRD_PARTY, resource=resource)
    services.comment(t, actor=w.users["n0"], body=NOTE, internal=True)
    t = up(w, Ticket.objects.get(pk=t.pk), "n0", reason="Ressource du Médiacentre", **QUALIF)
    return services.take(t, actor=w.users["gar"])


def sent():
    outbox.deliver_pending()
    mails = list(mail.outbox)
    mail.outbox.clear()
    return mails


def test_a_gar_resource_reaches_the_gar_desk_which_forwards_to_its_editor_and_enters_the_answer():
    w = territory(POITIERS)
    editor = editor_outside()
    manual = Resource.objects.create(slug="manuel-4e", name="Manuel numérique de 4e", editor=editor, is_gar=True)
    t = at_gar_desk(w, manual)
    assert (t.level, t.desk) == (1, w.desks["gar"]) and not t.reached_vendor
    escalated = t.events.get(kind=EventKind.ESCALATED)
    assert "GAR" in escalated.payload["routing"]
    assert available_transitions(w.users["gar"], t).count("forward_external") == 1
    sent()

    t = services.forward_external(t, actor=w.users["gar"], to="editor", message=MESSAGE)
    assert (t.state, t.level, t.desk) == ("in_progress", 1, w.desks["gar"])  # it stays with the GAR desk
    line = t.events.get(kind=EventKind.FORWARDED_EXTERNAL)
    assert line.visibility == Visibility.CHAIN
    assert {k: line.payload.get(k) for k in ("to", "recipient", "address", "message")} == {
        "to": "editor", "recipient": "Éditions Lumière", "address": "support@manuels-lumiere.example", "message": MESSAGE}

    mails = sent()
    to_editor = [m for m in mails if m.to == ["support@manuels-lumiere.example"]]
    assert len(to_editor) == 1
    body = to_editor[0].body
    assert t.reference in to_editor[0].subject and t.reference in body
    for expected in (MESSAGE, manual.name, QUALIF["steps_to_reproduce"], QUALIF["observed_behaviour"],
                     "gar-t@ac-test.example"):  # where to answer: the GAR desk's address
        assert expected in body, expected
    # Never the chain's notes, the requester's identity or a link the editor cannot open.
    for absent in (NOTE, w.users["prof"].email, w.users["prof"].username, "http"):
        assert absent not in body, absent
    assert not [m for m in mails if w.users["prof"].email in m.to]  # the teacher is not told of the forward

    # The teacher does not see the forward; the GAR desk and the school's correspondent do.
    assert EventKind.FORWARDED_EXTERNAL not in {e.kind for e in timeline_for(w.users["prof"], t)}
    assert EventKind.FORWARDED_EXTERNAL in {e.kind for e in timeline_for(w.users["n0"], t)}

    # The editor's answer comes back by mail; the GAR desk enters it as its public answer.
    t = services.comment(t, actor=w.users["gar"], body="Réponse de l'éditeur : licences réattribuées, rechargez la page.")
    kinds = [e.kind for e in timeline_for(w.users["gar"], t)]
    assert kinds[-3:] == [EventKind.TAKEN, EventKind.FORWARDED_EXTERNAL, EventKind.COMMENTED]
    assert any(w.users["prof"].email in m.to and "licences réattribuées" in m.body for m in sent())


def test_the_gar_desk_forwards_to_the_national_gar_support(gar_address):
    w = territory(POITIERS)
    manual = Resource.objects.create(slug="atlas-gar", name="Atlas interactif", editor=editor_outside(), is_gar=True)
    t = services.forward_external(at_gar_desk(w, manual), actor=w.users["gar"], to="gar", message="Accès refusé au GAR.")
    line = t.events.get(kind=EventKind.FORWARDED_EXTERNAL)
    assert line.payload["address"] == gar_address and "GAR" in line.payload["recipient"]
    row = OutboxMessage.objects.get(event=line, channel=OutboxMessage.Channel.EMAIL)
    assert row.payload["to"] == [gar_address]
    assert [m.to for m in sent() if "Accès refusé au GAR." in m.body] == [[gar_address]]


def test_only_the_gar_desk_turns_to_the_national_gar_support(gar_address):
    """Grand Est: a third-party (non-GAR) resource whose editor has no desk. The level above the
    school names that editor: escalating says to forward instead; the school's desk may forward to
    the editor, never to the GAR."""
    w = territory(GRAND_EST)
    tool = Resource.objects.create(slug="logiciel-tiers", name="Logiciel de géométrie", editor=editor_outside())
    t = services.take(open_at(w, C.THIRD_PARTY, resource=tool), actor=w.users["n0"])
    with pytest.raises(GuardFailed, match="Transmettre à un support externe"):
        services.escalate(t, actor=w.users["n0"], **QUALIF)
    with pytest.raises(ValidationError) as refused:
        services.forward_external(t, actor=w.users["n0"], to="gar", message="x")
    assert "GAR / MédiaCentre" in refused.value.message_dict["to"][0]
    t = services.forward_external(t, actor=w.users["n0"], to="editor", message="Le logiciel ne se lance plus.")
    assert t.events.filter(kind=EventKind.FORWARDED_EXTERNAL).count() == 1


def test_an_editor_with_a_desk_is_reached_through_the_workflow_not_by_mail():
    w = territory(POITIERS)
    own = Resource.objects.create(slug="module-ent", name="Module de l'ENT", editor=w.vendor)
    t = services.take(open_at(w, C.THIRD_PARTY, resource=own), actor=w.users["n0"])
    assert "forward_external" not in available_transitions(w.users["n0"], t)
    with pytest.raises(GuardFailed, match="Aucun support externe"):
        services.forward_external(t, actor=w.users["n0"], to="editor", message="x")
    # Without a resource, outside the GAR desk, nothing to forward to: the button is not offered.
    plain = open_at(w, C.USAGE)
    assert "forward_external" not in available_transitions(w.users["n0"], plain)


def test_a_vendor_desk_does_not_forward_and_bad_input_names_the_field():
    w = territory(POITIERS)
    manual = Resource.objects.create(slug="manuel-x", name="Manuel X", editor=editor_outside(), is_gar=True)
    t = at_gar_desk(w, manual)
    with pytest.raises(ValidationError) as bad:
        services.forward_external(t, actor=w.users["gar"], to="ailleurs", message="x")
    assert set(bad.value.message_dict) == {"to"}
    with pytest.raises(ValidationError) as empty:
        services.forward_external(t, actor=w.users["gar"], to="editor", message=" ")
    assert set(empty.value.message_dict) == {"message"}
    usage = services.take(up(w, open_at(w, C.USAGE), "n0"), actor=w.users["v1"])  # Poitiers: at the editor's desk
    assert "forward_external" not in available_transitions(w.users["v1"], usage)
    assert not Ticket.objects.get(pk=t.pk).events.filter(kind=EventKind.FORWARDED_EXTERNAL).exists()


def test_the_gar_desk_forwards_from_the_ticket_page(client, gar_address):
    w = territory(POITIERS)
    manual = Resource.objects.create(slug="manuel-web", name="Manuel Web", editor=editor_outside(), is_gar=True)
    t = at_gar_desk(w, manual)
    client.force_login(w.users["gar"])
    page = client.get(reverse("web:ticket", args=[t.reference])).content.decode()
    assert 'id="action-forward_external"' in page and "Le support national du GAR" in page
    response = client.post(reverse("web:ticket_action", args=[t.reference, "forward_external"]),
                           {"forward_external-version": t.version, "forward_external-to": "gar",
                            "forward_external-message": "Merci de vérifier l'affectation."}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "saisissez sa réponse en commentaire" in html
    assert "assistance@gar.example" in html  # the timeline says to whom
    client.force_login(w.users["prof"])
    assert "Merci de vérifier l'affectation." not in client.get(reverse("web:ticket", args=[t.reference])).content.decode()


def test_the_api_offers_and_runs_the_forward(client, gar_address):
    from api.services import create_api_client
    from tests.api.conftest import fetch_token

    w = territory(POITIERS)
    manual = Resource.objects.create(slug="manuel-api", name="Manuel API", editor=editor_outside(), is_gar=True)
    t = at_gar_desk(w, manual)
    api_client, secret = create_api_client(desk=w.desks["gar"], scopes="tickets:read tickets:write")
    token = fetch_token(api_client.application.client_id, secret).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "fr"}
    url = f"/api/v1/tickets/{t.reference}/transitions/"
    assert "forward_external" in client.get(url, **auth).json()["transitions"]

    bad = client.post(f"{url}forward_external/", {"to": "ailleurs", "message": "x"}, content_type="application/json",
                      HTTP_IF_MATCH=f'"{t.version}"', **auth)
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["to"]
    ok = client.post(f"{url}forward_external/", {"to": "gar", "message": "Accès refusé."}, content_type="application/json",
                     HTTP_IF_MATCH=f'"{t.version}"', **auth)
    assert ok.status_code == 200, ok.content
    assert Ticket.objects.get(pk=t.pk).events.filter(kind=EventKind.FORWARDED_EXTERNAL).count() == 1
