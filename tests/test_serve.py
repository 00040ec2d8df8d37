"""The product started as `make run` starts it (a real `manage.py serve` process on a throw-away
data directory): the embedded worker knows every task, delivers what was queued before it started,
sweeps the SLA clocks at once, and the pages answer as deployed (DEBUG off, French errors)."""

import urllib.error
import urllib.request

import pytest

from tests.product import Product

pytestmark = pytest.mark.product

# A running clock whose target passed three minutes before the server starts.
PLANT_OVERDUE_CLOCK = """
import json
from datetime import timedelta
from django.utils import timezone
from sla.models import Clock, ClockState
clock = Clock.objects.filter(state=ClockState.RUNNING, breached_at__isnull=True, ticket__isnull=False).order_by("pk").first()
past = timezone.now() - timedelta(minutes=3)
Clock.objects.filter(pk=clock.pk).update(due_at=past, warning_at=past - timedelta(minutes=1))
print(json.dumps(clock.pk))
"""


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    p = Product(tmp_path_factory.mktemp("product")).setup()
    pending = p.query(
        "import json; from tickets.models import OutboxMessage as M; "
        "print(json.dumps(M.objects.filter(status=M.Status.PENDING).count()))"
    )
    clock = p.query(PLANT_OVERDUE_CLOCK)
    p.start()
    yield p, pending, clock
    p.stop()


def test_notifications_queued_before_start_are_delivered(product):
    p, pending, _clock = product
    assert pending > 0  # seed_demo queued notifications with no worker running
    left = p.wait_for(
        "import json; from tickets.models import OutboxMessage as M; "
        "print(json.dumps(M.objects.filter(status=M.Status.PENDING).count() == 0))",
        timeout=30,
    )
    assert left is True, p.log()


def test_a_clock_past_due_before_start_is_breached_by_the_sweep(product):
    p, _pending, clock = product
    breached = p.wait_for(
        "import json; from sla.models import ClockEvent as E; "
        f"print(json.dumps(E.objects.filter(clock_id={clock}, kind='breach').exists()))",
        timeout=30,
    )
    assert breached is True, p.log()


def test_every_periodic_task_is_registered_and_visible_to_the_admin(product):
    p, *_ = product
    expected = ("sla.tasks.check_sla_clocks", "tickets.tasks.retry_outbox", "tickets.tasks.auto_close_resolved",
                "privacy.tasks", "journal.tasks")
    # Wait until every expected task has succeeded once (the catch-up at start runs them all, two at a
    # time), not merely the first one.
    names = p.wait_for(
        "import json; from helpdesk.models import BackgroundTask as T; "
        "names = sorted(T.objects.filter(periodic=True, registered=True, last_succeeded_at__isnull=False).values_list('name', flat=True)); "
        f"print(json.dumps(names if all(any(n.startswith(e) for n in names) for e in {expected!r}) else []))",
        timeout=90,
    )
    for task in expected:
        assert any(name.startswith(task) for name in names), (task, names)


def test_unknown_page_is_french_and_not_the_debug_page(product):
    p, *_ = product
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(urllib.request.Request(p.url + "/nulle-part/", headers={"Accept-Language": "en"}))
    html = error.value.read().decode()
    assert error.value.code == 404
    assert "Page introuvable" in html and "Retour à l'accueil" in html
    assert "URLconf" not in html


def test_static_files_are_served_without_debug(product):
    p, *_ = product
    with urllib.request.urlopen(p.url + "/static/web/app.css") as response:
        assert response.status == 200
        assert b".site-header" in response.read()


def test_the_log_has_no_traceback_and_no_unknown_task(product):
    p, *_ = product
    # Let the first periodic tick pass, then read what the server wrote.
    p.wait_for("import json; from helpdesk.models import BackgroundTask as T; "
               "print(json.dumps(T.objects.filter(last_succeeded_at__isnull=False).count() >= 3))", timeout=30)
    log = p.log()
    assert "not found in TaskRegistry" not in log
    assert "Traceback" not in log, log
    assert "Assistance ENT : http://127.0.0.1" in log
