from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Aide en ligne : articles, recherche et orientation")

    def ready(self):
        from . import receivers  # noqa: F401 — keeps the search index and the "concerned" people
