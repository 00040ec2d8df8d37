"""`seed_demo` (the quick start's demo data): a world with people and tickets at every stage."""

import pytest
from django.core.management import CommandError, call_command

from sla import rollup
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_world_and_its_tickets(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert "8 demandes" in capsys.readouterr().out
    states = set(Ticket.objects.values_list("state", flat=True))
    assert {State.NEW, State.IN_PROGRESS, State.WAITING_REQUESTER, State.RESOLVED, State.CLOSED} <= states
    assert Ticket.objects.filter(level=3, reached_vendor=True).exists()  # one reached the vendor, qualified
    assert rollup.stored() == rollup.compute()  # the dashboard has figures from the first start
    call_command("seed_demo", "--if-empty")  # the second `make run` leaves it as it is
    assert Ticket.objects.count() == 8


def test_seed_demo_refuses_in_the_production_profile(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
