"""What a webhook carries is what the API accepts back: ticket references, desk slugs, school UAIs,
people as the API shows them — never an internal number (actor, desk, SLA clock…) — and every
timestamp in one convention, the REST API's: ISO 8601 in UTC (`+00:00`)."""

import re

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api import webhooks
from api.models import WebhookDelivery, WebhookEvent
from directory.models import Desk, School
from tickets import outbox, services

from .test_events_catalogue import _scenario

# Integers that are values, not ids: versions, levels, counts, durations.
COUNTS = {"version", "level", "from_level", "to_level", "users_affected", "size", "run", "target_seconds",
          "policy_version", "impact", "urgency", "priority", "after_days"}
UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
ANY_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")


def walk(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, (*path, i))
    else:
        yield path, value


def check(body: dict, desks: set, uais: set, people: set):
    is_outage = body["type"].startswith("outage.")
    for path, value in walk(body):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        where = f"{body['type']} {'.'.join(map(str, path))} = {value!r}"
        if isinstance(value, int) and not isinstance(value, bool):
            # The outage's number is what `POST /outages/{id}/close/` takes.
            assert key in COUNTS or (is_outage and path == ("data", "id")), f"internal number: {where}"
        if key in ("desk", "from_desk", "to_desk"):
            assert value is None or value in desks, f"not a desk slug: {where}"
        if key == "at" or key == "timestamp" or key.endswith("_at"):
            assert value is None or (isinstance(value, str) and UTC_ISO.match(value)), f"not UTC ISO 8601: {where}"
        if isinstance(value, str):
            for m in ANY_ISO.finditer(value):
                assert m.group(0).endswith("+00:00"), f"another time convention: {where}"
        if key in ("actor", "assignee", "on_behalf_of"):
            assert value is None or value in people, f"not a person as the API shows one: {where}"
    if not is_outage:
        ticket = body["data"]["ticket"]
        assert "id" not in ticket and ticket["school"] in uais and ticket["reference"].startswith("ENT-")


@pytest.mark.django_db
def test_delivered_payloads_carry_no_internal_number_and_one_time_zone(world, make_client, captured):
    _c, school = make_client(desk="n0-0341255E", scopes="tickets:read")  # reads every ticket of its school
    _c, vendor = make_client(vendor="ode")
    secrets = []
    for http in (school, vendor):
        sub = http.post("/api/v1/webhooks/", {"url": "https://ent.example/hook", "events": list(WebhookEvent.values)},
                        format="json")
        assert sub.status_code == 201, sub.content
        secrets.append(sub.json()["secret"])

    _scenario(world, school)
    u = world.users
    relayed = services.open_ticket(actor=u["directeur"], school=world.schools["0341255E"], title="Pour une collègue",
                                   description="Elle n'a plus accès.", category="account", impact=2, urgency=2,
                                   on_behalf_of=u["enseignant"])
    outbox.deliver_pending(limit=10_000)
    for pk in webhooks.due_ids(limit=10_000):
        webhooks.attempt(pk)

    bodies = []
    for request in captured.sent:
        for secret in secrets:
            try:
                bodies.append(Webhook(secret).verify(request["body"], request["headers"]))
                break
            except WebhookVerificationError:
                continue
    assert len(bodies) == len(captured.sent) == WebhookDelivery.objects.count() > 20
    desks = set(Desk.objects.values_list("slug", flat=True))
    uais = set(School.objects.values_list("uai", flat=True))
    people = {p.get_full_name() or p.username for p in type(u["admin"]).objects.all()}
    for body in bodies:
        check(body, desks, uais, people)

    by_kind = {}
    for body in bodies:
        by_kind.setdefault(body["data"].get("kind"), []).append(body["data"])
    escalated = by_kind["escalated"][0]
    assert escalated["data"]["desk"] == escalated["to_desk"] and escalated["to_desk"] in desks
    assert by_kind["sent_back"][0]["data"]["desk"] in desks and by_kind["routed"][0]["data"]["desk"] == "maguelone-tech"
    opened = next(d for d in by_kind["opened"] if d["ticket"]["reference"] == relayed.reference)
    assert opened["data"]["on_behalf_of"] == u["enseignant"].get_full_name()
    assert opened["actor"] == u["directeur"].get_full_name()
    assert "clock" not in by_kind["sla_warning"][0]["data"] and by_kind["sla_warning"][0]["data"]["due_at"].endswith("+00:00")
    outage = next(b for b in bodies if b["type"] == "outage.opened")
    assert outage["data"]["started_at"] == "2025-03-18T08:00:00+00:00"  # declared as 09:00 in Paris
