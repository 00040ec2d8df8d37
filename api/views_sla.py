"""Outages, availability reports and the Alertmanager webhook: adapters to `sla.availability`."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from directory.models import Academie, School
from sla import availability
from sla import selectors as sla_selectors
from sla.models import Outage, OutageScope, Service

from .base import ApiView, StrictSerializer
from .idempotency import idempotent
from .ticket_serializers import UaiField


class OutageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service = serializers.CharField()
    scope = serializers.ChoiceField(choices=OutageScope.choices)
    academie = serializers.CharField(allow_null=True)
    schools = serializers.ListField(child=serializers.CharField())
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    cause = serializers.CharField()
    source = serializers.CharField()

    def to_representation(self, o):
        return {
            "id": o.pk, "service": o.service.slug, "scope": o.scope,
            "academie": o.academie.code if o.academie_id else None,
            "schools": [s.uai for s in o.schools.all()],
            "started_at": o.started_at.isoformat(), "ended_at": o.ended_at.isoformat() if o.ended_at else None,
            "cause": o.cause, "source": o.source,
        }


class OutageCreateSerializer(StrictSerializer):
    service = serializers.SlugField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    scope = serializers.ChoiceField(choices=OutageScope.choices, default=OutageScope.ALL)
    academie = serializers.CharField(required=False, help_text=_("Code de l'académie, ex. 11."))
    schools = serializers.ListField(child=UaiField(), required=False, default=list)
    cause = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class OutageCloseSerializer(StrictSerializer):
    ended_at = serializers.DateTimeField()


def _fan_out_outage(event_type, outage):
    from .tasks import fan_out_event

    payload = OutageSerializer(outage).data
    transaction.on_commit(lambda: fan_out_event(event_type, payload))


class OutagePagination(CursorPagination):
    ordering = "-started_at"
    page_size = 50


class OutageListView(ApiView):
    queryset = Outage.objects.none()
    serializer_class = OutageSerializer
    pagination_class = OutagePagination
    required_scopes_by_method = {"write": ["outages:write"]}

    @extend_schema(operation_id="outages_list", summary="Interruptions de service", responses={200: OutageSerializer(many=True)})
    def get(self, request):
        qs = sla_selectors.visible_outages(request.user).prefetch_related("schools")
        if request.query_params.get("open") in ("1", "true"):
            qs = qs.filter(ended_at__isnull=True)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OutageSerializer(page, many=True).data)

    @extend_schema(operation_id="outages_create", summary="Déclarer une interruption", request=OutageCreateSerializer,
                   responses={201: OutageSerializer})
    @idempotent
    def post(self, request):
        serializer = OutageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service = Service.objects.filter(slug=data.pop("service")).first()
        if service is None:
            raise serializers.ValidationError({"service": [_("Service inconnu.")]})
        code = data.pop("academie", None)
        academie = Academie.objects.filter(code=code).first() if code else None
        if code and academie is None:
            raise serializers.ValidationError({"academie": [_("Académie inconnue.")]})
        uais = data.pop("schools")
        schools = list(School.objects.filter(uai__in=uais))
        missing = sorted(set(uais) - {s.uai for s in schools})
        if missing:
            raise serializers.ValidationError({"schools": [_("UAI inconnus : %(uais)s.") % {"uais": ", ".join(missing)}]})
        # An outage counts in the availability of its scope: declared only inside the perimeter.
        if academie is not None and data.get("scope") == OutageScope.ACADEMIE:
            _check_scope(request.user, academie=academie)
        for school in schools if data.get("scope") == OutageScope.SCHOOLS else ():
            _check_scope(request.user, school=school)
        with transaction.atomic():
            outage = availability.declare_outage(service, actor=request.user, academie=academie, schools=schools, source="api", **data)
            _fan_out_outage("outage.opened", outage)
        return Response(OutageSerializer(outage).data, status=status.HTTP_201_CREATED)


class OutageCloseView(ApiView):
    queryset = Outage.objects.none()
    serializer_class = OutageCloseSerializer
    required_scopes = ["outages:write"]

    @extend_schema(operation_id="outages_close", summary="Clore une interruption", request=OutageCloseSerializer,
                   responses={200: OutageSerializer})
    @idempotent
    def post(self, request, pk):
        outage = get_object_or_404(sla_selectors.visible_outages(request.user), pk=pk)
        serializer = OutageCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            outage = availability.close_outage(outage, actor=request.user, **serializer.validated_data)
            _fan_out_outage("outage.closed", outage)
        return Response(OutageSerializer(outage).data)


class AlertmanagerView(ApiView):
    """Prometheus Alertmanager webhook receiver (payload version 4)."""

    serializer_class = None
    required_scopes = ["outages:write"]

    @extend_schema(operation_id="alertmanager_webhook", summary="Récepteur webhook Alertmanager",
                   request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"payload": [_("Un objet JSON Alertmanager est attendu.")]})
        result = availability.ingest_alertmanager(request.data)
        return Response(result)


class AvailabilityView(ApiView):
    serializer_class = None

    @extend_schema(operation_id="availability_report", summary="Disponibilité d'un service sur une période",
                   parameters=[
                       OpenApiParameter("service", OpenApiTypes.STR, required=True),
                       OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
                       OpenApiParameter("end", OpenApiTypes.DATETIME, required=True),
                       OpenApiParameter("academie", OpenApiTypes.STR, description=_("Code académie")),
                       OpenApiParameter("school", OpenApiTypes.STR, description=_("UAI")),
                   ], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        params = _AvailabilityQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        service = Service.objects.filter(slug=q["service"]).first()
        if service is None:
            raise serializers.ValidationError({"service": [_("Service inconnu.")]})
        academie = school = None
        if q.get("academie"):
            academie = Academie.objects.filter(code=q["academie"]).first()
            if academie is None:
                raise serializers.ValidationError({"academie": [_("Académie inconnue.")]})
        if q.get("school"):
            school = School.objects.filter(uai=q["school"]).first()
            if school is None:
                raise serializers.ValidationError({"school": [_("Aucune école avec cet UAI.")]})
        _check_scope(request.user, academie=academie, school=school)
        report = sla_selectors.availability_report_for(request.user, service, q["start"], q["end"], academie=academie, school=school)
        return Response(report)


def _check_scope(user, **scope):
    """403 with the reason when the académie / school is outside the caller's perimeter."""
    try:
        sla_selectors.availability_scope(user, **scope)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from None


class _AvailabilityQuery(serializers.Serializer):
    service = serializers.SlugField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    academie = serializers.CharField(required=False)
    school = UaiField(required=False)
