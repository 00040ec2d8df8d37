"""Request bodies refused at the HTTP server, before they are read.

Twisted reads a whole request body before daphne hands it to Django, and daphne then queues all of
it in memory: a 150 MB upload made the process grow by 300 MB before any view could refuse it. So
`serve` gives daphne a request class that answers 413 as soon as the headers announce too large a
body (Content-Length), and stops reading a body without length (chunked) once it passes the cap.

The caps are coarse, per part of the site; each view keeps its own exact limit (an attachment's
size, a JSON body: api/base.py) and its field-level message.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024


def body_limit(path: str) -> int:
    """The largest body the server reads for a request to `path`, in bytes."""
    attachment = int(settings.HELPDESK["ATTACHMENT_MAX_BYTES"])
    if path.startswith("/api/v1/pivot/"):  # JSON carrying up to 20 attachments in base64 (api/views_pivot.py)
        return MB + 20 * (attachment * 4 // 3 + 1024)
    if path.startswith("/api/"):  # one attachment per multipart request, else JSON
        return attachment + 64 * 1024
    # Web forms: a message or a report with its files (web.forms.MAX_FILES).
    return int(settings.DATA_UPLOAD_MAX_NUMBER_FILES) * attachment + MB


def refusal(path: str, limit: int) -> bytes:
    """The whole HTTP response refusing a body over `limit` (the connection is closed after it)."""
    detail = _("Requête trop volumineuse : au plus %(mb)s Mo pour cette adresse.") % {"mb": f"{limit / MB:.0f}"}
    if path.startswith("/api/"):
        kind = "application/problem+json"
        body = json.dumps({"type": "about:blank", "title": "Payload Too Large", "status": 413, "detail": detail},
                          ensure_ascii=False).encode()
    else:
        kind = "text/html; charset=utf-8"
        body = (f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{_("Requête trop volumineuse")}</title>'
                f"<h1>{_('Requête trop volumineuse')}</h1><p>{detail}</p></html>").encode()
    head = (f"HTTP/1.1 413 Payload Too Large\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode("ascii")
    return head + body


def limited_request_class():
    """daphne's WebRequest, refusing bodies over `body_limit` before reading them."""
    from daphne.http_protocol import WebRequest

    class LimitedWebRequest(WebRequest):
        _refused = False
        _received = 0
        _limit = None

        def _path(self) -> str:
            # Twisted sets the request's path only once the body is in; the channel has it from
            # the request line already.
            raw = getattr(self.channel, "_path", b"") or b""
            return raw.split(b"?", 1)[0].decode("latin-1")

        def _refuse(self):
            self._refused = True
            self.channel.transport.write(refusal(self._path(), self._limit))
            self.channel.transport.loseConnection()

        def gotLength(self, length):
            self._limit = body_limit(self._path())
            if length is not None and length > self._limit:
                self._refuse()
                return
            super().gotLength(length if length is not None else self._limit + 1)  # unknown: spooled to disk

        def handleContentChunk(self, data):
            if self._refused:
                return
            self._received += len(data)
            if self._limit is not None and self._received > self._limit:
                self._refuse()
                return
            super().handleContentChunk(data)

        def requestReceived(self, command, path, version):
            if self._refused:
                return
            super().requestReceived(command, path, version)

    return LimitedWebRequest


def install() -> None:
    """Make daphne build its requests from `limited_request_class` (HTTPFactory.buildProtocol reads
    the module's `WebRequest` at each connection)."""
    import daphne.http_protocol
    from twisted.web import http

    if not hasattr(daphne.http_protocol.WebRequest, "_refuse"):  # once
        daphne.http_protocol.WebRequest = limited_request_class()
    # Twisted's reason phrases stop before these: its status line read "428 Unknown Status".
    http.RESPONSES.update({422: b"Unprocessable Content", 428: b"Precondition Required", 429: b"Too Many Requests"})
