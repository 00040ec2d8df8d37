from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Communication, CommunicationEvent


@admin.register(Communication)
class CommunicationAdmin(ReadOnlyAdmin):
    list_display = ("title", "collectivite", "kind", "status", "submitted_at", "deadline")
    list_filter = ("kind", "status")


@admin.register(CommunicationEvent)
class CommunicationEventAdmin(ReadOnlyAdmin):
    list_display = ("communication", "at", "kind", "actor", "status")
