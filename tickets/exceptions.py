"""Errors raised by ticket services; messages are in French (translated by gettext) because they reach the user."""

from django.utils.translation import gettext_lazy as _


class TicketError(Exception):
    default_message = _("Action impossible.")

    def __init__(self, message: str | None = None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class PermissionDenied(TicketError):
    default_message = _("Vous n'avez pas le droit d'effectuer cette action sur ce ticket.")


class GuardFailed(TicketError):
    """The action is allowed for this person but a rule of the workflow refuses it now."""

    default_message = _("Les conditions de cette action ne sont pas remplies.")

    @property
    def reason(self) -> str:
        return self.message


class Conflict(TicketError):
    default_message = _(
        "Le ticket a été modifié par quelqu'un d'autre entre-temps : rechargez-le avant de recommencer."
    )
