"""Security-incident steps: GET lists them, POST records one (other party notified, CNIL notified
with its reference, persons informed) — adapters to `privacy.steps` (rights, clocks, timeline).
Data-subject requests: list, detail, and POST a step — adapters to `privacy.requests`."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from directory.choices import Category
from journal.models import Action, ObjectType, Outcome
from journal.services import record, record_bulk_read
from privacy import requests as dsr
from privacy import steps
from privacy.models import BreachStep, BreachStepKind, DataSubjectRequest, DataSubjectRequestStep, StepKind
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


# --- data-subject requests ---------------------------------------------------------------------------
# Adapters to `privacy.requests`: the same scope as the request pages (visible_requests), the same
# service for a step (rights, clocks); every access journaled as on the pages.
REQUEST_STEP_KINDS = ", ".join(f"{value} ({label})" for value, label in StepKind.choices)


def _clock(clock):
    if clock is None:
        return None
    status_ = steps.clock_status(clock)
    return {"state": status_["state"], "text": status_["text"], "started_at": clock.started_at.isoformat(),
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
            "met_at": clock.met_at.isoformat() if clock.met_at else None,
            "within_target": clock.met_within_target if clock.state == "met" else None,
            "remaining_seconds": status_.get("remaining_seconds")}


class RequestClockSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="running, warning, overdue, met, late, cancelled")
    text = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    within_target = serializers.BooleanField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)


class RequestStepSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=REQUEST_STEP_KINDS)
    at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    by = serializers.CharField()
    recipient = serializers.CharField()
    detail = serializers.CharField()
    within_target = serializers.BooleanField(allow_null=True)

    def to_representation(self, step):
        return {"kind": step.kind, "at": step.at.isoformat(), "recorded_at": step.recorded_at.isoformat(),
                "by": step.by.get_full_name() or step.by.username, "recipient": step.recipient,
                "detail": step.detail, "within_target": step.within_target}


class DataSubjectRequestSerializer(serializers.Serializer):
    """The list shows no person (minimisation, as the pages' list); the detail adds name and contact."""

    id = serializers.IntegerField()
    convention = serializers.CharField()
    school = serializers.CharField(allow_null=True, help_text="UAI ; null : au-delà d'une seule école")
    right = serializers.CharField()
    received_by = serializers.CharField()
    module = serializers.CharField()
    received_at = serializers.DateTimeField()
    competent = serializers.ListField(child=serializers.CharField())
    competent_why = serializers.CharField()
    misdirected = serializers.BooleanField()
    forward_clock = RequestClockSerializer(allow_null=True)
    answer_clock = RequestClockSerializer(allow_null=True)
    extended_clock = RequestClockSerializer(allow_null=True)
    steps = RequestStepSerializer(many=True)
    available_steps = serializers.ListField(child=serializers.CharField())

    def to_representation(self, req):
        steps_ = list(req.steps.all())  # prefetched
        done = {s.kind for s in steps_}
        return {
            "id": req.pk, "convention": req.convention.reference, "school": req.school.uai if req.school_id else None,
            "right": req.right, "received_by": req.received_by, "module": req.module,
            "received_at": req.received_at.isoformat(), "competent": list(req.competent),
            "competent_why": req.competent_why, "misdirected": req.misdirected,
            "forward_clock": _clock(req.forward_clock), "answer_clock": _clock(req.answer_clock),
            "extended_clock": _clock(req.extended_clock),
            "steps": RequestStepSerializer(steps_, many=True).data,
            "available_steps": [str(k) for k in dsr.available_steps(req, done=done)],
        }


class DataSubjectRequestDetailSerializer(DataSubjectRequestSerializer):
    person_name = serializers.CharField()
    person_contact = serializers.CharField()

    def to_representation(self, req):
        return {**super().to_representation(req), "person_name": req.person_name, "person_contact": req.person_contact}


class RequestStepCreateSerializer(StrictSerializer):
    kind = StrictCharField(max_length=16, help_text=REQUEST_STEP_KINDS)  # checked by privacy.requests (400 naming it)
    at = serializers.DateTimeField(required=False, help_text=_("Quand l'étape a été faite (par défaut : maintenant)."))
    recipient = StrictCharField(required=False, allow_blank=True, default="", max_length=200)
    detail = StrictCharField(required=False, allow_blank=True, default="", max_length=5000,
                             help_text=_("Obligatoire pour une prolongation : son motif (RGPD art. 12-3)."))


class RequestPagination(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = 50


def _requests_of(user):
    steps_qs = DataSubjectRequestStep.objects.select_related("by").order_by("at", "pk")
    return dsr.visible_requests(user).prefetch_related(Prefetch("steps", queryset=steps_qs))


class _RequestsMixin:
    def _journal_denied(self, pk, status_code):
        record(self.request, Action.DENIED, outcome=Outcome.DENIED, object_type=ObjectType.OTHER, object_id=str(pk),
               object_label="demande de droits", status_code=status_code)
        self.request._request._journal_recorded = True

    def _request_or_404(self, pk):
        req = _requests_of(self.request.user).filter(pk=pk).first()
        if req is None:
            self._journal_denied(pk, 404)
            raise Http404
        return req


class DataSubjectRequestListView(_RequestsMixin, ApiView):
    queryset = DataSubjectRequest.objects.none()
    serializer_class = DataSubjectRequestSerializer
    pagination_class = RequestPagination
    required_scopes_by_method = {"read": ["tickets:read"]}

    @extend_schema(operation_id="privacy_requests_list", summary="Demandes d'exercice de droits (périmètre)",
                   responses={200: DataSubjectRequestSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(_requests_of(request.user))
        record_bulk_read(request, "api:privacy-requests", page, detail={"request_ids": [r.pk for r in page][:50]})
        return self.get_paginated_response(DataSubjectRequestSerializer(page, many=True).data)


class DataSubjectRequestDetailView(_RequestsMixin, ApiView):
    queryset = DataSubjectRequest.objects.none()
    serializer_class = DataSubjectRequestDetailSerializer
    pagination_class = None
    required_scopes_by_method = {"read": ["tickets:read"]}

    @extend_schema(operation_id="privacy_requests_retrieve", summary="Une demande d'exercice de droits",
                   responses={200: DataSubjectRequestDetailSerializer})
    def get(self, request, pk):
        req = self._request_or_404(pk)
        record(request, Action.VIEW, req, object_type=ObjectType.OTHER)
        request._request._journal_recorded = True
        return Response(DataSubjectRequestDetailSerializer(req).data)


class DataSubjectRequestStepsView(_RequestsMixin, ApiView):
    queryset = DataSubjectRequestStep.objects.none()
    serializer_class = RequestStepSerializer
    pagination_class = None
    required_scopes_by_method = {"read": ["tickets:read"], "write": ["tickets:write"]}

    @extend_schema(operation_id="privacy_requests_steps_list", summary="Étapes d'une demande d'exercice de droits",
                   responses={200: RequestStepSerializer(many=True)})
    def get(self, request, pk):
        req = self._request_or_404(pk)
        record(request, Action.VIEW, req, object_type=ObjectType.OTHER)
        request._request._journal_recorded = True
        return Response(RequestStepSerializer(list(req.steps.all()), many=True).data)

    @extend_schema(operation_id="privacy_requests_steps_create", summary="Enregistrer une étape (arrête son délai)",
                   request=RequestStepCreateSerializer, responses={201: RequestStepSerializer})
    @idempotent
    def post(self, request, pk):
        req = self._request_or_404(pk)
        if not dsr.may_record(request.user):
            self._journal_denied(pk, 403)
            raise PermissionDenied(_("Seuls les agents et délégués à la protection des données du périmètre enregistrent une étape."))
        record(request, Action.CHANGE, req, object_type=ObjectType.OTHER)
        request._request._journal_recorded = True
        serializer = RequestStepCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = dsr.record_step(req, actor=request.user, **serializer.validated_data)
        step = DataSubjectRequestStep.objects.select_related("by").get(pk=step.pk)
        return Response(RequestStepSerializer(step).data, status=status.HTTP_201_CREATED)
