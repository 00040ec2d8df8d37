from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def attach_files(ticket, files, actor, public=True):
    """Attach uploaded files through the tickets service (type checked from content there)."""
    if not files:
        return
    from tickets import services

    add = getattr(services, "add_attachment", None)
    if add is None:
        raise ValidationError(_("Les pièces jointes ne sont pas encore acceptées par ce service."))
    for f in files:
        add(ticket, actor=actor, file=f, public=public)
