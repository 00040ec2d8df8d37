"""When and how well: school holidays, SLA policies (versioned), ticket and legal clocks with their
append-only segment log, service outages."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from directory.choices import Category, Level


class SchoolHolidayQuerySet(models.QuerySet):
    def for_zone(self, zone):
        return self.filter(zone=zone).order_by("starts_on")


class SchoolHoliday(models.Model):
    """One row of the official dataset fr-en-calendrier-scolaire (pupils' rows only).

    `starts_on` is the day pupils leave after class, `ends_on` the day they come back."""

    zone = models.CharField(_("zone"), max_length=32, db_index=True)
    description = models.CharField(_("description"), max_length=120)
    population = models.CharField(_("population"), max_length=32, default="-")
    starts_on = models.DateField(_("date de début (fin des cours)"))
    ends_on = models.DateField(_("date de fin (reprise)"))
    school_year = models.CharField(_("année scolaire"), max_length=9)
    source = models.CharField(_("source"), max_length=120, blank=True)

    objects = SchoolHolidayQuerySet.as_manager()

    class Meta:
        verbose_name = _("vacances scolaires")
        verbose_name_plural = _("vacances scolaires")
        ordering = ["zone", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "school_year", "description"], name="school_holiday_unique"),
            models.CheckConstraint(name="school_holiday_ordered", condition=Q(ends_on__gt=models.F("starts_on"))),
        ]

    def __str__(self):
        return _("%(what)s — zone %(zone)s (du %(start)s au %(end)s)") % {
            "what": self.description, "zone": self.zone,
            "start": date_format(self.starts_on, "SHORT_DATE_FORMAT"), "end": date_format(self.ends_on, "SHORT_DATE_FORMAT"),
        }


class Priority(models.TextChoices):
    P1 = "P1", _("P1 — bloquant")
    P2 = "P2", _("P2 — majeur")
    P3 = "P3", _("P3 — mineur")
    P4 = "P4", _("P4 — demande")


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("Première réponse")
    RESOLUTION = "resolution", _("Résolution")
    LEVEL = "level", _("Prise en charge au niveau")
    BREACH_NOTICE = "breach_notice", _("Notification de la violation à l'autre partie (48 h)")
    CNIL_NOTICE = "cnil_notice", _("Notification à la CNIL (72 h, RGPD art. 33)")
    DSR_FORWARD = "dsr_forward", _("Transmission d'une demande d'exercice de droits (8 jours)")
    DSR_ANSWER = "dsr_answer", _("Réponse à une demande d'exercice de droits (1 mois, RGPD art. 12-3)")

    @classmethod
    def legal(cls):
        return (cls.BREACH_NOTICE, cls.CNIL_NOTICE, cls.DSR_FORWARD, cls.DSR_ANSWER)


class TimeBasis(models.TextChoices):
    BUSINESS = "business", _("Heures ouvrées du contrat")
    CALENDAR = "calendar", _("Temps calendaire (24 h / 24)")


class MaintenanceRule(models.TextChoices):
    ANNOUNCED = "announced", _("exclue si annoncée avec le préavis, comptée sinon")
    EXCLUDED = "excluded", _("toujours exclue")
    COUNTED = "counted", _("toujours comptée comme indisponibilité")


class SlaPolicy(models.Model):
    """One version of a convention's ticket SLA policy. Never edited once a clock uses it: a change
    is a new version (`services.publish_policy`)."""

    convention = models.ForeignKey(
        "directory.Convention", on_delete=models.PROTECT, related_name="sla_policies", verbose_name=_("convention")
    )
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("nom"), max_length=120, blank=True)
    time_basis = models.CharField(_("base de temps"), max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS)
    warning_ratio = models.DecimalField(_("seuil d'alerte"), max_digits=4, decimal_places=3, default=0.75)
    restart_on_reopen = models.BooleanField(_("relancer les compteurs à la réouverture"), default=True)
    availability_target = models.DecimalField(_("disponibilité cible (plage contractuelle, %)"), max_digits=6, decimal_places=3, default=99.7)
    availability_target_outside = models.DecimalField(_("disponibilité cible (hors plage, %)"), max_digits=6, decimal_places=3, default=97)
    maintenance_rule = models.CharField(
        _("maintenances planifiées"), max_length=16, choices=MaintenanceRule.choices, default=MaintenanceRule.ANNOUNCED,
        help_text=_("Une maintenance planifiée est-elle décomptée de la disponibilité ?"))
    maintenance_notice_hours = models.PositiveIntegerField(
        _("préavis d'une maintenance exclue (heures)"), default=48,
        help_text=_("Valeur illustrative : les conventions sources ne fixent pas ce préavis."))
    is_current = models.BooleanField(_("version en vigueur"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("publiée par"))

    class Meta:
        verbose_name = _("politique de service")
        verbose_name_plural = _("politiques de service")
        ordering = ["convention", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "version"], name="sla_policy_version_unique"),
            models.UniqueConstraint(fields=["convention"], condition=Q(is_current=True), name="sla_policy_one_current"),
            models.CheckConstraint(name="sla_policy_warning_ratio", condition=Q(warning_ratio__gt=0, warning_ratio__lt=1)),
        ]

    def __str__(self):
        return f"{self.convention} v{self.version}"

    def save(self, *args, **kwargs):
        # A published version is never rewritten (clocks and finished results refer to it): a
        # change is a new version through services.publish_policy. Only the "current" flag moves.
        if not self._state.adding and set(kwargs.get("update_fields") or ()) != {"is_current"}:
            raise ValidationError(_("Une version publiée ne se modifie pas : publiez une nouvelle version."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Une version publiée ne se supprime pas : publiez une nouvelle version."))

    def target_seconds(self, kind: str, priority: str = "", level=None) -> int | None:
        for target in self.targets.all():
            if target.kind != kind:
                continue
            if kind == ClockKind.LEVEL:
                if target.level == level and target.priority in ("", priority):
                    return target.seconds
            elif target.priority in ("", priority):
                return target.seconds
        return None


class SlaTarget(models.Model):
    """A time target of a policy version: first response / resolution per priority, or a level's
    internal target (time for that level to take or pass on a ticket)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("politique"))
    kind = models.CharField(_("objectif"), max_length=16, choices=[
        (ClockKind.FIRST_RESPONSE.value, ClockKind.FIRST_RESPONSE.label),
        (ClockKind.RESOLUTION.value, ClockKind.RESOLUTION.label),
        (ClockKind.LEVEL.value, ClockKind.LEVEL.label),
    ])
    priority = models.CharField(_("priorité"), max_length=2, choices=Priority.choices, blank=True)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices, null=True, blank=True)
    seconds = models.PositiveIntegerField(_("délai (secondes)"))

    class Meta:
        verbose_name = _("objectif de délai")
        verbose_name_plural = _("objectifs de délai")
        ordering = ["policy", "kind", "priority", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind", "priority", "level"], name="sla_target_unique"),
            models.UniqueConstraint(
                fields=["policy", "kind", "priority"], condition=Q(level__isnull=True), name="sla_target_unique_nolevel"
            ),
            models.CheckConstraint(
                name="sla_target_level_iff_level_kind",
                condition=(Q(kind="level", level__isnull=False) | (~Q(kind="level") & Q(level__isnull=True))),
            ),
            models.CheckConstraint(name="sla_target_positive", condition=Q(seconds__gt=0)),
        ]

    def __str__(self):
        scope = self.get_level_display() if self.level is not None else (self.get_priority_display() if self.priority else _("toutes priorités"))
        hours, rest = divmod(self.seconds, 3600)
        delay = f"{hours} h {rest // 60:02d}" if rest else f"{hours} h"
        return f"{self.get_kind_display()} — {scope} : {delay}"

    def save(self, *args, **kwargs):
        # Targets are written once, with their version (bulk, in services.publish_policy).
        raise ValidationError(_("Les objectifs d'une version publiée ne se modifient pas : publiez une nouvelle version."))

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Les objectifs d'une version publiée ne se suppriment pas : publiez une nouvelle version."))


