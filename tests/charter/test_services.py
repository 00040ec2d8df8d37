"""The Grand Est communication charter: every path, the clocks in jours ouvrables, the register,
the notifications, the perimeter."""

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from charter import selectors, services
from charter.models import Communication, CommunicationEvent, Kind, Outcome, Status
from sla.calendar import PARIS
from tickets.models import OutboxMessage

# Thursday 2 April 2026, 10:00 in Metz: Good Friday (3) and Easter Monday (6) are holidays in Moselle.
THURSDAY = datetime(2026, 4, 2, 10, tzinfo=PARIS)


@pytest.fixture
def moselle(world):
    return world.users["collectivite"].memberships.get().desk.collectivite


def _submit(world, moselle, kind=Kind.ONE_OFF, now=THURSDAY, schools=("0570098X",)):
    return services.submit(world.users["collectivite"], collectivite_id=moselle.pk, kind=kind,
                           title="Fermeture de la cantine", content="Le **restaurant scolaire** sera fermé.<script>x</script>",
                           schools=[world.schools[u] for u in schools], now=now)


def _steps(c):
    return list(CommunicationEvent.objects.filter(communication=c).values_list("kind", flat=True))


def _mails(event_name):
    return [m.payload for m in OutboxMessage.objects.filter(channel="email", event_name=event_name)]


def test_one_off_is_approved_tacitly_after_three_working_days(world, moselle):
    c = _submit(world, moselle)
    # Sat 4 (1), Sun 5 and Easter Monday skipped, Tue 7 (2), Wed 8 (3): tacit at midnight after Wed 8.
    assert c.deadline == datetime(2026, 4, 9, tzinfo=PARIS)
    assert c.status == Status.SUBMITTED
    chef = world.users["principal"]
    assert [m["to"] for m in _mails("charter.submitted")] == [[chef.email]]
    assert "restaurant scolaire" in _mails("charter.submitted")[0]["body"]
    assert OutboxMessage.objects.filter(channel="in_app", event_name="charter.submitted", payload__user_ids=[chef.pk]).exists()
    assert services.apply_tacit_approvals(datetime(2026, 4, 8, 23, 59, tzinfo=PARIS)) == 0
    assert services.apply_tacit_approvals(datetime(2026, 4, 9, 0, 0, tzinfo=PARIS)) == 1
    c.refresh_from_db()
    assert c.status == Status.TACIT and c.may_publish
    assert _steps(c) == ["submitted", "tacit"]
    assert services.apply_tacit_approvals(datetime(2026, 4, 20, tzinfo=PARIS)) == 0  # once


def test_tacit_approval_through_the_command(world, moselle):
    c = _submit(world, moselle)
    call_command("charter_tacit", "--now", "2026-04-09T00:00:00+02:00")
    c.refresh_from_db()
    assert c.status == Status.TACIT


def test_recurring_has_five_working_days_and_the_academic_services_are_told(world, moselle):
    c = _submit(world, moselle, kind=Kind.RECURRING)
    # Sat 4, Tue 7, Wed 8, Thu 9, Fri 10 → midnight after Friday 10 April.
    assert c.deadline == datetime(2026, 4, 11, tzinfo=PARIS)
    guichet = world.users["guichet"]
    assert OutboxMessage.objects.filter(channel="in_app", event_name="charter.submitted", payload__user_ids=[guichet.pk]).exists()


def test_reasoned_refusal(world, moselle):
    c = _submit(world, moselle, kind=Kind.RECURRING)
    chef = world.users["principal"]
    with pytest.raises(ValidationError) as err:
        services.refuse(chef, c, reason="  ")
    assert "reason" in err.value.message_dict
    c = services.refuse(chef, c, reason="Propos à caractère partisan.")
    assert c.status == Status.REFUSED and c.reason == "Propos à caractère partisan."
    assert _steps(c) == ["submitted", "refused"]
    assert CommunicationEvent.objects.get(communication=c, kind="refused").school == world.schools["0570098X"]
    assert any("Propos à caractère partisan" in m["body"] for m in _mails("charter.refused"))
    assert services.apply_tacit_approvals(datetime(2026, 5, 1, tzinfo=PARIS)) == 0


