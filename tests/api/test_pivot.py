"""OPEN-ENT-NG support-pivot interop: export, import (open / update, idempotent), perimeter, round trip."""

import base64
import json
import threading

import pytest
from django.db import transaction

from api.models import PivotLink
from tickets import services
from tickets.models import Ticket

from .factories import open_ticket, vendor_ticket

PROBLEM = "application/problem+json"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ROUND_TRIP_FIELDS = (
    "id_ent", "id_externe", "uai", "academie", "collectivite", "demandeur", "titre", "description",
    "type_demande", "priorite", "modules", "commentaires", "pj", "statut_ent", "statut_externe",
)


@pytest.fixture
def ode(make_client):
    return make_client(vendor="ode")[1]


@pytest.fixture
def school_desk(make_client):
    """The ENT help module of école Pierre Bouissinet (Montpellier), a level-0 desk client."""
    return make_client(desk="n0-0341255E")[1]


def pivot_doc(**overrides):
    doc = {
        "id_ent": "ENT-MODULE-4242",
        "uai": "0341255E",
        "academie": "Académie de Montpellier",
        "demandeur": "Camille Martin | enseignant@example.org",
        "attribution": "ENT",
        "titre": "Le cahier de textes ne s'ouvre plus",
        "description": "Depuis ce matin, erreur à l'ouverture du cahier de textes.",
        "type_demande": "Anomalie",
        "priorite": "Majeur",
        "modules": ["Cahier de textes"],
        "commentaires": ["m-1 | Camille Martin | 2025-03-03T09:12:00+01:00 | Toutes les classes sont touchées."],
        "pj": [{"nom": "capture.png", "contenu": base64.b64encode(PNG).decode()}],
        "statut_ent": "Ouvert",
        "id_jira": "",          # other tools' keys are accepted and ignored
    }
    doc.update(overrides)
    return doc


def test_export_has_the_pivot_shape_and_vocabulary(world, ode):
    ticket = vendor_ticket(world)
    services.set_vendor_reference(ticket, actor=world.users["admin"], vendor_reference="ODE-4521")
    services.comment(ticket, actor=world.users["admin"], body="Note interne", internal=True)
    services.comment(ticket, actor=world.users["admin"], body="Transmis à l'éditeur.")
    response = ode.get(f"/api/v1/pivot/tickets/{ticket.reference}/")
    assert response.status_code == 200, response.content
    doc = response.json()
    assert set(doc) == {
        "id_ent", "id_externe", "uai", "academie", "collectivite", "demandeur", "attribution", "titre",
        "description", "type_demande", "priorite", "modules", "commentaires", "pj", "creation", "maj",
        "statut_ent", "statut_externe", "qualification",
    }
    assert doc["id_ent"] == ticket.reference and doc["id_externe"] == "ODE-4521"
    assert doc["uai"] == "0341255E" and doc["academie"] == "Académie de Montpellier"
    assert doc["collectivite"] == "Commune de Villeneuve-lès-Maguelone"
    assert doc["attribution"] == "CGI" and doc["type_demande"] == "Anomalie"
    assert doc["priorite"] == "Mineur"          # impact 2 × urgency 2 = P3 → Mineur
    assert doc["statut_ent"] in ("Ouvert", "En cours")
    assert len(doc["commentaires"]) == 1 and doc["commentaires"][0].endswith("| Transmis à l'éditeur.")
    listed = ode.get("/api/v1/pivot/tickets/").json()["results"]
    assert [d["id_ent"] for d in listed] == [ticket.reference]


