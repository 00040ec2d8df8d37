"""Attachments in the web UI: files sent with a message, links and image previews on the ticket page.

Downloads go to `tickets:attachment-download`; the preview (raster images only, inline) is served
here with the same rule (`tickets.attachments.readable`) and journaled like a download."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from journal.middleware import attachment_by_pk, register
from tickets import attachments as ticket_attachments


def attach_files(ticket, files, actor, public=True, visibility=""):
    """Attach uploaded files through the tickets service (type checked from content there), for
    the audience of the message they came with."""
    from tickets import services

    for f in files or ():
        services.add_attachment(ticket, actor=actor, file=f, public=public, visibility=visibility)


def with_links(attachments):
    """Set `download_url` (and `preview_url` for raster images) on each attachment of the page."""
    for a in attachments:
        a.download_url = reverse("tickets:attachment-download", args=[a.pk])
        a.preview_url = reverse("web:attachment_preview", args=[a.pk]) if ticket_attachments.can_preview(a) else ""
    return attachments


@login_required
@require_safe
def preview(request, pk: int):
    """A raster image shown inline (the ticket page's thumbnail); any other type is downloaded."""
    attachment = ticket_attachments.readable(request.user, pk)
    if attachment is None:
        raise Http404(_("Pièce jointe introuvable ou hors de votre périmètre."))
    return ticket_attachments.file_response(attachment, inline=True)


# Reading an attachment through its preview is an access to it, as a download is.
register("web:attachment_preview", attachment_by_pk)
