from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Demandes d'assistance")

    def ready(self):
        from directory.selectors import register_perimeter_flag

        from . import access, receivers  # noqa: F401  (receivers: connects the vendor-reach receiver)

        register_perimeter_flag(access.HANDOVER_FLAG, access.handover_flag)
