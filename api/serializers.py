from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import StrictModelSerializer, StrictSerializer
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(StrictModelSerializer):
    """A subscription as listed, read and patched: never its secret (shown once, see below)."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "is_active", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]
        read_only_fields = ["id", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]

    def validate_url(self, value):
        from .webhooks import destination_error

        error = destination_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class WebhookSubscriptionSecretSerializer(WebhookSubscriptionSerializer):
    """The answer of a creation and of rotate-secret only: the one time the secret is shown."""

    secret = serializers.SerializerMethodField(help_text=_("Secret de signature (whsec_…), montré à la création et au "
                                                           "changement de secret seulement : conservez-le pour vérifier les signatures."))

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields[:5], "secret", *WebhookSubscriptionSerializer.Meta.fields[5:]]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret"]

    def get_secret(self, obj) -> str:
        return obj.secret


class WebhookSubscriptionCreateSerializer(WebhookSubscriptionSerializer):
    class Meta(WebhookSubscriptionSerializer.Meta):
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "is_active"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["webhook_id", "event_type", "status", "attempts", "last_status_code", "last_error", "next_attempt_at", "created_at", "delivered_at", "payload"]


class EmptySerializer(StrictSerializer):
    pass
