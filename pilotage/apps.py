from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageConfig(AppConfig):
    name = "pilotage"
    verbose_name = _("Pilotage : incidents majeurs et revues")
