"""Evolution requests ("demandes d'évolution"): what users of a school ask to change in their ENT,
supported by colleagues ("Moi aussi"), prioritised by the body the convention names and, once
retained, handed to the vendor, who delivers it. See docs/evolutions.md for the seeds' clauses.

- `Governance`: per convention, which body prioritises (the IEN of the school's circonscription, or
  the académie's working group of representative users and mairies), with the clause quoted;
  `BodyMember`: the people of that body (an IEN for one circonscription, or the whole convention).
- `EvolutionRequest`: the request; its status is a django-fsm field changed only through
  `evolutions.services` (the table is `evolutions.workflow.TRANSITIONS`).
- `Support`: one "Moi aussi" per person; `EvolutionEvent`: the append-only audit trail (one line per
  action); `ActionLink`: an improvement action of an incident review (pilotage) linked to it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from core.fsm import transitions_mixin
from core.querysets import AppendOnlyQuerySet

from .workflow import TRANSITIONS, Priority, Status


class BodyKind(models.TextChoices):
    IEN = "ien_circonscription", _("Inspecteur de l'éducation nationale de la circonscription")
    WORKING_GROUP = "academic_working_group", _("Groupe de travail académique (utilisateurs représentatifs et mairies)")


class Governance(models.Model):
    """The body that prioritises the evolution requests of a convention's schools."""

    convention = models.OneToOneField("directory.Convention", on_delete=models.CASCADE, related_name="evolution_governance",
                                      verbose_name=_("convention"))
    kind = models.CharField(_("instance qui priorise"), max_length=32, choices=BodyKind.choices)
    name = models.CharField(_("nom de l'instance"), max_length=200)
    clause = models.TextField(_("clause de la convention"), blank=True, help_text=_("Article cité mot pour mot."))

    class Meta:
        verbose_name = _("gouvernance des demandes d'évolution")
        verbose_name_plural = _("gouvernances des demandes d'évolution")

    def __str__(self):
        return f"{self.convention} — {self.name}"


class BodyMember(models.Model):
    """A member of the body: for an IEN, the circonscription they are in charge of (the requests of
    its schools); empty, the whole convention (a working group's members)."""

    governance = models.ForeignKey(Governance, on_delete=models.CASCADE, related_name="members", verbose_name=_("instance"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    circonscription = models.ForeignKey("directory.Circonscription", on_delete=models.CASCADE, null=True, blank=True,
                                        related_name="+", verbose_name=_("circonscription"))
    quality = models.CharField(_("qualité"), max_length=120, blank=True,
                               help_text=_("Ex. IEN, utilisateur représentatif, représentant de mairie."))

    class Meta:
        verbose_name = _("membre de l'instance")
        verbose_name_plural = _("membres de l'instance")
        # Once per body and circonscription, and once without (two conditions: SQLite has no NULLS NOT DISTINCT).
        constraints = [
            models.UniqueConstraint(fields=["governance", "user", "circonscription"], name="evolution_member_once",
                                    condition=models.Q(circonscription__isnull=False)),
            models.UniqueConstraint(fields=["governance", "user"], name="evolution_member_once_whole_body",
                                    condition=models.Q(circonscription__isnull=True)),
        ]
        indexes = [models.Index(fields=["user", "governance"], name="evolution_member_user_idx")]

    def __str__(self):
        return f"{self.user} ({self.quality or self.governance.name})"


EvolutionTransitions = transitions_mixin("EvolutionTransitions", TRANSITIONS, field="status", table_name="evolutions.workflow")


class EvolutionRequest(EvolutionTransitions, FSMModelMixin, models.Model):
    Status = Status

    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), help_text=_("Ce qui manque, pour qui, et ce que cela changerait."))
    service = models.CharField(_("service ou module ENT concerné"), max_length=120)
    product = models.ForeignKey("directory.EntProduct", on_delete=models.PROTECT, related_name="+", verbose_name=_("solution ENT"))
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("école"))
    convention = models.ForeignKey("directory.Convention", on_delete=models.PROTECT, related_name="+", verbose_name=_("convention"))
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposée par"))
    status = FSMField(_("statut"), max_length=16, choices=Status.choices, default=Status.PROPOSED, protected=True)
    priority = models.PositiveSmallIntegerField(_("priorité"), choices=Priority.choices, null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    delivery_note = models.TextField(_("note de livraison"), blank=True)
    supporters_count = models.PositiveIntegerField(_("« Moi aussi »"), default=0)
    submitted_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("demande d'évolution")
        verbose_name_plural = _("demandes d'évolution")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "convention"], name="evolution_status_conv_idx")]
        constraints = [
            models.CheckConstraint(name="evolution_refusal_has_reason",
                                   condition=~Q(status="refused") | ~Q(refusal_reason="")),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"


class Support(models.Model):
    """"Moi aussi": one per person and request."""

    evolution = models.ForeignKey(EvolutionRequest, on_delete=models.CASCADE, related_name="supports", verbose_name=_("demande"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("« Moi aussi »")
        verbose_name_plural = _("« Moi aussi »")
        constraints = [models.UniqueConstraint(fields=["evolution", "user"], name="evolution_support_once")]
        indexes = [models.Index(fields=["user", "evolution"], name="evolution_support_user_idx")]


class ActionLink(models.Model):
    """An improvement action of an incident review that this request answers (or comes from)."""

    evolution = models.ForeignKey(EvolutionRequest, on_delete=models.CASCADE, related_name="action_links", verbose_name=_("demande"))
    action = models.ForeignKey("pilotage.ImprovementAction", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("action d'amélioration"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("liée par"))
    at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("action d'amélioration liée")
        verbose_name_plural = _("actions d'amélioration liées")
        constraints = [models.UniqueConstraint(fields=["evolution", "action"], name="evolution_action_once")]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Proposée")
    SUPPORTED = "supported", _("« Moi aussi »")
    UNSUPPORTED = "unsupported", _("« Moi aussi » retiré")
    INSTRUCT = "instruct", _("Instruite")
    RETAIN = "retain", _("Retenue")
    REFUSE = "refuse", _("Refusée")
    TRANSMIT = "transmit", _("Transmise à l'éditeur")
    DELIVER = "deliver", _("Livrée")
    ACTION_LINKED = "action_linked", _("Action d'amélioration liée")
    ACTION_UNLINKED = "action_unlinked", _("Lien avec une action d'amélioration retiré")


class EvolutionEventQuerySet(AppendOnlyQuerySet):
    update_refused = "L'historique d'une demande d'évolution ne se modifie pas."
    delete_refused = "L'historique d'une demande d'évolution ne s'efface pas."


class EvolutionEvent(models.Model):
    """One line per action on a request: who, when, from which status to which, the note."""

    evolution = models.ForeignKey(EvolutionRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("demande"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=20, choices=EventKind.choices)
    from_status = models.CharField(_("statut avant"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("statut après"), max_length=16, choices=Status.choices, blank=True)
    note = models.TextField(_("observation"), blank=True)
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = EvolutionEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'une demande d'évolution")
        verbose_name_plural = _("événements des demandes d'évolution")
        ordering = ["evolution", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(EvolutionEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(EvolutionEventQuerySet.delete_refused)
