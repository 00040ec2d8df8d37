"""Our side, run by the driver with our .venv's python: migrate, the demo world and N tickets as
bench/api_bench.py seeds them (bench/volume.py: tickets + the vendor each reached; a third at the
vendor ODE's level-3 desk), an OAuth2 client of the vendor and a bearer token, then in-process
figures. Writes a JSON file. Usage (by bench/peer/run.py):
    HELPDESK_DATA_DIR=dir DJANGO_SETTINGS_MODULE=bench.peer.ours_settings .venv/bin/python bench/peer/ours_seed.py N out.json
"""

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.ours_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from api.services import create_api_client  # noqa: E402
from bench.volume import insert_tickets  # noqa: E402
from directory.demo import build_demo_world  # noqa: E402
from tickets.models import Ticket  # noqa: E402

import inproc  # noqa: E402

LIST = "/api/v1/tickets/?page_size=50"
BARE = "/bench/bare/"


def seed(total):
    """bench/api_bench.py's volume (bench/volume.py)."""
    call_command("migrate", verbosity=0)
    world = build_demo_world("bench-password-1")
    start = time.perf_counter()
    insert_tickets(world, total)
    return world, time.perf_counter() - start


def main(total, out):
    world, seconds = seed(total)
    client, secret = create_api_client(vendor=world.vendors["ode"], scopes="tickets:read")
    http = Client()
    token = http.post("/api/v1/oauth/token/", {"grant_type": "client_credentials", "client_id": client.application.client_id,
                                               "client_secret": secret}).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    http.get(LIST, **auth)  # warm
    list_queries, list_seconds, listed = inproc.queries_and_time(http.get, LIST, **auth)
    bare_queries, _, _ = inproc.queries_and_time(http.get, BARE)
    anon = Client()
    result = {
        "tickets": Ticket.objects.count(), "seed_seconds": seconds, "token": token, "list_path": LIST, "bare_path": BARE,
        "list_queries": list_queries, "list_ms_inprocess": inproc.median_ms(http.get, LIST, 200, **auth),
        "list_rows": len(listed.json()["results"]), "bare_queries": bare_queries,
        "bare_ms_inprocess_kept": inproc.median_ms(anon.get, BARE, 500),
        "bare_ms_inprocess_closed": inproc.median_ms(anon.get, BARE, 500, close_each=True),
        **inproc.connect_ms(Ticket._meta.db_table), "middleware": list(settings.MIDDLEWARE),
    }
    Path(out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
