from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Plateforme"

    def ready(self):
        from . import worker

        worker.connect_signals()
