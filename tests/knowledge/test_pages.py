"""What people see: the knowledge base, the article editor, the agents' search, the report form's
suggestions with "Ça m'a aidé" and "Je suis aussi concerné·e", the article drawn from a resolution."""

import json

import pytest

from knowledge import services as kb
from knowledge.models import Article, Concerned, Deflection
from tickets import services
from tickets.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(u):
    a = kb.create_article(actor=u["erun"], title="Envoyer une pièce jointe avec la messagerie",
                          summary="Les vérifications à faire.", body="## Étapes\n\n<script>x</script>Vérifiez la **taille**.")
    return kb.publish(a, actor=u["erun"])


def test_the_help_home_finds_published_articles_with_highlights(login, article):
    page = login("enseignant").get("/aide/", {"q": "pieces jointes"}).content.decode()
    assert "1 article trouvé" in page
    assert "<mark>pièce</mark> <mark>jointe</mark>" in page


def test_the_article_is_sanitised_markdown(login, article):
    page = login("enseignant").get(f"/aide/articles/{article.slug}/").content.decode()
    assert "<strong>taille</strong>" in page and "<script>x" not in page


def test_a_draft_is_read_by_its_organisation_only(login, u):
    draft = kb.create_article(actor=u["erun"], title="Brouillon réseau", body="Texte")
    assert login("enseignant").get(f"/aide/articles/{draft.slug}/").status_code == 404
    assert login("guichet").get(f"/aide/articles/{draft.slug}/").status_code == 404  # académie de Nancy
    assert login("erun").get(f"/aide/articles/{draft.slug}/").status_code == 200


def test_an_agent_writes_submits_and_publishes(login, u):
    c = login("erun")
    r = c.post("/aide/articles/nouveau/", {"title": "Imprimer le cahier de textes", "body": "Menu « Imprimer ».",
                                           "audience": "enseignant"})
    a = Article.objects.get(title="Imprimer le cahier de textes")
    assert r.status_code == 302 and a.status == "brouillon"
    c.post(f"/aide/articles/{a.slug}/statut/relire/")
    assert "À relire" in c.get(f"/aide/articles/{a.slug}/modifier/").content.decode()
    c.post(f"/aide/articles/{a.slug}/statut/publier/")
    assert "Imprimer le cahier de textes" in login("enseignant").get("/aide/").content.decode()
    assert list(a.events.values_list("kind", flat=True)) == ["created", "submitted", "published"]


def test_a_teacher_may_not_write(login):
    assert login("enseignant").get("/aide/articles/nouveau/").status_code == 403


def test_the_editor_names_the_missing_field(login):
    page = login("erun").post("/aide/articles/nouveau/", {"title": "", "body": "", "audience": "enseignant"}).content.decode()
    assert "Titre : Ce champ est obligatoire." in page


def test_agent_search_page_highlights_and_respects_the_perimeter(login, open_ticket):
    t = open_ticket("L'imprimante du bureau est bloquée")
    page = login("admin").get("/recherche/", {"q": "imprimantes"}).content.decode()
    assert t.reference in page and "<mark>imprimante</mark>" in page
    assert t.reference not in login("guichet").get("/recherche/", {"q": "imprimantes"}).content.decode()
    assert login("enseignant").get("/recherche/", {"q": "x"}).status_code == 403


def test_suggestions_offer_the_article_and_a_colleagues_ticket_by_title(login, u, colleague, bouissinet, article, open_ticket):
    theirs = open_ticket("Pièce jointe refusée par la messagerie", description="Le fichier de Mme X (fictif)")
    data = json.loads(login("collegue").get("/aide/suggestions/", {"q": "pièce jointe messag", "school": bouissinet.pk}).content)
    assert [a["title"] for a in data["articles"]] == [article.title]
    [offer] = data["tickets"]
    assert offer["reference"] == theirs.reference and offer["title"] == theirs.title
    assert offer["url"] == ""  # a colleague's ticket: title and reference only, never its page
    assert "Mme X" not in json.dumps(data)


