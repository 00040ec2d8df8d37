from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvolutionsConfig(AppConfig):
    name = "evolutions"
    verbose_name = _("Demandes d'évolution")
