"""Anonymisation that anonymises (issue 15): a marker planted in every field a person fills, through
the real services, is found nowhere — no text or JSON column of any table, no stored file — once the
retention job ran; and no table links the ticket to its former requester."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookEvent
from directory.models import Resource, Vendor
from privacy import services as privacy
from privacy.models import AnonymisationLog
from privacy import requests as dsr
from privacy.tasks import anonymise_expired_requests, anonymise_expired_tickets
from sla import rollup
from tests.api.conftest import captured, make_client  # noqa: F401 — fixtures
from tickets import outbox, services
from tickets.models import Attachment, Notification, OutboxMessage, Ticket

NAME = "MARQUEUR-Zoé-Dupont-0612345678"
# A person without an account is reached by a phone number or an address only (tickets.opening).
CONTACT = "zoe.marqueur-dupont-0612345678@example.org"
CONTENT = f"Certificat de {NAME}, joindre au {CONTACT}".encode()
# The content's hash proves, to whoever holds the file, that it was sent: it goes too.
NEEDLES = ("marqueur", "0612345678", hashlib.sha256(CONTENT).hexdigest())


def _text_fields(model):
    return [f for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField, models.FileField))]


def marker_rows() -> list[str]:
    """Every (table, column, pk) whose value holds a needle, over every model of every app."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = _text_fields(model)
        if not fields:
            continue
        names = [f.attname for f in fields]
        for row in model._base_manager.values_list("pk", *names):
            for name, value in zip(names, row[1:]):
                if value in (None, ""):
                    continue
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)).lower()
                if any(n in text for n in NEEDLES):
                    found.append(f"{model._meta.db_table}.{name} #{row[0]}")
    return found


