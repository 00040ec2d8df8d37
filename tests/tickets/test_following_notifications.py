"""Following a ticket: who is told (in the app and by e-mail) besides the desk holding it.

- the formateurs of the school's area when the ticket reaches a vendor's desk and when the vendor
  answers (Poitiers art. 7: "les formateurs [...] seront informés des remontés de ticket");
- the desks that held the ticket (the ERUN, the DSI, the school's level 0) when the vendor answers;
- the platform's administrators when a ticket lands on a convention's fallback desk.
Always bounded by who may read the ticket and the line (tickets.access.readers_among).
"""

from directory.choices import Role
from tickets import outbox, services
from tickets.models import EventKind, Notification, OutboxMessage
from tickets.states import Visibility

from .conftest import make_user

IN_APP, EMAIL = OutboxMessage.Channel.IN_APP, OutboxMessage.Channel.EMAIL


def told(event) -> set[int]:
    ids = set()
    for row in OutboxMessage.objects.filter(event=event, channel=IN_APP):
        ids.update(row.payload["user_ids"])
    return ids


def mailed(event) -> set[str]:
    to = set()
    for row in OutboxMessage.objects.filter(event=event, channel=EMAIL):
        to.update(row.payload["to"])
    return to


def test_the_formateur_is_told_when_the_ticket_reaches_the_vendor(at_vendor, u):
    landing = at_vendor.events.get(kind=EventKind.ESCALATED, to_level=3)
    assert u["formateur"].pk in told(landing)
    assert u["formateur"].email in mailed(landing)
    lines = [row.payload["message"] for row in OutboxMessage.objects.filter(event=landing, channel=IN_APP)
             if u["formateur"].pk in row.payload["user_ids"]]
    assert lines and "transmise à l'éditeur" in lines[0] and at_vendor.reference in lines[0]
    # Delivered: a notification in the app.
    outbox.deliver_pending()
    assert Notification.objects.filter(user=u["formateur"], ticket=at_vendor, event=landing).exists()


def test_the_formateur_is_not_told_of_moves_inside_the_academie(at_n1, u):
    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")  # to the DSI, not a vendor
    to_dsi = t.last_event
    assert t.desk.vendor_id is None
    assert u["formateur"].pk not in told(to_dsi)
    assert u["formateur"].email not in mailed(to_dsi)


def test_the_desks_that_held_the_ticket_and_the_formateur_hear_the_vendors_answer(at_vendor, u):
    t = services.comment(at_vendor, actor=u["editeur"], body="Correctif livré en 4.2.1, merci de vérifier.")
    answer = t.last_event
    ids = told(answer)
    for who in ("erun", "dsi", "formateur"):
        assert u[who].pk in ids, who
    assert u["editeur"].pk not in ids  # not told of their own answer
    to = mailed(answer)
    assert u["formateur"].email in to
    assert any("éditeur" in row.payload["message"] for row in OutboxMessage.objects.filter(event=answer, channel=IN_APP)
               if u["erun"].pk in row.payload["user_ids"])
    outbox.deliver_pending()
    assert Notification.objects.filter(user=u["erun"], event=answer).exists()
    assert Notification.objects.filter(user=u["dsi"], event=answer).exists()


def test_a_vendors_note_for_the_chain_is_told_to_followers_but_not_to_the_requester(at_vendor, u):
    t = services.comment(at_vendor, actor=u["editeur"], body="Reproduit chez nous, analyse en cours.", visibility=Visibility.CHAIN)
    note = t.last_event
    ids = told(note)
    assert u["erun"].pk in ids and u["formateur"].pk in ids
    assert u["enseignant"].pk not in ids and u["enseignant"].email not in mailed(note)


