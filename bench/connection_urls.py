"""The product's URLs plus /bench-bare/: the API list's first page of 50 tickets as a one-query
JsonResponse over the same table, the floor the API list is compared with (issue 21)."""

from django.http import JsonResponse
from django.urls import include, path

from tickets.models import Ticket


def bare(request):
    rows = list(Ticket.objects.order_by("-updated_at", "-pk").values("id", "reference", "title", "state", "updated_at")[:50])
    return JsonResponse({"results": rows})


urlpatterns = [path("bench-bare/", bare), path("", include("helpdesk.urls"))]
