"""What the e-mails say, read as their recipients read them: each one links to the ticket page
(an absolute address that opens for that recipient), the teacher's are in plain French, and the
moves between support levels are not mailed to the teacher."""

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import resolve

from directory.choices import Role
from directory.models import Desk, Membership, User
from tickets import outbox, services
from tickets.models import OutboxMessage

from .conftest import QUALIF

pytestmark = pytest.mark.django_db
BASE = "http://helpdesk.example.test:8123"
URL = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.HELPDESK = {**settings.HELPDESK, "BASE_URL": BASE}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "helpdesk.example.test"]


def sent():
    """Deliver what is pending and return the mails sent so far (then forget them)."""
    outbox.deliver_pending()
    mails = list(mail.outbox)
    mail.outbox.clear()
    return mails


def reader(address):
    """The person who reads mail at this address: a user, or an agent of the desk it belongs to."""
    user = User.objects.filter(email=address).first()
    if user is not None:
        return user
    desk = Desk.objects.get(email=address)
    return Membership.objects.filter(desk=desk, role=Role.AGENT).select_related("user").first().user


def assert_links_open_for_recipients(mails, ticket):
    expected = f"{BASE}/demandes/{ticket.reference}/"
    assert mails
    for m in mails:
        urls = URL.findall(m.body)
        assert expected in urls, (m.subject, m.body)
        parts = urlsplit(expected)
        match = resolve(parts.path)
        assert match.view_name == "web:ticket" and match.kwargs["reference"] == ticket.reference
        for address in m.to:
            browser = Client(HTTP_HOST=parts.netloc)
            browser.force_login(reader(address))
            assert browser.get(parts.path).status_code == 200, (address, m.subject)


