"""Data-subject requests: the competent controller per example convention (docs/conventions), the
answer clock (one month, GDPR art. 12-3, extendable once by two months) and the forwarding clock
(Poitiers art. 5: 8 days; Grand Est art. 7: « immédiatement », the same day) — met, late, extended."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from privacy.models import DataSubjectRequestStep, Party, Right, StepKind
from privacy.requests import record_request, record_step
from sla.clocks import raise_due_events
from sla.models import ClockEvent, ClockKind, ClockState

from .conftest import paris


def _request(convention, actor, *, received_by, module="", one_school=True, at=None, right=Right.ERASURE):
    return record_request(
        actor=actor, convention=convention, school=convention.schools.order_by("pk").first() if one_school else None,
        person_name="Camille Parent", person_contact="camille@example.org", right=right, received_by=received_by,
        module=module, received_at=at or paris(2025, 3, 14, 10),
    )


# --- routing, per example convention ------------------------------------------------------------
POITIERS = [
    # (module, one school?, received by) → competent, misdirected
    ("periscolaire", True, Party.COLLECTIVITE, [Party.COLLECTIVITE], False),  # « un module lui étant propre »
    ("periscolaire", False, Party.COLLECTIVITE, [Party.COLLECTIVITE], False),  # text order: the collectivité's own module stays
    ("mediacentre", True, Party.COLLECTIVITE, [Party.ACADEMIE], True),  # the DSDEN's module
    ("messagerie", False, Party.ACADEMIE, [Party.ACADEMIE], False),  # « excédant le champ … du seul établissement »
    ("messagerie", True, Party.COLLECTIVITE, [Party.ACADEMIE], True),  # « toute autre demande … par la DSDEN »
    ("", True, Party.COLLECTIVITE, [Party.ACADEMIE], True),
]


@pytest.mark.parametrize("module,one_school,received_by,competent,misdirected", POITIERS)
def test_poitiers_routing(convention, dpo, module, one_school, received_by, competent, misdirected):
    c = convention("poitiers")
    req = _request(c, dpo(c), received_by=received_by, module=module, one_school=one_school)
    assert req.competent == competent and req.misdirected is misdirected
    assert "Accord de responsabilité conjointe, article 5" in req.competent_why
    assert (req.forward_clock is not None) is misdirected
    if misdirected:
        assert req.forward_clock.due_at == paris(2025, 3, 22, 10)  # « au plus tard 8 jours après la réception »


@pytest.mark.parametrize("module,received_by,competent,misdirected", [
    ("vie-scolaire", Party.SCHOOL, [Party.SCHOOL], False),  # the chef d'établissement's own finalités
    ("lycee-4-0", Party.SCHOOL, [Party.COLLECTIVITE], True),  # the Région's
    ("messagerie", Party.COLLECTIVITE, [Party.SCHOOL, Party.COLLECTIVITE], False),  # « conjointe »
    ("messagerie", Party.ACADEMIE, [Party.SCHOOL, Party.COLLECTIVITE], True),  # the rectorat is not a controller
])
def test_grand_est_routing(convention, dpo, module, received_by, competent, misdirected):
    c = convention("grand_est")
    req = _request(c, dpo(c), received_by=received_by, module=module)
    assert req.competent == competent and req.misdirected is misdirected
    if misdirected:  # « immédiatement transférée » : the same day
        assert req.forward_clock.due_at == paris(2025, 3, 14, 23, 59, 59)


@pytest.mark.parametrize("received_by", [Party.COLLECTIVITE, Party.ACADEMIE])
def test_occitanie_routing_the_rectrice(convention, dpo, received_by):
    c = convention("occitanie")
    req = _request(c, dpo(c), received_by=received_by)
    assert req.competent == [Party.ACADEMIE]
    assert "Rectrice" in req.competent_why
    assert req.misdirected is (received_by != Party.ACADEMIE)
    assert req.forward_clock is None  # the convention sets no forwarding delay


@pytest.mark.parametrize("module,competent", [
    ("periscolaire", [Party.COLLECTIVITE]), ("annuaire", [Party.ACADEMIE]), ("", [Party.COLLECTIVITE, Party.ACADEMIE]),
])
def test_alpes_maritimes_routing(convention, dpo, module, competent):
    c = convention("alpes_maritimes")
    req = _request(c, dpo(c), received_by=Party.COLLECTIVITE, module=module)
    assert req.competent == competent
    assert req.misdirected is (Party.COLLECTIVITE not in competent)


def test_unknown_module_is_refused_on_its_field(convention, dpo):
    c = convention("poitiers")
    with pytest.raises(ValidationError) as exc:
        _request(c, dpo(c), received_by=Party.ACADEMIE, module="cantine")
    assert "module" in exc.value.message_dict


def test_a_requester_cannot_record_a_request(convention, db):
    from directory.models import User

    c = convention("poitiers")
    with pytest.raises(PermissionDenied):
        _request(c, User.objects.create_user("parent"), received_by=Party.ACADEMIE)


# --- the answer clock: one month, extendable once by two months ------------------------------------
def test_answer_met_within_the_month(convention, dpo):
    c = convention("occitanie")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE, at=paris(2025, 1, 31, 9))
    assert req.answer_clock.kind == ClockKind.DSR_ANSWER
    assert req.answer_clock.due_at == paris(2025, 2, 28, 9)  # the 31st → the month's last day
    step = record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 2, 28, 9), recipient="Camille Parent")
    req.answer_clock.refresh_from_db()
    assert step.within_target is True and req.answer_clock.state == ClockState.MET and req.answer_clock.met_by == user


def test_answer_late_stays_late(convention, dpo):
    c = convention("occitanie")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE, at=paris(2025, 3, 14, 10))
    assert req.answer_clock.due_at == paris(2025, 4, 14, 10)  # across the DST change, Paris time
    raise_due_events(paris(2025, 4, 15, 10))
    step = record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 4, 16, 10))
    assert step.within_target is False
    assert ClockEvent.objects.filter(clock=req.answer_clock, kind="breach").exists()
    # No second answer rewrites the first, no extension after the month.
    with pytest.raises(ValidationError):
        record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 4, 1, 10))
    with pytest.raises(ValidationError):
        record_step(req, kind=StepKind.EXTENDED, actor=user, at=paris(2025, 4, 1, 10), detail="complexité")
    req.answer_clock.refresh_from_db()
    assert req.answer_clock.met_within_target is False
    assert DataSubjectRequestStep.objects.get(pk=step.pk).within_target is False


def test_answer_extended_by_two_months_with_a_reason(convention, dpo):
    c = convention("occitanie")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE, at=paris(2025, 3, 14, 10))
    with pytest.raises(ValidationError) as exc:
        record_step(req, kind=StepKind.EXTENDED, actor=user, at=paris(2025, 4, 10, 10))
    assert "detail" in exc.value.message_dict  # the reason is required
    record_step(req, kind=StepKind.EXTENDED, actor=user, at=paris(2025, 4, 10, 10), detail="Demandes nombreuses")
    req.refresh_from_db()
    assert req.answer_clock.state == ClockState.MET and req.answer_clock.met_within_target is True
    assert req.extended_clock.due_at == paris(2025, 6, 14, 10)  # three months from receipt
    with pytest.raises(ValidationError):  # once only
        record_step(req, kind=StepKind.EXTENDED, actor=user, at=paris(2025, 4, 11, 10), detail="encore")
    step = record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 6, 1, 10))
    assert step.within_target is True and step.clock == req.extended_clock


def test_extended_answer_late(convention, dpo):
    c = convention("occitanie")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE, at=paris(2025, 3, 14, 10))
    record_step(req, kind=StepKind.EXTENDED, actor=user, at=paris(2025, 3, 20, 10), detail="Complexité")
    req.refresh_from_db()
    assert record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 6, 14, 10, 0, 1)).within_target is False


# --- the forwarding clock -----------------------------------------------------------------------
def test_poitiers_forwarded_within_8_days_then_relayed(convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    req = _request(c, user, received_by=Party.COLLECTIVITE, module="messagerie")
    step = record_step(req, kind=StepKind.FORWARDED, actor=user, at=paris(2025, 3, 22, 10))
    assert step.within_target is True and "Éducation nationale" in step.recipient
    with pytest.raises(ValidationError):  # the relay follows the answer (art. 5)
        record_step(req, kind=StepKind.RELAYED, actor=user, at=paris(2025, 3, 25, 10))
    record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 4, 1, 10))
    relayed = record_step(req, kind=StepKind.RELAYED, actor=user, at=paris(2025, 4, 2, 10))
    assert relayed.within_target is None and relayed.recipient


def test_poitiers_forwarded_late(convention, dpo):
    c = convention("poitiers")
    user = dpo(c)
    req = _request(c, user, received_by=Party.COLLECTIVITE, module="mediacentre")
    assert record_step(req, kind=StepKind.FORWARDED, actor=user, at=paris(2025, 3, 22, 10, 0, 1)).within_target is False


@pytest.mark.parametrize("at,in_time", [(paris(2025, 3, 14, 23, 59, 59), True), (paris(2025, 3, 15, 8), False)])
def test_grand_est_forwarded_the_same_day(convention, dpo, at, in_time):
    c = convention("grand_est")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE, module="messagerie")
    assert record_step(req, kind=StepKind.FORWARDED, actor=user, at=at).within_target is in_time


def test_a_request_received_by_the_competent_party_has_nothing_to_forward(convention, dpo):
    c = convention("occitanie")
    user = dpo(c)
    req = _request(c, user, received_by=Party.ACADEMIE)
    with pytest.raises(ValidationError):
        record_step(req, kind=StepKind.FORWARDED, actor=user, at=paris(2025, 3, 15, 10))


def test_no_relay_where_the_convention_has_none(convention, dpo):
    c = convention("grand_est")
    user = dpo(c)
    req = _request(c, user, received_by=Party.SCHOOL, module="vie-scolaire")
    record_step(req, kind=StepKind.ANSWERED, actor=user, at=paris(2025, 3, 20, 10))
    with pytest.raises(ValidationError):
        record_step(req, kind=StepKind.RELAYED, actor=user, at=paris(2025, 3, 21, 10))