class ClockState(models.TextChoices):
    RUNNING = "running", _("En cours")
    PAUSED = "paused", _("En pause")
    MET = "met", _("Tenu")
    CANCELLED = "cancelled", _("Annulé")


class Clock(models.Model):
    """A countdown towards a target for one ticket. State and figures are a cache of the append-only
    segment log (ClockSegment): `elapsed_seconds` counts the finished running segments,
    `running_since` the open one, `due_at` is recomputed on every pause and resume."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="sla_clocks", verbose_name=_("demande"))
    kind = models.CharField(_("objectif"), max_length=16, choices=ClockKind.choices)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices, null=True, blank=True)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="clocks", verbose_name=_("politique (version)"))
    target_seconds = models.PositiveIntegerField(_("délai (secondes)"))
    warning_ratio = models.DecimalField(_("seuil d'alerte"), max_digits=4, decimal_places=3, default=0.75)
    time_basis = models.CharField(_("base de temps"), max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS)
    calendar_zone = models.CharField(_("zone du calendrier"), max_length=32, blank=True)
    calendar_subdivision = models.CharField(_("subdivision des jours fériés"), max_length=8, blank=True)

    state = models.CharField(_("état"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField(_("démarré le"))
    running_since = models.DateTimeField(_("en cours depuis"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(_("temps écoulé (segments clos)"), default=0)
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True, db_index=True)
    warning_at = models.DateTimeField(_("alerte à"), null=True, blank=True, db_index=True)
    met_at = models.DateTimeField(_("tenu le"), null=True, blank=True)
    met_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("tenu par"))
    met_within_target = models.BooleanField(_("tenu dans le délai"), null=True, blank=True)
    # Set once by the periodic check (conditional UPDATE): each event is raised exactly once per run.
    warned_at = models.DateTimeField(_("alerte émise le"), null=True, blank=True)
    breached_at = models.DateTimeField(_("dépassement émis le"), null=True, blank=True)
    run = models.PositiveSmallIntegerField(_("cycle"), default=1, help_text=_("Incrémenté à chaque réouverture qui relance le compteur."))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("compteur de délai")
        verbose_name_plural = _("compteurs de délai")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["state", "warning_at"]), models.Index(fields=["state", "due_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def calendar(self):
        from .calendar import ServiceCalendar

        if self.time_basis == TimeBasis.CALENDAR:
            return ServiceCalendar.always_open()
        return ServiceCalendar.for_zone(self.calendar_zone or None, self.calendar_subdivision or None)

    @property
    def is_legal(self) -> bool:
        return self.kind in ClockKind.legal()

    def elapsed_at(self, at) -> int:
        """Counted seconds at instant `at` (exact, from the cached segments)."""
        if self.state == ClockState.RUNNING and self.running_since and at > self.running_since:
            return self.elapsed_seconds + self.calendar.business_seconds(self.running_since, at)
        return self.elapsed_seconds

    def remaining_at(self, at) -> int:
        return self.target_seconds - self.elapsed_at(at)


class SegmentState(models.TextChoices):
    RUNNING = "running", _("En cours")
    PAUSED = "paused", _("En pause")
    STOPPED = "stopped", _("Arrêté")


class ClockSegment(models.Model):
    """Append-only log: each row opens a segment that lasts until the clock's next row."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="segments", verbose_name=_("compteur"))
    state = models.CharField(_("état"), max_length=16, choices=SegmentState.choices)
    at = models.DateTimeField(_("à partir de"))
    reason = models.CharField(_("motif"), max_length=64, blank=True)
    elapsed_before = models.PositiveIntegerField(_("secondes déjà comptées"), default=0, help_text=_("Secondes comptées avant ce segment."))

    class Meta:
        verbose_name = _("segment de compteur")
        verbose_name_plural = _("segments de compteur")
        ordering = ["clock", "at", "pk"]

    def __str__(self):
        at = date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT")
        return _("%(state)s à partir du %(at)s") % {"state": self.get_state_display(), "at": at}

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Le journal des segments n'est jamais modifié."))
        super().save(*args, **kwargs)


