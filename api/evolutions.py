"""Evolution requests for vendors and integrations: the list (scoped by `evolutions.selectors`, the
one access rule: a vendor reads only the retained ones of its products' conventions, never before),
a request with its history, and the vendor's transitions (`deliver`: "livrée"). Adapters to
`evolutions.selectors` and `evolutions.services` (rights, audit, notifications)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from evolutions import selectors, services, workflow
from evolutions.models import EvolutionRequest
from evolutions.workflow import Status
from journal.middleware import register as journal_route
from journal.models import ObjectType

from .base import ApiView, StrictCharField, StrictSerializer
from .idempotency import idempotent
from .parsers import JSONParser
from .problems import forbidden_as_403

STATUSES = "Statut : " + ", ".join(f"{v} ({label})" for v, label in Status.choices)
API_TRANSITIONS = tuple(row for row in workflow.TRANSITIONS if row.api)


def _by_pk(kwargs):
    return ObjectType.OTHER, str(kwargs.get("pk", "")), "demande d'évolution", None


for _name in ("api:evolution", *(f"api:evolution-transition-{row.name}" for row in API_TRANSITIONS)):
    journal_route(_name, _by_pk)


class EvolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField(help_text="Service ou module ENT concerné")
    product = serializers.CharField(help_text="Solution ENT (slug)")
    school_uai = serializers.CharField()
    school = serializers.CharField()
    convention = serializers.CharField(help_text="Référence de la convention")
    status = serializers.CharField(help_text=STATUSES)
    priority = serializers.IntegerField(allow_null=True, help_text="1 haute, 2 normale, 3 basse (fixée quand la demande est retenue)")
    supporters = serializers.IntegerField(help_text="Nombre de « Moi aussi »")
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def to_representation(self, e):
        return {
            "id": e.pk, "reference": e.reference, "title": e.title, "service": e.service, "product": e.product.slug,
            "school_uai": e.school.uai, "school": e.school.name, "convention": e.convention.reference, "status": e.status,
            "priority": e.priority, "supporters": e.supporters_count, "submitted_at": e.submitted_at.isoformat(),
            "updated_at": e.updated_at.isoformat(), "version": e.version,
        }


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class EvolutionDetailSerializer(EvolutionSerializer):
    description = serializers.CharField(help_text="Markdown")
    refusal_reason = serializers.CharField()
    delivery_note = serializers.CharField()
    history = HistorySerializer(many=True)
    transitions = serializers.ListField(child=serializers.CharField(), help_text="Transitions que vous pouvez appliquer maintenant")


class TransitionInput(StrictSerializer):
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=services.MAX_TEXT)
    version = serializers.IntegerField(required=False, help_text="Version lue (refus si la demande a changé depuis)")


class EvolutionPagination(CursorPagination):
    ordering = ("-submitted_at", "-pk")
    page_size = 50


def _detail(user, e) -> dict:
    data = EvolutionSerializer(e).data
    data.update({
        "description": e.description, "refusal_reason": e.refusal_reason, "delivery_note": e.delivery_note,
        "history": [{"at": h.at.isoformat(), "kind": h.kind, "from_status": h.from_status, "to_status": h.to_status,
                     "note": h.note} for h in selectors.history(e)],
        "transitions": [row.name for row in selectors.allowed_transitions(user, e)],
    })
    return data


def _evolution(user, pk) -> EvolutionRequest:
    e = selectors.evolution_for(user, pk)
    if e is None:
        raise Http404
    return e


class EvolutionListView(ApiView):
    queryset = EvolutionRequest.objects.none()
    serializer_class = EvolutionSerializer
    pagination_class = EvolutionPagination
    required_scopes = ["tickets:read"]

    @extend_schema(operation_id="evolutions_list", summary="Demandes d'évolution (un éditeur : celles retenues et après)",
                   parameters=[OpenApiParameter("status", str, description=STATUSES, enum=Status.values)],
                   responses={200: EvolutionSerializer(many=True)})
    def get(self, request):
        qs = selectors.visible_evolutions(request.user)
        status = request.query_params.get("status")
        if status:
            if status not in Status.values:
                raise serializers.ValidationError({"status": [f"statut inconnu : {status[:40]} ({', '.join(Status.values)})"]})
            qs = qs.filter(status=status)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EvolutionSerializer(page, many=True).data)


class EvolutionDetailView(ApiView):
    queryset = EvolutionRequest.objects.none()
    serializer_class = EvolutionDetailSerializer
    required_scopes = ["tickets:read"]

    @extend_schema(operation_id="evolutions_retrieve", summary="Une demande d'évolution et son historique",
                   responses={200: EvolutionDetailSerializer})
    def get(self, request, pk):
        return Response(_detail(request.user, _evolution(request.user, pk)))


class EvolutionTransitionView(ApiView):
    queryset = EvolutionRequest.objects.none()
    serializer_class = TransitionInput
    required_scopes = ["tickets:write"]
    transition = None
    extra_error_codes = (422,)
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # a vendor's form post too

    @idempotent
    def post(self, request, pk):
        e = _evolution(request.user, pk)
        serializer = TransitionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        kwargs = {"note": d["note"]} if d.get("note") else {}
        try:
            with forbidden_as_403():
                services.apply(request.user, e, self.transition, version=d.get("version"), **kwargs)
        except EvolutionRequest.DoesNotExist:
            raise Http404 from None
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from None
        return Response(_detail(request.user, _evolution(request.user, pk)))


def transition_view(row):
    view = type(f"Evolution{row.name.title()}View", (EvolutionTransitionView,), {"transition": row.name})
    view.post = extend_schema(operation_id=f"evolutions_transition_{row.name}", summary=str(row.label),
                              request=TransitionInput, responses={200: EvolutionDetailSerializer})(view.post)
    return view.as_view()


URLS = [
    path("evolutions/", EvolutionListView.as_view(), name="evolutions"),
    path("evolutions/<int:pk>/", EvolutionDetailView.as_view(), name="evolution"),
    *[path(f"evolutions/<int:pk>/transitions/{row.name}/", transition_view(row), name=f"evolution-transition-{row.name}")
      for row in API_TRANSITIONS],
]
