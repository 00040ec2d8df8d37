from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from . import services
from .base import ApiView
from .idempotency import idempotent
from .models import WebhookSubscription
from .problems import Forbidden
from .serializers import (
    EmptySerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionCreateSerializer,
    WebhookSubscriptionSecretSerializer,
    WebhookSubscriptionSerializer,
)


class _ClientOnly(ApiView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.api_client is None:
            raise Forbidden(_("Les abonnements webhook appartiennent à un client d'API : authentifiez-vous avec un jeton OAuth2."))

    def get_queryset(self):
        return WebhookSubscription.objects.filter(client=self.api_client).order_by("pk")


class WebhookListView(_ClientOnly):
    serializer_class = WebhookSubscriptionSerializer

    @extend_schema(operation_id="webhooks_list", summary="Abonnements webhook du client",
                   responses={200: WebhookSubscriptionSerializer(many=True)})
    def get(self, request):
        return Response(WebhookSubscriptionSerializer(self.get_queryset(), many=True).data)

    @extend_schema(operation_id="webhooks_create", summary="S'abonner à des événements",
                   request=WebhookSubscriptionCreateSerializer, responses={201: WebhookSubscriptionSecretSerializer})
    @idempotent
    def post(self, request):
        serializer = WebhookSubscriptionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscribe(self.api_client, **serializer.validated_data)
        # The secret is shown here and after rotate-secret only, never in lists or reads.
        return Response(WebhookSubscriptionSecretSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(_ClientOnly):
    serializer_class = WebhookSubscriptionSerializer
    lookup_url_kwarg = "pk"

    @extend_schema(operation_id="webhooks_retrieve")
    def get(self, request, pk):
        return Response(WebhookSubscriptionSerializer(self.get_object()).data)

    @extend_schema(operation_id="webhooks_update", summary="Modifier ou réactiver un abonnement")
    def patch(self, request, pk):
        subscription = self.get_object()
        serializer = WebhookSubscriptionSerializer(subscription, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_subscription(subscription, **serializer.validated_data)
        return Response(WebhookSubscriptionSerializer(subscription).data)

    @extend_schema(operation_id="webhooks_destroy")
    def delete(self, request, pk):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(_ClientOnly):
    serializer_class = EmptySerializer

    @extend_schema(operation_id="webhooks_rotate_secret", summary="Changer le secret de signature",
                   request=None, responses={200: WebhookSubscriptionSecretSerializer})
    @idempotent
    def post(self, request, pk):
        subscription = services.rotate_secret(get_object_or_404(self.get_queryset(), pk=pk))
        return Response(WebhookSubscriptionSecretSerializer(subscription).data)


class DeliveryPagination(CursorPagination):
    ordering = "-created_at"
    page_size = 50


class WebhookDeliveriesView(_ClientOnly):
    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryPagination

    @extend_schema(operation_id="webhooks_deliveries", summary="Journal des livraisons d'un abonnement",
                   responses={200: WebhookDeliverySerializer(many=True)})
    def get(self, request, pk):
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        page = self.paginate_queryset(subscription.deliveries.all())
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
