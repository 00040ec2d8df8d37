"""Ticket endpoints: thin adapters from HTTP to `tickets.selectors` (reads) and `tickets.services`
(writes). ETag = the ticket's version; If-Match is required on every write that changes it."""

import copy
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from directory.models import Desk, Resource, School, User
from journal.services import record_bulk_read
from tickets import opening, qualification, selectors, services, workflow
from tickets.exceptions import GuardFailed
from tickets.models import Ticket
from tickets.permissions import available_transitions
from tickets.workflow import Input

from . import ticket_serializers as ts
from .base import ApiView
from .filters import FilterBackend, OrderingFilter, TicketFilter
from .idempotency import idempotent
from .parsers import JSONParser
from .problems import ApiProblem, PreconditionFailed, PreconditionRequired
from .problems import GuardFailed as GuardFailedProblem
from .schema import IDEMPOTENCY_PARAM

READ, WRITE = ["tickets:read"], ["tickets:write"]
IF_MATCH_PARAM = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description=_("ETag de la dernière lecture du ticket (ex. \"3\")."),
)
ETAG_HEADER = {"ETag": OpenApiResponse(description="Version du ticket")}
_ETAG_RE = re.compile(r'^(?:W/)?"?(\d+)"?$')


def etag_of(ticket) -> str:
    return f'"{ticket.version}"'


def _detail_qs(user):
    # School and desk joined, the other related values as subqueries: PostgreSQL planned the seven
    # joins of a full select_related for 10 to 60 ms, to read one row (see ts._related).
    return selectors.visible_to(user).select_related(None).select_related("school", "desk").annotate(
        **ts.related_annotations())


def expected_version(request, ticket, required=True) -> int | None:
    """The version named by If-Match; 428 when missing, 412 when not the current one."""
    header = request.headers.get("If-Match")
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    versions = []
    for part in header.split(","):
        match = _ETAG_RE.match(part.strip())
        if match:
            versions.append(int(match.group(1)))
    if ticket.version not in versions:
        raise PreconditionFailed(etag_of(ticket))
    return ticket.version


class TicketPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-updated_at"


class TicketOrdering(OrderingFilter):
    ordering_fields = ["updated_at", "created_at", "priority"]


class _TicketBase(ApiView):
    queryset = Ticket.objects.none()  # for the schema; reads go through tickets.selectors
    required_scopes_by_method = {"read": READ, "write": WRITE}
    lookup_field = "reference"

    def ticket(self, reference):
        return self.get_object_from(_detail_qs(self.request.user), reference)

    @staticmethod
    def get_object_from(qs, reference):
        from django.http import Http404

        ticket = qs.filter(reference=reference).first()
        if ticket is None:
            raise Http404
        return ticket

    def respond(self, ticket, code=status.HTTP_200_OK):
        ticket = _detail_qs(self.request.user).get(pk=ticket.pk)
        return Response(ts.TicketSerializer(ticket).data, status=code, headers={"ETag": etag_of(ticket)})


