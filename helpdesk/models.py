"""What the background worker did: one row per task, so that an administrator sees a periodic task
that never ran, stopped being registered, or fails."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackgroundTask(models.Model):
    name = models.CharField(_("tâche"), max_length=200, unique=True)
    label = models.CharField(_("rôle"), max_length=200, blank=True)
    periodic = models.BooleanField(_("périodique"), default=False)
    registered = models.BooleanField(
        _("connue du traitement de fond"), default=True,
        help_text=_("Faux si la tâche a disparu du registre au dernier démarrage : elle ne tourne plus."),
    )
    registered_at = models.DateTimeField(_("vue au démarrage le"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("dernier lancement"), null=True, blank=True)
    last_succeeded_at = models.DateTimeField(_("dernière réussite"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("dernier échec"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)

    class Meta:
        verbose_name = _("tâche de fond")
        verbose_name_plural = _("tâches de fond")
        ordering = ["-periodic", "name"]

    def __str__(self):
        return self.label or self.name

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    @property
    def status(self) -> str:
        if not self.registered:
            return _("absente du registre : ne tourne plus")
        if self.failing:
            return _("en échec")
        if self.last_succeeded_at is None:
            return _("pas encore exécutée")
        return _("en service")
