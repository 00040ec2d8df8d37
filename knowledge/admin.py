"""Admin: articles are read here and edited through the editor (/aide/), which writes the audit
trail and the search index; deflections and "concerned" people are counted, not edited."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Article, ArticleEvent, Concerned, Deflection


class EventInline(admin.TabularInline):
    model = ArticleEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "payload")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "audience", "owner_organisation", "service", "review_on", "updated_at")
    list_filter = ("status", "audience", "service")
    search_fields = ("title", "summary")
    inlines = [EventInline]


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ("at", "article", "school")
    list_filter = ("article",)


@admin.register(Concerned)
class ConcernedAdmin(ReadOnlyAdmin):
    list_display = ("at", "ticket", "user", "notified_at")
