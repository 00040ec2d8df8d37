from django.apps import AppConfig


class WebConfig(AppConfig):
    """The French web UI: pages for requesters, agents, observers and managers."""

    name = "web"
    verbose_name = "Interface web"
