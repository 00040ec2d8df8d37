"""The product's URLs plus the bench's one-query view (mounted only in bench/peer/ours_settings)."""

from django.http import JsonResponse
from django.urls import path

from helpdesk.urls import urlpatterns as product
from tickets.models import Ticket


def bare(request):
    """The bench's one-query view, the same in both products: 50 rows of the ticket table."""
    return JsonResponse({"results": list(Ticket.objects.order_by("-id").values("id", "title")[:50])})


urlpatterns = [*product, path("bench/bare/", bare)]