class ClockEventKind(models.TextChoices):
    WARNING = "warning", _("Alerte : seuil atteint")
    BREACH = "breach", _("Délai dépassé")
    MET = "met", _("Objectif tenu")


class ClockEvent(models.Model):
    """Warning / breach / met events, unique per clock, run and kind (raised exactly once)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="events", verbose_name=_("compteur"))
    kind = models.CharField(_("événement"), max_length=16, choices=ClockEventKind.choices)
    run = models.PositiveSmallIntegerField(_("cycle"), default=1)
    at = models.DateTimeField(_("survenu le"))
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de délai")
        verbose_name_plural = _("événements de délai")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["clock", "run", "kind"], name="clock_event_once")]

    def __str__(self):
        return f"{self.get_kind_display()} — {date_format(timezone.localtime(self.at), 'SHORT_DATETIME_FORMAT')}"


# --- Availability ---------------------------------------------------------------------------------
class Service(models.Model):
    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    # Alertmanager label values that designate this service (label `service` by default).
    alert_name = models.CharField(_("nom dans la supervision"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OutageScope(models.TextChoices):
    ALL = "all", _("Tout le périmètre")
    ACADEMIE = "academie", _("Une académie")
    COLLECTIVITE = "collectivite", _("Une collectivité")
    SCHOOLS = "schools", _("Des écoles")


class Outage(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="outages", verbose_name=_("service"))
    scope = models.CharField(_("portée"), max_length=16, choices=OutageScope.choices, default=OutageScope.ALL)
    academie = models.ForeignKey("directory.Academie", on_delete=models.PROTECT, null=True, blank=True, related_name="outages", verbose_name=_("académie"))
    collectivite = models.ForeignKey("directory.Collectivite", on_delete=models.PROTECT, null=True, blank=True, related_name="outages", verbose_name=_("collectivité"))
    schools = models.ManyToManyField("directory.School", blank=True, related_name="outages", verbose_name=_("écoles"))
    planned = models.BooleanField(_("maintenance planifiée"), default=False)
    announced_at = models.DateTimeField(_("annoncée le"), null=True, blank=True)
    started_at = models.DateTimeField(_("début"), db_index=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True, db_index=True)
    cause = models.TextField(_("cause"), blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("déclarée par"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("close par"))
    source = models.CharField(_("origine"), max_length=16, default="manual", choices=[
        ("manual", _("déclarée dans l'interface")), ("api", _("déclarée par l'API")), ("alertmanager", _("alerte de supervision")),
    ])
    alert_fingerprint = models.CharField(_("empreinte de l'alerte"), max_length=64, blank=True)
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="outages", verbose_name=_("demandes liées (incident majeur)"))

    class Meta:
        verbose_name = _("interruption de service")
        verbose_name_plural = _("interruptions de service")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(name="outage_ordered", condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at"))),
            models.CheckConstraint(name="outage_scope_academie", condition=~Q(scope="academie") | Q(academie__isnull=False)),
            models.CheckConstraint(name="outage_scope_collectivite", condition=~Q(scope="collectivite") | Q(collectivite__isnull=False)),
            # One open outage per alert: the same firing alert twice opens a single outage.
            models.UniqueConstraint(
                fields=["alert_fingerprint"], condition=Q(ended_at__isnull=True) & ~Q(alert_fingerprint=""),
                name="outage_one_open_per_alert",
            ),
        ]

    def __str__(self):
        start = date_format(timezone.localtime(self.started_at), "SHORT_DATETIME_FORMAT")
        if self.ended_at is None:
            return _("%(service)s — depuis le %(start)s") % {"service": self.service, "start": start}
        end = date_format(timezone.localtime(self.ended_at), "SHORT_DATETIME_FORMAT")
        return _("%(service)s — du %(start)s au %(end)s") % {"service": self.service, "start": start, "end": end}


class DayCount(models.Model):
    """Tickets and SLA results per day and reporting dimension: opened, still open, resolved (at
    levels 0–1 without the vendor, or not), ticket clocks met within or past their target, or past
    their due time and still not met (once the breach is raised). Kept by
    sla/rollup.py in the transaction of each ticket change; the manager dashboard sums these rows
    instead of scanning every ticket and clock of the period.

    The dimensions are the ticket's current ones; `desk_key` / `convention_key` are ids (0 for
    none), not foreign keys, so that the unique key the increments upsert on has no NULL in it."""

    class Measure(models.TextChoices):
        OPENED = "opened", _("ouvertes ce jour-là")
        OPEN = "open", _("ouvertes ce jour-là et toujours en cours")
        RESOLVED_LOW = "resolved_low", _("résolues ce jour-là aux niveaux 0–1 sans l'éditeur")
        RESOLVED_HIGH = "resolved_high", _("résolues ce jour-là avec les niveaux 2–3 ou l'éditeur")
        SLA_MET = "sla_met", _("délais tenus ce jour-là")
        SLA_LATE = "sla_late", _("délais tenus ce jour-là mais après l'échéance")
        SLA_OVERDUE = "sla_overdue", _("délais échus ce jour-là et toujours pas tenus")

    day = models.DateField(_("jour (heure de Paris)"))
    measure = models.CharField(_("mesure"), max_length=16, choices=Measure.choices)
    school = models.ForeignKey("directory.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("école"))
    convention_key = models.PositiveIntegerField(_("convention (id)"), default=0)
    desk_key = models.PositiveIntegerField(_("guichet (id)"), default=0)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    category = models.CharField(_("catégorie"), max_length=32, choices=Category.choices)
    service = models.CharField(_("service"), max_length=120, blank=True)
    count = models.IntegerField(_("nombre"), default=0)

    class Meta:
        verbose_name = _("compte journalier")
        verbose_name_plural = _("comptes journaliers")
        constraints = [models.UniqueConstraint(
            fields=["day", "measure", "school", "convention_key", "desk_key", "level", "category", "service"],
            name="daycount_key")]
        indexes = [models.Index(fields=["measure", "day"], name="daycount_measure_day_idx")]

    def __str__(self):
        return f"{date_format(self.day, 'SHORT_DATE_FORMAT')} — {self.get_measure_display()} : {self.count}"
