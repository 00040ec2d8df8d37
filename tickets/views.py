from django.contrib.auth.decorators import login_required
from django.http import Http404

from .attachments import file_response, readable


@login_required
def download_attachment(request, pk: int):
    """Always a download, with the type detected at upload time, never rendered inline."""
    attachment = readable(request.user, pk)
    if attachment is None:
        raise Http404  # same answer as a missing file: no probing of other perimeters
    return file_response(attachment)
