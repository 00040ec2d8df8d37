from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Journal des accès")

    def ready(self):
        from .gate import install_sqlite_flush_gate

        install_sqlite_flush_gate()
