"""`/api/v1/pivot/tickets/`: tickets in the OPEN-ENT-NG support-pivot JSON shape (see api/pivot.py)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from journal.services import record_bulk_read
from tickets.models import Ticket

from . import pivot
from .base import ApiView, StrictSerializer
from .filters import TicketFilter
from .idempotency import idempotent
from .ticket_serializers import QualificationSerializer, UaiField
from .views_tickets import IDEMPOTENCY_PARAM, READ, WRITE, TicketOrdering, TicketPagination

# Keys of the pivot format we accept and ignore (other tools' identifiers and dates).
IGNORED_KEYS = (
    "id_jira", "statut_jira", "id_iws", "statut_iws", "date_creation", "date_resolution_ent",
    "date_resolution_jira", "date_resolution_iws", "reponse_technique", "reponse_client",
)


class PivotPjSerializer(StrictSerializer):
    nom = serializers.CharField(max_length=200)
    contenu = serializers.CharField(help_text=_("Contenu du fichier en base64."))


class PivotTicketSerializer(serializers.Serializer):
    """A ticket in the support-pivot shape (export)."""

    id_ent = serializers.CharField(help_text=_("Identifiant côté ENT : le vôtre si le ticket vient de vous, sinon notre référence."))
    id_externe = serializers.CharField(allow_null=True, help_text=_("Référence dans l'outil externe (Jira, GLPI…) = référence éditeur."))
    uai = serializers.CharField()
    academie = serializers.CharField()
    collectivite = serializers.CharField(allow_null=True)
    demandeur = serializers.CharField(help_text=_("« Nom Prénom | courriel »."))
    attribution = serializers.ChoiceField(choices=[(a, a) for a in pivot.ATTRIBUTIONS])
    titre = serializers.CharField()
    description = serializers.CharField()
    type_demande = serializers.CharField()
    priorite = serializers.ChoiceField(choices=[(p, p) for p in pivot.PRIORITIES])
    modules = serializers.ListField(child=serializers.CharField())
    commentaires = serializers.ListField(child=serializers.CharField(), help_text=_("« id | auteur | date | texte »."))
    pj = PivotPjSerializer(many=True)
    creation = serializers.DateTimeField()
    maj = serializers.DateTimeField()
    statut_ent = serializers.ChoiceField(choices=[(s, s) for s in pivot.STATUSES])
    statut_externe = serializers.CharField(allow_null=True)
    qualification = serializers.DictField(help_text=_(
        "Extension : la qualification saisie par la chaîne de support (noms de l'API, champs vides omis)."))

    def to_representation(self, ticket):
        return pivot.to_pivot(ticket)


def _optional(max_length, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=max_length, **kwargs)


class PivotImportSerializer(StrictSerializer):
    id_ent = _optional(80)
    id_externe = _optional(80)
    uai = UaiField(required=False, allow_null=True)
    academie = _optional(200, help_text=_("Informatif : déduit de l'UAI."))
    collectivite = _optional(200, help_text=_("Informatif : déduit de l'UAI."))
    demandeur = _optional(300, help_text=_("« Nom Prénom | courriel » : le compte demandeur (sinon le client lui-même)."))
    attribution = serializers.ChoiceField(choices=[(a, a) for a in pivot.ATTRIBUTIONS], required=False, allow_null=True,
                                          help_text=_("Informatif : notre matrice de support décide du guichet."))
    titre = _optional(200)
    description = _optional(20000)
    type_demande = _optional(80)
    priorite = _optional(20)
    modules = serializers.ListField(child=serializers.CharField(max_length=120), required=False, max_length=20)
    commentaires = serializers.ListField(child=serializers.CharField(max_length=20000), required=False, max_length=500)
    pj = PivotPjSerializer(many=True, required=False, max_length=20)
    creation = _optional(40)
    maj = _optional(40)
    statut_ent = _optional(40)
    statut_externe = _optional(80)
    qualification = QualificationSerializer(required=False, help_text=_("Extension : appliquée à l'ouverture seulement."))

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in IGNORED_KEYS}
        return super().to_internal_value(data)

    def validate_type_demande(self, value):
        if value and pivot.category_of(value) is None:
            raise serializers.ValidationError(_("Type de demande inconnu (ex. %(ex)s).") % {"ex": ", ".join(pivot.CATEGORY_TO_TYPE.values())})
        return value

    def validate_priorite(self, value):
        if value and pivot.priority_of(value) is None:
            raise serializers.ValidationError(_("Priorité inconnue : Mineur, Majeur ou Bloquant."))
        return value

    def validate_statut_ent(self, value):
        if value and pivot.status_of(value) is None:
            raise serializers.ValidationError(_("Statut inconnu : Ouvert, En cours, Résolu ou Fermé."))
        return value


class PivotPagination(TicketPagination):
    page_size = 20
    max_page_size = 100


class _PivotBase(ApiView):
    required_scopes_by_method = {"read": READ, "write": WRITE}
    queryset = Ticket.objects.none()  # for the schema (its fake request has no client); reads use get_queryset
    serializer_class = PivotTicketSerializer

    def get_queryset(self):
        return pivot.export_queryset(self.request.user, self.api_client)


class PivotTicketListView(_PivotBase):
    filter_backends = [DjangoFilterBackend, TicketOrdering]
    filterset_class = TicketFilter
    pagination_class = PivotPagination

    @property
    def max_body_bytes(self):
        # Attachments travel in base64 inside the JSON document.
        return 1024 * 1024 + 20 * (settings.HELPDESK["ATTACHMENT_MAX_BYTES"] * 4 // 3 + 1024)

    @extend_schema(operation_id="pivot_tickets_list", summary="Tickets du périmètre au format support-pivot",
                   responses={200: PivotTicketSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_bulk_read(request, "api:pivot-tickets", page, export=True)
        return self.get_paginated_response(PivotTicketSerializer(page, many=True).data)

    @extend_schema(operation_id="pivot_tickets_import", summary="Importer (ouvrir ou mettre à jour) un ticket support-pivot",
                   parameters=[IDEMPOTENCY_PARAM], request=PivotImportSerializer,
                   responses={200: PivotTicketSerializer, 201: PivotTicketSerializer})
    @idempotent
    def post(self, request):
        serializer = PivotImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket, created = pivot.import_ticket(client=self.api_client, user=request.user, data=serializer.validated_data)
        ticket = self.get_queryset().get(pk=ticket.pk)
        response = Response(PivotTicketSerializer(ticket).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["Location"] = request.build_absolute_uri(f"{request.path}{ticket.reference}/")
        return response


class PivotTicketDetailView(_PivotBase):
    @extend_schema(operation_id="pivot_tickets_retrieve", summary="Un ticket au format support-pivot")
    def get(self, request, reference):
        from django.http import Http404

        ticket = self.get_queryset().filter(reference=reference).first()
        if ticket is None:
            raise Http404
        return Response(PivotTicketSerializer(ticket).data)