def test_every_mail_of_a_ticket_s_life_links_to_its_page_and_opens_for_its_reader(open_mtp, u, world):
    t = open_mtp()
    t = services.take(t, actor=u["directeur"])
    t = services.comment(t, actor=u["directeur"], body="Avez-vous vidé le cache ?")
    t = services.request_info(t, actor=u["directeur"], body="Quel navigateur ?")
    t = services.answer(t, actor=u["enseignant"], body="Firefox")
    t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
    t = services.take(t, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")
    t = services.send_back(t, actor=u["dsi"], reason="Capture d'écran ?")
    t = services.escalate(t, actor=u["erun"], reason="Capture jointe")
    t = services.resolve(t, actor=u["dsi"], summary="Cache du serveur vidé")
    mails = sent()
    assert {a for m in mails for a in m.to} >= {u["enseignant"].email, u["directeur"].email,
                                               "erun.lattes@example.org", "assistance@example.org"}
    assert_links_open_for_recipients(mails, t)
    # one link to the ticket page (the resolution mail adds the signed rating links, tests/tickets/test_satisfaction.py)
    assert all(m.body.count(BASE) - m.body.count(f"{BASE}/evaluation/") == 1 for m in mails)


def test_an_sla_alert_mail_links_to_the_ticket_too(world, u, open_mtp):
    from sla.clocks import raise_due_events
    from sla.services import publish_policy

    paris = ZoneInfo("Europe/Paris")
    publish_policy(world.conventions["montpellier"], by=u["admin"],
                   targets=[{"kind": "level", "level": 1, "seconds": 3600}])
    with time_machine.travel(datetime(2025, 3, 17, 9, tzinfo=paris), tick=False):
        t = services.escalate(open_mtp(), actor=u["directeur"], reason="Pas de solution à l'école")
    sent()
    raise_due_events(datetime(2025, 3, 17, 11, tzinfo=paris))
    alerts = [m for m in sent() if "erun.lattes@example.org" in m.to]
    assert alerts and OutboxMessage.objects.filter(ticket=t, event_name="sla.breach", channel="email").exists()
    assert_links_open_for_recipients(alerts, t)


def test_the_teacher_hears_nothing_of_the_level_moves_0_to_3(open_mtp, u, world):
    t = open_mtp()
    acknowledgement = [m for m in sent() if u["enseignant"].email in m.to]
    assert len(acknowledgement) == 1
    t = services.take(t, actor=u["directeur"])  # the first take is told once: "prise en charge"
    taken = [m for m in sent() if u["enseignant"].email in m.to]
    assert len(taken) == 1 and "a été prise en charge" in taken[0].body
    t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
    t = services.take(t, actor=u["erun"])
    t = services.escalate(t, actor=u["erun"], reason="À expertiser")
    t = services.take(t, actor=u["dsi"])
    t = services.escalate(t, actor=u["dsi"], malfunction_proven=True, **QUALIF)
    assert t.level == 3
    mails = sent()
    assert not [m for m in mails if u["enseignant"].email in m.to], [m.subject for m in mails]
    # …while each receiving desk was told, with the level it now holds.
    subjects = {a: m.subject for m in mails for a in m.to}
    assert "niveau 1" in subjects["erun.lattes@example.org"] and "niveau 2" in subjects["assistance@example.org"]
    assert "niveau 3" in subjects["support@opendigitaleducation.example"]
    in_app = OutboxMessage.objects.filter(ticket=t, event_name="ticket.escalated", channel="in_app")
    # One line per receiving desk, and the formateurs of the area when it reaches the vendor.
    assert in_app.count() == 4 and all(u["enseignant"].pk not in m.payload["user_ids"] for m in in_app)


def test_a_send_back_does_not_mail_the_teacher(at_vendor, u):
    sent()
    services.send_back(at_vendor, actor=u["editeur"], reason="Précisez le navigateur")
    mails = sent()
    assert [m.to for m in mails] == [["assistance@example.org"]]
    assert "renvoyée à votre guichet (niveau 2)" in mails[0].subject


def test_the_teacher_reads_plain_french(open_mtp, u):
    t = open_mtp(title="Le cahier de textes ne s'enregistre pas")
    t = services.take(t, actor=u["directeur"])
    t = services.request_info(t, actor=u["directeur"], body="Quel navigateur ?")
    t = services.answer(t, actor=u["enseignant"], body="Firefox")
    t = services.comment(t, actor=u["directeur"], body="Videz le cache, svp.")
    t = services.resolve(t, actor=u["directeur"], summary="Cache vidé")
    mails = [m for m in sent() if u["enseignant"].email in m.to]
    bodies = [m.body for m in mails]
    assert len(mails) == 5, [m.subject for m in mails]
    for m in mails:
        text = m.subject + "\n" + m.body
        assert not re.search(r"\b(new|in_progress|waiting_requester|resolved|closed|cancelled|None)\b", text), text
        assert "niveau" not in text and "→" not in text
        assert m.subject.startswith(f"[{t.reference}] Votre demande") or m.subject.startswith(f"[{t.reference}] Le support")
        assert "Le cahier de textes ne s'enregistre pas" in m.body
        assert f"Suivre votre demande : {BASE}/demandes/{t.reference}/" in m.body
    assert "est enregistrée" in bodies[0]
    assert "a été prise en charge" in bodies[1]
    assert "besoin d'une précision" in bodies[2] and "Quel navigateur ?" in bodies[2]
    assert "a répondu" in bodies[3] and "Videz le cache" in bodies[3]
    assert "est résolue" in bodies[4] and "Cache vidé" in bodies[4] and "confirmez" in bodies[4]


def test_api_and_mails_share_the_configured_base_url(settings):
    from api import conf

    assert conf.base_url() == BASE == outbox.base_url()
    settings.HELPDESK = {**settings.HELPDESK, "BASE_URL": "https://assistance.ac-exemple.fr/"}
    assert conf.base_url() == "https://assistance.ac-exemple.fr"
    assert outbox.ticket_url("MTP-2026-00001") == "https://assistance.ac-exemple.fr/demandes/MTP-2026-00001/"
