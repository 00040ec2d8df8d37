from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Niveaux de service")

    def ready(self):
        from . import receivers  # noqa: F401 — connects to tickets.signals.ticket_transitioned
