""""Je suis concerné·e" on an outage from the report form: the teacher joins an outage touching
their school (its major incident once declared) instead of opening a ticket; idempotent; only
outages touching one's school; told in the app and by e-mail when it ends."""

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pilotage import services
from pilotage.models import FollowerEvent, IncidentFollower
from sla import outages
from sla.models import Service
from tickets import outbox
from tickets.models import Notification, OutboxMessage, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(db):
    return Service.objects.create(slug="ent", name="Accès à l'ENT")


@pytest.fixture
def school(world):
    return world.schools["0341255E"]  # the teacher's school (académie de Montpellier)


@pytest.fixture
def teacher(world):
    return world.users["enseignant"]


@pytest.fixture
def academy_outage(world, ent):
    return outages.declare_outage(ent, scope="academie", academie=world.academies["montpellier"],
                                  started_at=timezone.now() - timedelta(hours=1), cause="SSO en panne (fictif)")


def join_url(outage):
    return reverse("web:status_join", args=[outage.pk])


def test_the_report_form_offers_to_join_an_outage_of_the_school(client, teacher, academy_outage):
    client.force_login(teacher)
    html = unescape(client.get(reverse("web:report")).content.decode())
    assert "Interruption de service en cours" in html and "Je suis concerné·e" in html
    assert f'formaction="{join_url(academy_outage)}"' in html
    assert "web/knowledge.js" in html  # the deflection include is still on the form


def test_join_records_the_person_once_with_one_audit_line(client, teacher, school, academy_outage):
    client.force_login(teacher)
    tickets_before = Ticket.objects.count()
    response = client.post(join_url(academy_outage), {"school": school.pk})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    follower = IncidentFollower.objects.get(outage=academy_outage, user=teacher)
    assert follower.school == school and follower.major_incident is None and follower.notified_at is None
    assert FollowerEvent.objects.filter(outage=academy_outage, kind="joined", actor=teacher).count() == 1
    assert Ticket.objects.count() == tickets_before  # no new ticket
    home = unescape(client.get(reverse("home")).content.decode())
    assert "Interruptions que vous suivez" in home and "Accès à l'ENT" in home
    assert "C'est noté : vous suivez l'interruption" in home  # the confirmation
    # again: nothing new
    response = client.post(join_url(academy_outage), {"school": school.pk})
    assert response.status_code == 302
    assert IncidentFollower.objects.filter(outage=academy_outage).count() == 1
    assert FollowerEvent.objects.filter(outage=academy_outage, kind="joined").count() == 1
    row, created = services.join_outage(teacher, academy_outage, school)
    assert not created and row.pk == follower.pk
    # the form now says so instead of offering the button
    html = unescape(client.get(reverse("web:report")).content.decode())
    assert "Vous suivez cette interruption" in html and f'formaction="{join_url(academy_outage)}"' not in html


def test_joining_a_major_incident_and_an_outage_declared_major_later(world, teacher, school, academy_outage):
    row, _created = services.join_outage(teacher, academy_outage, school)
    assert row.major_incident is None
    review = services.declare_major_incident(academy_outage, actor=world.users["dsi"])
    row.refresh_from_db()
    assert row.major_incident == review.incident  # followers follow the incident once declared
    directeur = world.users["directeur"]
    other, created = services.join_outage(directeur, academy_outage, school)
    assert created and other.major_incident == review.incident
    assert FollowerEvent.objects.get(actor=directeur).major_incident == review.incident


@pytest.mark.parametrize("scope", ["all", "collectivite", "schools"])
def test_every_scope_touching_the_school_may_be_joined(world, ent, teacher, school, scope):
    kwargs = {"collectivite": school.collectivite} if scope == "collectivite" else (
        {"schools": [school]} if scope == "schools" else {})
    outage = outages.declare_outage(ent, scope=scope, started_at=timezone.now() - timedelta(minutes=5), **kwargs)
    _row, created = services.join_outage(teacher, outage, school)
    assert created


