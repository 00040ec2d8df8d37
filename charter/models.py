"""The communication charter (Grand Est convention, annex "Charte de bon usage"): a collectivité's
communication to pupils and families through the ENT, submitted beforehand to the chefs
d'établissement concerned (directors of publication), and the register of every step."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import AppendOnlyQuerySet

# "Le délai d'accord tacite est de 3 jours ouvrables pour les communications ponctuelles."
ONE_OFF_DAYS = 3
# "Le délai d'analyse par les autorités académiques est de cinq jours ouvrables pour les
# communications récurrentes."
RECURRING_DAYS = 5


class Kind(models.TextChoices):
    ONE_OFF = "one_off", _("Communication ponctuelle")
    RECURRING = "recurring", _("Communication récurrente")
    EMERGENCY = "emergency", _("Communication urgente (rupture d'un service)")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Soumise aux chefs d'établissement")
    TACIT = "tacit", _("Approuvée tacitement")
    APPROVED = "approved", _("Approuvée")
    REFUSED = "refused", _("Refusée")
    DOUBT = "doubt", _("En doute (renvoyée au président de la collectivité)")
    RECTIFIED = "rectified", _("Rectifiée (soumise à nouveau)")
    ARBITRATION = "arbitration", _("En arbitrage")
    ARBITRATED = "arbitrated", _("Arbitrée")
    PUBLISHED_URGENT = "published_urgent", _("Publiée en urgence (copie adressée aux chefs d'établissement)")


PENDING = (Status.SUBMITTED, Status.RECTIFIED)


class Arbiter(models.TextChoices):
    RECTEUR = "recteur", _("Recteur de l'académie")
    DRAAF = "draaf", _("DRAAF (enseignement agricole)")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Diffusion autorisée")
    REFUSED = "refused", _("Diffusion refusée")


class Communication(models.Model):
    collectivite = models.ForeignKey("directory.Collectivite", on_delete=models.PROTECT, related_name="communications", verbose_name=_("collectivité"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="charter_communications", verbose_name=_("auteur"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    content = models.TextField(_("contenu exhaustif"), help_text=_("Markdown ; le HTML est retiré à l'affichage."))
    schools = models.ManyToManyField("directory.School", related_name="charter_communications", verbose_name=_("établissements concernés"))
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("soumise le"), default=timezone.now)
    deadline = models.DateTimeField(_("accord tacite le"), null=True, blank=True,
                                    help_text=_("Fin du délai en jours ouvrables ; vide pour une communication urgente."))
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    arbiter = models.CharField(_("arbitre"), max_length=8, choices=Arbiter.choices, blank=True)
    outcome = models.CharField(_("issue de l'arbitrage"), max_length=8, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("communication d'une collectivité")
        verbose_name_plural = _("communications des collectivités")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return self.title

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def may_publish(self) -> bool:
        return self.status in (Status.TACIT, Status.APPROVED, Status.PUBLISHED_URGENT) or (
            self.status == Status.ARBITRATED and self.outcome == Outcome.APPROVED)


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Soumission")
    PUBLISHED_URGENT = "published_urgent", _("Publication en urgence, copie par courriel")
    APPROVED = "approved", _("Accord du chef d'établissement")
    TACIT = "tacit", _("Accord tacite (délai écoulé)")
    REFUSED = "refused", _("Refus motivé")
    DOUBT = "doubt", _("Doute : saisine du président de la collectivité, services académiques informés")
    RECTIFIED = "rectified", _("Version rectifiée soumise")
    ARBITRATION = "arbitration", _("Saisine pour arbitrage")
    ARBITRATED = "arbitrated", _("Arbitrage rendu")


class CommunicationEventQuerySet(AppendOnlyQuerySet):
    update_refused = "Le registre des communications ne se modifie pas."
    delete_refused = "Le registre des communications ne s'efface pas."


class CommunicationEvent(models.Model):
    """The register: one line per step, never rewritten."""

    communication = models.ForeignKey(Communication, on_delete=models.PROTECT, related_name="events", verbose_name=_("communication"))
    at = models.DateTimeField(_("le"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("par"))
    kind = models.CharField(_("étape"), max_length=20, choices=EventKind.choices)
    status = models.CharField(_("statut après l'étape"), max_length=20, choices=Status.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("établissement"))
    note = models.TextField(_("motif ou observation"), blank=True)
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = CommunicationEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("ligne du registre des communications")
        verbose_name_plural = _("registre des communications")
        ordering = ["communication", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(CommunicationEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(CommunicationEventQuerySet.delete_refused)
