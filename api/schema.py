"""drf-spectacular: every operation documents its problem+json errors, the scope it needs and,
on an idempotent POST, the Idempotency-Key header. Descriptions are the explicit ones only
(extend_schema / extend_schema_serializer): docstrings are notes for developers, not the contract."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import get_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import idempotent
from .problems import PROBLEM_CONTENT_TYPE

IDEMPOTENCY_PARAM = OpenApiParameter(
    IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_("Clé unique par opération (UUID conseillé) : un nouvel essai avec la même clé rejoue la première réponse."),
)
# Every handler wrapped by @idempotent runs this code object.
_IDEMPOTENT_CODE = idempotent(lambda *args: None).__code__


def is_idempotent(view, method: str) -> bool:
    """Whether the view's handler of `method` is @idempotent, its own or the one it delegates to in a
    parent class (the transition views' handlers call TransitionView.post)."""
    return any(getattr(klass.__dict__.get(method), "__code__", None) is _IDEMPOTENT_CODE
               for klass in type(view).__mro__)


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    code = serializers.CharField(allow_null=True)


@extend_schema_serializer(description="RFC 9457 problem details.")
class ProblemSerializer(serializers.Serializer):

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = FieldErrorSerializer(many=True, required=False)

    class Meta:
        ref_name = "Problem"


_COMMON = {401, 403, 404, 406, 429, 500}
_WRITE = {400, 409, 413, 415, 422}


class _Method:
    def __init__(self, method):
        self.method = method


class ProblemAutoSchema(AutoSchema):
    extra_error_codes = ()

    def get_description(self):
        return ""  # unless extend_schema(description=…)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if get_override(serializer, "description") is None:
            schema.pop("description", None)
        return schema

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method.upper() == "POST" and is_idempotent(self.view, self.method.lower()):
            parameters = [IDEMPOTENCY_PARAM, *parameters]  # an explicit one of the same name wins
        return parameters

    def get_auth(self):
        # The scopes HasScope requires of a token for this method (none: any token of a client).
        from .auth import HasScope

        return [{"oauth2": list(HasScope.required(_Method(self.method.upper()), self.view))}]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = set(_COMMON)
        method = self.method.upper()
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes |= _WRITE
        codes |= {400} if method == "GET" else set()
        codes |= set(getattr(self.view, "extra_error_codes", ()))
        for code in sorted(codes):
            key = str(code)
            if key in responses:
                continue
            responses[key] = self._get_response_for_code(
                OpenApiResponse(response=ProblemSerializer, description="problem+json"), key,
                media_types=[PROBLEM_CONTENT_TYPE], direction=direction,
            )
        return responses
