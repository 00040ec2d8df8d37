from django.contrib import admin

from .models import DeskMailbox, InboundMessage, MailEvent


@admin.register(DeskMailbox)
class DeskMailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "desk", "active", "imap_host", "unknown_sender", "last_polled_at")
    list_filter = ("active", "unknown_sender")
    search_fields = ("address", "desk__name")
    autocomplete_fields = ("desk",)
    readonly_fields = ("last_polled_at", "last_error")
    fieldsets = (
        (None, {"fields": ("desk", "address", "active", "category", "unknown_sender", "max_bytes")}),
        ("IMAP", {"fields": ("imap_host", "imap_port", "imap_ssl", "imap_user", "imap_password_env", "imap_folder",
                             "last_polled_at", "last_error")}),
    )


class MailEventInline(admin.TabularInline):
    model = MailEvent
    extra = 0
    can_delete = False
    readonly_fields = ("what", "actor", "at", "detail")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "mailbox", "sender", "subject", "kind", "status", "ticket")
    list_filter = ("status", "kind", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    exclude = ("raw",)
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"]
    inlines = [MailEventInline]

    def has_add_permission(self, request):
        return False
