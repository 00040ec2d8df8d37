from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

EML = Path(__file__).parent / "eml"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def eml(name: str) -> bytes:
    return (EML / name).read_bytes()


def make_mail(*, sender="enseignant@example.org", to="ent.0341255e@example.org", subject="L'ENT ne s'ouvre plus",
              body="Bonjour,\n\nDepuis ce matin l'ENT affiche une page blanche.\n\nCamille Martin", headers=None,
              attachments=(), message_id=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="ent.example")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@pytest.fixture
def mailbox(world):
    from mailin.models import DeskMailbox

    return DeskMailbox.objects.create(desk=world.desks["n0-0341255E"], address="ent.0341255e@example.org")
