"""The three audiences of every contribution (tickets.access.entries_q), read by people of several
organisations on one Montpellier ticket that reached the vendor: an ERUN's organisation-only note
stays inside the académie (its DSI reads it; the vendor, the commune and the teacher do not), a
chain note reaches the vendor and the formateur but not the teacher, and the message for the next
level is never shown nor mailed to the teacher."""

import pytest
from django.core.exceptions import ValidationError

from directory.choices import Role
from directory.models import Membership, User
from tickets import access, outbox, selectors, services
from tickets.exceptions import PermissionDenied
from tickets.models import Comment, OutboxMessage, TicketEvent
from tickets.states import EventKind, Visibility

from .conftest import QUALIF

pytestmark = pytest.mark.django_db

ORG_NOTE = "Enseignant peu à l'aise avec l'outil (note de l'académie)"
CHAIN_NOTE = "Reproduit sur deux postes de l'école"
REPLY = "Nous avons transmis votre demande à l'éditeur."
ESCALATION = "Collègue déjà venu trois fois pour le même souci"


@pytest.fixture
def commune(world, bouissinet):
    """An agent of the commune that owns the school (reads its tickets; another organisation)."""
    user = User.objects.create_user(username="commune", password="x", email="commune@example.org")
    Membership.objects.create(user=user, role=Role.AGENT, collectivite=bouissinet.collectivite)
    world.users["commune"] = user
    return user


@pytest.fixture
def noted(at_vendor, u):
    """The ticket reached the vendor, which sent it back to the académie's DSI; the DSI writes one
    entry of each audience (the vendor keeps reading the ticket it received)."""
    t = at_vendor
    dsi = u["dsi"]
    t = services.take(t, actor=u["editeur"])
    t = services.send_back(t, actor=u["editeur"], reason="Précisez le navigateur")
    t = services.comment(t, actor=dsi, body=ORG_NOTE, visibility=Visibility.ORGANISATION)
    t = services.comment(t, actor=dsi, body=CHAIN_NOTE, visibility=Visibility.CHAIN)
    t = services.comment(t, actor=dsi, body=REPLY)
    return t


def bodies(user, ticket):
    return [c.body for c in selectors.comments_for(user, ticket)]


def test_each_reader_reads_the_entries_of_their_audience(noted, u, commune):
    t = noted
    assert set(bodies(u["dsi"], t)) >= {ORG_NOTE, CHAIN_NOTE, REPLY}
    assert set(bodies(u["erun"], t)) >= {ORG_NOTE, CHAIN_NOTE, REPLY}  # the same académie (a circonscription's desk)
    assert set(bodies(u["manager"], t)) >= {ORG_NOTE, CHAIN_NOTE, REPLY}  # académie de Montpellier too
    vendor = bodies(u["editeur"], t)
    assert CHAIN_NOTE in vendor and REPLY in vendor and ORG_NOTE not in vendor
    assert access.can_view(commune, t)
    assert CHAIN_NOTE in bodies(commune, t) and ORG_NOTE not in bodies(commune, t)
    formateur = bodies(u["formateur"], t)  # académie staff too: an observer of the circonscription
    assert CHAIN_NOTE in formateur and REPLY in formateur
    teacher = bodies(u["enseignant"], t)
    assert REPLY in teacher and CHAIN_NOTE not in teacher and ORG_NOTE not in teacher
    assert ORG_NOTE in bodies(u["admin"], t)


def test_the_author_organisation_is_the_desk_owner_and_a_circonscription_counts_as_its_academie(noted, u, world):
    note = Comment.objects.get(body=ORG_NOTE)
    montpellier = world.academies["montpellier"]
    assert note.visibility == Visibility.ORGANISATION and note.organisation == f"academie:{montpellier.pk}"
    assert note.event.visibility == Visibility.ORGANISATION and note.event.kind == EventKind.NOTE
    assert access.author_organisation(u["erun"], noted) == f"academie:{montpellier.pk}"
    assert access.author_organisation(u["editeur"], noted).startswith("vendor:")


def test_the_timeline_and_attachments_follow_the_same_rule(noted, u):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = services.add_attachment(noted, actor=u["dsi"], upload=SimpleUploadedFile("trace.txt", b"trace interne"),
                                visibility=Visibility.ORGANISATION)
    attachment = t
    assert attachment.visibility == Visibility.ORGANISATION
    ticket = attachment.ticket
    assert attachment in selectors.attachments_for(u["erun"], ticket)
    assert attachment not in selectors.attachments_for(u["editeur"], ticket)
    assert attachment not in selectors.attachments_for(u["enseignant"], ticket)
    org_events = TicketEvent.objects.filter(ticket=ticket, visibility=Visibility.ORGANISATION)
    assert org_events.count() == 2
    vendor_timeline = set(selectors.timeline_for(u["editeur"], ticket))
    assert not vendor_timeline & set(org_events)


