"""drf-spectacular: every operation documents its problem+json errors."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .problems import PROBLEM_CONTENT_TYPE


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    code = serializers.CharField(allow_null=True)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

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


class ProblemAutoSchema(AutoSchema):
    extra_error_codes = ()

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
