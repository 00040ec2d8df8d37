"""No raw values nor awkward text in what people read (issue 12, item 6): every demo role opens its
pages after a ticket was taken, questioned, answered and escalated, and no stored code ("None",
"in_progress", "RUNNING"), English number ("99.593 %"), ISO date, doubled "(facultatif)" or
"C'est fait : <button label>" shows; the admin names every model in French and titles its rows."""

import html as html_module
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from sla.availability import close_outage, declare_outage
from sla.models import Service
from tickets import services

from .test_pages import at_erun, open_demo_ticket

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db

RAW = re.compile(
    r"\bNone\b|in_progress|waiting_requester|\bRUNNING\b|\brunning\b|object \(\d+\)|\d+\.\d+\s?%"
    r"|\d{4}-\d{2}-\d{2}|\(facultatif\)\s*\(facultatif\)|C'est fait|application/[\w.+-]+"
)
PROJECT_APPS = {"directory", "tickets", "sla", "api", "journal", "privacy"}


def visible_text(html: str) -> str:
    """What a person reads: the text between tags, scripts and styles left out."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html_module.unescape(text))


def raw_values(html: str) -> list[str]:
    text = visible_text(html)
    return [text[max(0, m.start() - 50): m.end() + 30] for m in RAW.finditer(text)]


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def act(client, ticket, action, **fields):
    ticket.refresh_from_db()
    data = {f"{action}-version": ticket.version, **{f"{action}-{k}": v for k, v in fields.items()}}
    response = client.post(reverse("web:ticket_action", args=[ticket.reference, action]), data, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


@pytest.fixture
def journey(client, world):
    """A ticket taken by the ERUN, questioned, answered by the teacher and passed to the DSI, with
    the flash message each step showed; and an outage of the ENT the dashboards count."""
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    shown = {"take": act(client, ticket, "take")}
    shown["request_info"] = act(client, ticket, "request_info", body="Quel navigateur utilisez-vous ?")
    client.force_login(world.users["enseignant"])
    ticket.refresh_from_db()
    client.post(reverse("web:ticket_message", args=[ticket.reference]), {"body": "Firefox 128", "version": ticket.version})
    client.force_login(world.users["erun"])
    shown["escalate"] = act(client, ticket, "escalate", note="Erreur 500 reproduite")
    ticket.refresh_from_db()
    assert ticket.level == 2

    ent = Service.objects.create(slug="ent", name="Accès à l'ENT")
    started = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=3)
    outage = declare_outage(ent, actor=world.users["admin"], scope="all", started_at=started, cause="Annuaire")
    close_outage(outage, ended_at=started + timedelta(minutes=47), actor=world.users["admin"])
    return ticket, shown


def test_flash_messages_say_what_was_done(journey):
    _ticket, shown = journey
    assert "Vous avez pris la demande en charge." in shown["take"]
    assert "Votre question est envoyée au demandeur" in shown["request_info"]
    assert "La demande est transmise au niveau supérieur." in shown["escalate"]
    for html in shown.values():
        assert "C'est fait" not in html


def test_timeline_shows_levels_not_none(client, world, journey):
    ticket, _shown = journey
    client.force_login(world.users["dsi"])
    html = visible_text(page(client, reverse("web:ticket", args=[ticket.reference])))
    assert "niveau None" not in html
    assert "niveau 0 → 1" in html and "niveau 1 → 2" in html
    assert re.search(r"Ticket ouvert — [^,]+, \d{2}/\d{2}/\d{4} \d{2}:\d{2} · niveau 0 ", html)


@pytest.mark.parametrize("username", ["enseignant", "directeur", "erun", "dsi", "editeur", "formateur", "manager", "dpo", "admin"])
def test_no_raw_value_on_the_pages_of_each_role(client, world, journey, username):
    ticket, _shown = journey
    client.force_login(world.users[username])
    urls = [reverse("home"), reverse("web:boards"), reverse("web:my_tickets"), reverse("web:report"),
            reverse("web:dashboard"), reverse("web:outages"), reverse("web:ticket", args=[ticket.reference])]
    urls += [reverse("web:board", args=[d.slug]) for d in world.desks.values()]
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        assert raw_values(response.content.decode()) == [], url
    assert seen >= 3


def test_dashboard_figures_in_french_formats(client, world, journey):
    client.force_login(world.users["manager"])
    html = visible_text(page(client, reverse("web:dashboard")))
    assert raw_values(html) == []
    # 47 minutes of outage in the journey's month: French decimals (three, rounded down), targets
    # as the conventions write them, budgets in whole minutes ("2 504" with a thin space).
    months = re.findall(r"(\d+,\d{3}) % — Accès à l'ENT 99,7 % (?:[\d ]+ min restantes|dépassé de [\d ]+ min)", html)
    assert months, html
    figures = sorted(float(value.replace(",", ".")) for value in months)
    assert figures[0] < 100 and figures[-1] == 100
    assert re.search(r"\d{1,3} \d{3} min restantes", html)  # thousands grouped
    week = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert f"{week:%d/%m/%Y}" in html  # "Semaine du 30/11/2026", not 2026-11-30
    assert "%" in html and not re.search(r"\d\.\d\s?%", html)


def test_dashboard_percentages_never_round_up_to_the_target(settings):
    from django.utils import translation

    from core.formats import percent, target

    with translation.override("fr"):
        assert percent(99.695, 2, floor=True) == "99,69\u00a0%"
        assert percent(99.69, 2, floor=True) == "99,69\u00a0%"
        assert percent(25.0) == "25,0\u00a0%"
        assert target(99.7) == "99,7\u00a0%" and target(97.0) == "97\u00a0%"
    with translation.override("en"):
        assert percent(25.0) == "25.0\u00a0%"


def test_dashboard_counts_are_grouped_by_thousands():
    from django.utils import translation

    from web.templatetags.web_ui import number

    with translation.override("fr"):
        assert number(12345) == "12\u00a0345" and number("99,7 %") == "99,7 %"


def test_optional_fields_say_facultatif_once(client, world, journey):
    ticket, _shown = journey
    client.force_login(world.users["enseignant"])
    report = visible_text(page(client, reverse("web:report")))
    assert report.count("(facultatif)") >= 3 and "(facultatif) (facultatif)" not in report
    assert "(facultatif) (facultatif)" not in visible_text(page(client, reverse("web:ticket", args=[ticket.reference])))
    client.force_login(world.users["dsi"])
    html = visible_text(page(client, reverse("web:ticket", args=[ticket.reference])))
    assert "Message pour le niveau suivant (facultatif)" in html and "(facultatif) (facultatif)" not in html
    client.force_login(world.users["admin"])
    assert "(facultatif) (facultatif)" not in visible_text(page(client, reverse("web:outages")))


def test_refused_upload_names_the_kind_of_file_not_its_mime_type(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = open_demo_ticket(world)
    client.force_login(world.users["enseignant"])
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    response = client.post(reverse("web:ticket_message", args=[ticket.reference]),
                           {"body": "Voici le programme", "version": ticket.version, "attachments": [exe]}, follow=True)
    text = visible_text(response.content.decode())
    assert "« setup.exe » : les fichiers EXE ne sont pas acceptés." in text
    assert "application/" not in text and "x-msdownload" not in text


def _project_models():
    return [m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS]


def test_every_project_model_has_french_names():
    from django.apps import apps
    from django.db.models import Model
    from django.utils.functional import Promise

    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            meta = model._meta
            assert "verbose_name" in meta.original_attrs, meta.label
            assert "verbose_name_plural" in meta.original_attrs, meta.label
            assert model.__str__ is not Model.__str__, f"{meta.label} has no __str__ (the admin shows 'object (n)')"
            for field in meta.get_fields():
                if getattr(field, "concrete", False) and not field.auto_created:
                    # A label given through gettext (lazy), not the English one derived from the name.
                    assert isinstance(field.verbose_name, Promise), f"{meta.label}.{field.name} has no French label"


def test_admin_index_names_models_in_french(client, world):
    client.force_login(world.users["admin"])
    html = visible_text(page(client, "/admin/"))
    for english in ("Ticket events", "Outbox messages", "Comments", "Attachments", "Ticket counters"):
        assert english not in html
    for french in ("Événements de demande", "Commentaires", "Pièces jointes", "Messages à envoyer"):
        assert french in html


def test_admin_rows_are_titled_without_raw_codes(client, world, journey):
    ticket, _shown = journey
    client.force_login(world.users["admin"])
    for model in _project_models():
        meta = model._meta
        changelist = page(client, reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert raw_values(changelist) == [], meta.label
        obj = model._default_manager.order_by("-pk").first()
        if obj is not None:
            change = visible_text(page(client, reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])))
            assert not re.search(r"object \(\d+\)|\bNone\b|in_progress|waiting_requester", change), meta.label
    convention = page(client, reverse("admin:directory_convention_change", args=[world.conventions["montpellier"].pk]))
    assert "ConventionSchool object" not in convention
    assert "École élémentaire" in visible_text(convention) or "0341255E" in convention


def test_model_titles_use_french_dates():
    from sla.models import Outage, SchoolHoliday

    holiday = SchoolHoliday(description="Vacances de la Toussaint", zone="A",
                            starts_on=datetime(2019, 10, 19).date(), ends_on=datetime(2019, 11, 4).date())
    assert str(holiday) == "Vacances de la Toussaint — zone A (du 19/10/2019 au 04/11/2019)"
    outage = Outage(service=Service(name="Messagerie"), started_at=datetime(2026, 12, 1, 14, 5, tzinfo=PARIS))
    assert str(outage) == "Messagerie — depuis le 01/12/2026 14:05"
    outage.ended_at = datetime(2026, 12, 1, 15, 0, tzinfo=PARIS)
    assert str(outage) == "Messagerie — du 01/12/2026 14:05 au 01/12/2026 15:00"


def test_language_cookie_name_is_django_default():
    # The tests above pick English through this cookie (see test_french_first.py).
    assert settings.LANGUAGE_COOKIE_NAME == "django_language"


def test_admin_clock_and_outbox_pages_word_their_codes(client, world):
    from sla.models import Clock
    from sla.services import publish_policy
    from tickets.models import OutboxMessage

    u = world.users
    publish_policy(world.conventions["montpellier"], targets=[{"kind": "resolution", "seconds": 40 * 3600}])
    ticket = services.take(at_erun(world), actor=u["erun"])
    ticket = services.request_info(ticket, actor=u["erun"], body="Quel navigateur ?")
    services.answer(ticket, actor=u["enseignant"], body="Firefox")
    clock = Clock.objects.filter(ticket=ticket).first()
    assert clock is not None and clock.segments.filter(reason="waiting_requester").exists()
    client.force_login(u["admin"])
    html = visible_text(page(client, reverse("admin:sla_clock_change", args=[clock.pk])))
    assert "waiting_requester" not in html and "ClockSegment object" not in html
    assert "En attente du demandeur" in html or "Demande d'information" in html
    outbox = visible_text(page(client, reverse("admin:tickets_outboxmessage_changelist")))
    assert OutboxMessage.objects.filter(event_name="ticket.info_requested").exists()
    assert "ticket.info_requested" not in outbox and "Demande d'information" in outbox


def test_the_same_words_in_english_once_chosen(client, world):
    ticket = at_erun(world)
    client.force_login(world.users["erun"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = visible_text(act(client, ticket, "take"))
    assert "You have taken the ticket." in html
    assert "level 0 → 1" in html and "level None" not in html
    # ("None." is English for "Aucune." under "Attachments")
    assert [r for r in raw_values(html) if "Attachments None." not in r] == []


def test_personal_data_page_reads_dates_and_journal_codes_in_words(client, world, journey):
    client.force_login(world.users["enseignant"])
    client.get(reverse("home"))  # a journal line of the person's own accesses
    html = visible_text(page(client, reverse("privacy:my_data")))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html), html
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", html)
    assert " · view · " not in html and " · web · " not in html
