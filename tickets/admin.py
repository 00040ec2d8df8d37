"""Admin: read-mostly. Workflow changes go through the services (the state field is protected and
the timeline is append-only), so tickets and events are not editable here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import Attachment, Comment, Notification, OutboxMessage, Ticket, TicketEvent, event_label


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_state", "to_state", "from_level", "to_level", "to_desk", "visibility")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "school", "state", "level", "desk", "priority", "created_at")
    list_filter = ("state", "level", "category", "priority")
    search_fields = ("reference", "title", "school__uai", "school__name", "vendor_reference")
    list_select_related = ("school", "desk")
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "version", "kind", "actor", "at", "visibility")
    list_filter = ("kind", "visibility")
    list_select_related = ("ticket", "actor")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "author", "visibility", "created_at")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "original_name", "content_type", "size", "created_at")


class EventNameFilter(admin.SimpleListFilter):
    title = _("événement")
    parameter_name = "event_name"

    def lookups(self, request, model_admin):
        names = OutboxMessage.objects.order_by("event_name").values_list("event_name", flat=True).distinct()
        return [(name, event_label(name)) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(event_name=self.value()) if self.value() else queryset


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "event_kind", "ticket", "status", "attempts", "next_attempt_at")
    list_filter = ("channel", "status", EventNameFilter)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name not in ("status", "next_attempt_at")]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("événement"), ordering="event_name")
    def event_kind(self, obj):
        return event_label(obj.event_name)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "ticket", "verb", "created_at", "read_at")


# Canned answers and satisfaction (tickets.macros, tickets.satisfaction).
from django import forms as _forms  # noqa: E402

from .macros import transition_choices  # noqa: E402
from .models import Macro, SatisfactionRating  # noqa: E402


class MacroForm(_forms.ModelForm):
    transition = _forms.ChoiceField(label=_("action appliquée"), required=False, choices=transition_choices)

    class Meta:
        model = Macro
        fields = ("title", "body", "transition", "desk", "organisation", "active")


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    list_display = ("title", "desk", "organisation", "transition", "active")
    list_filter = ("active",)
    search_fields = ("title", "body", "desk__name", "organisation")
    autocomplete_fields = ("desk",)


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "rating", "desk", "level", "via", "at")
    list_filter = ("rating", "via", "level")
    list_select_related = ("ticket", "desk")
