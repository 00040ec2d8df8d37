from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageConfig(AppConfig):
    name = "pilotage"
    verbose_name = _("Pilotage : incidents majeurs et revues")

    def ready(self):
        from . import receivers  # noqa: F401 — outage followers: told at its end, joined to its major incident
