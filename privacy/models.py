"""Retention per convention, anonymisation log, breach notifications (CNIL, GDPR art. 33) and the
information notice shown on the sign-in page."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from directory.choices import ConventionParty as Party  # noqa: F401 (the requests' parties)


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


class AffectedPerimeter(models.TextChoices):
    """Whose users the breach touches: where the convention says so, it decides who notifies (Grand Est art. 7)."""

    ALL = "all", _("L'ensemble des utilisateurs de l'ENT")
    ACADEMIE = "academie", _("Les utilisateurs d'une académie")
    DEPARTEMENT = "departement", _("Les utilisateurs d'un département")
    SCHOOLS = "schools", _("Un ou quelques établissements")


class BreachReport(models.Model):
    """What the CNIL notification needs (GDPR art. 33-3), attached to a security-incident ticket.
    Kept when the ticket is anonymised: it is the breach's documentation (GDPR art. 33-5)."""

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
    affected_perimeter = models.CharField(_("périmètre des personnes concernées"), max_length=16, blank=True,
                                          choices=AffectedPerimeter.choices)
    # A file drafted jointly (convention rule joint_draft): party → {"by": name, "at": ISO time}; any
    # change of the file clears them (each party approves the text the CNIL will read).
    approvals = models.JSONField(_("validations du dossier"), default=dict, blank=True)
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


# --- data-subject requests (GDPR art. 12, 15-21; who answers: the convention, see requests.py) -----
class Right(models.TextChoices):
    ACCESS = "access", _("Accès")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Effacement")
    RESTRICTION = "restriction", _("Limitation")
    OBJECTION = "objection", _("Opposition")
    POST_MORTEM = "post_mortem", _("Directives post-mortem")


class DataSubjectRequest(models.Model):
    """A person exercising a right. Only what the answer needs about the person: a name and one
    contact. The competent party is decided once, at intake, from the convention's rules, and
    kept with the reason (the rules may change later; this request's routing does not)."""

    convention = models.ForeignKey("directory.Convention", on_delete=models.PROTECT, related_name="data_subject_requests", verbose_name=_("convention"))
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("école"), help_text=_("Vide : la demande dépasse le champ d'une seule école."))
    person_name = models.CharField(_("nom de la personne"), max_length=200)
    person_contact = models.CharField(_("contact de la personne"), max_length=200, help_text=_("Une adresse électronique ou postale, ou un téléphone."))
    right = models.CharField(_("droit exercé"), max_length=16, choices=Right.choices)
    received_by = models.CharField(_("partie qui l'a reçue"), max_length=16, choices=Party.choices)
    module = models.CharField(_("module concerné"), max_length=80, blank=True)
    module_label = models.CharField(_("module (libellé)"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("reçue le"))
    competent = models.JSONField(_("responsable(s) compétent(s)"), default=list)
    competent_why = models.TextField(_("motif de la compétence"), blank=True)
    misdirected = models.BooleanField(_("reçue par une partie non compétente"), default=False)
    answer_clock = models.OneToOneField("sla.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("délai de réponse"))
    extended_clock = models.OneToOneField("sla.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("délai de réponse prolongé"))
    forward_clock = models.OneToOneField("sla.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("délai de transmission"))
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistrée par"))
    # Set by the retention job: the person's name, contact and every free text are gone; the right,
    # dates, competent party and clocks stay (legal-clock statistics, accountability).
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'exercice de droits")
        verbose_name_plural = _("demandes d'exercice de droits")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return _("Demande n° %(pk)s — %(right)s") % {"pk": self.pk, "right": self.get_right_display()}

    @property
    def competent_labels(self) -> list[str]:
        return [str(Party(p).label) for p in self.competent if p in Party.values]

    @property
    def current_answer_clock(self):
        return self.extended_clock or self.answer_clock


class StepKind(models.TextChoices):
    FORWARDED = "forwarded", _("Transmise au responsable compétent")
    EXTENDED = "extended", _("Délai de réponse prolongé de deux mois")
    ANSWERED = "answered", _("Réponse apportée à la personne")
    RELAYED = "relayed", _("Réponse communiquée à la collectivité")


class DataSubjectRequestStep(models.Model):
    """One step, append-only: who, when, to whom, and whether it was in time when recorded
    (a late step stays late: neither this row nor its clock is ever rewritten)."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="steps", verbose_name=_("demande"))
    kind = models.CharField(_("étape"), max_length=16, choices=StepKind.choices)
    at = models.DateTimeField(_("le"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par"))
    recipient = models.CharField(_("destinataire"), max_length=200, blank=True)
    detail = models.TextField(_("précisions (motif, référence)"), blank=True)
    clock = models.ForeignKey("sla.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("délai arrêté"))
    within_target = models.BooleanField(_("dans le délai"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("étape d'une demande de droits")
        verbose_name_plural = _("étapes des demandes de droits")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="dsr_step_once")]

    def __str__(self):
        return f"{self.get_kind_display()} — {date_format(timezone.localtime(self.at), 'SHORT_DATETIME_FORMAT')}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Une étape enregistrée n'est jamais modifiée.")
        super().save(*args, **kwargs)


# --- security incidents: the steps that stop the legal clocks (privacy/steps.py) -----------------
class BreachStepKind(models.TextChoices):
    OTHER_PARTY = "other_party", _("Autre partie notifiée")
    CNIL = "cnil", _("CNIL notifiée")
    PERSONS = "persons", _("Personnes concernées informées")


class BreachStep(models.Model):
    """One step of a security incident, append-only: who recorded it, when it was done, the
    evidence. A step with a legal clock stopped it at `done_at`; in time or late is the clock's
    result (`met_within_target`), never rewritten."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="breach_steps", verbose_name=_("ticket"))
    kind = models.CharField(_("étape"), max_length=16, choices=BreachStepKind.choices)
    done_at = models.DateTimeField(_("faite le"))
    recorded_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistrée par"))
    evidence = models.TextField(_("preuve"), help_text=_("Ce qui l'atteste : courriel envoyé, accusé de réception, destinataires…"))
    reference = models.CharField(_("référence"), max_length=120, blank=True, help_text=_("Pour la CNIL : la référence de la notification."))
    clock = models.ForeignKey("sla.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("délai arrêté"))

    class Meta:
        verbose_name = _("étape d'un incident de sécurité")
        verbose_name_plural = _("étapes des incidents de sécurité")
        ordering = ["done_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="breach_step_once")]

    def __str__(self):
        return f"{self.get_kind_display()} — {date_format(timezone.localtime(self.done_at), 'SHORT_DATETIME_FORMAT')}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Une étape enregistrée n'est jamais modifiée.")
        super().save(*args, **kwargs)
