"""Satisfaction: the requester rates a resolved ticket once (web and signed e-mail links), one
timeline line for the support chain, results per desk, level and month in the perimeter."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledge import services as kb
from knowledge.models import Audience, Deflection
from tickets import outbox, satisfaction, services
from tickets.exceptions import GuardFailed, PermissionDenied
from tickets.models import SatisfactionRating, TicketEvent
from tickets.selectors import timeline_for
from tickets.states import EventKind

pytestmark = pytest.mark.django_db
BASE = "http://helpdesk.example.test:8123"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.HELPDESK = {**settings.HELPDESK, "BASE_URL": BASE}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "helpdesk.example.test"]


@pytest.fixture
def resolved(open_mtp, u):
    t = services.take(open_mtp(), actor=u["directeur"])
    return services.resolve(t, actor=u["directeur"], summary="Cache du navigateur vidé.")


def _links(ticket):
    outbox.deliver_pending()
    mails = [m for m in mail.outbox if ticket.requester.email in m.to and "résolue" in m.subject]
    assert len(mails) == 1
    return re.findall(rf"{re.escape(BASE)}/evaluation/\S+", mails[0].body)


# --- the service --------------------------------------------------------------------------------

def test_the_requester_rates_once_and_the_chain_reads_it_on_the_timeline(resolved, u):
    version = resolved.version
    rating = satisfaction.rate(resolved, actor=u["enseignant"], rating=4, comment="  Rapide, merci.  ")
    assert (rating.rating, rating.comment, rating.via, rating.level) == (4, "Rapide, merci.", "web", 0)
    assert rating.desk == resolved.resolved_by_desk
    event = TicketEvent.objects.get(kind=EventKind.SATISFACTION)
    assert event.ticket_id == resolved.pk and event.payload["rating"] == 4 and event.version == version + 1
    assert event.visibility == "chain"
    # the agents read the line, the requester's side does not (the panel tells them)
    assert timeline_for(u["directeur"], resolved).filter(pk=event.pk).exists()
    assert not timeline_for(u["enseignant"], resolved).filter(pk=event.pk).exists()
    with pytest.raises(satisfaction.AlreadyRated, match="déjà été évaluée"):
        satisfaction.rate(resolved, actor=u["enseignant"], rating=5)
    assert SatisfactionRating.objects.count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.SATISFACTION).count() == 1


def test_only_the_requester_after_resolution_with_a_rating_of_1_to_5(open_mtp, resolved, u):
    with pytest.raises(PermissionDenied):
        satisfaction.rate(resolved, actor=u["directeur"], rating=5)
    with pytest.raises(GuardFailed, match="pas résolue"):
        satisfaction.rate(open_mtp(title="Autre"), actor=u["enseignant"], rating=5)
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationError) as exc:
            satisfaction.rate(resolved, actor=u["enseignant"], rating=bad)
        assert "rating" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        satisfaction.rate(resolved, actor=u["enseignant"], rating=3, comment="x" * 2001)
    assert "comment" in exc.value.message_dict
    assert not SatisfactionRating.objects.exists()
    # closed tickets may still be rated
    closed = services.confirm(resolved, actor=u["enseignant"])
    assert satisfaction.rate(closed, actor=u["enseignant"], rating=2).rating == 2


# --- the e-mail links ---------------------------------------------------------------------------

def test_the_resolution_mail_carries_one_signed_link_per_rating(resolved, client, u):
    links = _links(resolved)
    assert len(links) == 5
    # GET (what a mail scanner does) writes nothing and shows the confirmation form
    path = urlsplit(links[3]).path
    page = client.get(path)
    assert page.status_code == 200 and "4 sur 5" in page.content.decode()
    assert not SatisfactionRating.objects.exists()
    done = client.post(path, {"comment": "Très bien"})
    assert done.status_code == 200 and "Merci pour votre évaluation" in done.content.decode()
    rating = SatisfactionRating.objects.get()
    assert (rating.rating, rating.via, rating.author, rating.comment) == (4, "email", u["enseignant"], "Très bien")
    # a second link of the same mail: refused with a clear message
    again = client.post(urlsplit(links[0]).path)
    assert again.status_code == 409 and "déjà été évaluée" in again.content.decode()
    assert SatisfactionRating.objects.count() == 1


def test_an_expired_or_altered_link_is_a_clear_4xx(resolved, client, settings):
    token = satisfaction.make_token(resolved, 5)
    url = reverse("web:satisfaction_link", args=[token])
    with time_machine.travel(timezone.now() + satisfaction.link_max_age() + timedelta(minutes=1)):
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 410 and "a expiré" in response.content.decode()
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(reverse("web:satisfaction_link", args=[tampered]))
    assert response.status_code == 400 and "pas valide" in response.content.decode()
    # a well-signed token for a rating out of range, or another requester
    forged = signing.dumps({"t": resolved.pk, "r": 9, "u": resolved.requester_id}, salt=satisfaction.SALT)
    assert client.post(reverse("web:satisfaction_link", args=[forged])).status_code == 400
    other = signing.dumps({"t": resolved.pk, "r": 3, "u": resolved.requester_id + 999}, salt=satisfaction.SALT)
    assert client.post(reverse("web:satisfaction_link", args=[other])).status_code == 400
    # another salt (a token signed for something else) is not a rating link
    foreign = signing.dumps({"t": resolved.pk, "r": 3, "u": resolved.requester_id})
    assert client.get(reverse("web:satisfaction_link", args=[foreign])).status_code == 400
    assert not SatisfactionRating.objects.exists()


def test_a_link_before_resolution_is_refused(open_mtp, client):
    t = open_mtp()
    response = client.post(reverse("web:satisfaction_link", args=[satisfaction.make_token(t, 3)]))
    assert response.status_code == 409 and "pas résolue" in response.content.decode()


# --- the ticket page ----------------------------------------------------------------------------

def test_the_ticket_page_offers_the_rating_to_the_requester_once(resolved, client, u):
    client.force_login(u["enseignant"])
    url = reverse("web:ticket", args=[resolved.reference])
    html = client.get(url).content.decode()
    assert 'id="satisfaction-form"' in html and 'name="rating"' in html
    rate = reverse("web:ticket_rate", args=[resolved.reference])
    bad = client.post(rate, {"rating": "9"})
    assert bad.status_code == 400 and "Votre note" in bad.content.decode()
    assert client.post(rate, {"rating": "5", "comment": "Parfait"}).status_code == 302
    html = client.get(url).content.decode()
    assert 'id="satisfaction-form"' not in html and "Note : 5 sur 5" in html
    again = client.post(rate, {"rating": "1"})
    assert again.status_code == 409 and "déjà été évaluée" in again.content.decode()
    # the agent reads the rating on the page and on the timeline
    client.force_login(u["directeur"])
    html = client.get(url).content.decode()
    assert "Satisfaction du demandeur" in html and "Parfait" in html and "Satisfaction exprimée" in html
    assert "Note : 5 sur 5 — « Parfait »" in html.replace("&laquo;", "«").replace("&raquo;", "»")  # the timeline line
    assert client.post(rate, {"rating": "3"}).status_code == 403


# --- results ------------------------------------------------------------------------------------

def _rated(open_mtp, u, n, rating):
    for i in range(n):
        t = services.take(open_mtp(title=f"Demande {rating}-{i}"), actor=u["directeur"])
        t = services.resolve(t, actor=u["directeur"], summary="Fait.")
        satisfaction.rate(t, actor=u["enseignant"], rating=rating)


def test_summary_per_desk_level_and_month_in_the_perimeter(open_mtp, u):
    _rated(open_mtp, u, 2, 5)
    _rated(open_mtp, u, 1, 2)
    today = timezone.localdate()
    rows = satisfaction.satisfaction_summary(u["manager"], today - timedelta(days=1), today)
    assert len(rows) == 1
    row = rows[0]
    assert (row.count, row.level, row.counts, str(row.average), row.satisfied) == (3, 0, [0, 1, 0, 0, 2], "4.0", 2)
    assert row.desk.startswith("Correspondant ENT") and row.month == today.replace(day=1)
    # outside the perimeter: nothing (the Nancy-Metz desk agent, the Moselle manager… read none)
    assert satisfaction.satisfaction_summary(u["guichet"], today, today) == []
    assert len(satisfaction.satisfaction_summary(u["admin"], today, today)) == 1
    # out of the period: nothing
    assert satisfaction.satisfaction_summary(u["manager"], today - timedelta(days=40), today - timedelta(days=2)) == []


def test_summary_costs_the_same_queries_whatever_the_ratings(open_mtp, u):
    today = timezone.localdate()
    _rated(open_mtp, u, 1, 4)
    satisfaction.satisfaction_summary(u["manager"], today, today)  # the perimeter, cached on the user
    with CaptureQueriesContext(connection) as few:
        satisfaction.satisfaction_summary(u["manager"], today, today)
    _rated(open_mtp, u, 6, 3)
    with CaptureQueriesContext(connection) as many:
        rows = satisfaction.satisfaction_summary(u["manager"], today, today)
    assert sum(r.count for r in rows) == 7
    assert len(many) == len(few) <= 2


def test_the_dashboard_shows_satisfaction_and_avoided_requests(open_mtp, u, world, client):
    _rated(open_mtp, u, 2, 4)
    article = kb.create_article(actor=u["erun"], title="Envoyer une pièce jointe", summary="s", audience=Audience.TEACHER, body="b")
    kb.publish(article, actor=u["erun"])
    Deflection.objects.create(article=article, school=world.schools["0341255E"], user=u["enseignant"])
    Deflection.objects.create(article=article, school=world.schools["0570098X"])  # Grand Est: not Montpellier's
    client.force_login(u["manager"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert 'id="satisfaction-summary"' in html
    figures = html[html.index('id="satisfaction-figures"'):]
    assert "<strong>2</strong> — note moyenne 4,0 sur 5" in figures
    assert "<strong>1</strong>" in figures[:figures.index("</ul>")]  # one avoided request (Grand Est's is not counted)
    assert "<td>Niveau 0 — école</td>" in html  # the level's label, not its code


def test_anonymisation_forgets_the_comment_and_its_author_but_keeps_the_rating(resolved, u):
    from privacy.services import ANONYMISED, anonymise_ticket

    satisfaction.rate(resolved, actor=u["enseignant"], rating=2, comment="Camille Martin, 06 12 34 56 78")
    anonymise_ticket(resolved, retention_days=365)
    rating = SatisfactionRating.objects.get()
    assert (rating.rating, rating.comment) == (2, ANONYMISED) and rating.author != u["enseignant"]
    event = TicketEvent.objects.get(kind=EventKind.SATISFACTION)
    assert "Camille" not in str(event.payload) and event.payload["rating"] == 2
