"""Security-incident steps: GET lists them, POST records one (other party notified, CNIL notified
with its reference, persons informed) — adapters to `privacy.steps` (rights, clocks, timeline)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from directory.choices import Category
from privacy import steps
from privacy.models import BreachStep, BreachStepKind
from privacy.services import may_manage_breach
from tickets.selectors import visible_to

from .base import ApiView, StrictCharField, StrictSerializer
from .idempotency import idempotent


class BreachStepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BreachStepKind.choices)
    done_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField()
    evidence = serializers.CharField()
    reference = serializers.CharField()
    within_target = serializers.BooleanField(allow_null=True)

    def to_representation(self, step):
        return {
            "kind": step.kind, "done_at": step.done_at.isoformat(), "recorded_at": step.recorded_at.isoformat(),
            "recorded_by": step.recorded_by.get_full_name() or step.recorded_by.username,
            "evidence": step.evidence, "reference": step.reference,
            # The stopped clock's result (None: a step without a legal clock).
            "within_target": step.clock.met_within_target if step.clock_id else None,
        }


class BreachStepCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=BreachStepKind.choices)
    done_at = serializers.DateTimeField(required=False, help_text=_("Quand l'étape a été faite (par défaut : maintenant)."))
    evidence = StrictCharField(max_length=5000)
    reference = StrictCharField(required=False, allow_blank=True, default="", max_length=120)


class BreachStepsView(ApiView):
    queryset = BreachStep.objects.none()
    serializer_class = BreachStepSerializer
    pagination_class = None
    required_scopes_by_method = {"read": ["tickets:read"], "write": ["tickets:write"]}

    def _ticket(self, reference):
        ticket = visible_to(self.request.user).filter(reference=reference).first()  # the access rule
        if ticket is None:
            raise Http404
        if ticket.category != Category.SECURITY:
            raise Http404  # no breach record on another kind of ticket
        if not may_manage_breach(self.request.user, ticket):
            raise PermissionDenied(_("Seul le délégué à la protection des données compétent gère les étapes de l'incident."))
        return ticket

    @extend_schema(operation_id="tickets_breach_steps_list", summary="Étapes d'un incident de sécurité",
                   responses={200: BreachStepSerializer(many=True)})
    def get(self, request, reference):
        ticket = self._ticket(reference)
        return Response(BreachStepSerializer(steps.steps_of(ticket), many=True).data)

    @extend_schema(operation_id="tickets_breach_steps_create", summary="Enregistrer une étape (arrête son délai légal)",
                   request=BreachStepCreateSerializer, responses={201: BreachStepSerializer})
    @idempotent
    def post(self, request, reference):
        ticket = self._ticket(reference)
        serializer = BreachStepCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = steps.record_breach_step(ticket, actor=request.user, **serializer.validated_data)
        step = BreachStep.objects.select_related("recorded_by", "clock").get(pk=step.pk)
        return Response(BreachStepSerializer(step).data, status=status.HTTP_201_CREATED)
