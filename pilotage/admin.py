from django.contrib import admin

from .models import ImprovementAction, MajorIncident, Review, ReviewEvent, ReviewParty


class PartyInline(admin.TabularInline):
    model = ReviewParty
    extra = 0


class ActionInline(admin.StackedInline):
    model = ImprovementAction
    extra = 0
    filter_horizontal = ("tickets",)
    raw_id_fields = ("tickets",)


@admin.register(MajorIncident)
class MajorIncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "declared_at", "declared_by")
    raw_id_fields = ("outage", "ticket", "schools", "declared_by")
    search_fields = ("title",)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "meeting_at", "created_at")
    list_filter = ("status",)
    inlines = [PartyInline, ActionInline]
    raw_id_fields = ("incident",)


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ("incident", "kind", "at", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
