"""Shared pieces of every API view: body size limit, strict input, idempotent POST."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.generics import GenericAPIView

from . import conf
from .idempotency import IdempotentMixin
from .problems import PayloadTooLarge


class ApiView(IdempotentMixin, GenericAPIView):
    max_body_bytes = None  # default conf.max_json_bytes()

    def initial(self, request, *args, **kwargs):
        limit = self.max_body_bytes or conf.max_json_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise PayloadTooLarge(limit)
        super().initial(request, *args, **kwargs)

    @property
    def api_client(self):
        return getattr(self.request, "api_client", None)


class StrictMixin:
    """Refuses fields it does not know (a typo must not be silently ignored)."""

    def run_validation(self, data=empty):
        # A `null` body: DRF answers "No data provided", in English whatever the language.
        if data is None and self.parent is None:
            raise serializers.ValidationError({"non_field_errors": [_("Un objet JSON est attendu.")]}, code="null")
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Un objet JSON est attendu.")]})
        allowed = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise serializers.ValidationError({name: [_("Champ inconnu.")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass


# JSON types as the schema states them: DRF's fields coerce (123 → "123", "yes" → True, "12" → 12),
# so a client's bug would pass unseen. For JSON bodies only (a multipart form sends strings).

class _StringOnly:
    default_error_messages = {"wrong_type": gettext_lazy("Une chaîne de caractères est attendue.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("wrong_type")
        return super().to_internal_value(data)


class StrictCharField(_StringOnly, serializers.CharField):
    pass


class StrictSlugField(_StringOnly, serializers.SlugField):
    pass


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"wrong_type": gettext_lazy("true ou false attendu.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("wrong_type")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"wrong_type": gettext_lazy("Un nombre entier est attendu.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("wrong_type")
        return super().to_internal_value(data)
