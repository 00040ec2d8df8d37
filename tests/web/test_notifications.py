"""The bell (issue 15: DPOs alerted in the app): the outbox's in-app alerts are listed for their
recipient only, open their ticket or data-subject request, and are marked read when opened."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from privacy import requests as dsr
from tickets import outbox
from tickets.models import Notification


def _request_alerted(world):
    req = dsr.record_request(actor=world.users["dpo"], convention=world.conventions["montpellier"],
                             school=world.schools["0341255E"], person_name="Parent (fictif)", person_contact="parent@example.org",
                             right="access", received_by="collectivite", received_at=timezone.now() - timedelta(hours=1))
    outbox.deliver_pending()
    return req


def test_a_dpo_reads_the_alert_of_a_request_clock_and_opens_the_request(world, client):
    req = _request_alerted(world)
    n = Notification.objects.get(user=world.users["dpo"], ticket=None)
    assert n.link == reverse("privacy:request", args=[req.pk]) and "Parent" not in n.message  # no person's name
    client.force_login(world.users["dpo"])
    home = client.get("/").content.decode()
    assert "1 notification non lue" in home
    page = client.get(reverse("web:notifications")).content.decode()
    assert "Délai légal démarré" in page and f"demande n° {req.pk}" in page
    opened = client.get(reverse("web:notification_open", args=[n.pk]))
    assert opened.status_code == 302 and opened["Location"] == n.link
    n.refresh_from_db()
    assert n.read_at is not None
    assert "Aucune notification non lue." in client.get(reverse("web:notifications")).content.decode()


def test_nobody_opens_or_reads_another_persons_notification(world, client):
    _request_alerted(world)
    n = Notification.objects.filter(user=world.users["dpo"]).first()
    client.force_login(world.users["enseignant"])
    assert client.get(reverse("web:notification_open", args=[n.pk])).status_code == 404
    assert "Délai légal" not in client.get(reverse("web:notifications")).content.decode()
    client.post(reverse("web:notifications_read"))
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_and_a_ticket_alert_opens_the_ticket(world, client):
    from tickets import services

    u = world.users
    t = services.open_ticket(actor=u["enseignant"], school=world.schools["0341255E"], title="Cahier de textes", description="x",
                             category="usage", impact=3, urgency=3)
    services.request_info(services.take(t, actor=u["directeur"]), actor=u["directeur"], body="Quel navigateur ?")
    outbox.deliver_pending()
    n = Notification.objects.filter(user=u["enseignant"], ticket=t).first()
    assert n is not None
    client.force_login(u["enseignant"])
    assert client.get(reverse("web:notification_open", args=[n.pk]))["Location"] == reverse("web:ticket", args=[t.reference])
    client.post(reverse("web:notifications_read"))
    assert not Notification.objects.filter(user=u["enseignant"], read_at=None).exists()