def marker_files(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if any(n in path.name.lower() for n in NEEDLES):
            found.append(f"name: {path}")
        elif path.is_file() and any(n.encode() in path.read_bytes().lower() for n in NEEDLES):
            found.append(f"content: {path}")
    return found


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def deliver_everything():
    outbox.deliver_pending()
    for pk in webhooks.due_ids():
        webhooks.attempt(pk)


def read_everything(client, admin, api, closed, cancelled):
    """Pages and API reads of both tickets (an administrator; the vendor through its client), and
    the attachments' downloads: what the access journal records."""
    client.force_login(admin)
    for t in (closed, cancelled):
        assert client.get(reverse("web:ticket", args=[t.reference])).status_code == 200
        for attachment in Attachment.objects.filter(ticket=t):
            assert client.get(reverse("tickets:attachment-download", args=[attachment.pk])).status_code == 200
    for path in ("", "events/", "comments/"):
        assert api.get(f"/api/v1/tickets/{closed.reference}/{path}").status_code == 200, path


def _attach(ticket, actor, **kwargs):
    upload = ContentFile(CONTENT, name=f"{NAME}.txt")
    return services.add_attachment(ticket, actor=actor, upload=upload, **kwargs)


def _full_life(world):
    """A teacher's ticket taken through every action whose text a person writes, to the vendor and back."""
    u, school = world.users, world.schools["0341255E"]
    qualification = {"steps_to_reproduce": NAME, "expected_behaviour": NAME, "observed_behaviour": NAME,
                     "browser_device": NAME, "users_affected": 3, "malfunction_proven": True,
                     "first_seen_at": "2025-01-06T08:30:00+01:00"}
    t = services.open_ticket(actor=u["enseignant"], school=school, title=f"Le cahier de {NAME}", description=f"Élève {NAME}",
                             category="malfunction", service=NAME, impact=2, urgency=2, contact=f"{NAME} {CONTACT}",
                             qualification=qualification)
    t = services.take(t, actor=u["directeur"])
    t = services.comment(t, actor=u["enseignant"], body=f"Public : {NAME}")
    t = services.comment(t, actor=u["directeur"], body=f"Réponse : {NAME}")
    t = services.comment(t, actor=u["directeur"], body=f"Note : {NAME}", internal=True)
    t = services.comment(t, actor=u["directeur"], body=f"Organisation : {NAME}", visibility="organisation")
    t = services.request_info(t, actor=u["directeur"], body=f"Question : {NAME} ?")
    t = services.answer(t, actor=u["enseignant"], body=f"Réponse : {NAME}")
    _attach(t, u["enseignant"])
    _attach(t, u["directeur"], public=False)
    t = Ticket.objects.get(pk=t.pk)
    t = services.update_qualification(t, actor=u["directeur"], steps_to_reproduce=f"Étapes de {NAME}")
    t = services.escalate(t, actor=u["directeur"], reason=f"Escalade : {NAME}")
    t = services.take(t, actor=u["erun"])
    t = services.route(t, actor=u["erun"], desk=world.desks["maguelone-tech"].pk, reason=f"Réorientation : {NAME}")
    t = services.route(t, actor=u["admin"], desk=world.desks["erun-lattes"].pk, reason=f"Retour : {NAME}")
    t = services.escalate(t, actor=u["admin"], reason=f"Vers la DSI : {NAME}")
    t = services.escalate(t, actor=u["admin"], reason=f"Vers l'éditeur : {NAME}")
    t = services.set_vendor_reference(t, actor=u["editeur"], vendor_reference="ODE-0612345678")
    t = services.comment(t, actor=u["editeur"], body=f"Éditeur : {NAME}", visibility="chain")
    t = services.send_back(t, actor=u["editeur"], reason=f"Renvoi : {NAME}")
    t = services.escalate(t, actor=u["admin"], reason=f"De nouveau : {NAME}")
    t = services.resolve(t, actor=u["editeur"], summary=f"Résolu pour {NAME}")
    t = services.reopen(t, actor=u["enseignant"], reason=f"Toujours pas pour {NAME}")
    t = services.resolve(t, actor=u["editeur"], summary=f"Résolu enfin pour {NAME}")
    return services.confirm(t, actor=u["enseignant"], body=f"Merci pour {NAME}")


def _parent_request(world):
    """A parent's request entered by the school's level 0, forwarded to an editor outside the
    product, then cancelled."""
    u, school = world.users, world.schools["0341255E"]
    editor = Vendor.objects.create(slug="editions-tierces", name="Éditions tierces", support_email="support@tierces.example")
    resource = Resource.objects.create(slug="atlas-tiers", name="Atlas tiers", editor=editor)
    t = services.open_ticket(actor=u["directeur"], school=school, title=f"Compte de {NAME}", description=f"Le parent de {NAME}",
                             category="malfunction", impact=2, urgency=2, beneficiary_name=NAME, beneficiary_kind="parent",
                             contact=CONTACT, resource=resource)
    t = services.escalate(services.take(t, actor=u["directeur"]), actor=u["directeur"], reason=f"Ressource tierce : {NAME}")
    t = services.forward_external(t, actor=u["erun"], to="editor", message=f"Transmis pour {NAME}")
    # It was a data-subject request received by the wrong party: the DPO records it and its steps.
    req = dsr.record_request(actor=u["dpo"], convention=world.conventions["montpellier"], school=school,
                             person_name=f"Parent de {NAME}", person_contact=CONTACT, right="erasure",
                             received_by="collectivite", received_at=timezone.now())
    dsr.record_step(req, kind="forwarded", actor=u["dpo"], recipient=f"DPD, pour {NAME}")
    dsr.record_step(req, kind="extended", actor=u["dpo"], detail=f"Dossier de {NAME} complexe")
    dsr.record_step(req, kind="answered", actor=u["dpo"], detail=f"Effacement confirmé à {NAME}")
    return services.cancel(t, actor=u["erun"], reason=f"Annulée : {NAME}")


def test_no_copy_of_the_marker_survives_the_retention_job(world, client, media, make_client, captured, settings):  # noqa: F811
    settings.HELPDESK = {**settings.HELPDESK, "TICKET_RETENTION_DAYS": 365}
    _c, ode = make_client(vendor="ode")
    assert ode.post("/api/v1/webhooks/", {"url": "https://vendor.example/hook", "events": list(WebhookEvent.values)},
                    format="json").status_code == 201
    _c, school_desk = make_client(desk="n0-0341255E", scopes="tickets:read")
    assert school_desk.post("/api/v1/webhooks/", {"url": "https://ent.example/hook", "events": list(WebhookEvent.values)},
                            format="json").status_code == 201
    requester = world.users["enseignant"]
    closed, cancelled = _full_life(world), _parent_request(world)
    deliver_everything()
    # The copies exist before the job (else the search below proves nothing).
    assert WebhookDelivery.objects.exists() and Notification.objects.exists()
    assert OutboxMessage.objects.filter(channel="email", status="sent").exists()
    before = marker_rows()
    assert {r.split(".")[0] for r in before} >= {"privacy_datasubjectrequest", "privacy_datasubjectrequeststep", "sla_clock",
                                                 "tickets_ticket", "tickets_comment", "tickets_ticketevent", "tickets_outboxmessage",
                                                 "tickets_notification", "tickets_attachment", "api_webhookdelivery"}, before
    assert marker_files(media)
    read_everything(client, world.users["admin"], ode, closed, cancelled)  # the access journal's lines exist too
    # Messages still pending at the job (a mail server down, a dead vendor endpoint…).
    mails = OutboxMessage.objects.filter(ticket=closed, channel="email")
    mail_to_requester = [m.pk for m in mails if requester.email in m.payload["to"]]
    assert mail_to_requester
    OutboxMessage.objects.filter(pk__in=mail_to_requester).update(status="pending")
    WebhookDelivery.objects.filter(payload__ticket__id=closed.pk).update(status="pending")

    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert anonymise_expired_tickets.call_local() == 2
        assert anonymise_expired_requests.call_local() == 1
        assert privacy.anonymise_expired() == 0 and dsr.anonymise_expired_requests() == 0  # idempotent
        assert marker_rows() == []
        assert marker_files(media) == []
        # The dashboard's counts moved with the service the job replaced (still in step with the tickets).
        expected, stored = rollup.compute(), rollup.stored()
        assert {k: n for k, n in expected.items() if n} == {k: n for k, n in stored.items() if n}

    # The anonymised tickets still show, with their whole timeline, in the web UI and the API; their
    # attachments are gone (rows and files), not listed as links that would fail.
    assert not Attachment.objects.filter(ticket__in=[closed, cancelled]).exists()
    read_everything(client, world.users["admin"], ode, closed, cancelled)

    # Anonymisation, not pseudonymisation: nothing ties the tickets to the former requester.
    for t in (closed, cancelled):
        t.refresh_from_db()
        assert t.requester.username == privacy.SENTINEL_USERNAME
        assert t.opened_by_id in (None, t.requester_id)
    assert not [f.name for f in AnonymisationLog._meta.concrete_fields if "requester" in f.name]
    assert requester.email not in json.dumps(list(OutboxMessage.objects.filter(ticket=closed).values_list("payload", flat=True)))
    assert OutboxMessage.objects.filter(ticket=closed, status="skipped", last_error__contains="anonymisée").exists()
    for model in apps.get_models():
        fks = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is not None]
        to_ticket = [f.name for f in fks if f.related_model is Ticket]
        to_user = [f.name for f in fks if f.related_model is type(requester)]
        for tf in to_ticket:
            for uf in to_user:
                rows = model._base_manager.filter(**{tf: closed, uf: requester})
                assert not rows.exists(), f"{model._meta.label}.{uf} still names the requester"


