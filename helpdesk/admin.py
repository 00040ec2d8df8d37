from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import BackgroundTask


@admin.register(BackgroundTask)
class BackgroundTaskAdmin(ReadOnlyAdmin):
    """The worker writes these rows; the administrator reads what runs and what fails."""

    list_display = ("__str__", "name", "periodic", "status_label", "last_succeeded_at", "last_failed_at", "consecutive_failures")
    list_filter = ("periodic", "registered")
    readonly_fields = [f.name for f in BackgroundTask._meta.fields]

    @admin.display(description=_("état"))
    def status_label(self, obj):
        return obj.status
