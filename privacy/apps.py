from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Protection des données")

    def ready(self):
        from django.db.models.signals import post_save

        from . import steps

        # The DPOs are told when a breach or request clock starts, warns and falls due (privacy/steps.py).
        post_save.connect(steps.on_clock_saved, sender="sla.Clock", dispatch_uid="privacy.breach_clock_started")
        post_save.connect(steps.on_clock_event_saved, sender="sla.ClockEvent", dispatch_uid="privacy.breach_clock_event")
        post_save.connect(steps.on_request_saved, sender="privacy.DataSubjectRequest", dispatch_uid="privacy.request_clock_started")
        from . import report

        # The annual report's legal-clock section (pilotage.report's registry).
        report.register()
