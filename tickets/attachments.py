"""Attachments: size limit, type detected from the content (never from the name), random storage
names. Served by `file_response` (download, nosniff), for `views.download_attachment` and the web
UI's image preview, once `readable` has applied the perimeter rule of the ticket page."""

from __future__ import annotations

import hashlib
import re

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .actions import Change, action
from .models import Attachment
from .states import Visibility

ALLOWED_MIME = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/zip",
}
# Raster images the web UI may show inline as a thumbnail. Nothing else is ever rendered inline
# (SVG and HTML can carry scripts): every other type is a download.
PREVIEW_MIME = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Markup a browser could render or execute: refused even when it looks like text.
_MARKUP = re.compile(rb"<\s*(!doctype|html|svg|\?xml|script|body|iframe|xml)", re.IGNORECASE)


def max_bytes() -> int:
    return int(settings.HELPDESK["ATTACHMENT_MAX_BYTES"])


def detect_type(data: bytes, name: str) -> str:
    """The MIME type from the content, or ValidationError naming the refused file."""
    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime not in ALLOWED_MIME:
            raise ValidationError({"file": _(
                "« %(name)s » : les fichiers %(ext)s ne sont pas acceptés. Envoyez une image (PNG, JPEG, GIF, WebP), "
                "un PDF, un texte, un document bureautique (Word, Excel, PowerPoint, OpenDocument) ou une archive ZIP."
            ) % {"name": name, "ext": kind.extension.upper()}})
        return kind.mime
    if b"\x00" in data[:8192]:
        raise ValidationError({"file": _("« %(name)s » : type de fichier non reconnu, donc refusé.") % {"name": name}})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError({"file": _("« %(name)s » : type de fichier non reconnu, donc refusé.") % {"name": name}}) from None
    if _MARKUP.search(data[:65536]):
        raise ValidationError({"file": _("« %(name)s » : les fichiers HTML, SVG ou XML sont refusés.") % {"name": name}})
    del text
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def _clean_name(name: str) -> str:
    name = (name or "fichier").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\"<>|:*?]", "_", name).strip() or "fichier"
    return name[:200]


def _read_upload(*, upload=None, file=None, public=True, visibility="") -> dict:
    """Before the lock: read and check the file (size, type from the content)."""
    upload = upload if upload is not None else file
    limit = max_bytes()
    name = _clean_name(getattr(upload, "name", "fichier"))
    size = getattr(upload, "size", None)
    too_big = _("« %(name)s » dépasse la taille maximale de %(size)s Mo.") % {"name": name, "size": limit // (1024 * 1024)}
    if size is not None and size > limit:
        raise ValidationError({"file": too_big})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": too_big})
    if not data:
        raise ValidationError({"file": _("« %(name)s » est vide.") % {"name": name}})
    return {"name": name, "data": data, "mime": detect_type(data, name), "public": public, "visibility": visibility}


@action("add_attachment", prepare=_read_upload, returns=lambda t: t.last_event.attachment)
def add_attachment(t, *, actor, name, data, mime, public=True, visibility=""):
    """Attach an uploaded file (`upload` or `file`: a Django UploadedFile or any object with
    .name and .read()) for the audience chosen, as a comment's (`visibility`; `public=False`: the
    chain unless chosen); returns the Attachment."""
    from .access import audiences_for, chosen_audience

    internal = not public
    if internal and not visibility and audiences_for(actor, t) == (Visibility.PUBLIC,):
        internal = False  # the requester's side only writes public: their file stays public
    audience, organisation = chosen_audience(actor, t, visibility, internal)

    def store(t, event):
        attachment = Attachment(
            ticket=t, event=event, uploaded_by=actor, original_name=name, content_type=mime, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), visibility=event.visibility, organisation=event.organisation,
        )
        attachment.file.save("upload", ContentFile(data), save=False)
        attachment.save()
        event.attachment = attachment  # what the action returns, without a query

    return Change(payload={"name": name, "size": len(data), "content_type": mime},
                  visibility=audience, organisation=organisation, then=store)


def can_preview(attachment) -> bool:
    return attachment.content_type in PREVIEW_MIME


def readable(user, pk) -> Attachment | None:
    """The attachment if `user` may read it, else None (the caller answers 404, as for a missing one).

    The rule is the ticket page's: the ticket is visible to the user (permissions.can_view) and the
    attachment is among those the page lists for them (selectors.attachments_for: its audience,
    `tickets.access.entries_q`)."""
    from .access import can_view
    from .selectors import attachments_for

    attachment = Attachment.objects.select_related("ticket__school", "ticket__desk").filter(pk=pk).first()
    if attachment is None or not can_view(user, attachment.ticket):
        return None
    if not attachments_for(user, attachment.ticket).filter(pk=attachment.pk).exists():
        return None
    return attachment


def file_response(attachment, *, inline: bool = False):
    """The file as stored, with the type detected at upload. `inline` is honoured for raster
    images only (PREVIEW_MIME); anything else is sent with Content-Disposition: attachment."""
    from django.http import FileResponse

    inline = inline and can_preview(attachment)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=not inline, filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