def test_export_carries_the_qualification_and_only_the_public_entries(world, ode):
    """The vendor reads the qualification the académie typed before reaching it; an organisation-only
    note and a chain note never travel in the pivot (only public comments and attachments do)."""
    ticket = vendor_ticket(world)
    services.comment(ticket, actor=world.users["erun"], body="Enseignant peu à l'aise", visibility="organisation")
    services.comment(ticket, actor=world.users["admin"], body="Pour la chaîne", visibility="chain")
    doc = ode.get(f"/api/v1/pivot/tickets/{ticket.reference}/").json()
    q = doc["qualification"]
    assert q["steps_to_reproduce"].startswith("Ouvrir le cahier de textes") and q["users_affected"] == 12
    assert q["malfunction_proven"] is True and q["first_seen_at"].startswith("2025-01-06T08:30")
    text = json.dumps(doc, ensure_ascii=False)
    assert "peu à l'aise" not in text and "Pour la chaîne" not in text


def test_import_applies_the_qualification_at_opening(world, school_desk):
    doc = pivot_doc(qualification={"steps_to_reproduce": "Ouvrir le cahier", "users_affected": 30})
    response = school_desk.post("/api/v1/pivot/tickets/", doc, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["qualification"] == {"steps_to_reproduce": "Ouvrir le cahier", "users_affected": 30}
    bad = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(id_ent="X-2", qualification={"users_affected": "trente"}),
                           format="json")
    assert bad.status_code == 400 and "qualification.users_affected" in bad.content.decode()


def test_a_vendor_never_exports_another_vendors_ticket(world, ode, make_client):
    theirs = vendor_ticket(world, uai="0570098X")
    below = open_ticket(world)
    assert ode.get("/api/v1/pivot/tickets/").json()["results"] == []
    for ticket in (theirs, below):
        response = ode.get(f"/api/v1/pivot/tickets/{ticket.reference}/")
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_import_opens_for_the_named_requester_then_is_idempotent(world, school_desk):
    response = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(), format="json")
    assert response.status_code == 201, response.content
    doc = response.json()
    ticket = Ticket.objects.get(reference=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert ticket.requester == world.users["enseignant"] and ticket.via == "pivot"
    assert ticket.category == "malfunction" and ticket.priority == 2 and ticket.service == "Cahier de textes"
    assert ticket.comments.count() == 1 and ticket.attachments.count() == 1
    assert doc["id_ent"] == "ENT-MODULE-4242" and doc["commentaires"][0].startswith("m-1 | Camille Martin |")

    # The same document again (a retry without Idempotency-Key, or the next sync): nothing new.
    again = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(), format="json")
    assert again.status_code == 200, again.content
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.comments.count() == 1 and ticket.attachments.count() == 1

    # An update: one more comment and the external status.
    update = pivot_doc(commentaires=pivot_doc()["commentaires"] + ["m-2 | Camille Martin | 2025-03-03T10:00:00+01:00 | Ça remarche."],
                       statut_externe="En cours")
    response = school_desk.post("/api/v1/pivot/tickets/", update, format="json")
    assert response.status_code == 200
    assert len(response.json()["commentaires"]) == 2 and response.json()["statut_externe"] == "En cours"
    assert Ticket.objects.count() == 1


def test_import_honours_idempotency_key(world, school_desk):
    headers = {"HTTP_IDEMPOTENCY_KEY": "pivot-1"}
    first = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(), format="json", **headers)
    replay = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(), format="json", **headers)
    assert first.status_code == 201 and replay.status_code == 201
    assert replay["Idempotency-Replayed"] == "true" and replay.content == first.content
    other = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(titre="Autre"), format="json", **headers)
    assert other.status_code == 422 and other["Content-Type"] == PROBLEM


