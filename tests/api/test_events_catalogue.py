"""The webhook event catalogue: docs/api.md shows the vocabulary of tickets/events.py as generated,
and a scenario that does everything the catalogue lists delivers every documented event."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api import webhooks
from directory.models import Resource, Vendor
from api.event_catalogue import END, START, apply, render
from api.models import WebhookEvent
from sla.clocks import raise_due_events
from sla.models import Service
from sla.outages import close_outage, declare_outage
from sla.services import publish_policy
from tickets import events, outbox, services
from tickets.models import EventKind

from .factories import QUALIFICATION

PARIS = ZoneInfo("Europe/Paris")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 32
DOCS = Path(settings.BASE_DIR) / "docs" / "api.md"


def test_committed_api_guide_shows_the_generated_catalogue():
    committed = DOCS.read_text(encoding="utf-8")
    assert START in committed and END in committed
    assert apply(committed) == committed, "run: python manage.py event_catalogue"
    for wt in events.WEBHOOK_TYPES:
        assert f"| `{wt.name}` |" in render()


def test_the_command_rewrites_only_the_marked_section(tmp_path):
    guide = tmp_path / "api.md"
    guide.write_text(f"# Guide\n\nÀ la main.\n\n{START}\nvieux texte\n{END}\n\nSuite à la main.\n", encoding="utf-8")
    call_command("event_catalogue", output=str(guide))
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("# Guide\n\nÀ la main.\n\n") and text.endswith("\n\nSuite à la main.\n")
    assert "vieux texte" not in text and render() in text
    call_command("event_catalogue", output=str(guide), check=True)


def _scenario(world, ode_desk_http):
    """Every event of the vocabulary that is sent as a webhook, through the real services."""
    u, school = world.users, world.schools["0341255E"]
    # SLA: a 2-hour first response, warned at 75 %, breached after (clocks driven by time travel).
    publish_policy(world.conventions["montpellier"], targets=[{"kind": "first_response", "priority": "P3", "seconds": 7200}])
    with time_machine.travel(datetime(2025, 3, 17, 9, tzinfo=PARIS), tick=False):
        late = services.open_ticket(actor=u["enseignant"], school=school, title="Cahier de textes",
                                    description="Il ne s'ouvre plus.", category="usage", impact=2, urgency=2)
    assert raise_due_events(datetime(2025, 3, 17, 10, 30, tzinfo=PARIS))["warning"] >= 1
    assert raise_due_events(datetime(2025, 3, 17, 11, 0, 1, tzinfo=PARIS))["breach"] >= 1
    services.cancel(late, actor=u["enseignant"], reason="Réglé tout seul")

    def new(title):
        return services.open_ticket(actor=u["enseignant"], school=school, title=title,
                                    description="Depuis ce matin.", category="malfunction", impact=2, urgency=2)

    t = new("La messagerie refuse les pièces jointes")
    t = services.take(t, actor=u["directeur"])
    t = services.comment(t, actor=u["directeur"], body="Quel fichier ?")
    t = services.comment(t, actor=u["directeur"], body="À vérifier", internal=True)
    t = services.request_info(t, actor=u["directeur"], body="Quelle taille ?")
    t = services.answer(t, actor=u["enseignant"], body="12 Mo")
    services.add_attachment(t, actor=u["enseignant"], upload=SimpleUploadedFile("capture.png", PNG))
    t = services.update_qualification(t, actor=u["directeur"], **QUALIFICATION)
    t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
    # The commune's desk is the other level-1 desk of the school's chain (network faults).
    t = services.route(t, actor=u["erun"], desk=world.desks["maguelone-tech"], reason="Relève du réseau")
    t = services.send_back(t, actor=u["admin"], reason="Précisez le navigateur")
    other = new("Même problème de messagerie")
    services.link_duplicate(other, actor=u["directeur"], duplicate_of=t.reference)
    child = new("Pièces jointes refusées aussi")
    services.set_parent(child, actor=u["directeur"], parent=t.reference)
    t = services.resolve(t, actor=u["directeur"], summary="Taille maximale relevée")
    t = services.reopen(t, actor=u["enseignant"], reason="Toujours refusé")
    t = services.resolve(t, actor=u["directeur"], summary="Quota corrigé")
    t = services.confirm(t, actor=u["enseignant"])

    with time_machine.travel(timezone.now() - timedelta(days=30)):  # resolved a month ago, never confirmed
        services.resolve(services.take(new("Mot de passe"), actor=u["directeur"]), actor=u["directeur"],
                         summary="Réinitialisé")
    assert services.auto_close_due() >= 1  # the periodic task
    at_vendor = new("Le cahier de textes plante")
    for _level in range(3):
        at_vendor = services.escalate(at_vendor, actor=u["admin"], reason="Dysfonctionnement avéré", **QUALIFICATION)
    services.set_vendor_reference(at_vendor, actor=u["editeur"], vendor_reference="ODE-4521")
    # A third-party resource whose editor has no desk: the competent authority forwards to its support.
    editor = Vendor.objects.create(slug="editions-tierces", name="Éditions tierces", support_email="support@tierces.example")
    resource = Resource.objects.create(slug="atlas-tiers", name="Atlas tiers", editor=editor)
    external = services.open_ticket(actor=u["enseignant"], school=school, title="L'atlas ne s'ouvre pas",
                                    description="Page blanche.", category="malfunction", impact=2, urgency=2, resource=resource)
    external = services.escalate(services.take(external, actor=u["directeur"]), actor=u["directeur"], reason="Ressource tierce")
    services.forward_external(external, actor=u["erun"], to="editor", message="Page blanche à l'ouverture de l'atlas.")

    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    outage = declare_outage(ent, actor=u["erun"], scope="academie", academie=world.academies["montpellier"],
                            started_at=datetime(2025, 3, 18, 9, tzinfo=PARIS), cause="Panne SSO")
    close_outage(outage, actor=u["erun"], ended_at=datetime(2025, 3, 18, 10, tzinfo=PARIS))


@pytest.mark.django_db
def test_every_documented_event_is_delivered(world, make_client, captured):
    _c, http = make_client(desk="n0-0341255E", scopes="tickets:read")  # the school's desk sees all its tickets
    sub = http.post("/api/v1/webhooks/", {"url": "https://ent.example/hook", "events": list(WebhookEvent.values)},
                    format="json")
    assert sub.status_code == 201, sub.content
    secret = sub.json()["secret"]

    _scenario(world, http)
    outbox.deliver_pending(limit=10_000)
    for pk in webhooks.due_ids(limit=10_000):
        webhooks.attempt(pk)

    received = [Webhook(secret).verify(r["body"], r["headers"]) for r in captured.sent]
    types = {r["type"] for r in received}
    documented = {wt.name for wt in events.WEBHOOK_TYPES}
    assert documented - types == set(), "documented webhook types never delivered"
    assert types <= documented
    # Each event of the vocabulary that has a webhook arrived, under its documented type.
    seen = {(r["type"], r["data"].get("kind") or r["data"]["event"]) for r in received}
    expected = {(e.webhook, e.kind.value if e.kind else e.name) for e in events.EVENTS if e.webhook}
    assert expected - seen == set()
    breach = next(r for r in received if r["type"] == "sla.breached")
    assert breach["data"]["ticket"]["reference"] and breach["data"]["data"]["target"] == "first_response"
    opened = next(r for r in received if r["type"] == "outage.opened")
    assert opened["data"]["service"] == "ent" and opened["data"]["academie"] == world.academies["montpellier"].code
    assert json.loads(captured.sent[0]["body"])["type"] in documented


def test_the_vocabulary_names_every_timeline_kind_once():
    assert set(events.BY_KIND) == set(EventKind.values)
    assert [wt.name for wt in events.WEBHOOK_TYPES] == list(WebhookEvent.values)
    documented = {wt.name for wt in events.WEBHOOK_TYPES}
    for e in events.EVENTS:
        assert e.webhook is None or e.webhook in documented, e
        # two events may share a name (answer and comment, confirmation and auto-close): then one type
        assert events.webhook_type(e.name) == e.webhook, e
    assert {e.webhook for e in events.EVENTS} - {None} == documented
    assert set(events.ANNOTATION_KINDS) == {EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.SLA_MET,
                                            EventKind.LEGAL_NOTICE}


def test_sla_breach_is_delivered_as_sla_breached_not_ticket_updated():
    """The bug of issue 13: the SLA bridge wrote `sla.breach`, which the API turned into ticket.updated."""
    from api.signals import webhook_event_type

    assert webhook_event_type("sla.breach") == "sla.breached"
    assert webhook_event_type("sla.warning") == "sla.warning"
    assert webhook_event_type("ticket.noted") == "ticket.commented"
    assert webhook_event_type("ticket.info_requested") == "ticket.updated"
    assert webhook_event_type("ticket.something_retired") == "ticket.updated"
