"""Security-incident steps: GET lists them, POST records one (other party notified, CNIL notified
with its reference, persons informed) — adapters to `privacy.steps` (rights, clocks, timeline)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from directory.choices import Category
from journal.models import Action, ObjectType, Outcome
from journal.services import record
from privacy import steps
from privacy.models import BreachStep, BreachStepKind
from privacy.services import may_manage_breach
from tickets.models import Ticket
from tickets.selectors import visible_to

from .base import ApiView, StrictCharField, StrictSerializer
from .idempotency import idempotent


KINDS = ", ".join(f"{value} ({label})" for value, label in BreachStepKind.choices)


class BreachStepSerializer(serializers.Serializer):
    # Strings, not an enum: the schema's enum names would collide with the other "kind" fields.
    kind = serializers.CharField(help_text=KINDS)
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
    kind = StrictCharField(max_length=16, help_text=KINDS)  # checked by privacy.steps (400 naming it)
    done_at = serializers.DateTimeField(required=False, help_text=_("Quand l'étape a été faite (par défaut : maintenant)."))
    evidence = StrictCharField(max_length=5000)
    reference = StrictCharField(required=False, allow_blank=True, default="", max_length=120)


class BreachStepsView(ApiView):
    queryset = BreachStep.objects.none()
    serializer_class = BreachStepSerializer
    pagination_class = None
    required_scopes_by_method = {"read": ["tickets:read"], "write": ["tickets:write"]}

    def _ticket(self, reference):
        request = self.request
        ticket = visible_to(request.user).filter(reference=reference).first()  # the access rule
        if ticket is not None and ticket.category == Category.SECURITY and may_manage_breach(request.user, ticket):
            record(request, Action.VIEW if request.method == "GET" else Action.CHANGE, ticket, object_type=ObjectType.BREACH)
            request._request._journal_recorded = True  # the middleware would write a less precise line
            return ticket
        # Refused, journaled with the ticket's school (for that school's DPO), as on the breach page.
        known = ticket or Ticket.objects.filter(reference=reference).only("pk", "school_id").first()
        readable = ticket is not None and ticket.category == Category.SECURITY
        record(request, Action.DENIED, outcome=Outcome.DENIED, object_type=ObjectType.BREACH,
               object_id=str(known.pk) if known else "", object_label=reference[:20],
               school_id=known.school_id if known else None, status_code=403 if readable else 404)
        request._request._journal_recorded = True
        if not readable:
            raise Http404  # not readable, or no breach record on another kind of ticket
        raise PermissionDenied(_("Seul le délégué à la protection des données compétent gère les étapes de l'incident."))

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
