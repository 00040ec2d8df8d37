"""API: the ticket list (50 per page, 100,000 tickets in the database) against a bare Django
JsonResponse of the same 50 rows, in the same run and process.

Usage: `.venv/bin/python bench/api_bench.py [total] [requests]` (defaults 100000 and 300).
Throw-away SQLite database; 100,000 tickets bulk-inserted, a third at the vendor's level-3 desk;
a vendor OAuth2 client lists its tickets through the full stack (token auth, perimeter, throttle,
filters, cursor pagination, serializer, renderer) with Django's test client (WSGI handler, all
middleware), then a bare view returns the same rows with `.values()` + JsonResponse through the
same middleware. Prints requests per second and the ratio (query counts: tests/api/test_tickets.py).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.TemporaryDirectory(prefix="bench-api-")
os.environ["HELPDESK_DATA_DIR"] = TMP.name
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DEBUG"] = "0"
os.environ["API_THROTTLE_RATE"] = "1000000/min"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402

from api.services import create_api_client  # noqa: E402
from bench.volume import insert_tickets  # noqa: E402
from directory.demo import build_demo_world  # noqa: E402
from tickets.selectors import visible_to  # noqa: E402

FIELDS = ["reference", "title", "description", "school__uai", "school__name", "category", "service", "impact",
          "urgency", "priority", "state", "level", "desk_id", "desk__slug", "desk__name", "contact",
          "vendor_reference", "reached_vendor", "version", "created_at", "updated_at"]


def bare(request):
    rows = list(visible_to(request.bench_user).order_by("-updated_at").values(*FIELDS)[:50])
    return JsonResponse({"results": rows})


def bare_view(request):
    request.bench_user = BENCH_USER
    return bare(request)


urlpatterns = [path("api/v1/", include("api.urls")), path("bare/", bare_view)]
BENCH_USER = None


def main(total=100_000, requests=300):
    global BENCH_USER
    settings.ROOT_URLCONF = __name__
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password-1")
    t0 = time.perf_counter()
    insert_tickets(world, total)
    print(f"{total} tickets inserted in {time.perf_counter() - t0:.1f} s")

    client, secret = create_api_client(vendor=world.vendors["ode"], scopes="tickets:read")
    BENCH_USER = client.service_user
    http = Client()
    token = http.post("/api/v1/oauth/token/", {"grant_type": "client_credentials", "client_id": client.application.client_id,
                                               "client_secret": secret}).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def api():
        return http.get("/api/v1/tickets/?page_size=50", **auth)

    def plain():
        return http.get("/bare/")

    for fn in (api, plain):  # warm up and check
        response = fn()
        assert response.status_code == 200 and len(response.json()["results"]) == 50, response.content[:300]

    figures = {}
    for name, fn in (("api", api), ("bare", plain), ("api", api), ("bare", plain)):
        start = time.perf_counter()
        for _ in range(requests):
            fn()
        rate = requests / (time.perf_counter() - start)
        figures[name] = max(figures.get(name, 0), rate)  # best of two rounds
    print(f"API list (50 per page):   {figures['api']:8.1f} req/s")
    print(f"bare JsonResponse (50):   {figures['bare']:8.1f} req/s")
    print(f"ratio API / bare:         {figures['api'] / figures['bare']:.0%}  (aim: 60 % or better)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