def test_the_escalation_message_is_the_chains_never_the_teachers(at_n1, u):
    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason=ESCALATION)
    line = t.events.get(kind=EventKind.ESCALATED, payload__reason=ESCALATION)
    assert line.visibility == Visibility.CHAIN
    assert line not in selectors.timeline_for(u["enseignant"], t)
    assert line in selectors.timeline_for(u["dsi"], t)
    rows = OutboxMessage.objects.filter(event=line)
    told = [addr for r in rows.filter(channel="email") for addr in r.payload["to"]]
    assert u["enseignant"].email not in told
    assert not any(ESCALATION in str(r.payload) for r in rows if u["enseignant"].pk in r.payload.get("user_ids", ()))


def test_who_may_choose_which_audience(at_vendor, u):
    t = at_vendor
    assert access.audiences_for(u["enseignant"], t) == (Visibility.PUBLIC,)
    assert access.audiences_for(u["formateur"], t) == (Visibility.CHAIN, Visibility.PUBLIC)
    assert access.audiences_for(u["editeur"], t) == (Visibility.PUBLIC, Visibility.CHAIN, Visibility.ORGANISATION)
    with pytest.raises(ValidationError) as refused:
        services.comment(t, actor=u["enseignant"], body="Je veux écrire en privé", visibility=Visibility.CHAIN)
    assert "visibility" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.comment(t, actor=u["enseignant"], body="Note", internal=True)
    with pytest.raises(ValidationError) as refused:
        services.comment(t, actor=u["editeur"], body="x", visibility="everyone")
    assert "visibility" in refused.value.message_dict


def test_a_formateur_writes_to_the_chain_unless_they_choose_the_teacher(at_vendor, u):
    t = services.comment(at_vendor, actor=u["formateur"], body="Je passe voir l'enseignant jeudi")
    mediation = t.last_event
    assert mediation.visibility == Visibility.CHAIN and mediation.kind == EventKind.NOTE
    assert mediation not in selectors.timeline_for(u["enseignant"], t)
    t = services.comment(t, actor=u["formateur"], body="Bonjour, je passe jeudi", visibility=Visibility.PUBLIC)
    assert t.last_event.visibility == Visibility.PUBLIC and t.last_event in selectors.timeline_for(u["enseignant"], t)


def test_an_internal_note_is_the_chain_and_never_public(at_n1, u):
    t = services.comment(at_n1, actor=u["erun"], body="Note", internal=True)
    assert t.last_event.visibility == Visibility.CHAIN
    t = services.comment(t, actor=u["erun"], body="Note 2", internal=True, visibility=Visibility.PUBLIC)
    assert t.last_event.visibility == Visibility.CHAIN
    t = services.comment(t, actor=u["erun"], body="Note 3", internal=True, visibility=Visibility.ORGANISATION)
    assert t.last_event.visibility == Visibility.ORGANISATION


def test_mail_and_in_app_go_only_to_readers_of_the_entry(noted, u, commune):
    note = TicketEvent.objects.get(comment__body=ORG_NOTE)
    ids = {u["dsi"].pk, u["erun"].pk, u["editeur"].pk, commune.pk, u["enseignant"].pk}
    assert access.readers_among(noted, ids, note) == {u["dsi"].pk, u["erun"].pk}
    chain = TicketEvent.objects.get(comment__body=CHAIN_NOTE)
    assert access.readers_among(noted, ids, chain) == ids - {u["enseignant"].pk}
    kept, addresses = outbox._readers_only(noted, set(ids), {u["editeur"].email, u["dsi"].email}, note)
    assert u["editeur"].pk not in kept and u["editeur"].email not in addresses and u["dsi"].email in addresses


def test_the_webhook_payload_says_the_audience(noted):
    note = TicketEvent.objects.get(comment__body=ORG_NOTE)
    row = OutboxMessage.objects.get(event=note, channel="webhook")
    assert row.payload["visibility"] == "organisation" and row.payload["public"] is False


def test_a_live_update_never_carries_an_entry(noted):
    note = TicketEvent.objects.get(comment__body=ORG_NOTE)
    row = OutboxMessage.objects.get(event=note, channel="websocket")
    assert ORG_NOTE not in str(row.payload) and set(row.payload["message"]) == {
        "type", "reference", "state", "level", "desk", "version"}
