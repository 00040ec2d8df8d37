"""Incoming mail through the ingest service (from .eml bytes): what a sender and an agent notice."""

import pytest

from mailin import services
from mailin.models import InboundMessage, MailEvent, Status, UnknownSender
from tickets import services as ticket_services
from tickets.models import OutboxMessage, Ticket
from tickets.outbox import thread_id

from .conftest import PNG, eml, make_mail

pytestmark = pytest.mark.django_db


def test_known_teacher_mail_opens_a_ticket(world, mailbox):
    row = services.ingest(make_mail(attachments=[("capture.png", PNG, "image", "png")]), mailbox)
    assert row.status == Status.OPENED, row.reason
    ticket = row.ticket
    assert ticket.requester == world.users["enseignant"]
    assert ticket.title == "L'ENT ne s'ouvre plus"
    assert "page blanche" in ticket.description
    assert ticket.via == "email"
    assert [a.original_name for a in ticket.attachments.all()] == ["capture.png"]
    assert MailEvent.objects.filter(message=row, what="received").count() == 1


def test_same_message_id_twice_is_ignored(world, mailbox):
    raw = make_mail(message_id="<deux-fois@ent.example>")
    first = services.ingest(raw, mailbox)
    second = services.ingest(raw, mailbox)
    assert second.pk == first.pk
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Precedence": "auto_reply"},
    {"X-Autoreply": "yes"},
])
def test_auto_replies_never_open_a_ticket_nor_answer(world, mailbox, headers):
    row = services.ingest(make_mail(subject="Absence du bureau", headers=headers), mailbox)
    assert row.status == Status.IGNORED
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.filter(event_name="mailin.reply").exists()  # no loop


def test_bounce_is_ignored_without_answer(world, mailbox):
    row = services.ingest(eml("bounce.eml"), mailbox)
    assert (row.kind, row.status) == ("bounce", Status.IGNORED)
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.filter(event_name="mailin.reply").exists()


def test_our_own_notification_coming_back_is_ignored(world, mailbox):
    # A mail of the product (Auto-Submitted: auto-generated) that lands in the desk's box.
    row = services.ingest(make_mail(sender="assistance@example.org", headers={"Auto-Submitted": "auto-generated"}), mailbox)
    assert row.status == Status.IGNORED


def test_unknown_sender_is_held_for_an_agent(world, mailbox):
    row = services.ingest(make_mail(sender="parent.inconnu@example.net"), mailbox)
    assert row.status == Status.HELD
    assert "inconnu" in row.reason
    assert not Ticket.objects.exists()


def test_unknown_sender_refused_by_policy_gets_an_answer(world, mailbox):
    mailbox.unknown_sender = UnknownSender.REFUSE
    mailbox.save()
    row = services.ingest(make_mail(sender="parent.inconnu@example.net"), mailbox)
    assert row.status == Status.REJECTED
    reply = OutboxMessage.objects.get(event_name="mailin.reply")
    assert reply.payload["to"] == ["parent.inconnu@example.net"]
    assert "annuaire" in reply.payload["body"]


def test_bad_mime_is_held_with_a_clear_answer(world, mailbox):
    row = services.ingest(eml("bad_mime.eml"), mailbox)
    assert (row.kind, row.status) == ("bad", Status.HELD)
    assert "MIME" in row.reason
    reply = OutboxMessage.objects.get(event_name="mailin.reply")
    assert "un agent du guichet va l'examiner" in reply.payload["body"]


def test_unknown_charset_is_held(world, mailbox):
    row = services.ingest(eml("unknown_charset.eml"), mailbox)
    assert row.status == Status.HELD
    assert "x-klingon-7" in row.reason


def test_oversized_is_held(world, mailbox):
    mailbox.max_bytes = 2000
    mailbox.save()
    row = services.ingest(make_mail(body="x" * 5000), mailbox)
    assert row.status == Status.HELD
    assert "volumineux" in row.reason


def test_garbage_bytes_never_crash(world, mailbox):
    row = services.ingest(b"\x00\xff\xfe garbage \r\n\r\n\x80\x81", mailbox)
    assert row.status in (Status.HELD, Status.IGNORED)


def test_failed_dkim_is_held(world, mailbox):
    row = services.ingest(make_mail(headers={"Authentication-Results": "mx.example.org; dkim=fail header.d=example.org; spf=pass"}), mailbox)
    assert row.status == Status.HELD
    assert "DKIM=fail" in row.reason
    assert not Ticket.objects.exists()


def test_html_only_is_sanitised_to_text(world, mailbox):
    row = services.ingest(eml("html_only.eml"), mailbox)
    assert row.status == Status.OPENED, row.reason
    text = row.ticket.description
    assert "erreur 500" in text
    assert "<" not in text and "alert" not in text and "color" not in text


def _opened(world, mailbox):
    return services.ingest(make_mail(), mailbox).ticket


