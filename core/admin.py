"""Admin bases shared by the apps (no model registered here)."""

from django.contrib import admin


class ReadOnlyMixin:
    """Nothing is added, changed or deleted from the admin: the services write these rows.

    `obj=None` on `has_add_permission` serves both model admins and inlines.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass
