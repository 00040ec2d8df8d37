from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API et intégrations")

    def ready(self):
        from . import signals  # noqa: F401  (outbox channel registration, when tickets is ready)