def test_requester_reply_by_thread_brings_waiting_ticket_back(world, mailbox):
    ticket = _opened(world, mailbox)
    agent = world.users["directeur"]
    ticket = ticket_services.request_info(ticket, actor=agent, body="Quel navigateur utilisez-vous ?")
    assert ticket.state == "waiting_requester"
    body = ("Firefox 128, sur le poste de la classe.\n\n-- \nCamille Martin\nÉcole\n\n"
            "Le 3 déc. 2026 à 10:00, L'assistance ENT a écrit :\n> Quel navigateur utilisez-vous ?")
    raw = make_mail(subject=f"Re: [{ticket.reference}] Question", body=body,
                    headers={"In-Reply-To": thread_id(ticket), "References": thread_id(ticket)},
                    attachments=[("ecran.png", PNG, "image", "png")])
    row = services.ingest(raw, mailbox)
    assert row.status == Status.REPLY, row.reason
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    last = ticket.comments.order_by("-pk").first()
    assert last.body == "Firefox 128, sur le poste de la classe."
    assert ticket.attachments.filter(original_name="ecran.png").exists()


def test_reply_by_address_token(world, mailbox):
    ticket = _opened(world, mailbox)
    address = services.reply_address(ticket)
    assert address.startswith("ent.0341255e+t") and address.endswith("@example.org")
    row = services.ingest(make_mail(to=address, subject="Re: suite", body="Toujours en panne."), mailbox)
    assert row.status == Status.REPLY and row.ticket == ticket


def test_forged_token_is_not_a_reply(world, mailbox):
    ticket = _opened(world, mailbox)
    row = services.ingest(make_mail(to=f"ent.0341255e+t{ticket.pk}-000000000000@example.org", subject="Autre"), mailbox)
    assert row.status == Status.OPENED and row.ticket != ticket


def test_agent_reply_by_mail_is_a_public_comment(world, mailbox):
    ticket = _opened(world, mailbox)
    agent = world.users["directeur"]
    row = services.ingest(make_mail(sender=agent.email, to=services.reply_address(ticket), subject="Re",
                                    body="Videz le cache du navigateur."), mailbox)
    assert row.status == Status.REPLY, row.reason
    comment = ticket.comments.order_by("-pk").first()
    assert comment.author == agent and comment.body == "Videz le cache du navigateur."
    assert comment.event.visibility == "public"


def test_reply_of_someone_without_access_is_held(world, mailbox):
    ticket = _opened(world, mailbox)
    row = services.ingest(make_mail(sender=world.users["editeur"].email, to=services.reply_address(ticket)), mailbox)
    assert row.status == Status.HELD
    assert "n'a pas accès" in row.reason


def test_refused_attachment_is_reported_not_fatal(world, mailbox):
    row = services.ingest(make_mail(attachments=[("page.html", b"<html><script>x</script></html>", "text", "html")]), mailbox)
    assert row.status == Status.OPENED
    assert "refusées" in row.reason
    assert not row.ticket.attachments.exists()


def test_a_sender_gets_at_most_one_answer_an_hour(world, mailbox):
    mailbox.unknown_sender = UnknownSender.REFUSE
    mailbox.save()
    for _ in range(3):  # a robot that ignores Auto-Submitted and answers each of our mails
        services.ingest(make_mail(sender="robot@example.net"), mailbox)
    assert InboundMessage.objects.filter(sender="robot@example.net", status=Status.REJECTED).count() == 3
    assert OutboxMessage.objects.filter(event_name="mailin.reply").count() == 1


def test_mail_to_the_erun_address_opens_at_the_erun_desk(world):
    # A teacher who writes to the circonscription's ERUN reaches the ERUN, not the school's level 0.
    from mailin.models import DeskMailbox

    box = DeskMailbox.objects.create(desk=world.desks["erun-lattes"], address="erun.lattes@example.org", category="usage")
    row = services.ingest(make_mail(to="erun.lattes@example.org"), box)
    assert row.status == Status.OPENED, row.reason
    assert (row.ticket.level, row.ticket.desk) == (1, world.desks["erun-lattes"])
    assert "demande adressée à ERUN Lattes" in row.ticket.events.get(kind="opened").payload["routing"]


def test_mail_to_a_desk_that_does_not_treat_the_category_follows_the_matrix(world):
    # Network and hardware are the commune's (Code de l'éducation): the ERUN's address does not keep them.
    from mailin.models import DeskMailbox

    box = DeskMailbox.objects.create(desk=world.desks["erun-lattes"], address="erun.lattes@example.org", category="network_hardware")
    row = services.ingest(make_mail(to="erun.lattes@example.org", subject="Plus de wifi dans la classe"), box)
    assert row.status == Status.OPENED, row.reason
    assert row.ticket.desk == world.desks["n0-0341255E"]
    routing = row.ticket.events.get(kind="opened").payload["routing"]
    assert "adressée à ERUN Lattes, qui ne traite pas cette catégorie" in routing


def test_a_known_sender_who_chose_english_gets_the_answer_in_english(world, mailbox):
    from tickets import mail_preferences

    mail_preferences.set_preferences(world.users["enseignant"], language="en")
    row = services.ingest(eml("unknown_charset.eml"), mailbox)
    assert row.status == Status.HELD and "Jeu de caractères inconnu" in row.reason  # the agents' record stays French
    reply = OutboxMessage.objects.get(event_name="mailin.reply")
    assert reply.payload["language"] == "en"
    assert "Unknown character set" in reply.payload["body"] and "x-klingon-7" in reply.payload["body"]
    assert "Bonjour" not in reply.payload["body"] and "examiner" not in reply.payload["body"]


def test_mail_to_the_desk_the_matrix_gives_anyway_says_nothing_more(world, mailbox):
    row = services.ingest(make_mail(), mailbox)
    assert row.ticket.desk == mailbox.desk
    assert "adressée" not in row.ticket.events.get(kind="opened").payload["routing"]
