"""E-mails people read (issue 19, outgoing): a requester gets at most one mail per ticket per batch
window, summing up what happened; mails come in the language the person chose; agents choose per
desk between immediate mails, a digest and none, and every optional mail has a one-click
unsubscribe link (RFC 8058) that works without a session."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tickets import mail_preferences, outbox, services
from tickets.models import MailPreference, Notification, OutboxMessage

pytestmark = pytest.mark.django_db
Mode = MailPreference.Mode


def sent():
    outbox.deliver_pending()
    mails = list(mail.outbox)
    mail.outbox.clear()
    return mails


def later(**batch):
    """The batch window has passed: rows waiting for it are due."""
    OutboxMessage.objects.filter(status="pending", **batch).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def batching(settings):
    settings.HELPDESK = {**settings.HELPDESK, "REQUESTER_MAIL_BATCH_SECONDS": 120}


def to(mails, address):
    return [m for m in mails if address in m.to]


def test_a_burst_of_news_is_one_mail_to_the_requester(batching, open_mtp, u):
    t = open_mtp()
    t = services.take(t, actor=u["directeur"])
    services.request_info(t, actor=u["directeur"], body="Sur quel ordinateur ?")
    assert to(sent(), u["enseignant"].email) == []  # the window is open: nothing yet
    later()
    mails = to(sent(), u["enseignant"].email)
    assert len(mails) == 1, [m.subject for m in mails]
    body = mails[0].body
    assert "est enregistrée" in body and "prise en charge" in body and "Sur quel ordinateur ?" in body
    assert body.count(outbox.ticket_url(t)) == 1 and t.reference in mails[0].subject
    assert mails[0].extra_headers["In-Reply-To"] == outbox.thread_id(t)
    rows = OutboxMessage.objects.filter(ticket=t, batch=f"requester:{t.pk}")
    assert rows.count() == 3 and set(rows.values_list("status", flat=True)) == {"sent"}
    assert sent() == []  # nothing goes twice


def test_news_after_the_mail_start_a_new_batch(batching, open_mtp, u):
    t = open_mtp()
    later()
    assert len(to(sent(), u["enseignant"].email)) == 1
    services.take(t, actor=u["directeur"])
    assert to(sent(), u["enseignant"].email) == []
    later()
    assert [m.subject for m in to(sent(), u["enseignant"].email)] == [f"[{t.reference}] Votre demande {t.reference} a été prise en charge."]


def test_requester_reads_mails_in_the_language_they_chose(open_mtp, u):
    mail_preferences.set_preferences(u["enseignant"], language="en")
    t = open_mtp()
    services.take(t, actor=u["directeur"])
    mails = to(sent(), u["enseignant"].email)
    assert mails and all("Bonjour" not in m.body for m in mails)
    assert any("has been recorded" in m.subject for m in mails)
    assert not any("has been recorded" in m.subject for m in to(sent(), u["directeur"].email))


def test_agents_choose_per_desk_digest_or_none(open_mtp, u):
    # The school's desk has no shared mailbox: its agents get their own mails, as each chose.
    directeur = u["directeur"]
    desk = open_mtp().desk
    assert not desk.email
    mail.outbox.clear()
    OutboxMessage.objects.all().delete()
    mail_preferences.set_preferences(directeur, modes={desk.pk: Mode.DIGEST})
    first, second = open_mtp(title="Premier"), open_mtp(title="Second")
    assert to(sent(), directeur.email) == []
    assert Notification.objects.filter(user=directeur, ticket=first).exists()  # in-app stays
    digest = OutboxMessage.objects.filter(batch=f"digest:{directeur.pk}", status="pending")
    assert digest.count() == 2
    due = timezone.localtime(digest.first().next_attempt_at)
    assert due.minute == 0 and due.hour in (8, 12, 17)
    later(batch=f"digest:{directeur.pk}")
    mails = to(sent(), directeur.email)
    assert len(mails) == 1 and "Résumé : 2 notifications" in mails[0].subject
    assert outbox.ticket_url(first) in mails[0].body and outbox.ticket_url(second) in mails[0].body
    assert "In-Reply-To" not in mails[0].extra_headers and "List-Unsubscribe" in mails[0].extra_headers

    mail_preferences.set_preferences(directeur, modes={desk.pk: Mode.NONE})
    third = open_mtp(title="Troisième")
    later()
    assert to(sent(), directeur.email) == []
    assert Notification.objects.filter(user=directeur, ticket=third).exists()


def test_one_click_unsubscribe_needs_no_session(open_mtp, u, client):
    directeur = u["directeur"]
    t = open_mtp()
    [m] = to(sent(), directeur.email)
    header = m.extra_headers["List-Unsubscribe"]
    assert m.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    path = url.removeprefix(outbox.base_url())
    client.enforce_csrf_checks = True
    page = client.get(path)
    assert page.status_code == 200 and t.desk.name in page.content.decode()
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Vous ne recevrez plus" in done.content.decode()
    assert mail_preferences.modes_at(t.desk_id, {directeur.pk}) == {directeur.pk: Mode.NONE}
    open_mtp(title="Encore")
    assert to(sent(), directeur.email) == []
    assert client.post(path[:-5] + "xxxx/").status_code == 400


def test_preferences_page(client, u, open_mtp):
    desk = open_mtp().desk
    client.force_login(u["directeur"])
    url = reverse("web:mail_preferences")
    page = client.get(url).content.decode()
    assert desk.name in page and 'name="language"' in page
    bad = client.post(url, {"language": "de", f"desk-{desk.pk}": "sometimes"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Langue des courriels" in text and f"Courriels du guichet {desk.name}" in text
    assert not MailPreference.objects.filter(user=u["directeur"]).exists()  # nothing half-written
    ok = client.post(url, {"language": "en", f"desk-{desk.pk}": "digest"})
    assert ok.status_code == 200
    assert mail_preferences.preferences_of(u["directeur"]) == ("en", {desk.pk: "digest"})


def test_digest_time_is_the_next_configured_hour(settings):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    assert mail_preferences.next_digest_at(datetime(2026, 12, 3, 9, 30, tzinfo=paris)) == datetime(2026, 12, 3, 12, tzinfo=paris)
    assert mail_preferences.next_digest_at(datetime(2026, 12, 3, 17, 0, tzinfo=paris)) == datetime(2026, 12, 4, 8, tzinfo=paris)


def test_an_agent_who_chose_english_reads_the_desk_mail_in_english(open_mtp, u):
    mail_preferences.set_preferences(u["directeur"], language="en")
    t = open_mtp()
    [m] = to(sent(), u["directeur"].email)
    assert "Nouvelle demande" not in m.subject and "État" not in m.body, (m.subject, m.body)
    assert t.reference in m.subject and outbox.ticket_url(t) in m.body
    assert 'lang="en"' in m.alternatives[0][0]
