"""Outages, availability reports and the Alertmanager webhook: adapters to `sla.outages` (rights and
effects, webhooks included) and `sla.availability`."""


from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from directory.models import Academie, Collectivite, School
from sla import availability, outages
from sla import selectors as sla_selectors
from sla.models import Outage, OutageScope, Service

from .base import ApiView, StrictSerializer
from .idempotency import idempotent
from .problems import forbidden_as_403
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
        return outages.outage_payload(o)


class OutageCreateSerializer(StrictSerializer):
    service = serializers.SlugField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    scope = serializers.ChoiceField(choices=OutageScope.choices, default=OutageScope.ALL)
    academie = serializers.CharField(required=False, help_text=_("Code de l'académie, ex. 11."))
    collectivite = serializers.CharField(required=False, help_text=_("SIRET de la collectivité (portée « collectivité »)."))
    schools = serializers.ListField(child=UaiField(), required=False, default=list)
    cause = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    planned = serializers.BooleanField(required=False, default=False, help_text=_("Maintenance planifiée."))
    announced_at = serializers.DateTimeField(required=False, allow_null=True,
                                             help_text=_("Date à laquelle les usagers ont été prévenus (par défaut : maintenant)."))


class OutageCloseSerializer(StrictSerializer):
    ended_at = serializers.DateTimeField()


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
        siret = data.pop("collectivite", None)
        collectivite = Collectivite.objects.filter(siret=siret).first() if siret else None
        if siret and collectivite is None:
            raise serializers.ValidationError({"collectivite": [_("Aucune collectivité avec ce SIRET.")]})
        uais = data.pop("schools")
        schools = list(School.objects.filter(uai__in=uais))
        missing = sorted(set(uais) - {s.uai for s in schools})
        if missing:
            raise serializers.ValidationError({"schools": [_("UAI inconnus : %(uais)s.") % {"uais": ", ".join(missing)}]})
        # The right and the perimeter of the scope are checked by sla.outages (one rule for every entry point).
        with forbidden_as_403():
            outage = outages.declare_outage(service, actor=request.user, academie=academie, collectivite=collectivite,
                                            schools=schools, source="api", **data)
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
        with forbidden_as_403():
            outage = outages.close_outage(outage, actor=request.user, **serializer.validated_data)
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
