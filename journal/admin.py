from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AccessEntry
from .selectors import journal_for, may_read_journal


@admin.register(AccessEntry)
class AccessEntryAdmin(ReadOnlyAdmin):
    """Read-only: the journal is append-only, searchable by the DPO (within their perimeter)."""

    list_display = ("at", "actor_label", "interface", "action", "outcome", "object_type", "object_label", "ip_address", "status_code")
    list_filter = ("interface", "action", "outcome", "object_type", "at")
    search_fields = ("actor_label", "object_label", "object_id", "ip_address", "path")
    date_hierarchy = "at"
    list_per_page = 100
    readonly_fields = [f.name for f in AccessEntry._meta.fields]

    def get_queryset(self, request):
        return journal_for(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and may_read_journal(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)
