"""The docs/api.md walkthrough (§ 2 and § 3), followed literally: every `curl` of its `sh` blocks is
parsed (method, path, If-Match, JSON body or multipart file) and run in order against the demo
world, and each status and ETag the guide announces in its comments (`→ 201, ETag "2"`) is checked.
The guide cannot drift from the API again.

Who runs a block: the school desk's client (the ENT's « aide » module) under a heading that opens a
ticket, the vendor's client elsewhere. Between the two, the support chain escalates the ticket up to
the vendor (as the guide says, outside the walkthrough). A block introduced as « Au lieu de … »
replaces the last command of the block before it, on a second ticket brought to the same point.
"""

import json
import re
import shlex
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import services
from tickets.models import Ticket

from .factories import QUALIFICATION
from .test_pivot import PNG

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
EXAMPLE_REFERENCE = "ENT-2025-000042"
HOST = "https://assistance.example"


def _section(text):
    start, end = text.index("\n## 2."), text.index("\n## 4.")
    return text[start:end]


def _split_comment(line):
    """(code, comment) of one shell line: the first `#` outside quotes starts the comment."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1:]
    return line, ""


def blocks(text):
    """[(heading, intro, [command])] of the `sh` blocks of § 2–3; a command is a dict."""
    out = []
    heading = ""
    for m in re.finditer(r"^(#{2,3} [^\n]*)$|^```sh\n(.*?)^```", text, re.S | re.M):
        if m.group(1):
            heading = m.group(1)
            continue
        intro = text[:m.start()].rstrip().rsplit("\n\n", 1)[-1]
        commands, pending, note = [], "", ""
        for raw in m.group(2).splitlines():
            code, comment = _split_comment(raw)
            if not pending and not code.strip():
                note += " " + comment  # a comment line says what the next command does and answers
                continue
            pending += code.rstrip().removesuffix("\\") + " "
            note += " " + comment
            if code.rstrip().endswith("\\"):
                continue
            commands.append(parse(pending, note))
            pending, note = "", ""
        out.append((heading, intro, commands))
    return out


def parse(command, note):
    words = shlex.split(command.split(" | ")[0])
    assert words[0] == "curl", command
    method, headers, data, files, url = None, {}, None, {}, None
    words = iter(words[1:])
    for word in words:
        if word in ("-H", "--header"):
            name, _sep, value = next(words).partition(":")
            headers[name.strip().lower()] = value.strip()
        elif word == "-X":
            method = next(words)
        elif word in ("-d", "--data"):
            data = next(words)
        elif word == "-F":
            name, _sep, value = next(words).partition("=")
            files[name] = value
        elif word.startswith(HOST):
            url = word[len(HOST):]
        else:
            assert word.startswith("-"), f"unexpected word {word!r} in {command}"
    assert url, command
    status = re.search(r"→\s*(\d{3})", note)
    etag = re.search(r'ETag:?\s*"(\d+)"', note)
    return {
        "method": method or ("POST" if data is not None or files else "GET"), "url": url, "headers": headers,
        "data": data, "files": files, "status": int(status.group(1)) if status else None,
        "etag": etag.group(1) if etag else None, "text": command.strip(),
    }


def run(http, command, reference):
    url = command["url"].replace(EXAMPLE_REFERENCE, reference)
    extra = {}
    for name, value in command["headers"].items():
        if name == "authorization":
            assert value == "$H", command["text"]  # the client's own token, already on `http`
        elif name == "content-type":
            assert value == "application/json", command["text"]
        else:
            extra["HTTP_" + name.upper().replace("-", "_")] = value.replace("$(uuidgen)", str(uuid.uuid4()))
    method = getattr(http, command["method"].lower())
    if command["files"]:
        body = {}
        for name, value in command["files"].items():
            if value.startswith("@"):
                body[name] = SimpleUploadedFile(value[1:], PNG)
            else:
                body[name] = value
        response = method(url, body, format="multipart", **extra)
    elif command["data"] is not None:
        assert command["headers"].get("content-type") == "application/json", command["text"]
        response = method(url, json.loads(command["data"]), format="json", **extra)
    else:
        response = method(url, **extra)
    expected = command["status"]
    if expected:
        assert response.status_code == expected, (command["text"], response.content)
    else:
        assert 200 <= response.status_code < 300, (command["text"], response.content)
    if command["etag"]:
        assert response["ETag"] == f'"{command["etag"]}"', (command["text"], response["ETag"])
    return response


def _opens(heading):
    return "Ouvrir" in heading


def test_the_walkthrough_works_when_followed_literally(world, make_client):
    walkthrough = blocks(_section(DOC.read_text(encoding="utf-8")))
    assert any(_opens(h) for h, _i, _c in walkthrough), "the walkthrough shows how to open a ticket"
    assert any(c["files"] for _h, _i, cs in walkthrough for c in cs), "… and how to attach a file"
    _c, school = make_client(desk="n0-0341255E")
    _c, vendor = make_client(vendor="ode")

    def follow(script):
        """Run the blocks of `script`; the ticket is the one the school opens."""
        reference, escalated = EXAMPLE_REFERENCE, False
        for heading, _intro, commands in script:
            http = school if _opens(heading) else vendor
            if not _opens(heading) and reference != EXAMPLE_REFERENCE and not escalated:
                ticket = Ticket.objects.get(reference=reference)
                while ticket.level < 3:  # the support chain's work, between the two clients
                    ticket = services.escalate(ticket, actor=world.users["admin"], reason="Dysfonctionnement avéré",
                                               **QUALIFICATION)
                escalated = True
            for command in commands:
                response = run(http, command, reference)
                if command["url"] == "/api/v1/tickets/" and command["method"] == "POST":
                    reference = response.json()["reference"]
        return reference

    main = [b for b in walkthrough if not b[1].startswith("Au lieu de")]
    reference = follow(main)
    assert reference != EXAMPLE_REFERENCE, "the walkthrough opens the ticket it then works on"
    final = Ticket.objects.get(reference=reference)
    assert final.state == "resolved" and final.attachments.count() == 1 and final.vendor_reference == "ODE-4521"

    # Each alternative replaces the last command of the block before it, on a second ticket.
    for i, (heading, intro, commands) in enumerate(walkthrough):
        if not intro.startswith("Au lieu de"):
            continue
        before = [b for b in walkthrough[:i] if not b[1].startswith("Au lieu de")]
        before[-1] = (before[-1][0], before[-1][1], before[-1][2][:-1])
        follow([*before, (heading, intro, commands)])


def test_the_guide_lists_desk_slugs_and_service_codes(world):
    """What a client must send (`desk` of `route`, `service` of a ticket or an outage): the demo's."""
    from sla.demo import SERVICES
    from web.forms import ENT_SERVICES

    section = _section(DOC.read_text(encoding="utf-8"))
    for key in ("n0-0341255E", "erun-lattes", "dsi-montpellier", "ode"):
        assert f"`{world.desks[key].slug}`" in section, world.desks[key].slug
    for slug, *_rest in SERVICES:
        assert f"`{slug}`" in section, slug
    for value, _label in ENT_SERVICES:
        if value:
            assert value in section, value
