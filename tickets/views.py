from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import Attachment
from .permissions import can_see_internal, can_view


@login_required
def download_attachment(request, pk: int):
    """Always a download, with the type detected at upload time, never rendered inline."""
    attachment = get_object_or_404(Attachment.objects.select_related("ticket__school", "ticket__desk"), pk=pk)
    ticket = attachment.ticket
    if not can_view(request.user, ticket) or (not attachment.public and not can_see_internal(request.user, ticket)):
        raise Http404  # same answer as a missing file: no probing of other perimeters
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
