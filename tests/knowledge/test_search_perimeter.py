"""The search's perimeter is the access rule (tickets.access), answered on the search entries' own
columns (knowledge.search.on_entries): for every account of the demo world, the entries a search
may return are exactly those the per-ticket rule lets them read (`can_view`, then `entries_q`), and
a ticket that moves — to another desk, or its school to another circonscription — leaves the old
perimeter's search at once. Runs on both profiles (SQLite FTS5 here, PostgreSQL under
scripts/test_postgres.sh)."""

import pytest

from directory.choices import Category, Role
from directory.models import Membership, User
from knowledge import search
from knowledge.models import SearchEntry
from tickets import access, services
from tickets.models import Comment, Ticket
from tickets.states import Visibility

pytestmark = pytest.mark.django_db


def refs(hits):
    return {h.ticket.reference for h in hits}


def readable_by_rule(user) -> set[int]:
    """The ticket entries `user` reads, asked of the per-ticket rule one ticket at a time."""
    out = set()
    for entry in SearchEntry.objects.filter(ticket__isnull=False).select_related("ticket"):
        if not access.can_view(user, entry.ticket_id):
            continue
        if entry.comment_id is None:
            out.add(entry.pk)
            continue
        rule = access.entries_q(user, entry.ticket)
        if rule is None or Comment.objects.filter(rule, pk=entry.comment_id).exists():
            out.add(entry.pk)
    return out


def readable_by_search(user) -> set[int]:
    rule = search.entry_audience_q(user)
    qs = SearchEntry.objects.filter(ticket__isnull=False)
    return set((qs if rule is None else qs.filter(rule)).values_list("pk", flat=True))


@pytest.fixture
def varied_tickets(world, u, open_ticket, bouissinet):
    """Tickets in the three académies, escalated to a vendor, a security incident, and comments of
    the three audiences."""
    made = []
    for school in world.schools.values():
        made.append(open_ticket(f"Imprimante en panne ({school.uai})", school=school,
                                actor=_requester_of(school, u)))
    t = services.take(next(t for t in made if t.school_id == bouissinet.pk), actor=u["directeur"])
    services.comment(t, actor=u["directeur"], body="Note de la chaîne", visibility=Visibility.CHAIN)
    services.comment(t, actor=u["directeur"], body="Réponse publique", visibility=Visibility.PUBLIC)
    t = services.escalate(t, actor=u["directeur"], reason="Hors de portée de l'école")
    t = services.take(t, actor=u["erun"])
    services.comment(t, actor=u["erun"], body="Note de l'organisation", visibility=Visibility.ORGANISATION)
    services.escalate(t, actor=u["erun"], reason="Panne chez l'éditeur")
    breach = open_ticket("Fuite de données (fictive)", category=Category.SECURITY)
    services.comment(services.take(breach, actor=u["directeur"]), actor=u["directeur"], body="Constat",
                     visibility=Visibility.CHAIN)
    return made


def _requester_of(school, u):
    """The demo teacher for their school; elsewhere a teacher created for the test (fictif)."""
    if school.pk == u["enseignant"].memberships.get().school_id:
        return u["enseignant"]
    user = User.objects.create_user(username=f"ens-{school.uai}", password="x")
    Membership.objects.create(user=user, role=Role.REQUESTER, school=school)
    return user


def test_every_account_searches_exactly_what_the_access_rule_lets_it_read(world, u, varied_tickets):
    assert SearchEntry.objects.filter(ticket__isnull=False, comment__isnull=False).count() >= 4
    users = list(User.objects.all())
    assert len(users) >= 15
    for user in users:
        assert readable_by_search(user) == readable_by_rule(user), user.username
    # The rewrite reads the entries' columns, not Ticket, for the perimeter paths it knows.
    sql = str(SearchEntry.objects.filter(search.entry_audience_q(u["erun"])).query)
    assert "ticket_circonscription" in sql and '"tickets_ticket"."desk_id"' not in sql


def test_a_ticket_moved_to_another_desk_leaves_the_old_desks_search(world, u, open_ticket):
    """The Nancy-Metz desk agent reads their desk and their académie's schools: a Montpellier
    ticket only while it sits at their desk — its text and its contributions."""
    t = services.take(open_ticket("Le tableau numérique ne s'allume plus"), actor=u["directeur"])
    t = services.escalate(t, actor=u["directeur"], reason="Panne matérielle")
    services.comment(t, actor=u["directeur"], body="Le vidéoprojecteur clignote", visibility=Visibility.CHAIN)
    assert refs(search.search_tickets(u["guichet"], "tableau")) == set()

    def moved_to(desk):
        # A move the search learns of through the ticket's next transition (any action).
        Ticket.objects.filter(pk=t.pk).update(desk=desk)
        services.comment(Ticket.objects.get(pk=t.pk), actor=u["admin"], body="Suivi", visibility=Visibility.CHAIN)

    moved_to(world.desks["guichet-nancy"])
    assert refs(search.search_tickets(u["guichet"], "tableau")) == {t.reference}
    assert refs(search.search_tickets(u["guichet"], "videoprojecteur")) == {t.reference}
    moved_to(world.desks["erun-lattes"])
    assert refs(search.search_tickets(u["guichet"], "tableau")) == set()
    assert refs(search.search_tickets(u["guichet"], "videoprojecteur")) == set()
    assert refs(search.search_tickets(u["erun"], "videoprojecteur")) == {t.reference}

    # A route (the action) moves every entry of the ticket with it, in the same transaction.
    t = services.route(Ticket.objects.get(pk=t.pk), actor=u["erun"], desk=world.desks["maguelone-tech"],
                       reason="Relève du réseau")
    entries = SearchEntry.objects.filter(ticket_id=t.pk)
    assert entries.count() == 4  # its text and its three comments
    assert set(entries.values_list("ticket_desk", flat=True)) == {world.desks["maguelone-tech"].pk}
    assert readable_by_search(u["guichet"]) == readable_by_rule(u["guichet"])


def test_a_school_moved_to_another_circonscription_leaves_the_old_erun_search(world, u, open_ticket, bouissinet):
    """The ERUN of Lattes reads the schools of their circonscription; a ticket at another desk is
    read through the school only, until the school moves to Sète."""
    t = open_ticket("Le manuel numérique a disparu")
    # Out of the ERUN's desk: only the circonscription lets them read it.
    Ticket.objects.filter(pk=t.pk).update(desk=world.desks["dsi-montpellier"])
    search.sync_perimeter(SearchEntry.objects.filter(ticket_id=t.pk))
    assert refs(search.search_tickets(u["erun"], "manuel")) == {t.reference}

    bouissinet.circonscription = world.desks["erun-sete"].circonscription
    bouissinet.save()
    assert refs(search.search_tickets(u["erun"], "manuel")) == set()
    assert readable_by_search(u["erun"]) == readable_by_rule(u["erun"])


def test_only_the_most_recent_matches_are_ranked_but_every_one_is_readable(u, open_ticket, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 3)
    made = [open_ticket(f"Imprimante numéro {i}") for i in range(5)]
    found = search.search_tickets(u["admin"], "imprimante")
    assert refs(found) == {t.reference for t in made[-3:]}
    assert refs(search.search_tickets(u["admin"], "imprimante numero")) <= {t.reference for t in made}