class TicketListView(_TicketBase):
    serializer_class = ts.TicketListItemSerializer
    filter_backends = [FilterBackend, TicketOrdering]
    filterset_class = TicketFilter
    pagination_class = TicketPagination

    def get_queryset(self):
        # Plain rows with the related values the list shows, from one query (no model instances to
        # build: the list cost is then close to a bare `.values()` of the same rows).
        fields, expressions = ts.list_values()
        return selectors.visible_to(self.request.user).values(*fields, **expressions)

    @extend_schema(operation_id="tickets_list", summary="Tickets du périmètre du client",
                   responses={200: ts.TicketListItemSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_bulk_read(request, "api:tickets", page)
        return self.get_paginated_response([ts.list_item(t) for t in page])

    @extend_schema(operation_id="tickets_create", summary="Ouvrir un ticket", parameters=[IDEMPOTENCY_PARAM],
                   request=ts.TicketCreateSerializer, responses={201: ts.TicketSerializer})
    @idempotent
    def post(self, request):
        serializer = ts.TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        school = School.objects.filter(uai=data.pop("school")).first()
        if school is None:
            raise serializers.ValidationError({"school": [_("Aucune école avec cet UAI.")]})
        opening.check_may_open(request.user, school)  # 403 before saying anything about its people
        if "on_behalf_of" in data:
            data["on_behalf_of"] = _school_account(school, data["on_behalf_of"])
        if beneficiary := data.pop("beneficiary", None):
            data.update(beneficiary_name=beneficiary["name"], beneficiary_kind=beneficiary["kind"], contact=beneficiary["contact"])
        if "resource" in data:
            data["resource"] = Resource.objects.filter(slug=data["resource"]).first()
            if data["resource"] is None:
                raise serializers.ValidationError({"resource": [_("Aucune ressource avec cet identifiant.")]})
        try:
            ticket = services.open_ticket(actor=request.user, school=school, via="api", **data)
        except DjangoValidationError as exc:
            if beneficiary and "contact" in getattr(exc, "error_dict", {}):  # the contact came inside `beneficiary`
                raise serializers.ValidationError({"beneficiary.contact": exc.message_dict["contact"]}) from None
            raise
        response = self.respond(ticket, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path}{ticket.reference}/")
        return response


def _school_account(school, value: str):
    """The account of `school` named by username or number; 400 on `on_behalf_of` otherwise (an
    unknown name and someone of another school get the same answer: nothing is said of anyone)."""
    accounts = User.objects.filter(is_active=True)
    found = accounts.filter(pk=int(value)).first() if value.isdigit() and len(value) < 12 else None
    found = found or accounts.filter(username=value).first()
    if found is None or not opening.opener(found, school).own:
        raise serializers.ValidationError({"on_behalf_of": [
            _("Aucun compte de l'école %(uai)s ne correspond à « %(value)s ».") % {"uai": school.uai, "value": value[:150]}
        ]})
    return found


class TicketDetailView(_TicketBase):
    serializer_class = ts.TicketSerializer
    extra_error_codes = (412, 428)

    @extend_schema(operation_id="tickets_retrieve", summary="Un ticket (ETag = version)")
    def get(self, request, reference):
        ticket = self.ticket(reference)
        return Response(ts.TicketSerializer(ticket).data, headers={"ETag": etag_of(ticket)})

    @extend_schema(operation_id="tickets_partial_update", parameters=[IF_MATCH_PARAM], request=ts.TicketPatchSerializer,
                   summary="Référence éditeur et qualification uniquement")
    def patch(self, request, reference):
        ticket = self.ticket(reference)
        version = expected_version(request, ticket)
        serializer = ts.TicketPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        vendor_reference = fields.pop("vendor_reference", None)
        with transaction.atomic():
            if fields:
                ticket = services.update_qualification(ticket, actor=request.user, expected_version=version, **fields)
                version = ticket.version
            if vendor_reference is not None:
                ticket = services.set_vendor_reference(ticket, actor=request.user, expected_version=version, vendor_reference=vendor_reference)
        return self.respond(ticket)


class TicketCommentsView(_TicketBase):
    serializer_class = ts.CommentSerializer
    parser_classes = [JSONParser]

    @extend_schema(operation_id="tickets_comments_list", responses={200: ts.CommentSerializer(many=True)})
    def get(self, request, reference):
        ticket = self.ticket(reference)
        comments = selectors.with_audiences(selectors.comments_for(request.user, ticket))
        return Response(ts.CommentSerializer(comments, many=True).data)

    @extend_schema(operation_id="tickets_comments_create", request=ts.CommentCreateSerializer,
                   parameters=[IDEMPOTENCY_PARAM], responses={201: ts.CommentSerializer})
    @idempotent
    def post(self, request, reference):
        ticket = self.ticket(reference)
        version = expected_version(request, ticket, required=False)
        serializer = ts.CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.comment(ticket, actor=request.user, expected_version=version, **serializer.validated_data)
        comment = ticket.last_event.comment
        return Response(ts.CommentSerializer(comment).data, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(ticket)})


class TicketEventsView(_TicketBase):
    serializer_class = ts.EventSerializer

    @extend_schema(operation_id="tickets_events_list", responses={200: ts.EventSerializer(many=True)},
                   summary="Historique (événements) du ticket")
    def get(self, request, reference):
        ticket = self.ticket(reference)
        events = selectors.with_audiences(selectors.timeline_for(request.user, ticket))
        return Response(ts.EventSerializer(events, many=True).data)


class TicketAttachmentsView(_TicketBase):
    serializer_class = ts.AttachmentSerializer
    parser_classes = [MultiPartParser]

    @property
    def max_body_bytes(self):
        from django.conf import settings

        return settings.HELPDESK["ATTACHMENT_MAX_BYTES"] + 64 * 1024

    @extend_schema(operation_id="tickets_attachments_create", request={"multipart/form-data": ts.AttachmentCreateSerializer},
                   parameters=[IDEMPOTENCY_PARAM], responses={201: ts.AttachmentSerializer})
    @idempotent
    def post(self, request, reference):
        from tickets import attachments

        ticket = self.ticket(reference)
        version = expected_version(request, ticket, required=False)
        serializer = ts.AttachmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = attachments.add_attachment(
            ticket, actor=request.user, expected_version=version, upload=serializer.validated_data["file"],
            public=not serializer.validated_data["internal"], visibility=serializer.validated_data.get("visibility", ""),
        )
        return Response(ts.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class TicketTransitionsView(_TicketBase):
    serializer_class = ts.TransitionsSerializer

    @extend_schema(operation_id="tickets_transitions_list", summary="Transitions que ce client peut déclencher maintenant")
    def get(self, request, reference):
        ticket = self.ticket(reference)
        names = available_transitions(request.user, ticket)
        return Response({"reference": ticket.reference, "version": ticket.version, "transitions": names},
                        headers={"ETag": etag_of(ticket)})


def _service_kwargs(row, data):
    """API inputs → service keyword arguments, by input kind: a desk by id or slug becomes the
    desk, a ticket reference is normalised (the service resolves it within the actor's perimeter)."""
    data = dict(data)
    for field in row.fields:
        value = data.get(field.name)
        if value is None:
            continue
        if field.kind == Input.DESK:
            data[field.name] = _desk(field.name, value)
        elif field.kind == Input.TICKET:
            data[field.name] = value.strip().upper()
    return data


def _desk(name, value):
    value = value.strip()
    # An id only if it fits an integer column (else a slug, then unknown): never a database error.
    by_id = value.isascii() and value.isdigit() and len(value) <= 9
    desk = Desk.objects.filter(**{"pk": int(value)} if by_id else {"slug": value}).first()
    if desk is None:
        raise serializers.ValidationError({name: [_("Guichet inconnu.")]})
    return desk


class TransitionView(_TicketBase):
    """POST /tickets/{reference}/transitions/{name}/ — one concrete route per row of the workflow
    table with `api=True` (`tickets.workflow.TRANSITIONS`)."""

    transition = None
    extra_error_codes = (412, 428)

    def get_serializer_class(self):
        return ts.TRANSITION_INPUTS[self.transition]

    @idempotent
    def post(self, request, reference):
        row = workflow.get(self.transition)
        ticket = self.ticket(reference)
        version = expected_version(request, ticket)
        serializer = ts.TRANSITION_INPUTS[row.name](data=request.data)
        serializer.is_valid(raise_exception=True)
        service = getattr(services, row.name)
        try:
            ticket = service(ticket, actor=request.user, expected_version=version,
                             **_service_kwargs(row, serializer.validated_data))
        except GuardFailed as exc:
            errors = _missing_qualification(exc, ticket, serializer.validated_data)
            if not errors:
                raise
            raise GuardFailedProblem(exc.reason, errors=errors) from None
        return self.respond(ticket)


def _missing_qualification(exc, ticket, data) -> list[dict]:
    """The fields a failed guard asks for when it is the vendor rule's (its prose lists their
    labels), as `errors[]` with the API's names: the ticket's qualification with this request's."""
    probe = copy.copy(ticket)
    try:
        qualification.apply_qualification(probe, {k: v for k, v in data.items() if k in qualification.INPUTS})
    except DjangoValidationError:
        return []
    missing = probe.qualification_missing
    labels = ", ".join(str(qualification.FIELD_LABELS[name]) for name in missing)
    if not missing or labels not in exc.reason:
        return []
    message = _("À renseigner pour transmettre le ticket à l'éditeur.")
    return [{"field": name, "message": message, "code": "required"} for name in missing]


def _description(row):
    # What the person reads once done, then who may (the refusal names the right).
    return format_lazy("{}\n\n{}", row.done, row.denied)


def transition_view(name):
    row = workflow.get(name)
    serializer = ts.TRANSITION_INPUTS[name]

    def post(self, request, reference):  # a function of its own per view, for its own schema
        return TransitionView.post(self, request, reference)

    post = extend_schema(
        operation_id=f"tickets_transition_{name}", summary=row.label, description=_description(row),
        request=serializer, parameters=[IF_MATCH_PARAM, IDEMPOTENCY_PARAM], responses={200: ts.TicketSerializer},
    )(post)
    view = type(f"{name.title().replace('_', '')}TransitionView", (TransitionView,), {"transition": name, "post": post})
    return view.as_view()
