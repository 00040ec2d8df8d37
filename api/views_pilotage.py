"""Incident reviews for vendors and integrations: the reviews the client's organisation is invited
to (or, for a manager's session, those of the perimeter) — list, detail with timeline, impact and
improvement actions — and the status of an action by its owning organisation. Adapters to
`pilotage.selectors` (the one access rule) and `pilotage.services` (rights and audit)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from journal.middleware import register as journal_route
from journal.models import ObjectType
from pilotage import selectors, services
from pilotage.models import ActionStatus, ImprovementAction, Review, ReviewStatus

from .base import ApiView, StrictSerializer
from .problems import forbidden_as_403


# Plain strings in the schema (its "status" enums are named after other resources).
ACTION_STATUSES = "Statut de l'action : " + ", ".join(f"{v} ({label})" for v, label in ActionStatus.choices)
REVIEW_STATUSES = "Statut de la revue : " + ", ".join(f"{v} ({label})" for v, label in ReviewStatus.choices)


def _review_by_pk(kwargs):
    return ObjectType.OTHER, str(kwargs.get("pk", "")), "revue d'incident", None


for _name in ("api:review", "api:review-action"):  # every access journaled, refusals included
    journal_route(_name, _review_by_pk)


class PartySerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="Clé de l'organisation, ex. vendor:2")
    label = serializers.CharField()


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    owner = serializers.CharField(help_text="Clé de l'organisation responsable, ex. vendor:2")
    owner_label = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.CharField(help_text=ACTION_STATUSES)
    abandon_reason = serializers.CharField()
    tickets = serializers.ListField(child=serializers.CharField(), help_text="Références des demandes liées")
    evolution_ref = serializers.CharField(allow_null=True, help_text="Demande d'évolution liée (référence libre)")
    done_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()

    def to_representation(self, a):
        return {
            "id": a.pk, "title": a.title, "description": a.description, "owner": a.owner, "owner_label": a.owner_label,
            "due_on": a.due_on.isoformat() if a.due_on else None, "status": a.status, "abandon_reason": a.abandon_reason,
            "tickets": [t.reference for t in a.tickets.all()], "evolution_ref": a.evolution_ref,
            "done_at": a.done_at.isoformat() if a.done_at else None, "version": a.version,
        }


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text=REVIEW_STATUSES)
    declared_at = serializers.DateTimeField()
    meeting_at = serializers.DateTimeField(allow_null=True)
    outage = serializers.IntegerField(allow_null=True, help_text="Interruption déclarée incident majeur (GET /api/v1/outages/)")
    ticket = serializers.CharField(allow_null=True, help_text="Demande parente déclarée incident majeur")
    parties = PartySerializer(many=True)
    open_actions = serializers.IntegerField()

    def to_representation(self, r):
        incident = r.incident
        return {
            "id": r.pk, "title": incident.title, "status": r.status, "declared_at": incident.declared_at.isoformat(),
            "meeting_at": r.meeting_at.isoformat() if r.meeting_at else None, "outage": incident.outage_id,
            "ticket": incident.ticket.reference if incident.ticket_id else None,
            "parties": [{"organisation": p.organisation, "label": p.label} for p in r.parties.all()],
            "open_actions": getattr(r, "open_actions", None),
        }


class TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()
    detail = serializers.CharField()
    ticket = serializers.CharField(allow_null=True)


class ImpactSerializer(serializers.Serializer):
    schools = serializers.IntegerField()
    people = serializers.IntegerField(help_text="Personnes ayant signalé (demandeurs des demandes liées)")
    tickets = serializers.IntegerField()
    minutes_inside = serializers.IntegerField(allow_null=True, help_text="Minutes dans la plage de service, par école (moyenne)")
    minutes_outside = serializers.IntegerField(allow_null=True)
    school_minutes_inside = serializers.IntegerField(allow_null=True)
    school_minutes_outside = serializers.IntegerField(allow_null=True)


class ReviewDetailSerializer(ReviewSerializer):
    cause = serializers.CharField()
    minutes = serializers.CharField(help_text="Compte rendu (Markdown)")
    timeline = TimelineSerializer(many=True)
    impact = ImpactSerializer()
    actions = ActionSerializer(many=True)


class ActionPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices, help_text=ACTION_STATUSES)
    abandon_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(required=False, help_text="Version lue (refus si l'action a changé depuis)")


class ReviewPagination(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50


def _review(user, pk) -> Review:
    try:
        return selectors.review_for(user, pk)
    except Review.DoesNotExist:
        raise Http404 from None


class ReviewListView(ApiView):
    queryset = Review.objects.none()
    serializer_class = ReviewSerializer
    pagination_class = ReviewPagination
    required_scopes = ["tickets:read"]

    @extend_schema(operation_id="reviews_list", summary="Revues d'incidents (celles où votre organisation est invitée)",
                   responses={200: ReviewSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.visible_reviews(request.user))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)


class ReviewDetailView(ApiView):
    queryset = Review.objects.none()
    serializer_class = ReviewDetailSerializer
    required_scopes = ["tickets:read"]

    @extend_schema(operation_id="reviews_retrieve", summary="Revue d'incident : chronologie, impact, actions",
                   responses={200: ReviewDetailSerializer})
    def get(self, request, pk):
        r = _review(request.user, pk)
        data = ReviewSerializer(r).data
        data.update({
            "cause": r.cause, "minutes": r.minutes,
            "timeline": [{"at": e.at.isoformat(), "label": e.label, "detail": e.detail, "ticket": e.reference or None}
                         for e in selectors.timeline(request.user, r)],
            "impact": selectors.impact(r),
            "actions": ActionSerializer(selectors.actions_of(r), many=True).data,
        })
        return Response(data)


class ReviewActionView(ApiView):
    queryset = ImprovementAction.objects.none()
    serializer_class = ActionSerializer
    required_scopes_by_method = {"read": ["tickets:read"], "write": ["tickets:write"]}

    def _action(self, request, pk, action_pk):
        r = _review(request.user, pk)
        action = selectors.actions_of(r).filter(pk=action_pk).first()
        if action is None:
            raise Http404
        return action

    @extend_schema(operation_id="reviews_action_retrieve", summary="Une action d'amélioration", responses={200: ActionSerializer})
    def get(self, request, pk, action_pk):
        return Response(ActionSerializer(self._action(request, pk, action_pk)).data)

    @extend_schema(operation_id="reviews_action_update", summary="Changer le statut d'une action (organisation responsable)",
                   request=ActionPatchSerializer, responses={200: ActionSerializer})
    def patch(self, request, pk, action_pk):
        action = self._action(request, pk, action_pk)
        serializer = ActionPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        with forbidden_as_403():
            action = services.update_action(action, actor=request.user, status=d["status"],
                                            abandon_reason=d.get("abandon_reason", ""), version=d.get("version"))
        action = ImprovementAction.objects.prefetch_related("tickets").get(pk=action.pk)
        return Response(ActionSerializer(action).data)
