from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AnonymisationLog, BreachReport, InformationNotice, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("convention", "closed_ticket_days", "note")
    search_fields = ("convention__reference", "convention__title")
    autocomplete_fields = ("convention",)


@admin.register(AnonymisationLog)
class AnonymisationLogAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "at", "retention_days", "comments", "attachments")
    search_fields = ("ticket__reference",)
    readonly_fields = [f.name for f in AnonymisationLog._meta.fields]


@admin.register(BreachReport)
class BreachReportAdmin(admin.ModelAdmin):
    """Read-only here: DPOs fill it on the incident's page (perimeter checked, journaled)."""

    list_display = ("ticket", "approx_persons", "approx_records", "updated_at", "updated_by")
    search_fields = ("ticket__reference",)
    readonly_fields = [f.name for f in BreachReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InformationNotice)
class InformationNoticeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "published", "updated_at")
    list_filter = ("published",)
