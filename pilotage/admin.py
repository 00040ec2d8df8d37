from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import FollowerEvent, ImprovementAction, IncidentFollower, MajorIncident, Review, ReviewEvent, ReviewParty


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


@admin.register(IncidentFollower)
class IncidentFollowerAdmin(ReadOnlyAdmin):
    list_display = ("outage", "user", "school", "at", "notified_at")
    list_filter = ("notified_at",)
    raw_id_fields = ("outage", "major_incident", "user", "school")


@admin.register(FollowerEvent)
class FollowerEventAdmin(ReadOnlyAdmin):
    list_display = ("outage", "kind", "at", "actor")
    list_filter = ("kind",)