def test_a_vendors_organisation_note_is_told_to_nobody_outside_the_vendor(at_vendor, u):
    t = services.comment(at_vendor, actor=u["editeur"], body="Ticket interne ODE-991", visibility=Visibility.ORGANISATION)
    note = t.last_event
    assert note.visibility == Visibility.ORGANISATION
    ids = told(note)
    assert not ids & {u[name].pk for name in ("erun", "dsi", "formateur", "directeur", "enseignant")}
    assert not mailed(note) & {u[name].email for name in ("erun", "dsi", "formateur", "enseignant")}


def test_a_comment_that_is_not_the_vendors_tells_no_follower(at_vendor, u):
    t = services.comment(at_vendor, actor=u["enseignant"], body="Toujours en panne ce matin.")
    ids = told(t.last_event)
    assert u["erun"].pk not in ids and u["formateur"].pk not in ids


def test_a_formateur_of_another_area_is_never_told(at_n1, u, world):
    other = make_user(world, "formateur_nice", Role.OBSERVER, circonscription=world.schools["0061097K"].circonscription)
    t = services.take(at_n1, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")
    t = services.take(t, actor=u["dsi"])
    from .conftest import QUALIF

    t = services.escalate(t, actor=u["dsi"], malfunction_proven=True, **QUALIF)
    assert other.pk not in told(t.last_event) and u["formateur"].pk in told(t.last_event)


def test_the_administrators_are_told_when_a_ticket_lands_on_the_fallback_desk(open_mtp, u, world, bouissinet):
    ordinary = services.escalate(services.take(open_mtp(), actor=u["directeur"]), actor=u["directeur"], reason="x")
    assert ordinary.last_event.payload.get("fallback") is None
    assert u["admin"].pk not in told(ordinary.last_event)
    # The school loses its circonscription: level 1 ("the school's circonscription") has no party
    # for it, so the escalation lands on the convention's fallback desk — with an alert.
    t = open_mtp()
    convention = t.convention
    convention.fallback_desk = world.desks["erun-sete"]
    convention.save(update_fields=["fallback_desk"])
    type(bouissinet).objects.filter(pk=bouissinet.pk).update(circonscription=None)
    t.school.refresh_from_db()
    t = services.escalate(services.take(t, actor=u["directeur"]), actor=u["directeur"], reason="Pas de solution à l'école")
    landing = t.last_event
    assert landing.payload.get("fallback") is True and t.desk == world.desks["erun-sete"]
    assert u["admin"].pk in told(landing) and u["admin"].email in mailed(landing)
    body = next(row.payload["body"] for row in OutboxMessage.objects.filter(event=landing, channel=EMAIL)
                if u["admin"].email in row.payload["to"])
    assert "repli" in body and "circonscription" in body


def test_the_desk_that_escalated_keeps_commenting_once_the_vendor_has_it(at_vendor, u):
    """Issue 14: "once an ERUN escalates, they lose every action" — the desk that held it follows."""
    from tickets.permissions import available_transitions

    assert at_vendor.desk.vendor_id is not None
    from tickets.permissions import allowed

    assert "comment" in available_transitions(u["erun"], at_vendor) and allowed("add_attachment", u["erun"], at_vendor)
    assert "resolve" not in available_transitions(u["erun"], at_vendor)  # following is not holding
    t = services.comment(at_vendor, actor=u["erun"], body="L'école confirme", visibility=Visibility.CHAIN)
    assert t.last_event.visibility == Visibility.CHAIN


def test_each_follower_reads_the_vendors_answer_in_their_language(at_vendor, u):
    from tickets import mail_preferences

    mail_preferences.set_preferences(u["formateur"], language="en")
    t = services.comment(at_vendor, actor=u["editeur"], body="Correctif livré en 4.2.1, merci de vérifier.")
    rows = {tuple(row.payload["to"]): row.payload for row in OutboxMessage.objects.filter(event=t.last_event, channel=EMAIL)}
    english = rows[(u["formateur"].email,)]
    assert english["language"] == "en" and "vendor" in english["subject"] and "éditeur" not in english["subject"]
    assert any("Réponse de l'éditeur" in p["subject"] for to, p in rows.items() if u["formateur"].email not in to), rows
