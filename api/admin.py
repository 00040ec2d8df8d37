from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services, webhooks
from .models import ApiClient, PivotLink, WebhookDelivery, WebhookSubscription


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "vendor", "desk", "scopes", "created_at", "revoked_at")
    list_filter = ("vendor", "revoked_at")
    readonly_fields = ("application", "service_user", "created_at", "revoked_at")
    actions = ["revoke", "resync"]

    def has_add_permission(self, request):
        return False  # created by `manage.py create_api_client`, which prints the secret once

    @admin.action(description=_("Révoquer les clients sélectionnés"))
    def revoke(self, request, queryset):
        for client in queryset.filter(revoked_at__isnull=True):
            services.revoke_client(client)
        self.message_user(request, _("Clients révoqués."), messages.SUCCESS)

    @admin.action(description=_("Resynchroniser les guichets du compte de service"))
    def resync(self, request, queryset):
        for client in queryset:
            services.sync_memberships(client)
        self.message_user(request, _("Appartenances resynchronisées."), messages.SUCCESS)


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("webhook_id", "event_type", "status", "attempts", "last_status_code", "last_error", "created_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = True
    ordering = ["-created_at"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("client", "url", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    readonly_fields = ("secret", "consecutive_failures", "disabled_at", "disabled_reason", "created_at")
    inlines = [DeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "subscription", "event_type", "status", "attempts", "last_status_code", "created_at", "delivered_at")
    list_filter = ("status", "event_type")
    search_fields = ("webhook_id",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer maintenant"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now())
        for pk in ids:
            webhooks.attempt(pk)
        self.message_user(request, _("Livraisons relancées."), messages.SUCCESS)


@admin.register(PivotLink)
class PivotLinkAdmin(admin.ModelAdmin):
    list_display = ("ticket", "client", "id_ent", "id_externe", "statut_externe", "updated_at")
    search_fields = ("id_ent", "id_externe", "ticket__reference")
    list_filter = ("client",)
    raw_id_fields = ("ticket",)
    readonly_fields = ("comment_ids", "created_at", "updated_at")
