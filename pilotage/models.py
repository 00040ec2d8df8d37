"""Major incidents and their review ("revues d'incidents", Grand Est convention art. 6): an outage or
a parent ticket declared a major incident, the review that gathers its timeline, impact, cause,
the parties invited and the minutes, and the improvement actions each owned by one organisation
(followed until done: art. 10, "actions d'amélioration identifiées et mises en œuvre").

Organisations are written as directory organisation keys ("academie:3", "collectivite:7",
"vendor:2"; `directory.selectors.organisation_keys`), the same keys a person's grants give: an
invited party or an action's owner is matched against the reader's grants without a join."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import AppendOnlyQuerySet


class MajorIncident(models.Model):
    """An outage or a parent ticket declared a major incident (exactly one of the two). Its scope
    (every school, one académie, one collectivité, some schools) is copied at declaration: the review's readers
    are found from it without walking the tickets."""

    outage = models.OneToOneField("sla.Outage", on_delete=models.PROTECT, null=True, blank=True, related_name="major_incident", verbose_name=_("interruption"))
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="major_incident", verbose_name=_("demande parente"))
    title = models.CharField(_("intitulé"), max_length=200)
    everywhere = models.BooleanField(_("tout le périmètre"), default=False)
    academie = models.ForeignKey("directory.Academie", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("académie"))
    collectivite = models.ForeignKey("directory.Collectivite", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("collectivité"))
    schools = models.ManyToManyField("directory.School", blank=True, related_name="+", verbose_name=_("écoles concernées"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("déclaré par"))
    declared_at = models.DateTimeField(_("déclaré le"), default=timezone.now)

    class Meta:
        verbose_name = _("incident majeur")
        verbose_name_plural = _("incidents majeurs")
        ordering = ["-declared_at"]
        constraints = [
            models.CheckConstraint(
                name="major_incident_outage_xor_ticket",
                condition=(Q(outage__isnull=False) & Q(ticket__isnull=True)) | (Q(outage__isnull=True) & Q(ticket__isnull=False)),
            ),
        ]

    def __str__(self):
        return self.title


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planifiée")
    HELD = "held", _("Tenue")
    CLOSED = "closed", _("Close")


class Review(models.Model):
    """The review of one major incident: what happened, why, who met, what was decided."""

    incident = models.OneToOneField(MajorIncident, on_delete=models.PROTECT, related_name="review", verbose_name=_("incident majeur"))
    status = models.CharField(_("statut"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED)
    meeting_at = models.DateTimeField(_("date de la réunion"), null=True, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    minutes = models.TextField(_("compte rendu (Markdown)"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("revue d'incident")
        verbose_name_plural = _("revues d'incidents")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Revue : %(title)s") % {"title": self.incident.title}


class ReviewParty(models.Model):
    """An organisation invited to the review (académie, collectivité, vendor, région)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="parties", verbose_name=_("revue"))
    organisation = models.CharField(_("organisation"), max_length=40, help_text=_("Clé de l'organisation, ex. academie:3, vendor:2."))
    label = models.CharField(_("nom"), max_length=200)

    class Meta:
        verbose_name = _("partie invitée")
        verbose_name_plural = _("parties invitées")
        ordering = ["review", "label"]
        constraints = [models.UniqueConstraint(fields=["review", "organisation"], name="review_party_once")]
        indexes = [models.Index(fields=["organisation", "review"], name="review_party_org_idx")]

    def __str__(self):
        return self.label


class ActionStatus(models.TextChoices):
    TODO = "todo", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Faite")
    ABANDONED = "abandoned", _("Abandonnée")


OPEN_ACTION_STATUSES = (ActionStatus.TODO, ActionStatus.IN_PROGRESS)


class ImprovementAction(models.Model):
    """An improvement action decided in a review, owned by one organisation until done (or
    abandoned, with the reason)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions", verbose_name=_("revue"))
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("organisation responsable"), max_length=40, help_text=_("Clé de l'organisation, ex. vendor:2."))
    owner_label = models.CharField(_("organisation responsable (nom)"), max_length=200)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.TODO)
    abandon_reason = models.TextField(_("motif d'abandon"), blank=True)
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="improvement_actions", verbose_name=_("demandes liées"))
    evolution_ref = models.CharField(
        _("demande d'évolution liée"), max_length=120, blank=True, null=True,
        help_text=_("Référence d'une demande d'évolution (texte libre en attendant leur suivi dans l'outil)."),
    )
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("action d'amélioration")
        verbose_name_plural = _("actions d'amélioration")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due_idx")]
        constraints = [
            models.CheckConstraint(name="action_abandon_has_reason",
                                   condition=~Q(status="abandoned") | ~Q(abandon_reason="")),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()


class ReviewEventQuerySet(AppendOnlyQuerySet):
    update_refused = "Le journal d'une revue d'incident ne se modifie pas."
    delete_refused = "Le journal d'une revue d'incident ne s'efface pas."


class ReviewEvent(models.Model):
    """The audit trail of major incidents and reviews: who declared, edited, invited, decided what."""

    incident = models.ForeignKey(MajorIncident, on_delete=models.PROTECT, related_name="events", verbose_name=_("incident majeur"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=32)
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = ReviewEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement de revue")
        verbose_name_plural = _("événements de revue")
        ordering = ["incident", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(ReviewEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(ReviewEventQuerySet.delete_refused)


class IncidentFollower(models.Model):
    """"Je suis concerné·e": a person who joined an outage (its major incident, once declared) from
    the report form instead of opening a ticket; told when the outage ends (`notified_at`)."""

    outage = models.ForeignKey("sla.Outage", on_delete=models.CASCADE, related_name="followers", verbose_name=_("interruption"))
    major_incident = models.ForeignKey(MajorIncident, on_delete=models.SET_NULL, null=True, blank=True, related_name="followers", verbose_name=_("incident majeur"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("école"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    notified_at = models.DateTimeField(_("prévenu·e de la fin le"), null=True, blank=True)

    class Meta:
        verbose_name = _("personne concernée par une interruption")
        verbose_name_plural = _("personnes concernées par une interruption")
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["outage", "user"], name="incident_follower_once")]
        indexes = [models.Index(fields=["outage", "notified_at"], name="incident_follower_notify_idx")]

    def __str__(self):
        return f"{self.outage_id} — {self.user}"


class FollowerEventQuerySet(AppendOnlyQuerySet):
    update_refused = "Le journal des personnes concernées ne se modifie pas."
    delete_refused = "Le journal des personnes concernées ne s'efface pas."


class FollowerEvent(models.Model):
    """The audit trail of "Je suis concerné·e" on an outage: who joined, for which school, and when
    the followers were told of its end (an outage not — or not yet — a major incident has no
    review journal, hence this one)."""

    outage = models.ForeignKey("sla.Outage", on_delete=models.PROTECT, related_name="+", verbose_name=_("interruption"))
    major_incident = models.ForeignKey(MajorIncident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("incident majeur"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=32, choices=[("joined", _("A rejoint l'interruption")), ("notified", _("Personnes prévenues de la fin"))])
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = FollowerEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement des personnes concernées")
        verbose_name_plural = _("événements des personnes concernées")
        ordering = ["outage", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(FollowerEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(FollowerEventQuerySet.delete_refused)