def test_delivered_messages_are_purged_after_their_retention_pending_ones_stay(world, make_client, captured, settings):  # noqa: F811
    settings.HELPDESK = {**settings.HELPDESK, "OUTBOX_RETENTION_DAYS": 30}
    _c, ode = make_client(vendor="ode")
    ode.post("/api/v1/webhooks/", {"url": "https://vendor.example/hook", "events": list(WebhookEvent.values)}, format="json")
    from tests.api.factories import vendor_ticket

    t = vendor_ticket(world)
    deliver_everything()
    waiting = OutboxMessage.objects.filter(ticket=t).order_by("pk").first()
    OutboxMessage.objects.filter(pk=waiting.pk).update(status="pending", next_attempt_at=timezone.now() + timedelta(days=60))
    delivered = OutboxMessage.objects.exclude(status="pending").count()
    assert delivered and WebhookDelivery.objects.filter(status="succeeded").exists()
    assert privacy.purge_delivered_expired() == 0  # not 30 days old yet
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        later = services.comment(Ticket.objects.get(pk=t.pk), actor=world.users["editeur"], body="Nouveau message")
        purged = privacy.purge_delivered_expired()
    assert purged >= delivered + 1
    assert list(OutboxMessage.objects.filter(created_at__lt=later.updated_at).values_list("pk", flat=True)) == [waiting.pk]
    assert not WebhookDelivery.objects.filter(created_at__lt=later.updated_at).exists()
    assert Notification.objects.filter(ticket=t).exists()  # the bell keeps its lines (SET_NULL)


def test_the_access_journal_does_not_keep_an_attachment_name(world, client, media, settings):
    """The journal is append-only and keeps who read what (its own retention): the attachment's
    name, a text the person chose, must not be what it keeps."""
    settings.HELPDESK = {**settings.HELPDESK, "TICKET_RETENTION_DAYS": 365}
    u = world.users
    t = services.open_ticket(actor=u["enseignant"], school=world.schools["0341255E"], title="Pièce jointe", description="x",
                             category="usage", impact=3, urgency=3)
    attachment = _attach(t, u["enseignant"])
    client.force_login(u["enseignant"])
    assert client.get(reverse("tickets:attachment-download", args=[attachment.pk])).status_code == 200
    t = services.resolve(services.take(Ticket.objects.get(pk=t.pk), actor=u["directeur"]), actor=u["directeur"], summary="ok")
    services.confirm(t, actor=u["enseignant"])
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert privacy.anonymise_expired() == 1
    assert [r for r in marker_rows() if r.startswith("journal_")] == []