def test_another_schools_ticket_is_offered_only_for_the_same_service_in_the_perimeter(login, u, world, open_ticket, bouissinet):
    other = world.schools["0570098X"]  # Grand Est: outside the Montpellier teacher's perimeter
    from directory.choices import Role
    from directory.models import Membership, User

    prof = User.objects.create_user(username="prof_ge", password="x")
    Membership.objects.create(user=prof, role=Role.REQUESTER, school=other)
    open_ticket("Messagerie : pièce jointe bloquée", actor=prof, school=other, service="Messagerie")
    data = json.loads(login("enseignant").get("/aide/suggestions/", {"q": "piece jointe", "school": bouissinet.pk,
                                                                     "service": "Messagerie"}).content)
    assert data["tickets"] == []


def test_it_helped_counts_a_deflection_and_opens_no_ticket(login, article, bouissinet):
    from tickets.models import Ticket

    before = Ticket.objects.count()
    r = login("enseignant").post("/aide/suggestions/ca-m-a-aide/", {"article": article.pk, "school": bouissinet.pk, "q": "pj"})
    assert r.status_code == 302
    d = Deflection.objects.get()
    assert (d.article, d.school) == (article, bouissinet) and Ticket.objects.count() == before


def test_it_helped_with_a_bad_article_is_a_400_naming_it(login):
    r = login("enseignant").post("/aide/suggestions/ca-m-a-aide/", {"article": "abc"})
    assert r.status_code == 400 and "article" in r.content.decode()


def test_joining_a_ticket_and_being_told_when_it_is_resolved(login, u, colleague, open_ticket):
    t = open_ticket("Pièce jointe refusée par la messagerie")
    r = login("collegue").post(f"/aide/concerne/{t.reference}/")
    assert r.status_code == 302 and Concerned.objects.filter(ticket=t, user=colleague).exists()
    t = services.take(t, actor=u["directeur"])
    services.resolve(t, actor=u["directeur"], summary="Limite relevée")
    told = [m for m in OutboxMessage.objects.filter(channel="in_app") if colleague.pk in m.payload.get("user_ids", [])]
    assert told and t.reference in told[0].payload["message"] and "résolue" in told[0].payload["message"]
    assert told[0].ticket_id is None  # they may not open the ticket: the message names it only
    assert OutboxMessage.objects.filter(channel="email", payload__to=["collegue@example.org"]).exists()


def test_one_may_not_join_a_ticket_outside_ones_schools(login, world, u):
    from directory.choices import Category, Role
    from directory.models import Membership, User

    prof = User.objects.create_user(username="prof_ge", password="x")
    Membership.objects.create(user=prof, role=Role.REQUESTER, school=world.schools["0570098X"])
    t = services.open_ticket(actor=prof, school=world.schools["0570098X"], title="Messagerie", description="x",
                             category=Category.MALFUNCTION, impact=2, urgency=2)
    assert login("enseignant").post(f"/aide/concerne/{t.reference}/").status_code == 404


def test_an_agent_turns_a_resolution_into_a_draft(login, u, open_ticket):
    t = open_ticket("Partager un dossier avec la classe")
    t = services.escalate(services.take(t, actor=u["directeur"]), actor=u["directeur"], reason="À l'ERUN")
    t = services.resolve(services.take(t, actor=u["erun"]), actor=u["erun"], summary="Menu Partager, cocher la classe.")
    c = login("erun")
    assert "Faire de cette résolution un article d'aide" in c.get(f"/demandes/{t.reference}/").content.decode()
    r = c.post(f"/demandes/{t.reference}/article/")
    a = Article.objects.get(source_ticket=t)
    assert r.status_code == 302 and a.status == "brouillon" and "Menu Partager" in a.body
    assert "Faire de cette résolution" not in login("enseignant").get(f"/demandes/{t.reference}/").content.decode()
