"""Security incidents: visible only to DPOs and competent authorities of the perimeter; legal
clocks; CNIL notification data and printable document; every access journaled."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from journal.models import AccessEntry, Outcome
from privacy.services import save_breach_report
from sla.models import Clock, ClockKind
from tickets import permissions, selectors, services
from tickets.exceptions import PermissionDenied as TicketPermissionDenied

# reporter, school correspondent (the ticket lands at the school's desk), Lattes ERUN, académie DSI
# and DPO, admin; never vendors, trainers, managers or another académie/collectivité.
CAN_SEE = {"enseignant", "directeur", "erun", "dpo", "admin", "dsi"}
CANNOT_SEE = {"guichet", "collectivite", "editeur", "formateur", "manager"}


@pytest.mark.parametrize("username", sorted(CAN_SEE | CANNOT_SEE))
def test_breach_visibility_per_role(username, breach, u, client):
    user = u[username]
    expected = username in CAN_SEE
    assert permissions.can_view(user, breach) is expected
    assert selectors.visible_to(user).filter(pk=breach.pk).exists() is expected
    client.force_login(user)
    response = client.get(reverse("web:ticket", args=[breach.reference]))
    assert response.status_code == (200 if expected else 404)
    api = client.get(f"/api/v1/tickets/{breach.reference}/")
    assert api.status_code == (200 if expected else 404)
    assert AccessEntry.objects.filter(object_label=breach.reference, actor=user,
                                      outcome=Outcome.GRANTED if expected else Outcome.DENIED).count() == 2


def test_breach_carries_the_legal_clocks(breach):
    kinds = set(Clock.objects.filter(ticket=breach).values_list("kind", flat=True))
    assert {ClockKind.BREACH_NOTICE, ClockKind.CNIL_NOTICE} <= kinds


def test_vendor_cannot_act_on_a_breach_even_at_its_desk(breach, u):
    from tickets.models import Ticket

    Ticket.objects.filter(pk=breach.pk).update(desk=u["editeur"].memberships.get().desk)
    breach.refresh_from_db()
    assert not permissions.can_view(u["editeur"], breach)
    with pytest.raises(TicketPermissionDenied):
        permissions.check("take", u["editeur"], breach)


FIELDS = dict(nature="Confidentialité : liste d'élèves visible", person_categories="Élèves, parents", approx_persons=120,
              record_categories="Noms, classes", approx_records=120, consequences="Divulgation limitée",
              measures_taken="Partage retiré", measures_proposed="Revue des droits", contact_name="DPD académie",
              contact_email="dpd@example.org")


def test_dpo_fills_the_notification_and_prints_it(breach, login, u):
    client = login("dpo")
    url = reverse("privacy:breach", args=[breach.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, FIELDS)
    assert response.status_code == 302
    page = client.get(reverse("privacy:breach_notification", args=[breach.reference]))
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("Article 33", "120", "Élèves, parents", "Partage retiré", "Revue des droits", "DPD académie", breach.school.uai):
        assert text in body
    assert breach.breach_report.missing == []
    kinds = list(AccessEntry.objects.filter(actor=u["dpo"], object_type="breach").values_list("action", flat=True))
    assert kinds == ["view", "change", "view"]


def test_notification_refused_outside_the_perimeter_and_journaled(breach, login, u):
    save_breach_report(breach, actor=u["dpo"], **FIELDS)
    for username in ("editeur", "manager", "erun", "enseignant"):
        client = login(username)
        assert client.get(reverse("privacy:breach_notification", args=[breach.reference])).status_code == 404
        assert client.post(reverse("privacy:breach", args=[breach.reference]), FIELDS).status_code == 404
    denied = AccessEntry.objects.filter(object_type="breach", outcome=Outcome.DENIED)
    assert denied.count() == 8 and set(denied.values_list("school_id", flat=True)) == {breach.school_id}


def test_breach_report_rules(breach, mtp_ticket, u):
    with pytest.raises(PermissionDenied):
        save_breach_report(breach, actor=u["erun"], **FIELDS)
    with pytest.raises(ValidationError):
        save_breach_report(mtp_ticket, actor=u["dpo"], **FIELDS)
    with pytest.raises(ValidationError):
        save_breach_report(breach, actor=u["dpo"], **{**FIELDS, "nature": " "})
    report = save_breach_report(breach, actor=u["dpo"], nature="Suspicion")
    assert "nombre approximatif de personnes" in report.missing


def test_breach_at_a_vendor_desk_stays_out_of_the_vendor_queue(breach, u):
    """The work queue obeys the same rule as the lists: a vendor never sees a breach."""
    from tickets.models import Ticket

    desk = u["editeur"].memberships.get().desk
    Ticket.objects.filter(pk=breach.pk).update(desk=desk)
    assert not selectors.actionable_by(u["editeur"]).filter(pk=breach.pk).exists()
