from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailinConfig(AppConfig):
    name = "mailin"
    verbose_name = _("Courriels entrants")

    def ready(self):
        from tickets import outbox

        from .services import reply_address

        # Replies to the product's mails about a ticket go to its desk's mailbox, with the ticket's token.
        outbox.register_reply_address(reply_address)
