"""The DPO's part of the demo history (sla/demo.py tells the stories, the project hands it these
functions: privacy sits above sla). Every write goes through the services a DPO's click would call."""

from __future__ import annotations

from directory.choices import ConventionParty

from .models import BreachStepKind, Right, StepKind
from .requests import record_request, record_step
from .services import save_breach_report
from .steps import record_breach_step

FICTIF = "(fictif)"


def breach_report(ticket, *, actor, **fields):
    return save_breach_report(ticket, actor=actor, **fields)


def other_party_notified(ticket, *, actor, evidence: str):
    return record_breach_step(ticket, actor=actor, kind=BreachStepKind.OTHER_PARTY, evidence=evidence)


def cnil_notified(ticket, *, actor, evidence: str, reference: str):
    return record_breach_step(ticket, actor=actor, kind=BreachStepKind.CNIL, evidence=evidence, reference=reference)


def misdirected_access_request(*, actor, convention, school, received_at):
    """A parent's access request sent to the commune; the convention names the académie."""
    return record_request(
        actor=actor, convention=convention, school=school,
        person_name=f"Parent d'élève {FICTIF}", person_contact=f"parent.fictif@example.org {FICTIF}",
        right=Right.ACCESS, received_by=ConventionParty.COLLECTIVITE, received_at=received_at)


def forwarded(req, *, actor, recipient: str):
    return record_step(req, kind=StepKind.FORWARDED, actor=actor, recipient=recipient)


def answered(req, *, actor, detail: str):
    return record_step(req, kind=StepKind.ANSWERED, actor=actor, detail=detail)
