"""Who is told about a ticket is bounded by who may read it (tickets.access): an SLA alert on a
security incident names its reference and title, so it never reaches a manager, who may not read
breaches (a bug found while unifying the access rule)."""

from django.utils import timezone

from directory.choices import Category
from tickets import access
from tickets.annotations import annotate
from tickets.models import EventKind, OutboxMessage


def test_sla_alert_on_a_breach_is_not_told_to_managers_who_may_not_read_it(open_mtp, u):
    ticket = open_mtp(category=Category.SECURITY, title="Compte d'élève piraté")
    manager = u["manager"]
    assert not access.can_view(manager, ticket)
    line = annotate(ticket.pk, EventKind.SLA_WARNING, at=timezone.now(), payload={"message": "Alerte SLA"})
    told = set()
    for row in OutboxMessage.objects.filter(event=line, channel=OutboxMessage.Channel.IN_APP):
        told.update(row.payload["user_ids"])
    assert manager.pk not in told
    assert all(access.can_view(type(manager).objects.get(pk=pk), ticket) for pk in told)


def test_sla_alert_on_an_ordinary_ticket_still_reaches_the_managers(open_mtp, u):
    ticket = open_mtp()
    line = annotate(ticket.pk, EventKind.SLA_WARNING, at=timezone.now(), payload={"message": "Alerte SLA"})
    told = set()
    for row in OutboxMessage.objects.filter(event=line, channel=OutboxMessage.Channel.IN_APP):
        told.update(row.payload["user_ids"])
    assert u["manager"].pk in told
