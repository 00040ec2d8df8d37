"""Attachments: size limit, type from content, random storage name, perimeter-checked download."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.attachments import add_attachment
from tickets.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_png_and_pdf_are_stored_under_random_names(at_n1, u):
    a = add_attachment(at_n1, actor=u["enseignant"], upload=upload("capture écran.png", PNG))
    assert a.content_type == "image/png" and a.original_name == "capture écran.png"
    assert "capture" not in a.file.name and not a.file.name.endswith(".png")
    b = add_attachment(at_n1, actor=u["erun"], upload=upload("doc.txt", PDF))  # name lies: content wins
    assert b.content_type == "application/pdf"
    assert at_n1.events.filter(kind="attached").count() == 2


def test_plain_text_and_csv_are_accepted(at_n1, u):
    assert add_attachment(at_n1, actor=u["erun"], upload=upload("log.txt", "Erreur à 9h\n".encode())).content_type == "text/plain"
    assert add_attachment(at_n1, actor=u["erun"], upload=upload("eleves.csv", b"nom;classe\nA;CM1\n")).content_type == "text/csv"


@pytest.mark.parametrize("name,data", [
    ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("image.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("data.xml", b"<?xml version='1.0'?><a/>"),
    ("prog.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64),
    ("vide.txt", b""),
])
def test_dangerous_or_unknown_content_is_refused(at_n1, u, name, data):
    with pytest.raises(ValidationError) as exc:
        add_attachment(at_n1, actor=u["erun"], upload=upload(name, data))
    assert "file" in exc.value.message_dict
    assert not at_n1.attachments.exists() and not at_n1.events.filter(kind="attached").exists()


def test_size_limit_is_configurable(at_n1, u, settings):
    settings.HELPDESK = {**settings.HELPDESK, "ATTACHMENT_MAX_BYTES": 1024}
    with pytest.raises(ValidationError, match="taille maximale"):
        add_attachment(at_n1, actor=u["erun"], upload=upload("big.png", PNG + b"\x00" * 2000))
    stream = io.BytesIO(PNG + b"\x00" * 2000)
    stream.name = "flux.png"
    with pytest.raises(ValidationError, match="taille maximale"):
        add_attachment(at_n1, actor=u["erun"], upload=stream)


def test_only_people_of_the_ticket_may_attach(at_n1, u):
    with pytest.raises(PermissionDenied):
        add_attachment(at_n1, actor=u["dsi"], upload=upload("a.png", PNG))


def test_download_checks_the_perimeter_and_never_renders_inline(at_n1, u, client):
    a = add_attachment(at_n1, actor=u["enseignant"], upload=upload("capture.png", PNG))
    url = f"/tickets/pieces-jointes/{a.pk}/"
    client.force_login(u["enseignant"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    for outsider in ("editeur", "guichet", "collectivite"):
        client.force_login(u[outsider])
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_internal_attachment_is_hidden_from_the_requester(at_n1, u, client):
    a = add_attachment(at_n1, actor=u["erun"], upload=upload("trace.txt", b"stack trace"), public=False)
    client.force_login(u["enseignant"])
    assert client.get(f"/tickets/pieces-jointes/{a.pk}/").status_code == 404
    client.force_login(u["erun"])
    assert client.get(f"/tickets/pieces-jointes/{a.pk}/").status_code == 200


def test_services_entry_point_accepts_file_keyword(at_n1, u):
    from tickets import services

    a = services.add_attachment(at_n1, actor=u["enseignant"], file=upload("c.png", PNG))
    assert a.content_type == "image/png"
