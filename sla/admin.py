"""Admin of the sla app (labels from the models' French verbose names).

Policies: a published version is never rewritten. Adding a policy publishes version 1 (or the next
one) of its convention; saving an existing one publishes a NEW version with the edited values and
targets, through `services.publish_policy` — the version on screen stays as it was. Clocks, their
logs and school holidays are read-only here (the workflow and the importer write them); outages are
declared and closed through the outages page, the API or Alertmanager.
"""

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyMixin
from core.forms import errors_by_field

from . import services
from .models import Clock, ClockEvent, ClockSegment, Outage, SchoolHoliday, Service, SlaPolicy, SlaTarget

POLICY_FIELDS = ("name", "time_basis", "warning_ratio", "restart_on_reopen", "availability_target",
                 "availability_target_outside")


def _targets(formset) -> list[dict]:
    out = []
    for f in formset.forms:
        data = getattr(f, "cleaned_data", None) or {}
        if data and not data.get("DELETE") and data.get("kind"):
            out.append({"kind": data["kind"], "priority": data.get("priority") or "", "level": data.get("level"),
                        "seconds": data.get("seconds")})
    return out


class TargetFormSet(BaseInlineFormSet):
    """Checks the version as publish_policy will (same rules), so a refusal is a form error."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        policy = self.instance
        try:
            services.check_policy(targets=_targets(self), time_basis=policy.time_basis, warning_ratio=policy.warning_ratio)
        except ValidationError as exc:
            raise ValidationError([f"{field} : {message}" if field else message
                                   for field, messages_ in errors_by_field(exc).items() for message in messages_]) from None

    def validate_unique(self):
        pass  # checked by check_policy for the new version's targets

    def save(self, commit=True):
        # Never writes: the targets are published with the new version (SlaPolicyAdmin.save_related).
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    formset = TargetFormSet
    extra = 3
    fields = ("kind", "priority", "level", "seconds")
    verbose_name = _("objectif de délai")
    verbose_name_plural = _("objectifs de délai (enregistrer publie une nouvelle version)")

    def has_delete_permission(self, request, obj=None):
        return True  # "supprimer" here means: not carried into the new version


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ("convention", *POLICY_FIELDS)

    def validate_unique(self):
        pass  # version number and "current" flag are assigned by publish_policy, under lock


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("convention", "version", "name", "time_basis", "warning_ratio", "is_current", "created_at", "created_by")
    list_filter = ("is_current", "time_basis", "restart_on_reopen", "convention")
    search_fields = ("name", "convention__reference", "convention__title")
    list_select_related = ("convention", "created_by")
    readonly_fields = ("version", "is_current", "created_at", "created_by")
    inlines = [SlaTargetInline]

    def get_fields(self, request, obj=None):
        return ("convention", *POLICY_FIELDS, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # A new version belongs to the same convention as the one it replaces.
        return (*self.readonly_fields, "convention") if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # written in save_related, once the targets are known, as a new version

    def save_related(self, request, form, formsets, change):
        targets = [t for formset in formsets for t in _targets(formset)]
        for formset in formsets:
            formset.save()  # writes nothing; sets what the admin's change message reads
        obj = form.instance
        previous = obj.version if change else None
        # Validated already (TargetFormSet.clean, the form's fields); atomic: all or nothing.
        policy = services.publish_policy(
            obj.convention, targets=targets, by=request.user, **{name: getattr(obj, name) for name in POLICY_FIELDS},
        )
        # The admin's log and redirect then point at the version just published.
        obj.__dict__.update({k: v for k, v in policy.__dict__.items() if not k.startswith("_")})
        obj._state = policy._state
        if previous is not None:
            messages.info(request, _("Version %(new)s publiée ; la version %(old)s reste inchangée.")
                          % {"new": policy.version, "old": previous})


# Why a clock segment started: a ticket event or state (tickets' labels), or the clock's own steps.
SEGMENT_REASONS = {
    "start": _("démarrage"), "resume": _("reprise"), "met": _("objectif tenu"), "reopen": _("réouverture"),
    "notified": _("notification enregistrée"),
}


def segment_reason(code: str) -> str:
    from tickets.models import EventKind, State

    if not code:
        return "—"
    labels = {**dict(State.choices), **dict(EventKind.choices), **SEGMENT_REASONS}
    return str(labels.get(code, code))


class SegmentInline(ReadOnlyMixin, admin.TabularInline):
    model = ClockSegment
    extra = 0
    fields = ("at", "state", "reason_label", "elapsed_before")
    readonly_fields = fields

    @admin.display(description=_("motif"))
    def reason_label(self, obj):
        return segment_reason(obj.reason)


class ClockEventInline(ReadOnlyMixin, admin.TabularInline):
    model = ClockEvent
    extra = 0
    fields = ("kind", "run", "at", "created_at")
    readonly_fields = fields


@admin.register(Clock)
class ClockAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "kind", "level", "state", "due_at", "elapsed_seconds", "target_seconds", "met_within_target")
    list_filter = ("kind", "state", "time_basis", "met_within_target", "level")
    search_fields = ("ticket__reference", "ticket__title", "note")
    list_select_related = ("ticket", "policy")
    date_hierarchy = "started_at"
    inlines = [SegmentInline, ClockEventInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "alert_name")
    search_fields = ("name", "slug", "alert_name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False  # outages refer to it (PROTECT); rename instead


@admin.register(Outage)
class OutageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("service", "scope", "academie", "started_at", "ended_at", "source", "declared_by")
    list_filter = ("service", "scope", "source", "academie", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("cause", "service__name", "alert_fingerprint", "tickets__reference", "schools__uai")
    list_select_related = ("service", "academie", "declared_by")
    date_hierarchy = "started_at"


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("zone", "description", "starts_on", "ends_on", "school_year")
    list_filter = ("zone", "school_year")
    search_fields = ("description", "zone")
