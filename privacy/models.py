"""Retention per convention, anonymisation log, breach notifications (CNIL, GDPR art. 33) and the
information notice shown on the sign-in page."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """How long a convention keeps closed tickets before they are anonymised (the directory's
    Convention is not edited: this row is keyed on it)."""

    convention = models.OneToOneField("directory.Convention", on_delete=models.CASCADE, related_name="retention", verbose_name=_("convention"))
    closed_ticket_days = models.PositiveIntegerField(
        _("conservation des tickets clos (jours)"), validators=[MinValueValidator(30)],
        help_text=_("Après ce délai, le demandeur et les données personnelles des textes libres sont anonymisés ; les statistiques restent."),
    )
    note = models.CharField(_("référence (article de la convention)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("durée de conservation")
        verbose_name_plural = _("durées de conservation")

    def __str__(self):
        return f"{self.convention} — {self.closed_ticket_days} j"


class AnonymisationLog(models.Model):
    """What was anonymised, when and under which rule (append-only in practice: no admin writes).
    It names the ticket, never the former requester: a log that kept the way back to the person
    would make the anonymisation a pseudonymisation."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="anonymisation", verbose_name=_("ticket"))
    at = models.DateTimeField(_("anonymisé le"), default=timezone.now)
    retention_days = models.PositiveIntegerField(_("durée appliquée (jours)"))
    fields = models.JSONField(_("champs anonymisés"), default=list)
    comments = models.PositiveIntegerField(_("messages anonymisés"), default=0)
    attachments = models.PositiveIntegerField(_("pièces jointes supprimées"), default=0)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-at"]

    def __str__(self):
        return _("%(ref)s anonymisée le %(at)s") % {
            "ref": self.ticket.reference, "at": date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT"),
        }


class BreachReport(models.Model):
    """What the CNIL notification needs (GDPR art. 33-3), attached to a security-incident ticket."""

    journal_type = "breach"

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="breach_report", verbose_name=_("ticket"))
    nature = models.TextField(_("nature de la violation"), help_text=_("Perte de confidentialité, d'intégrité ou de disponibilité ; circonstances."))
    detected_at = models.DateTimeField(_("découverte le"), null=True, blank=True)
    person_categories = models.TextField(_("catégories de personnes concernées"), blank=True)
    approx_persons = models.PositiveIntegerField(_("nombre approximatif de personnes"), null=True, blank=True)
    record_categories = models.TextField(_("catégories d'enregistrements concernés"), blank=True)
    approx_records = models.PositiveIntegerField(_("nombre approximatif d'enregistrements"), null=True, blank=True)
    consequences = models.TextField(_("conséquences probables"), blank=True)
    measures_taken = models.TextField(_("mesures prises"), blank=True)
    measures_proposed = models.TextField(_("mesures proposées"), blank=True)
    contact_name = models.CharField(_("contact (DPD ou autre point de contact)"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("mis à jour par"))

    REQUIRED = ("nature", "person_categories", "approx_persons", "record_categories", "approx_records",
                "consequences", "measures_taken", "contact_name")

    class Meta:
        verbose_name = _("notification de violation")
        verbose_name_plural = _("notifications de violation")

    def __str__(self):
        return f"{self.ticket.reference} — {_('violation de données')}"

    @property
    def missing(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in self.REQUIRED if getattr(self, f) in (None, "")]


class InformationNotice(models.Model):
    """The information notice (mentions d'information) shown on the sign-in page; the newest
    published version is shown, older ones stay for the record."""

    body = models.TextField(_("texte"), help_text=_("Texte brut ; paragraphes séparés par une ligne vide."))
    published = models.BooleanField(_("publié"), default=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("mentions d'information")
        verbose_name_plural = _("mentions d'information")
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.body[:80]

    @classmethod
    def current(cls):
        return cls.objects.filter(published=True).order_by("-updated_at", "-pk").first()
