from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import StrictModelSerializer, StrictSerializer
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(StrictModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)
    secret = serializers.SerializerMethodField(help_text=_("Secret de signature (whsec_…), à conserver pour vérifier les signatures."))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "is_active", "secret", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]
        read_only_fields = ["id", "secret", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]

    def get_secret(self, obj) -> str:
        return obj.secret

    def validate_url(self, value):
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError(_("Seules les URL http(s) sont acceptées."))
        return value


class WebhookSubscriptionCreateSerializer(WebhookSubscriptionSerializer):
    class Meta(WebhookSubscriptionSerializer.Meta):
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "is_active"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["webhook_id", "event_type", "status", "attempts", "last_status_code", "last_error", "next_attempt_at", "created_at", "delivered_at", "payload"]


class EmptySerializer(StrictSerializer):
    pass