def test_import_refuses_requesters_and_schools_outside_the_perimeter(world, school_desk, ode):
    # A requester of another school: the relay cannot open for them.
    response = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(demandeur="Sacha Petit | guichet@example.org"), format="json")
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    # Another school.
    response = school_desk.post("/api/v1/pivot/tickets/", pivot_doc(uai="0342026T", id_ent="X-2"), format="json")
    assert response.status_code == 403
    # A vendor opens nothing at a school.
    assert ode.post("/api/v1/pivot/tickets/", pivot_doc(id_ent="X-3"), format="json").status_code == 403
    # Unknown requester, bad vocabulary, bad UAI, bad base64: 400 naming the field; nothing written.
    for field, doc in (
        ("demandeur", pivot_doc(demandeur="Inconnu | personne@example.org")),
        ("priorite", pivot_doc(priorite="Urgentissime")),
        ("type_demande", pivot_doc(type_demande="Poème")),
        ("uai", pivot_doc(uai="0341255A")),
        ("pj[0].contenu", pivot_doc(pj=[{"nom": "x.png", "contenu": "!!!"}])),
        ("inconnu", pivot_doc(inconnu=1)),
    ):
        response = school_desk.post("/api/v1/pivot/tickets/", doc, format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in [e["field"] for e in response.json()["errors"]] or field in response.json()["detail"]
    assert Ticket.objects.count() == 0 and PivotLink.objects.count() == 0


def test_vendor_import_updates_its_ticket_by_reference_and_sets_its_id(world, ode):
    ticket = vendor_ticket(world)
    exported = ode.get(f"/api/v1/pivot/tickets/{ticket.reference}/").json()
    exported["id_externe"] = "JIRA-77"
    exported["statut_externe"] = "En cours"
    exported["commentaires"].append("10077 | Support ODE | 2025-03-04T08:00:00+01:00 | Reproduit, correctif en cours.")
    response = ode.post("/api/v1/pivot/tickets/", exported, format="json")
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.vendor_reference == "JIRA-77"
    assert ticket.comments.get().body == "Reproduit, correctif en cours."
    doc = response.json()
    assert doc["id_externe"] == "JIRA-77" and doc["statut_externe"] == "En cours"
    assert doc["commentaires"][-1].startswith("10077 | Support ODE |")
    # Found again by id_externe alone.
    again = ode.post("/api/v1/pivot/tickets/", {"id_externe": "JIRA-77", "statut_externe": "Résolu"}, format="json")
    assert again.status_code == 200 and again.json()["id_ent"] == ticket.reference
    assert Ticket.objects.count() == 1


def test_round_trip_export_import_into_a_fresh_world_export(world, school_desk, make_client):
    """Export from one world, import into a fresh one (same directory, no tickets), export again:
    the mapped fields are identical."""
    with transaction.atomic():
        first = open_ticket(world, actor=world.users["enseignant"], title="Messagerie inaccessible")
        services.comment(first, actor=world.users["enseignant"], body="Depuis 8 h, **toutes** les classes.")
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.add_attachment(first, actor=world.users["enseignant"], upload=SimpleUploadedFile("capture.png", PNG))
        second = vendor_ticket(world, title="Cahier de textes")
        services.set_vendor_reference(second, actor=world.users["admin"], vendor_reference="ODE-12")
        before = sorted(school_desk.get("/api/v1/pivot/tickets/").json()["results"], key=lambda d: d["titre"])
        assert len(before) == 2
        transaction.set_rollback(True)
    assert Ticket.objects.count() == 0

    for doc in before:
        response = school_desk.post("/api/v1/pivot/tickets/", doc, format="json")
        assert response.status_code == 201, response.content
    after = sorted(school_desk.get("/api/v1/pivot/tickets/").json()["results"], key=lambda d: d["titre"])
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert {k: new[k] for k in ROUND_TRIP_FIELDS} == {k: old[k] for k in ROUND_TRIP_FIELDS}


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_document_create_one_ticket(make_client, world):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    _c, http = make_client(desk="n0-0341255E")
    results = []

    def run():
        results.append(http.post("/api/v1/pivot/tickets/", pivot_doc(pj=[], commentaires=[]), format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Ticket.objects.count() == 1 and results.count(201) == 1


def test_export_query_count_does_not_depend_on_the_page_or_on_comments(world, ode):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tickets = [vendor_ticket(world, title=f"Sans commentaire {i}") for i in range(6)]
    services.comment(tickets[0], actor=world.users["admin"], body="Un commentaire public")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            response = ode.get(f"/api/v1/pivot/tickets/?page_size={size}")
        assert response.status_code == 200 and len(response.json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(2) == count(6)
