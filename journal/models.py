"""The access journal: who viewed or changed which ticket or personal record, when, from which
address and through which interface. Append-only: rows are never updated; only the retention purge
(`journal.services.purge_expired`) removes rows older than the retention period. The database holds
the same rule (triggers of migration 0003; see `journal.gate`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.querysets import AppendOnlyQuerySet


class Interface(models.TextChoices):
    WEB = "web", _("Interface web")
    API = "api", _("API")
    ADMIN = "admin", _("Administration")
    SYSTEM = "system", _("Tâche automatique")


class Action(models.TextChoices):
    VIEW = "view", _("Consultation")
    CHANGE = "change", _("Modification")
    EXPORT = "export", _("Export")
    DOWNLOAD = "download", _("Téléchargement")
    ANONYMISE = "anonymise", _("Anonymisation")
    DENIED = "denied", _("Accès refusé")


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Autorisé")
    DENIED = "denied", _("Refusé")


class ObjectType(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    ATTACHMENT = "attachment", _("Pièce jointe")
    PERSON = "person", _("Personne")
    BREACH = "breach", _("Violation de données")
    PAGE = "page", _("Page")
    LIST = "list", _("Liste ou export")
    OTHER = "other", _("Autre")


class AccessEntryQuerySet(AppendOnlyQuerySet):
    update_refused = "Le journal des accès ne se modifie pas."
    delete_refused = "Le journal des accès ne s'efface pas (seule la purge de conservation le fait)."

    def _purge(self) -> int:
        """Retention purge only (journal.services.purge_expired)."""
        return models.QuerySet.delete(self)[0]


class AccessEntry(models.Model):
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # No database constraint: the journal outlives the accounts it names (label kept below).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", verbose_name=_("auteur"),
    )
    actor_label = models.CharField(_("auteur (libellé)"), max_length=200, blank=True)
    interface = models.CharField(_("interface"), max_length=8, choices=Interface.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("résultat"), max_length=8, choices=Outcome.choices, default=Outcome.GRANTED)
    object_type = models.CharField(_("type d'objet"), max_length=12, choices=ObjectType.choices)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("objet"), max_length=200, blank=True, db_index=True)
    # Scope of the object, so that a DPO searches only within their perimeter.
    school = models.ForeignKey(
        "directory.School", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", verbose_name=_("école"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur / client"), max_length=300, blank=True)
    method = models.CharField(_("méthode"), max_length=8, blank=True)
    path = models.CharField(_("adresse demandée"), max_length=300, blank=True)
    status_code = models.PositiveSmallIntegerField(_("code de réponse"), null=True, blank=True)
    detail = models.JSONField(_("détail"), default=dict, blank=True)
    # Bulk reads (lists, boards, exports): rows returned, the page's ticket references (capped,
    # the rest counted in detail) and the query parameters (free text kept out, values capped).
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    references = models.JSONField(_("références"), default=list, blank=True)
    filters = models.JSONField(_("filtres"), default=dict, blank=True)

    objects = AccessEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("accès journalisé")
        verbose_name_plural = _("journal des accès")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="journal_object_idx"),
            models.Index(fields=["actor", "at"], name="journal_actor_idx"),
            models.Index(fields=["school", "at"], name="journal_school_idx"),
        ]

    def __str__(self):
        at = date_format(timezone.localtime(self.at), "d/m/Y H:i:s")
        return f"{at} — {self.actor_label} — {self.get_action_display()} — {self.get_object_type_display()} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Le journal des accès ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Le journal des accès ne s'efface pas.")
