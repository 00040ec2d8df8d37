"""The ticket, its workflow (django-fsm, state protected), the append-only timeline, comments,
attachments, links, the outbox and in-app notifications.

State changes only happen through `tickets.services` (which also bumps `version` and writes the
timeline event). The FSM transitions (`fsm_<name>`) are derived from the workflow table
(`tickets.workflow.TRANSITIONS`): they only declare which state moves are legal.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from core.fsm import transitions_mixin
from core.querysets import AppendOnlyQuerySet as BaseAppendOnlyQuerySet
from directory.choices import BeneficiaryKind, Category, Level

from .states import EventKind, State, Visibility
from .workflow import TRANSITIONS


class Impact(models.IntegerChoices):
    HIGH = 1, _("Élevé — toute l'école ou un service entier")
    MEDIUM = 2, _("Moyen — une classe ou un groupe")
    LOW = 3, _("Faible — une personne")


class Urgency(models.IntegerChoices):
    HIGH = 1, _("Élevée — bloquant, pas de contournement")
    MEDIUM = 2, _("Moyenne — gênant, contournement possible")
    LOW = 3, _("Faible — peut attendre")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — critique")
    P2 = 2, _("P2 — haute")
    P3 = 3, _("P3 — normale")
    P4 = 4, _("P4 — basse")


def priority_for(impact: int, urgency: int) -> int:
    """ITIL matrix: impact × urgency → P1..P4 (high/high = P1, low/low = P4)."""
    return min(int(impact) + int(urgency) - 1, 4)


OPEN_STATES = (State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER)
TERMINAL_STATES = (State.CLOSED, State.CANCELLED)
WORKING = [State.NEW, State.IN_PROGRESS]
ACTIVE = [State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER]

QUALIFICATION_FIELDS = (
    "steps_to_reproduce", "expected_behaviour", "observed_behaviour",
    "users_affected", "first_seen_at", "browser_device",
)


class TicketCounter(models.Model):
    """One row per year; `last` is bumped atomically to number references (gaps are tolerated)."""

    year = models.PositiveIntegerField(_("année"), primary_key=True)
    last = models.PositiveIntegerField(_("dernier numéro attribué"), default=0)

    class Meta:
        verbose_name = _("compteur de références")
        verbose_name_plural = _("compteurs de références")

    def __str__(self):
        return f"{self.year} : {self.last}"


# One FSM transition per row of the workflow table, named after it: `fsm_take`, `fsm_route`…
# (django-fsm collects them from the class, inherited members included).
TicketTransitions = transitions_mixin("TicketTransitions", TRANSITIONS, field="state", table_name="tickets.workflow")


class Ticket(TicketTransitions, FSMModelMixin, models.Model):
    State = State
    Priority = Priority
    Impact = Impact
    Urgency = Urgency
    Category = Category

    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("école"))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets", verbose_name=_("demandeur"))
    contact = models.CharField(_("contact"), max_length=200, blank=True, help_text=_("Qui joindre et comment (téléphone, horaires)."))
    # Who entered the ticket when it is not the requester: an ERUN, a CPC, an académie or
    # collectivité agent opening for a named person of a school of their perimeter, or the school's
    # level 0 entering a parent's request (the parent has no account: `beneficiary_*`, minimal).
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("saisi par"))
    beneficiary_name = models.CharField(_("pour le compte de"), max_length=120, blank=True, help_text=_("Nom de la personne concernée, si elle n'a pas de compte."))
    beneficiary_kind = models.CharField(_("qualité de la personne concernée"), max_length=16, choices=BeneficiaryKind.choices, blank=True, default="")
    resource = models.ForeignKey("directory.Resource", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("ressource ou service tiers concerné"))
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), help_text=_("Markdown ; nettoyé à l'affichage."))
    category = models.CharField(_("catégorie"), max_length=32, choices=Category.choices)
    service = models.CharField(_("service ou module ENT concerné"), max_length=120, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgence"), choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priorité"), choices=Priority.choices, default=Priority.P3)
    convention = models.ForeignKey("directory.Convention", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("convention"))
    # Opened while no convention was in force for the school (lapsed): accepted all the same, at the
    # académie's desk (a teacher is never blocked); `convention` is then the last one that covered it.
    outside_convention = models.BooleanField(_("hors convention"), default=False)
    via = models.CharField(_("canal"), max_length=16, default="web")

    state = FSMField(_("état"), max_length=20, choices=State.choices, default=State.NEW, protected=True)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices, default=Level.SCHOOL)
    desk = models.ForeignKey("directory.Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("guichet"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_tickets", verbose_name=_("pris en charge par"))
    version = models.PositiveIntegerField(_("version"), default=1)
    # Once true, observers (local trainers) of the area follow the ticket.
    reached_vendor = models.BooleanField(_("transmis à l'éditeur"), default=False)
    # The vendor whose desk first received the ticket: what a vendor may read, as one indexed column
    # (a subquery over the timeline made the vendor's API list slow; see docs/benchmarks.md).
    vendor = models.ForeignKey("directory.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("éditeur saisi"), editable=False)
    # Earliest due time of the ticket's running SLA clocks, kept by sla.clocks in the clock's
    # transaction: the triage board sorts on it through an index instead of a subquery per row.
    sla_due_at = models.DateTimeField(_("prochaine échéance SLA"), null=True, blank=True, editable=False)

    # Qualification (required before a vendor desk receives the ticket)
    steps_to_reproduce = models.TextField(_("étapes pour reproduire"), blank=True)
    expected_behaviour = models.TextField(_("résultat attendu"), blank=True)
    observed_behaviour = models.TextField(_("résultat observé"), blank=True)
    users_affected = models.PositiveIntegerField(_("nombre d'utilisateurs concernés"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("constaté pour la première fois le"), null=True, blank=True)
    browser_device = models.CharField(_("navigateur et appareil"), max_length=200, blank=True)
    malfunction_proven = models.BooleanField(_("dysfonctionnement avéré"), default=False)
    no_solution_found = models.BooleanField(_("aucune solution trouvée aux niveaux inférieurs"), default=False)

    vendor_reference = models.CharField(_("référence chez l'éditeur"), max_length=80, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("doublon de"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("incident majeur parent"))

    resolution_summary = models.TextField(_("résumé de la résolution"), blank=True)
    resolved_by_desk = models.ForeignKey("directory.Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("résolu par le guichet"))
    cancel_reason = models.TextField(_("motif d'annulation"), blank=True)

    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["priority", "created_at"]
        indexes = [
            # A desk's queue and the visible lists walk these in display order and stop at the page
            # size (the state filter is applied on the way; measured in bench/tickets_bench.py).
            models.Index(fields=["desk", "priority", "created_at", "id"], name="ticket_desk_queue_idx"),
            models.Index(fields=["priority", "created_at", "id"], name="ticket_display_order_idx"),
            models.Index(fields=["school", "state"], name="ticket_school_state_idx"),
            models.Index(fields=["requester", "state"], name="ticket_requester_idx"),
            models.Index(fields=["state", "resolved_at"], name="ticket_state_resolved_idx"),
            # Triage board: open tickets of a desk in SLA order (partial: closed tickets stay out).
            models.Index(fields=["desk", "sla_due_at", "priority", "created_at", "id"], name="ticket_desk_sla_idx",
                         condition=models.Q(state__in=["new", "in_progress", "waiting_requester"])),
            # The board's other orders of open tickets (by age; by priority), and its "all states"
            # view in SLA order (closed tickets, without a due time, come last).
            models.Index(fields=["desk", "created_at", "id"], name="ticket_desk_open_age_idx",
                         condition=models.Q(state__in=["new", "in_progress", "waiting_requester"])),
            models.Index(fields=["desk", "priority", "created_at", "id"], name="ticket_desk_open_prio_idx",
                         condition=models.Q(state__in=["new", "in_progress", "waiting_requester"])),
            models.Index(fields=["desk", "sla_due_at", "priority", "created_at", "id"], name="ticket_desk_all_sla_idx"),
            # Board counters: one GROUP BY state over the desk's index entries (COUNT(*): index only).
            models.Index(fields=["desk", "state"], name="ticket_desk_state_idx"),
            models.Index(fields=["vendor", "priority", "created_at", "id"], name="ticket_vendor_queue_idx"),
            # The API list's default order (most recently changed first) for a vendor.
            models.Index(fields=["vendor", "-updated_at"], name="ticket_vendor_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="ticket_level_0_3", condition=models.Q(level__lte=3)),
            models.CheckConstraint(name="ticket_not_own_duplicate", condition=~models.Q(duplicate_of=models.F("pk"))),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def qualification_missing(self) -> list[str]:
        return [f for f in QUALIFICATION_FIELDS if getattr(self, f) in (None, "")]



# Timeline lines that record what happened around the ticket, not a change of the ticket itself:
# they carry the version the ticket had when they were written, and an If-Match stays valid.
ANNOTATION_KINDS = (EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.SLA_MET, EventKind.LEGAL_NOTICE)


class AppendOnlyQuerySet(BaseAppendOnlyQuerySet):
    update_refused = "Le journal d'un ticket ne se modifie pas."
    delete_refused = "Le journal d'un ticket ne s'efface pas."


class TicketEvent(models.Model):
    """One line of a ticket's timeline. Append-only: the full history is rebuilt from it."""

    Kind = EventKind

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events", verbose_name=_("demande"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=24, choices=EventKind.choices)
    from_state = models.CharField(_("état avant"), max_length=20, blank=True, choices=State.choices)
    to_state = models.CharField(_("état après"), max_length=20, blank=True, choices=State.choices)
    from_level = models.PositiveSmallIntegerField(_("niveau avant"), null=True, blank=True, choices=Level.choices)
    to_level = models.PositiveSmallIntegerField(_("niveau après"), null=True, blank=True, choices=Level.choices)
    from_desk = models.ForeignKey("directory.Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("guichet avant"))
    to_desk = models.ForeignKey("directory.Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("guichet après"))
    visibility = models.CharField(_("visible par"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    organisation = models.CharField(
        _("organisation de l'auteur"), max_length=40, blank=True,
        help_text=_("Clé de l'organisation (ex. academie:3) qui seule lit une entrée « mon organisation seulement »."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        help_text=_("Version de la demande après cet événement (pour une annotation : celle où elle a été écrite)."),
    )
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement de demande")
        verbose_name_plural = _("événements de demande")
        ordering = ["ticket", "id"]
        indexes = [models.Index(fields=["ticket", "to_desk"], name="event_ticket_desk_idx")]
        constraints = [
            # One change of the ticket per version; annotations (SLA lines) share the current one.
            models.UniqueConstraint(
                fields=["ticket", "version"], name="event_one_change_per_version",
                condition=~models.Q(kind__in=[k.value for k in ANNOTATION_KINDS]),
            ),
        ]

    def __str__(self):
        at = date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT")
        return f"{self.ticket.reference} — {self.get_kind_display()} ({at})"

    @property
    def public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Le journal d'un ticket ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Le journal d'un ticket ne s'efface pas.")


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments", verbose_name=_("demande"))
    event = models.OneToOneField(TicketEvent, on_delete=models.PROTECT, related_name="comment", verbose_name=_("événement"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("auteur"))
    body = models.TextField(_("message"))
    visibility = models.CharField(_("visible par"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    organisation = models.CharField(
        _("organisation de l'auteur"), max_length=40, blank=True,
        help_text=_("Clé de l'organisation (ex. academie:3) qui seule lit une entrée « mon organisation seulement »."),
    )
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["ticket", "id"]

    def __str__(self):
        who = self.author or _("le système")
        at = date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
        return f"{self.ticket.reference} — {who}, {at}"

    @property
    def public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


def attachment_path(instance, filename):
    # Never the uploaded name: a random name without extension, under a year folder.
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("demande"))
    event = models.OneToOneField(TicketEvent, on_delete=models.PROTECT, related_name="attachment", verbose_name=_("événement"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("déposée par"))
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type (détecté)"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    visibility = models.CharField(_("visible par"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    organisation = models.CharField(
        _("organisation de l'auteur"), max_length=40, blank=True,
        help_text=_("Clé de l'organisation (ex. academie:3) qui seule lit une entrée « mon organisation seulement »."),
    )
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["ticket", "id"]

    def __str__(self):
        return self.original_name

    @property
    def public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class OutboxMessage(models.Model):
    """A notification to deliver after commit (written in the transition's transaction)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Courriel")
        IN_APP = "in_app", _("Notification dans l'application")
        WEBSOCKET = "websocket", _("Mise à jour en direct")
        WEBHOOK = "webhook", _("Événement pour les webhooks")

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENT = "sent", _("Envoyé")
        SKIPPED = "skipped", _("Sans destinataire")
        DEAD = "dead", _("Abandonné")

    channel = models.CharField(_("canal"), max_length=16, choices=Channel.choices)
    event_name = models.CharField(_("événement"), max_length=40)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox", verbose_name=_("demande"))
    event = models.ForeignKey(TicketEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox", verbose_name=_("événement de la demande"))
    payload = models.JSONField(_("contenu"), default=dict)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    locked_until = models.DateTimeField(_("réservé jusqu'à"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # E-mails of one batch (a requester's news on one ticket, an agent's digest) go as one mail.
    batch = models.CharField(_("envoi groupé"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("message à envoyer")
        verbose_name_plural = _("messages à envoyer")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
                   models.Index(fields=["batch", "status"], name="outbox_batch_idx", condition=~models.Q(batch=""))]

    @property
    def kind(self) -> str:
        return self.event_name

    def __str__(self):
        return f"{self.get_channel_display()} — {event_label(self.event_name)} n° {self.pk} ({self.get_status_display()})"


class Notification(models.Model):
    """In-app notification (the bell), created when an in_app outbox message is delivered."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("destinataire"))
    # None: about something else than a ticket (a data-subject request's clock): `link` says where.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications", verbose_name=_("demande"))
    link = models.CharField(_("lien"), max_length=200, blank=True)
    event = models.ForeignKey(TicketEvent, on_delete=models.PROTECT, null=True, related_name="notifications", verbose_name=_("événement"))
    outbox = models.ForeignKey(OutboxMessage, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("message envoyé"))
    verb = models.CharField(_("type"), max_length=40)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        constraints = [models.UniqueConstraint(fields=["outbox", "user"], name="notification_once_per_message")]

    def __str__(self):
        return f"{self.user} — {self.message}"


def event_label(event_name: str) -> str:
    """'ticket.info_requested', 'sla.breach' (outbox and webhook event names) → the French label."""
    from .events import label_of

    return label_of(event_name)


class TicketVendorReach(models.Model):
    """One row per vendor whose desk the ticket ever reached (kept by tickets.receivers on every
    move): what a vendor may read (tickets.access). `Ticket.vendor` holds the first one as an
    indexed column the vendor's lists walk in order; the rows it does not say (a ticket handed
    over from one vendor's desk to another's) are few and have their own partial index."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="vendor_reach", verbose_name=_("demande"))
    vendor = models.ForeignKey("directory.Vendor", on_delete=models.PROTECT, related_name="+", verbose_name=_("éditeur"))
    in_vendor_column = models.BooleanField(_("éditeur saisi en premier"), default=False, editable=False)

    class Meta:
        verbose_name = _("éditeur saisi de la demande")
        verbose_name_plural = _("éditeurs saisis des demandes")
        constraints = [models.UniqueConstraint(fields=["ticket", "vendor"], name="ticket_vendor_reach_once")]
        indexes = [models.Index(fields=["vendor", "ticket"], name="ticket_vendor_handover_idx",
                                condition=models.Q(in_vendor_column=False))]

    def __str__(self):
        return f"{self.ticket_id} → {self.vendor_id}"


class SatisfactionRating(models.Model):
    """The requester's rating of a resolved ticket, once per ticket (tickets.satisfaction): 1 to 5
    and an optional comment, from the ticket page or from the signed links of the resolution
    e-mail. The desk and level are those that resolved it (the dashboard groups by them)."""

    class Via(models.TextChoices):
        WEB = "web", _("Page de la demande")
        EMAIL = "email", _("Lien du courriel")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="satisfaction", verbose_name=_("demande"))
    rating = models.PositiveSmallIntegerField(_("note (1 à 5)"))
    comment = models.TextField(_("commentaire"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    desk = models.ForeignKey("directory.Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("guichet qui a résolu"))
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    via = models.CharField(_("canal"), max_length=8, choices=Via.choices, default=Via.WEB)
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    event = models.OneToOneField(TicketEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("événement"))

    class Meta:
        verbose_name = _("évaluation de satisfaction")
        verbose_name_plural = _("évaluations de satisfaction")
        ordering = ["-at"]
        constraints = [models.CheckConstraint(name="satisfaction_rating_1_5", condition=models.Q(rating__gte=1, rating__lte=5))]

    def __str__(self):
        return f"{self.ticket.reference} — {self.rating}/5"


class Macro(models.Model):
    """A canned answer of a desk or of an organisation (tickets.macros): a text with placeholders
    ({demandeur}, {reference}, {ecole}) and, optionally, an action of the workflow table applied
    with it (e.g. "Demander une capture d'écran" = the question + request information)."""

    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("texte"), help_text=_("Champs remplis à l'envoi : {demandeur}, {reference}, {ecole}."))
    transition = models.CharField(_("action appliquée"), max_length=32, blank=True,
                                  help_text=_("Nom d'une action du circuit (ex. request_info) ; vide : une simple réponse."))
    desk = models.ForeignKey("directory.Desk", on_delete=models.CASCADE, null=True, blank=True, related_name="macros", verbose_name=_("guichet"))
    organisation = models.CharField(_("organisation"), max_length=40, blank=True,
                                    help_text=_("Clé de l'organisation (ex. academie:3), si la réponse type n'est pas celle d'un guichet."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["title", "id"]
        constraints = [models.CheckConstraint(
            name="macro_one_owner",
            condition=(models.Q(desk__isnull=False) & models.Q(organisation="")) | (models.Q(desk__isnull=True) & ~models.Q(organisation="")),
        )]

    def __str__(self):
        return self.title

    def clean(self):
        from .macros import check_macro

        check_macro(self)


class MailPreference(models.Model):
    """How a person wants the product's e-mails: their language, and for each desk they work at,
    immediately, in a digest or not at all (in-app notifications stay)."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("Un courriel par événement")
        DIGEST = "digest", _("Un résumé groupé")
        NONE = "none", _("Aucun courriel")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preferences", verbose_name=_("personne"))
    # None: the person's own settings (their mails' language); a desk: how its notifications come.
    desk = models.ForeignKey("directory.Desk", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("guichet"))
    language = models.CharField(_("langue des courriels"), max_length=8, choices=settings.LANGUAGES, default="fr")
    mode = models.CharField(_("envoi"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        verbose_name = _("préférence de courriel")
        verbose_name_plural = _("préférences de courriel")
        constraints = [
            models.UniqueConstraint(fields=["user", "desk"], name="mail_preference_once_per_desk"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(desk=None), name="mail_preference_once_per_person"),
        ]

    def __str__(self):
        return f"{self.user} — {self.desk or _('langue')} : {self.get_mode_display() if self.desk_id else self.language}"