def test_doubt_then_rectification_restarts_the_delay(world, moselle):
    c = _submit(world, moselle)
    chef = world.users["principal"]
    c = services.doubt(chef, c, reason="Le tarif cité est erroné.", now=datetime(2026, 4, 4, 9, tzinfo=PARIS))
    assert c.status == Status.DOUBT
    assert OutboxMessage.objects.filter(channel="in_app", event_name="charter.doubt", payload__user_ids=[world.users["guichet"].pk]).exists()
    assert services.apply_tacit_approvals(datetime(2026, 4, 20, tzinfo=PARIS)) == 0  # no tacit approval while in doubt
    with pytest.raises(PermissionDenied):
        services.approve(chef, c)
    c = services.rectify(world.users["collectivite"], c, content="Le tarif est de 3,50 €.", now=datetime(2026, 4, 30, 9, tzinfo=PARIS))
    # Thu 30 April: (Fri 1 May skipped) Sat 2, (Sun 3) Mon 4, Tue 5 → midnight after 5 May.
    assert c.status == Status.RECTIFIED and c.version == 2 and c.deadline == datetime(2026, 5, 6, tzinfo=PARIS)
    c = services.approve(chef, c)
    assert c.status == Status.APPROVED
    assert _steps(c) == ["submitted", "doubt", "rectified", "approved"]


def test_emergency_is_published_at_once_with_a_copy_by_email(world, moselle):
    c = _submit(world, moselle, kind=Kind.EMERGENCY, schools=("0570098X", "0571234G"))
    assert c.status == Status.PUBLISHED_URGENT and c.published_at == THURSDAY and c.deadline is None and c.may_publish
    mails = _mails("charter.published_urgent")
    assert [m["to"] for m in mails] == [[world.users["principal"].email]]
    assert "restaurant scolaire" in mails[0]["body"]  # the exhaustive content
    assert _steps(c) == ["published_urgent"]


def test_arbitration_by_the_recteur(world, moselle):
    c = _submit(world, moselle)
    c = services.refuse(world.users["principal"], c, reason="Hors du champ de la charte.")
    agent = world.users["collectivite"]
    with pytest.raises(ValidationError) as err:
        services.refer_to_arbitration(agent, c, arbiter="prefet", reason="x")
    assert "arbiter" in err.value.message_dict
    c = services.refer_to_arbitration(agent, c, arbiter="recteur", reason="Information organisationnelle.")
    assert c.status == Status.ARBITRATION
    with pytest.raises(PermissionDenied):
        services.arbitrate(world.users["principal"], c, outcome=Outcome.APPROVED, reason="x")
    c = services.arbitrate(world.users["guichet"], c, outcome=Outcome.APPROVED, reason="Information pratique, neutre.")
    assert c.status == Status.ARBITRATED and c.may_publish
    assert _steps(c) == ["submitted", "refused", "arbitration", "arbitrated"]


def test_perimeter(world, moselle):
    c = _submit(world, moselle)
    for username in ("collectivite", "principal", "guichet", "admin"):
        assert selectors.visible_communication(world.users[username], c.pk) is not None, username
    for username in ("enseignant", "directeur", "manager", "erun", "editeur", "cpe", "region"):
        assert selectors.visible_communication(world.users[username], c.pk) is None, username
    with pytest.raises(PermissionDenied):
        services.approve(world.users["directeur"], c)  # a director, of another school
    with pytest.raises(PermissionDenied):  # the Région does not submit for the Moselle
        services.submit(world.users["region"], collectivite_id=moselle.pk, kind=Kind.ONE_OFF, title="t", content="c",
                        schools=[world.schools["0570098X"]])
    with pytest.raises(ValidationError) as err:  # a lycée of the Région is not the Moselle's
        _submit(world, moselle, schools=("0573456X",))
    assert "schools" in err.value.message_dict
    assert selectors.allowed_actions(world.users["principal"], c) == ["approve", "refuse", "doubt"]
    assert selectors.allowed_actions(world.users["collectivite"], c) == []


def test_register_is_append_only(world, moselle):
    c = _submit(world, moselle)
    with pytest.raises(TypeError):
        CommunicationEvent.objects.filter(communication=c).update(note="x")
    with pytest.raises(TypeError):
        CommunicationEvent.objects.filter(communication=c).first().delete()
    assert Communication.objects.count() == 1


def test_the_periodic_task_applies_tacit_approvals(world, moselle):
    from charter.tasks import apply_tacit_approvals

    c = _submit(world, moselle, now=datetime(2020, 1, 6, 10, tzinfo=PARIS))  # long past: due now
    assert apply_tacit_approvals.call_local() == 1
    c.refresh_from_db()
    assert c.status == Status.TACIT
