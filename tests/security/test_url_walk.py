"""Every URL pattern of the project, for every role: authentication and perimeter.

A URL that is not classified below fails the test: a new view must be added to one class (and
so be thought about) before it ships."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from directory.demo import DEMO_USERNAMES
from journal.models import AccessEntry, Outcome
from privacy.requests import may_record
from privacy.services import may_export, may_manage_breach
from tickets import services
from tickets.permissions import can_view

# Open to anyone (sign-in, password reset, legal pages, health, OAuth token endpoints).
PUBLIC = {
    "home", "healthz", "login", "logout", "set_language", "password_reset", "password_reset_done",
    "web:mail_unsubscribe",  # the signed one-click unsubscribe link of optional mails (tests/tickets/test_mail_batches.py)
    "web:satisfaction_link",  # the signed rating link of the resolution e-mail: the token is the credential (tests/tickets/test_satisfaction.py)
    "password_reset_confirm", "password_reset_complete", "web:legal", "web:accessibility",
    "api:token", "api:revoke-token", "api:schema", "api:docs", "api:alertmanager",
    "admin:login", "admin:logout", "admin:password_reset", "admin:jsi18n",
    "web:status", "web:status_feed", "web:status_json",  # État des services: public data only (tests/web/test_status_page.py)
}
UNNAMED_PUBLIC = {"api/v1/^.*$"}  # the API's catch-all: a problem+json 404
# Objects read through a ticket reference (or an attachment of it): the perimeter decides.
TICKET_OBJECT = {
    "web:ticket", "web:ticket_message", "web:ticket_action", "api:ticket", "api:ticket-comments",
    "api:ticket-attachments", "api:ticket-events", "api:ticket-transitions", "api:pivot-ticket",
    "tickets:attachment-download", "web:attachment_preview",
    "web:pilotage_declare_ticket",  # declare the ticket a major incident (tests/web/test_pilotage_pages.py)
    "web:kb_from_ticket",  # a draft article from the ticket's resolution (tests/knowledge/test_pages.py)
    "web:ticket_rate",  # the requester's rating (tests/tickets/test_satisfaction.py)
    "web:ticket_macro",  # apply a canned answer (tests/tickets/test_macros.py)
}
TICKET_OBJECT_PREFIX = "api:ticket-transition-"
ATTACHMENT_URLS = {"tickets:attachment-download", "web:attachment_preview"}  # <pk> is the attachment's
BREACH_OBJECT = {"privacy:breach", "privacy:breach_approve", "privacy:breach_notification", "privacy:breach_step", "api:ticket-breach-steps"}
PERSON_OBJECT = {"privacy:person_data", "privacy:person_data_json"}
# Data-subject requests: list and intake for agents and DPOs (privacy.requests.may_record); a
# request by its pk (the walk's 999999 exists for no one: 404, journaled).
DSR_GATED = {"privacy:requests", "privacy:request_new"}
DSR_OBJECT = {"privacy:request", "privacy:request_step", "api:privacy-request", "api:privacy-request-steps"}
# Incident reviews, their actions, an outage to declare major, by pk (the walk's 999999 exists for no
# one: 404, journaled); who reads a review is tested in tests/pilotage/ and tests/api/test_reviews_api.py.
REVIEW_OBJECT = {"web:pilotage_review", "web:pilotage_action", "web:pilotage_declare_outage", "api:review", "api:review-action"}
# A collectivité's communication under the Grand Est charter, by pk (999999 exists for no one: 404,
# journaled); who reads and acts on one is tested in tests/charter/.
CHARTER_OBJECT = {"web:charter_detail", "web:charter_action"}
# A convention by pk (999999 exists for no one: 404, journaled); who reads one: tests/web/test_conventions.py.
CHARTER_OBJECT |= {"web:convention_detail", "web:convention_import", "web:convention_fees_csv", "web:convention_fees_pdf"}
# An evolution request by pk (999999 exists for no one: 404, journaled); who reads and acts on one is
# tested in tests/evolutions/.
REVIEW_OBJECT |= {"web:evolution", "web:evolution_support", "web:evolution_action", "web:evolution_link", "web:evolution_unlink", "api:evolution",
                  "api:evolution-transition-deliver"}
# Signed-in people only; the page shows what their perimeter holds (selectors are tested elsewhere).
AUTHENTICATED = {
    "api:privacy-requests",
    "web:pilotage_reviews", "api:reviews",  # the reviews one reads (pilotage.selectors.visible_reviews_q)
    "web:report", "web:report_similar", "web:my_tickets", "web:boards", "web:board", "web:outages",
    "web:outage_close", "api:tickets", "api:pivot-tickets", "api:outages", "api:outage-close",
    "api:availability", "api:webhooks", "api:webhook", "api:webhook-rotate", "api:webhook-deliveries",
    "privacy:my_data", "privacy:my_data_json",
    "web:notifications", "web:notification_open", "web:notifications_read", "web:mail_preferences",  # one's own only (tests/web/test_notifications.py)
    # Help articles by audience and owner organisation, the agents' search, the report form's
    # suggestions and "joining" a ticket: each reader's own (tests/knowledge/).
    "web:kb_home", "web:kb_article", "web:kb_new", "web:kb_edit", "web:kb_status", "web:kb_suggestions",
    "web:kb_helped", "web:kb_join", "web:kb_search",
    "web:conventions",  # the conventions of one's perimeter; others 403 (tests/web/test_conventions.py)
    "web:charter_list", "web:charter_submit",  # the charter's register of one's perimeter; submitting: collectivité agents, else 403 (tests/charter/)
    "web:status_join",  # follow an outage touching one's school, else 404 (tests/pilotage/test_followers.py)
    "web:evolutions", "web:evolution_new", "api:evolutions",  # the evolution requests one reads; proposing: people of a school's perimeter, else 403 (tests/evolutions/)
}
# Signed-in and one of these roles (others: 403).
ROLE_GATED = {
    "web:dashboard": {"manager", "admin"},
    "web:dashboard_csv": {"manager", "admin"},
    # The annual report, its PDF and CSV tables (tests/pilotage/test_annual_report.py).
    "web:annual_report": {"manager", "admin"},
    "web:annual_report_pdf": {"manager", "admin"},
    "web:annual_report_csv": {"manager", "admin"},
    "journal:search": {"dpo", "admin"},
    "privacy:board": {"dpo", "admin"},
}
POST_ONLY = {"web:status_join", "web:pilotage_action", "web:pilotage_declare_outage", "web:pilotage_declare_ticket", "web:kb_status", "web:kb_helped", "web:kb_join", "web:kb_from_ticket", "web:notifications_read", "web:ticket_message", "web:ticket_action", "web:outage_close", "logout", "api:ticket-attachments"}
POST_ONLY |= {"web:ticket_rate", "web:ticket_macro"}  # the rating and the canned answers
POST_ONLY |= {"web:charter_action"}  # a step of a charter communication
POST_ONLY |= {"web:evolution_support", "web:evolution_action", "web:evolution_link", "web:evolution_unlink",
              "api:evolution-transition-deliver"}  # evolution requests
AUTHENTICATED |= {"web:board_bulk"}  # bulk actions on one's desk's board (404 outside it; each ticket through its service)
POST_ONLY |= {"web:board_bulk"}
# Incoming mail held for an agent: the list shows the held messages of one's desks (tests/mailin/test_held_page.py);
# one by pk (999999 exists for no one: 404, journaled).
AUTHENTICATED |= {"mailin:held"}
REVIEW_OBJECT |= {"mailin:held_detail", "mailin:held_accept", "mailin:held_reject"}
POST_ONLY |= {"mailin:held_accept", "mailin:held_reject"}


def walk(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name


def classify(route, name):
    if name in PUBLIC or route in UNNAMED_PUBLIC:
        return "public"
    if (name and name.startswith("admin:")) or route.startswith("admin/"):
        return "admin"
    if name in TICKET_OBJECT or (name or "").startswith(TICKET_OBJECT_PREFIX):
        return "ticket"
    for cls, names in (("breach", BREACH_OBJECT), ("person", PERSON_OBJECT), ("authenticated", AUTHENTICATED),
                       ("role", ROLE_GATED), ("dsr", DSR_GATED), ("dsr_object", DSR_OBJECT),
                       ("review_object", REVIEW_OBJECT), ("charter_object", CHARTER_OBJECT)):
        if name in names:
            return cls
    return None


def test_every_url_is_classified():
    unclassified = [(route, name) for route, name in walk() if classify(route, name) is None]
    assert not unclassified, f"URL sans règle d'accès dans tests/security/test_url_walk.py : {unclassified}"


SAMPLE = {"reference": None, "pk": None, "slug": "guichet-nancy-metz", "table": "backlog", "action": "take",
          "username": "prof_metz", "uidb64": "MQ", "token": "x-y", "object_id": "1", "app_label": "tickets",
          "content_type_id": "1", "path": "x", "id": "1", "action_pk": 999999}


def fill(route, values):
    def sub(match):
        return str(values[match.group(2)])
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)  # regex routes (admin's catch-all)
    path = re.sub(r"<(?:(\w+):)?(\w+)>", sub, path)
    return "/" + path.replace("^", "").replace(".*$", "nimporte-quoi").replace("$", "")


@pytest.fixture
def objects(world, ge_ticket, ge_teacher, breach):
    from privacy.services import save_breach_report

    save_breach_report(breach, actor=world.users["dpo"], nature="Suspicion de fuite")
    attachment = services.add_attachment(ge_ticket, actor=ge_teacher, upload=SimpleUploadedFile("note.txt", b"hello", "text/plain"))
    return {"ticket": ge_ticket, "breach": breach, "attachment": attachment, "person": ge_teacher}


def _values(objects, cls, name):
    values = dict(SAMPLE)
    values["reference"] = (objects["breach"] if cls == "breach" else objects["ticket"]).reference
    values["pk"] = objects["attachment"].pk if name in ATTACHMENT_URLS else 999999
    return values


def _request(client, name, url):
    if (name or "").startswith(TICKET_OBJECT_PREFIX):
        return client.post(url, {}, content_type="application/json")
    return client.post(url, {}) if name in POST_ONLY else client.get(url)


def test_anonymous_is_refused_everywhere_but_public_urls(client, objects):
    for route, name in walk():
        cls = classify(route, name)
        if cls in ("public", None):
            continue
        url = fill(route, _values(objects, cls, name))
        response = _request(client, name, url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), (url, response.status_code)
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert "connexion" in response["Location"] or "/admin/login/" in response["Location"], url


@pytest.mark.parametrize("username", [n for n in DEMO_USERNAMES if n != "admin"])
def test_admin_is_for_staff_only(client, world, username):
    client.force_login(world.users[username])
    for route, name in walk():
        if classify(route, name) != "admin":
            continue
        response = client.get(fill(route, SAMPLE))
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (route, response.status_code)


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_each_role_stays_in_its_perimeter(client, world, objects, username):
    user = world.users[username]
    client.force_login(user)
    for route, name in walk():
        cls = classify(route, name)
        if cls not in ("ticket", "breach", "person", "role", "dsr", "dsr_object", "review_object", "charter_object"):
            continue
        url = fill(route, _values(objects, cls, name))
        before = AccessEntry.objects.filter(outcome=Outcome.DENIED, actor=user).count()
        response = _request(client, name, url)
        if cls == "ticket":
            allowed = can_view(user, objects["ticket"])
        elif cls == "breach":
            allowed = may_manage_breach(user, objects["breach"])
        elif cls == "person":
            allowed = may_export(user, objects["person"])
        elif cls == "dsr":
            allowed = may_record(user)
        elif cls in ("dsr_object", "review_object", "charter_object"):
            allowed = False
        else:
            allowed = username in ROLE_GATED[name]
        if allowed:
            # a write may still be refused for the action (403), never for the perimeter (404)
            refused = (401, 404) if response.request["REQUEST_METHOD"] == "POST" else (401, 403, 404)
            assert response.status_code not in refused, (username, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (username, url, response.status_code)
            # every refusal is journaled
            assert AccessEntry.objects.filter(outcome=Outcome.DENIED, actor=user).count() == before + 1, (username, url)
