"""French search on the current profile's backend (SQLite FTS5 in `make test`, PostgreSQL full-text
search under scripts/test_postgres.sh): stemming, accents, highlights, and the perimeter — an agent
never finds a ticket, or a contribution, they may not read."""

import pytest
from django.db import connection

from knowledge import search
from tickets import services
from tickets.states import Visibility

pytestmark = pytest.mark.django_db


def refs(hits):
    return {h.ticket.reference for h in hits}


def test_plural_finds_singular_and_accents_do_not_matter(u, open_ticket):
    printer = open_ticket("L'imprimante de la salle 3 ne répond plus")
    network = open_ticket("Coupure du réseau au premier étage")
    assert refs(search.search_tickets(u["admin"], "imprimantes")) == {printer.reference}
    assert refs(search.search_tickets(u["admin"], "reseau")) == {network.reference}
    assert refs(search.search_tickets(u["admin"], "RÉSEAUX")) == {network.reference}


def test_every_word_must_match(u, open_ticket):
    both = open_ticket("Pièce jointe refusée par la messagerie")
    open_ticket("La messagerie est lente")
    assert refs(search.search_tickets(u["admin"], "pieces jointes messagerie")) == {both.reference}


def test_highlights_are_escaped_with_mark(u, open_ticket):
    open_ticket("Réseau <b>coupé</b>", description="Le réseau <script>alert(1)</script> est coupé")
    hit = search.search_tickets(u["admin"], "reseau")[0]
    assert "<mark>Réseau</mark>" in hit.title_html
    assert "&lt;b&gt;" in hit.title_html and "<b>" not in hit.title_html
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "<mark>réseau</mark>" in hit.snippet_html


def test_an_agent_never_finds_a_ticket_outside_their_perimeter(world, u, open_ticket):
    mtp = open_ticket("Imprimante en panne à Montpellier")
    # The Grand Est desk agent (guichet Nancy) reads nothing of a Montpellier school.
    assert refs(search.search_tickets(u["guichet"], "imprimante")) == set()
    assert refs(search.search_tickets(u["erun"], "imprimante")) in ({mtp.reference}, set())
    assert refs(search.search_tickets(u["admin"], "imprimante")) == {mtp.reference}


def test_comments_are_found_only_by_who_reads_them(world, u, open_ticket):
    t = open_ticket("Cahier de textes")
    t = services.take(t, actor=u["directeur"])
    services.comment(t, actor=u["directeur"], body="Le lecteur de cartes est débranché", visibility=Visibility.CHAIN)
    # The directeur (school level 0) reads the chain note; the requester never does.
    assert refs(search.search_tickets(u["directeur"], "cartes")) == {t.reference}
    assert refs(search.search_tickets(u["enseignant"], "cartes")) == set()
    services.comment(t, actor=u["directeur"], body="Merci de redémarrer le poste", visibility=Visibility.PUBLIC)
    assert refs(search.search_tickets(u["enseignant"], "redemarrer")) == {t.reference}


def test_the_index_follows_the_resolution(u, open_ticket):
    t = services.take(open_ticket("Connexion impossible"), actor=u["directeur"])
    services.resolve(t, actor=u["directeur"], summary="Mot de passe réinitialisé depuis la console")
    assert refs(search.search_tickets(u["admin"], "console")) == {t.reference}


def test_the_backend_is_the_profiles_own():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector('french_unaccent', 'Les imprimantes du réseau')::text")
            vector = cursor.fetchone()[0]  # stems without accents (stop words depend on the server's dictionaries)
            assert "'imprim':2" in vector and "'reseau':4" in vector, vector
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'knowledge_fts'")
            assert "remove_diacritics 2" in cursor.fetchone()[0]
