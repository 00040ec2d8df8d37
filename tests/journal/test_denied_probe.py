"""A denied probe of an attachment (someone asking for /pieces-jointes/<pk>/ of a ticket they cannot
read) is journaled for the target's DPO, but what the prober can later read of their own journal
lines (their personal-data export) says only what they asked for: never the ticket's reference."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journal.models import AccessEntry, ObjectType, Outcome
from tickets import services


@pytest.fixture
def ge_attachment(ge_ticket, ge_teacher):
    upload = SimpleUploadedFile("convocation.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    return services.add_attachment(ge_ticket, actor=ge_teacher, upload=upload)


@pytest.mark.parametrize("url_name", ["tickets:attachment-download", "web:attachment_preview"])
def test_denied_attachment_probe_does_not_reveal_the_ticket_reference(login, u, ge_ticket, ge_attachment, url_name):
    client = login("enseignant")
    assert client.get(reverse(url_name, args=[ge_attachment.pk])).status_code == 404
    [line] = AccessEntry.objects.filter(actor=u["enseignant"], object_type=ObjectType.ATTACHMENT)
    assert line.outcome == Outcome.DENIED
    # Still found by the DPO of the targeted school (scope and object id kept).
    assert (line.school_id, line.object_id) == (ge_ticket.school_id, str(ge_attachment.pk))
    exported = client.get(reverse("privacy:my_data_json"))
    assert exported.status_code == 200
    body = exported.content.decode()
    assert ge_ticket.reference not in body
    assert "convocation" not in body
    accesses = json.loads(body)["accesses_by_the_person"]
    assert any(str(ge_attachment.pk) in a["object"] for a in accesses)
    assert ge_ticket.reference not in client.get(reverse("privacy:my_data")).content.decode()


def test_granted_download_keeps_the_ticket_reference(client, ge_ticket, ge_teacher, ge_attachment):
    client.force_login(ge_teacher)
    assert client.get(reverse("tickets:attachment-download", args=[ge_attachment.pk])).status_code == 200
    [line] = AccessEntry.objects.filter(actor=ge_teacher, object_type=ObjectType.ATTACHMENT)
    assert (line.outcome, line.object_label) == (Outcome.GRANTED, ge_ticket.reference)
