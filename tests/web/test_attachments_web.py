"""Attachments on the ticket page, as a person uses them: the link on the page downloads the file,
an image shows as a thumbnail, and nobody outside the ticket's perimeter can fetch either."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory.demo import DEMO_USERNAMES
from journal.models import AccessEntry, ObjectType, Outcome
from tickets import services
from tickets.models import Attachment
from tickets.permissions import can_view

from .test_pages import at_erun

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 48
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _page(client, ticket):
    response = client.get(reverse("web:ticket", args=[ticket.reference]))
    return response.status_code, response.content.decode()


def _download_links(html):
    return [unescape(h) for h in re.findall(r'<a href="([^"]+)" download>', html)]


def _previews(html):
    return [unescape(s) for s in re.findall(r'<img src="([^"]+)"', html)]


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_teacher_reports_with_a_screenshot_and_everyone_in_the_perimeter_opens_it(client, world):
    """The teacher attaches a screenshot on the report form; every role that may see the ticket
    finds a working link and a thumbnail on its page; the others get 404 for the page and files."""
    client.force_login(world.users["enseignant"])
    response = client.post(reverse("web:report"), {
        "school": world.schools["0341255E"].pk, "category": "malfunction", "service": "Messagerie",
        "title": "La messagerie plante", "description": "Voir la capture", "impact": 2, "urgency": 2,
        "attachments": [SimpleUploadedFile("capture écran.png", PNG, "image/png"),
                        SimpleUploadedFile("journal.pdf", PDF, "application/pdf")],
    })
    assert response.status_code == 302
    attachment = Attachment.objects.get(original_name="capture écran.png")
    ticket = services.escalate(attachment.ticket, actor=world.users["directeur"], reason="Pas de solution à l'école")
    _, html = _page(client, ticket)
    links, previews = _download_links(html), _previews(html)
    assert len(links) == 2 and len(previews) == 1, html
    outsiders = []
    for username in DEMO_USERNAMES:
        user = world.users[username]
        client.force_login(user)
        status, page = _page(client, ticket)
        if not can_view(user, ticket):
            outsiders.append(username)
            assert status == 404
            for url in links + previews:
                assert client.get(url).status_code == 404, (username, url)
            continue
        assert status == 200 and _download_links(page) == links and _previews(page) == previews, username
        assert "Télécharger capture écran.png" in page
        download = client.get(links[0])
        assert download.status_code == 200, username
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert _body(download) in (PNG, PDF)
        preview = client.get(previews[0])
        assert preview.status_code == 200, username
        assert preview["Content-Type"] == "image/png"
        assert preview["Content-Disposition"].startswith("inline")
        assert preview["X-Content-Type-Options"] == "nosniff"
        assert _body(preview) == PNG
    assert not {"enseignant", "directeur", "erun"} & set(outsiders)
    assert {"editeur", "guichet", "collectivite"} <= set(outsiders)


@pytest.mark.parametrize("name,data,mime", [
    ("a.jpg", JPEG, "image/jpeg"), ("a.gif", GIF, "image/gif"), ("a.webp", WEBP, "image/webp"),
])
def test_every_raster_image_gets_an_inline_preview(client, world, name, data, mime):
    ticket = at_erun(world)
    a = services.add_attachment(ticket, actor=world.users["enseignant"], upload=SimpleUploadedFile(name, data))
    assert a.content_type == mime
    client.force_login(world.users["erun"])
    (preview,) = _previews(_page(client, ticket)[1])
    response = client.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == mime
    assert response["Content-Disposition"].startswith("inline")


def test_svg_html_and_documents_are_never_shown_inline(client, world):
    """An SVG or HTML file can carry scripts: no thumbnail, and the preview address downloads it."""
    ticket = at_erun(world)
    rows = {}
    for name, mime in (("logo.svg", "image/svg+xml"), ("page.html", "text/html"), ("doc.pdf", "application/pdf")):
        a = services.add_attachment(ticket, actor=world.users["enseignant"], upload=SimpleUploadedFile(name, b"texte"))
        # Uploads refuse markup; a row with such a type (older data, an import) must still be safe.
        Attachment.objects.filter(pk=a.pk).update(content_type=mime)
        rows[name] = a
    client.force_login(world.users["enseignant"])
    _, html = _page(client, ticket)
    assert _previews(html) == [] and len(_download_links(html)) == 3
    for a in rows.values():
        response = client.get(reverse("web:attachment_preview", args=[a.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;"), a.original_name
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_internal_image_is_neither_listed_nor_served_to_the_requester(client, world):
    ticket = at_erun(world)
    a = services.add_attachment(ticket, actor=world.users["erun"], upload=SimpleUploadedFile("trace.png", PNG), public=False)
    client.force_login(world.users["erun"])
    _, html = _page(client, ticket)
    assert reverse("web:attachment_preview", args=[a.pk]) in _previews(html)
    client.force_login(world.users["enseignant"])
    _, html = _page(client, ticket)
    assert "trace.png" not in html
    assert client.get(reverse("web:attachment_preview", args=[a.pk])).status_code == 404
    assert client.get(reverse("tickets:attachment-download", args=[a.pk])).status_code == 404


def test_previews_are_journaled_granted_and_denied(client, world):
    ticket = at_erun(world)
    a = services.add_attachment(ticket, actor=world.users["enseignant"], upload=SimpleUploadedFile("c.png", PNG))
    url = reverse("web:attachment_preview", args=[a.pk])
    client.force_login(world.users["erun"])
    assert client.get(url).status_code == 200
    client.force_login(world.users["editeur"])
    assert client.get(url).status_code == 404
    entries = AccessEntry.objects.filter(object_type=ObjectType.ATTACHMENT, object_id=str(a.pk))
    assert set(entries.values_list("actor__username", "outcome")) == {
        ("erun", Outcome.GRANTED), ("editeur", Outcome.DENIED)}
    client.logout()
    assert client.get(url).status_code == 302