def test_only_outages_touching_ones_school_can_be_joined(client, world, ent, teacher, school):
    nice = outages.declare_outage(ent, scope="academie", academie=world.academies["nice"],
                                  started_at=timezone.now() - timedelta(hours=1))
    other_school = world.schools["0060768C"]
    listed = outages.declare_outage(ent, scope="schools", schools=[other_school], started_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.join_outage(teacher, nice, school)
    with pytest.raises(PermissionDenied):  # not one of the teacher's schools
        services.join_outage(teacher, listed, other_school)
    client.force_login(teacher)
    assert client.post(join_url(nice), {"school": school.pk}).status_code == 404
    assert client.post(join_url(listed), {"school": other_school.pk}).status_code == 404
    assert client.post(reverse("web:status_join", args=[999999]), {"school": school.pk}).status_code == 404
    assert client.post(join_url(nice), {"school": "x"}).status_code == 400
    assert client.get(join_url(nice)).status_code == 405
    assert not IncidentFollower.objects.exists()
    # the form does not offer them
    html = unescape(client.get(reverse("web:report")).content.decode())
    assert join_url(nice) not in html and join_url(listed) not in html


def test_anonymous_is_sent_to_sign_in(client, academy_outage):
    response = client.post(join_url(academy_outage), {})
    assert response.status_code == 302 and "connexion" in response["Location"]
    assert not IncidentFollower.objects.exists()


def test_an_ended_outage_is_not_joined(world, ent, teacher, school):
    now = timezone.now()
    ended = outages.declare_outage(ent, started_at=now - timedelta(hours=2), ended_at=now - timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.join_outage(teacher, ended, school)


def test_followers_are_told_when_the_outage_ends(world, teacher, school, academy_outage):
    directeur = world.users["directeur"]
    services.join_outage(teacher, academy_outage, school)
    services.join_outage(directeur, academy_outage, school)
    before = OutboxMessage.objects.count()
    outages.close_outage(academy_outage, actor=world.users["dsi"], ended_at=timezone.now())
    rows = IncidentFollower.objects.filter(outage=academy_outage)
    assert all(r.notified_at is not None for r in rows)
    new = OutboxMessage.objects.filter(pk__gt=0).order_by("pk")[before:]
    in_app = [m for m in new if m.channel == "in_app"]
    assert len(in_app) == 1 and sorted(in_app[0].payload["user_ids"]) == sorted([teacher.pk, directeur.pk])
    emails = [m for m in new if m.channel == "email"]
    # one mail per person: nobody sees another's address
    assert all(len(m.payload["to"]) == 1 for m in emails)
    assert {m.payload["to"][0] for m in emails} == {u.email for u in (teacher, directeur) if u.email}
    assert FollowerEvent.objects.filter(outage=academy_outage, kind="notified").count() == 1
    mail.outbox.clear()
    outbox.deliver_pending()
    note = Notification.objects.get(user=teacher, verb="outage_ended")
    assert "est terminée" in note.message and note.link == "/etat/"
    assert any("Fin de l'interruption" in m.subject for m in mail.outbox) or not teacher.email
    # closing again (or any later save) tells no one twice
    academy_outage.refresh_from_db()
    academy_outage.save()
    assert FollowerEvent.objects.filter(outage=academy_outage, kind="notified").count() == 1
    assert Notification.objects.filter(user=teacher, verb="outage_ended").count() == 1
    # and the home page no longer lists it as followed
    from pilotage.followers import current_followed

    assert current_followed(teacher) == []


def test_a_maintenance_declared_with_its_end_tells_its_followers_once_the_end_has_passed(world, ent, teacher, school):
    from pilotage.followers import notify_due_followers

    now = timezone.now()
    maintenance = outages.declare_outage(ent, planned=True, announced_at=now - timedelta(days=3),
                                         started_at=now - timedelta(hours=1), ended_at=now + timedelta(hours=1))
    services.join_outage(teacher, maintenance, school)
    assert notify_due_followers(now) == 0  # not over yet
    assert notify_due_followers(now + timedelta(hours=2)) == 1
    assert IncidentFollower.objects.get(outage=maintenance).notified_at is not None
    assert notify_due_followers(now + timedelta(hours=3)) == 0


def test_the_chosen_schools_fragment_shows_the_notice(client, world, teacher, school, academy_outage):
    client.force_login(teacher)
    html = unescape(client.get(reverse("web:report_similar"), {"school": school.pk}).content.decode())
    assert "Je suis concerné·e" in html and join_url(academy_outage) in html
    # a school outside the person's schools: nothing
    html = client.get(reverse("web:report_similar"), {"school": world.schools["0060768C"].pk}).content.decode()
    assert "Je suis concern" not in html


def test_the_administrator_reads_followers_and_their_journal(client, world, teacher, school, academy_outage):
    services.join_outage(teacher, academy_outage, school)
    client.force_login(world.users["admin"])
    for url in ("/admin/pilotage/incidentfollower/", "/admin/pilotage/followerevent/"):
        assert client.get(url).status_code == 200, url
