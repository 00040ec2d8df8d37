from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["desk", "school", "circonscription", "academie", "collectivite", "vendor"]


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Annuaire académique"), {"fields": ("aaf_id", "phone")}),)
    search_fields = ["username", "first_name", "last_name", "email", "aaf_id"]
    list_display = ["username", "first_name", "last_name", "email", "aaf_id", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role"]


@admin.register(models.RegionAcademique)
class RegionAcademiqueAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["name", "code"]


@admin.register(models.Academie)
class AcademieAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["name", "code", "region", "holiday_zone", "holiday_subdivision"]
    list_filter = ["holiday_zone", "region"]


@admin.register(models.Circonscription)
class CirconscriptionAdmin(admin.ModelAdmin):
    search_fields = ["code", "name", "academie__name"]
    list_display = ["name", "code", "academie"]
    list_filter = ["academie"]
    list_select_related = ["academie"]
    autocomplete_fields = ["academie"]


@admin.register(models.Collectivite)
class CollectiviteAdmin(admin.ModelAdmin):
    search_fields = ["name", "siret", "insee_code"]
    list_display = ["name", "kind", "siret"]
    list_filter = ["kind"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    search_fields = ["uai", "name", "commune", "commune_code", "circonscription__name"]
    list_display = ["uai", "name", "kind", "commune", "academie", "circonscription", "collectivite"]
    list_filter = ["kind", "academie", ("collectivite", admin.EmptyFieldListFilter), ("circonscription", admin.EmptyFieldListFilter)]
    show_full_result_count = False  # counting 66,000 rows on every page is wasted work
    list_select_related = ["academie", "circonscription", "collectivite"]
    autocomplete_fields = ["academie", "circonscription", "collectivite"]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name"]
    list_display = ["name", "slug"]


@admin.register(models.EntProduct)
class EntProductAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name", "vendor__name"]
    list_display = ["name", "slug", "vendor"]
    list_filter = ["vendor"]
    autocomplete_fields = ["vendor"]


@admin.register(models.Desk)
class DeskAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name", "email"]
    list_display = ["name", "level", "owner_display", "email"]
    list_filter = ["level", ("vendor", admin.EmptyFieldListFilter), ("collectivite", admin.EmptyFieldListFilter)]
    list_select_related = ["school", "circonscription", "academie", "region", "collectivite", "vendor"]
    autocomplete_fields = ["school", "circonscription", "academie", "region", "collectivite", "vendor"]


    @admin.display(description=_("organisation"))
    def owner_display(self, obj):
        return obj.owner


class SupportRouteInline(admin.TabularInline):
    model = models.SupportRoute
    extra = 0
    autocomplete_fields = ["desk"]


class ConventionSchoolInline(admin.TabularInline):
    model = models.ConventionSchool
    extra = 0
    autocomplete_fields = ["school"]
    readonly_fields = ["added_by"]  # set by directory.services.record_school_list (an avenant's list)


class ConventionAmendmentInline(admin.TabularInline):
    """The versions, read only: they are recorded through the « versions de convention » form
    (directory.services.record_amendment checks them against the terms)."""
    model = models.ConventionAmendment
    extra = 0
    can_delete = False
    fields = ["kind", "signed_on", "takes_effect_on", "new_ends_on", "school_year", "summary", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Convention)
class ConventionAdmin(admin.ModelAdmin):
    search_fields = ["reference", "title", "schools__uai", "collectivites__name"]
    list_display = ["reference", "product", "academie", "region", "starts_on", "ends_on", "fee_per_school", "state_today"]
    list_select_related = ["product", "academie", "region"]
    date_hierarchy = "starts_on"
    list_filter = ["product", "academie", "region"]
    filter_horizontal = ["collectivites"]
    readonly_fields = ["state_today", "timeline", "deadlines"]
    inlines = [ConventionSchoolInline, SupportRouteInline, ConventionAmendmentInline]
    actions = ["fee_statement"]

    @admin.action(description=_("Relevé des participations de l'année scolaire en cours (CSV)"))
    def fee_statement(self, request, queryset):
        from django.http import HttpResponse

        from .fees import statement_csv

        today = timezone.localdate()
        first = today.year if today.month >= 9 else today.year - 1
        school_year = f"{first}-{first + 1}"
        response = HttpResponse("\ufeff" + statement_csv(school_year, queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="participations-{school_year}.csv"'
        return response

    @admin.display(description=_("état aujourd'hui"))
    def state_today(self, obj):
        from .lifecycle import status_at

        if not obj.pk:
            return "—"
        return str(status_at(obj, timezone.localdate(), list(obj.amendments.all())).label)

    @admin.display(description=_("chronologie des versions"))
    def timeline(self, obj):
        from .lifecycle import french_date, timeline

        if not obj.pk:
            return "—"
        rows = format_html_join("", "<li>{} — {}</li>", ((french_date(day), text) for day, text in timeline(obj, list(obj.amendments.all()))))
        return format_html("<ol>{}</ol>", rows)

    @admin.display(description=_("prochaines échéances"))
    def deadlines(self, obj):
        from .lifecycle import french_date, next_deadlines

        if not obj.pk:
            return "—"
        items = next_deadlines(obj, timezone.localdate(), list(obj.amendments.all()))
        if not items:
            return _("Aucune : la convention est terminée.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} : {}</li>", ((d.label, french_date(d.on)) for d in items)))


class ConventionAmendmentForm(forms.ModelForm):
    """Recorded through the service, which checks the notices and computes the end of a termination."""
    actor = None

    class Meta:
        model = models.ConventionAmendment
        fields = ["convention", "kind", "signed_on", "takes_effect_on", "new_ends_on", "summary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "takes_effect_on" in self.fields:  # absent on a recorded avenant's read-only page
            self.fields["takes_effect_on"].required = False
            self.fields["takes_effect_on"].help_text = _("Vide : le jour de la signature ; pour une dénonciation ou un refus, calculé d'après le préavis.")
        self.recorded = None

    def clean(self):
        from django.core.exceptions import ValidationError

        from .services import record_amendment

        data = super().clean()
        if self.errors or not data.get("convention"):
            return data
        try:
            self.recorded = record_amendment(
                self.actor, data["convention"], kind=data["kind"], signed_on=data["signed_on"], summary=data["summary"],
                takes_effect_on=data.get("takes_effect_on"), new_ends_on=data.get("new_ends_on"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        data["takes_effect_on"] = self.recorded.takes_effect_on
        return data

    def _post_clean(self):
        if self.recorded is None:
            super()._post_clean()
        else:
            self.instance = self.recorded  # written by the service; form.save(commit=False) returns it


@admin.register(models.ConventionAmendment)
class ConventionAmendmentAdmin(admin.ModelAdmin):
    form = ConventionAmendmentForm
    list_display = ["convention", "kind", "signed_on", "takes_effect_on", "new_ends_on", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["convention", "recorded_by"]
    search_fields = ["convention__reference", "summary"]
    autocomplete_fields = ["convention"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return False  # a version is never rewritten: record a new avenant

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # already written by the service (ConventionAmendmentForm.clean)

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "target_display", "is_school_contact"]
    list_filter = ["role", "is_school_contact"]
    search_fields = ["user__username", "user__last_name", "user__aaf_id", "school__uai", "desk__slug"]
    list_select_related = ["user", "desk", "school", "circonscription", "academie", "region", "collectivite", "vendor"]

    @admin.display(description=_("guichet ou organisation"))
    def target_display(self, obj):
        return obj.target
    autocomplete_fields = ["user", "desk", "school", "circonscription", "academie", "collectivite", "vendor"]


@admin.register(models.ConventionEvent)
class ConventionEventAdmin(admin.ModelAdmin):
    """The audit trail of versions recorded, read only."""
    list_display = ["at", "convention", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["convention", "actor"]
    search_fields = ["convention__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ConventionReminder)
class ConventionReminderAdmin(admin.ModelAdmin):
    """What the reminders sent (directory/reminders.py), read only."""
    list_display = ["convention", "label", "due_on", "sent_at"]
    list_select_related = ["convention"]
    readonly_fields = ["convention", "kind", "due_on", "label", "sent_at", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
