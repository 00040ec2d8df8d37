from django.apps import AppConfig


class WebConfig(AppConfig):
    """The French web UI: pages for requesters, agents, observers and managers."""

    name = "web"
    verbose_name = "Interface web"

    def ready(self):
        from . import report_sections

        # The annual report's activity and SLA sections, from the dashboard's reads (pilotage.report).
        report_sections.register()
