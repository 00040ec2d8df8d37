"""Accounts and tickets of the load test, in the database the server will use (run by run.py with
the server's environment, after `migrate` and `seed_demo`). Prints one JSON object on stdout.

- teachers: the demo `enseignant` and N more teachers of the école Pierre Bouissinet (0341255E),
  each with two tickets of their own (through the services) so "a ticket page" is theirs;
- agents: the demo `erun` and M more agents of the ERUN Lattes desk, a backlog of escalated
  tickets at that desk (the old load test's 100);
- vendors: API clients (client credentials) of the ODE vendor, scopes tickets:read.
The extra accounts share the demo password (one hash computed once)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")


def main(teachers: int, agents: int, vendors: int, backlog: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from api.services import create_api_client
    from directory.choices import Role
    from directory.models import Desk, Membership, School, Vendor
    from tickets import services

    password = settings.HELPDESK["DEMO_PASSWORD"]
    User = get_user_model()
    school = School.objects.get(uai="0341255E")
    desk = Desk.objects.get(slug="erun-lattes")
    hashed = make_password(password)
    extra_t = User.objects.bulk_create([User(username=f"prof{i:03d}", first_name="Prof", last_name=f"N°{i}", password=hashed)
                                        for i in range(teachers)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.REQUESTER, school=school) for u in extra_t])
    extra_a = User.objects.bulk_create([User(username=f"agent{i:03d}", first_name="Agent", last_name=f"N°{i}", password=hashed)
                                        for i in range(agents)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.AGENT, desk=desk) for u in extra_a])
    director = User.objects.get(username="directeur")
    teacher_users = [User.objects.get(username="enseignant"), *extra_t]
    refs: dict[str, list[str]] = {}
    for u in teacher_users:
        refs[u.username] = [services.open_ticket(actor=u, school=school, title=f"Le cahier de textes de {u.username} ({n})",
                                                 description="Erreur à l'enregistrement", category="malfunction",
                                                 impact=2, urgency=2).reference for n in range(2)]
    queue = []
    for i in range(backlog):
        t = services.open_ticket(actor=teacher_users[i % len(teacher_users)], school=school, title=f"Demande préexistante {i}",
                                 description="Erreur à l'enregistrement", category="malfunction", impact=2, urgency=2)
        queue.append(services.escalate(t, actor=director, reason="Pas de solution à l'école").reference)
    vendor = Vendor.objects.get(slug="open-digital-education")
    clients = []
    for n in range(vendors):
        client, secret = create_api_client(vendor=vendor, scopes="tickets:read", name=f"Banc de charge {n}")
        clients.append({"client_id": client.application.client_id, "client_secret": secret})
    return {"password": password, "school": school.pk, "desk": desk.slug,
            "teachers": [{"username": u.username, "refs": refs[u.username]} for u in teacher_users],
            "agents": ["erun", *(u.username for u in extra_a)], "backlog": queue, "vendors": clients}


if __name__ == "__main__":
    t, a, v, b = (int(x) for x in sys.argv[1:5])
    print(json.dumps(main(t, a, v, b)))
