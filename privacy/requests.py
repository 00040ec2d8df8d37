"""Data-subject requests (GDPR art. 12 and 15-21): intake, the competent controller decided by the
convention's data, the clocks and the steps that stop them.

The rule set lives on the convention (`dsr_modules`, `dsr_rules`, `dsr_forward_days`,
`dsr_relay_answer`, imported from the key `data_subject_requests` of a convention file): an
ordered list, the first rule whose conditions hold names the controller(s). Conditions:
`module_owner` (who the module belongs to: collectivite, academie, school, shared) and `scope`
(school: one school; beyond_school: more than one). `controller` is a party, a list of parties
(joint), or "module_owner" (the owner of the module, when it has one).

Clocks (sla.Clock, calendar time, Europe/Paris): the answer within one month of receipt (GDPR
art. 12-3), extendable once by two months with a reason given within that month; forwarding a
request received by a party that is not competent within the convention's delay (0 = the same
day). Recording a step stops its clock; the clock's result is never rewritten."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from directory.choices import Role
from directory.selectors import perimeter_for
from sla import clocks as engine
from sla.models import ClockKind, ClockState
from sla.services import start_request_clock

from .models import DataSubjectRequest, DataSubjectRequestStep, Party, Right, StepKind

PARIS = ZoneInfo("Europe/Paris")
ROLES = (Role.AGENT, Role.DPO)
# GDPR art. 26-3: whatever the arrangement, the person may exercise their rights against each controller.
NO_RULE_WHY = "La convention ne répartit pas les demandes : chaque responsable conjoint y répond (RGPD art. 26-3)."


def module_of(convention, slug):
    return next((m for m in convention.dsr_modules or [] if m.get("slug") == slug), None)


def competent_for(convention, *, module: str = "", school=None) -> tuple[list[str], str]:
    """(parties, why): the controller(s) who answer, by the first applicable rule of the convention."""
    found = module_of(convention, module) if module else None
    owner = found.get("owner") if found else None
    scope = "school" if school is not None else "beyond_school"
    facts = [f"module « {found['name']} » ({_owner_label(owner)})" if found else "module non précisé",
             "une seule école" if school is not None else "au-delà d'une seule école"]
    for rule in convention.dsr_rules or []:
        if rule.get("module_owner") not in (None, owner) or rule.get("scope") not in (None, scope):
            continue
        controller = rule["controller"]
        if controller == "module_owner":
            if owner not in Party.values:
                continue  # a shared module has no single owner: a later rule decides
            parties = [owner]
        else:
            parties = controller if isinstance(controller, list) else [controller]
        source = f"{convention.dsr_source} — " if convention.dsr_source else ""
        return parties, f"{source}{rule['why']} ({', '.join(facts)})"
    parties = [Party.ACADEMIE.value] + ([Party.COLLECTIVITE.value] if convention.collectivites.exists() else [])
    return parties, NO_RULE_WHY


def _owner_label(owner):
    if owner in Party.values:
        return f"responsable : {Party(owner).label}"
    return "module commun"


# --- dates (calendar time, Paris) ----------------------------------------------------------------
def add_months(at: datetime, months: int) -> datetime:
    """Same Paris wall-clock time `months` later; the 31st becomes the month's last day."""
    local = timezone.localtime(at, PARIS)
    y, m = divmod(local.month - 1 + months, 12)
    year, month = local.year + y, m + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return datetime.combine(local.date().replace(year=year, month=month, day=day), local.time(), tzinfo=PARIS)


def forward_due(at: datetime, days: int) -> datetime:
    """`days` later at the same Paris time; 0 (« immédiatement ») = before the end of that day."""
    local = timezone.localtime(at, PARIS)
    if days == 0:
        return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PARIS) - timedelta(seconds=1)
    return datetime.combine(local.date() + timedelta(days=days), local.time(), tzinfo=PARIS)


# --- who ---------------------------------------------------------------------------------------------
def _perimeter(user):
    """The user's perimeter without the grants of a vendor's desk: the publisher's support (a
    processor, and its API clients) does not hold the controllers' register of requests."""
    p = perimeter_for(user)
    if any(g.scope == "vendor" for g in p.grants):
        p = replace(p, grants=tuple(g for g in p.grants if g.scope != "vendor"))
    return p


def _schools(user):
    return _perimeter(user).schools(roles=list(ROLES))


def may_record(user) -> bool:
    p = _perimeter(user)
    return p.everything or p.has_role(*ROLES)


def visible_requests(user):
    """The requests a person may read: an agent or DPO whose perimeter covers the school (or, for
    a request beyond one school, one of the convention's schools), whoever recorded it, administrators;
    not a vendor's support (see _perimeter)."""
    p = _perimeter(user)
    qs = DataSubjectRequest.objects.select_related("convention", "school", "answer_clock", "extended_clock", "forward_clock")
    if p.everything:
        return qs
    q = Q(created_by_id=user.pk)
    if p.has_role(*ROLES):
        schools = _schools(user).values("pk")
        q |= Q(school__in=schools) | Q(school__isnull=True, convention__coverage__school__in=schools)
    return qs.filter(pk__in=DataSubjectRequest.objects.filter(q).values("pk"))


def conventions_for(user):
    from directory.models import Convention

    if perimeter_for(user).everything:
        return Convention.objects.all()
    return Convention.objects.filter(coverage__school__in=_schools(user).values("pk")).distinct()


# --- writes ------------------------------------------------------------------------------------------
def _check_at(at, field, *, not_before=None):
    if at is None or timezone.is_naive(at):
        raise ValidationError({field: "date et heure attendues."})
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({field: "cette date est dans le futur."})
    if not_before is not None and at < not_before:
        raise ValidationError({field: "cette date précède la réception de la demande."})


@transaction.atomic
def record_request(*, actor, convention, school=None, person_name: str, person_contact: str, right: str,
                   received_by: str, module: str = "", received_at: datetime) -> DataSubjectRequest:
    """Intake: the competent party is decided now, and the clocks start from the receipt."""
    if not may_record(actor) or not conventions_for(actor).filter(pk=convention.pk).exists():
        raise PermissionDenied("Seuls les agents et délégués à la protection des données du périmètre enregistrent une demande.")
    if school is not None and not convention.coverage.filter(school=school).exists():
        raise ValidationError({"school": "cette école n'est pas couverte par la convention choisie."})
    if school is not None and not (perimeter_for(actor).everything or _schools(actor).filter(pk=school.pk).exists()):
        raise ValidationError({"school": "cette école n'est pas dans votre périmètre."})
    if not (person_name or "").strip():
        raise ValidationError({"person_name": "indiquer le nom de la personne."})
    if not (person_contact or "").strip():
        raise ValidationError({"person_contact": "indiquer un moyen de répondre à la personne."})
    if right not in Right.values:
        raise ValidationError({"right": f"droit inconnu ({', '.join(Right.values)})."})
    if received_by not in Party.values:
        raise ValidationError({"received_by": f"partie inconnue ({', '.join(Party.values)})."})
    found = module_of(convention, module) if module else None
    if module and found is None:
        raise ValidationError({"module": "ce module n'est pas décrit par la convention choisie."})
    _check_at(received_at, "received_at")
    parties, why = competent_for(convention, module=module, school=school)
    misdirected = received_by not in parties
    req = DataSubjectRequest(
        convention=convention, school=school, person_name=person_name.strip(), person_contact=person_contact.strip(),
        right=right, received_by=received_by, module=module or "", module_label=found["name"] if found else "",
        received_at=received_at, competent=parties, competent_why=why, misdirected=misdirected, created_by=actor,
    )
    req.answer_clock = start_request_clock(ClockKind.DSR_ANSWER, received_at, add_months(received_at, 1),
                                           note="RGPD art. 12-3 : un mois")
    if misdirected and convention.dsr_forward_days is not None:
        days = convention.dsr_forward_days
        req.forward_clock = start_request_clock(
            ClockKind.DSR_FORWARD, received_at, forward_due(received_at, days),
            note=f"{convention.dsr_source or 'convention'} : {days} jour(s)" if days else
                 f"{convention.dsr_source or 'convention'} : immédiatement (le jour même)")
    req.save()
    return req


def _stop(clock, at, actor, reason):
    try:
        return engine.stop_clock(clock, at, by=actor, reason=reason)
    except engine.ClockError:
        raise ValidationError({"at": "cette date précède la dernière étape enregistrée."}) from None


@transaction.atomic
def record_step(req: DataSubjectRequest, *, kind: str, actor, at: datetime | None = None, recipient: str = "",
                detail: str = "") -> DataSubjectRequestStep:
    """Forwarded / extended / answered / relayed: who and when; stops the step's clock (in time or
    not, to the second, and for good)."""
    if not may_record(actor) or not visible_requests(actor).filter(pk=req.pk).exists():
        raise PermissionDenied("Demande hors de votre périmètre.")
    req = DataSubjectRequest.objects.select_for_update().get(pk=req.pk)
    at = at or timezone.now()
    _check_at(at, "at", not_before=req.received_at)
    recipient, detail = (recipient or "").strip(), (detail or "").strip()
    if kind not in StepKind.values:
        raise ValidationError({"kind": f"étape inconnue ({', '.join(StepKind.values)})."})
    done = set(req.steps.values_list("kind", flat=True))
    if kind in done:
        raise ValidationError({"kind": "cette étape est déjà enregistrée (une étape ne se réécrit pas)."})
    clock = None
    if kind == StepKind.FORWARDED:
        if not req.misdirected:
            raise ValidationError({"kind": "la demande a été reçue par la partie compétente : rien à transmettre."})
        recipient = recipient or ", ".join(req.competent_labels)
        if req.forward_clock_id:
            clock = _stop(req.forward_clock, at, actor, "forwarded")
    elif kind == StepKind.EXTENDED:
        if not detail:
            raise ValidationError({"detail": "indiquer le motif de la prolongation (complexité, nombre de demandes)."})
        if StepKind.ANSWERED in done:
            raise ValidationError({"kind": "la réponse est déjà apportée."})
        first = req.answer_clock
        if first.state != ClockState.RUNNING or at > first.due_at:
            raise ValidationError({"at": "la prolongation s'annonce dans le mois qui suit la réception (RGPD art. 12-3) : ce délai est passé."})
        clock = _stop(first, at, actor, "extended")
        req.extended_clock = start_request_clock(ClockKind.DSR_ANSWER, req.received_at, add_months(req.received_at, 3),
                                                 note=f"prolongé : {detail}"[:255])
        req.save(update_fields=["extended_clock"])
    elif kind == StepKind.ANSWERED:
        clock = _stop(req.current_answer_clock, at, actor, "answered")
    elif kind == StepKind.RELAYED:
        if not req.convention.dsr_relay_answer or Party.ACADEMIE not in req.competent:
            raise ValidationError({"kind": "la convention ne prévoit pas de communiquer la réponse à la collectivité."})
        if StepKind.ANSWERED not in done:
            raise ValidationError({"kind": "enregistrer d'abord la réponse apportée à la personne."})
        recipient = recipient or str(Party.COLLECTIVITE.label)
    return DataSubjectRequestStep.objects.create(
        request=req, kind=kind, at=at, by=actor, recipient=recipient[:200], detail=detail, clock=clock,
        within_target=clock.met_within_target if clock is not None else None,
    )


def available_steps(req, done=None) -> list[str]:
    """`done`: the kinds already recorded, when the caller has them (a list: no query per row)."""
    done = set(req.steps.values_list("kind", flat=True)) if done is None else set(done)
    out = []
    if req.misdirected and StepKind.FORWARDED not in done:
        out.append(StepKind.FORWARDED)
    if StepKind.ANSWERED not in done:
        if StepKind.EXTENDED not in done and req.answer_clock and req.answer_clock.state == ClockState.RUNNING:
            out.append(StepKind.EXTENDED)
        out.append(StepKind.ANSWERED)
    elif req.convention.dsr_relay_answer and Party.ACADEMIE in req.competent and StepKind.RELAYED not in done:
        out.append(StepKind.RELAYED)
    return out


# --- retention ----------------------------------------------------------------------------------
# A request is kept, to prove it was answered in time, as long as a closed ticket of its convention
# (RetentionPolicy, else HELPDESK["TICKET_RETENTION_DAYS"]), counted from the answer — or, never
# answered, from the end of the longest legal delay (three months after receipt).
UNANSWERED_END_MONTHS = 3


def expired_requests(now=None) -> list[DataSubjectRequest]:
    from .models import RetentionPolicy
    from .services import default_retention_days

    now = now or timezone.now()
    policies = {p.convention_id: p.closed_ticket_days for p in RetentionPolicy.objects.all()}
    default = default_retention_days()
    answered = {r: at for r, at in DataSubjectRequestStep.objects.filter(kind=StepKind.ANSWERED, request__anonymised_at=None)
                .values_list("request_id", "at")}
    candidates = DataSubjectRequest.objects.filter(anonymised_at=None).order_by("pk")
    out = []
    for req in candidates:
        end = answered.get(req.pk) or add_months(req.received_at, UNANSWERED_END_MONTHS)
        if end < now - timedelta(days=policies.get(req.convention_id, default)):
            out.append(req)
    return out


@transaction.atomic
def anonymise_request(req: DataSubjectRequest, now=None) -> DataSubjectRequest:
    """Anonymisation, not pseudonymisation: the person's name and contact, the steps' free text
    (recipient, reason, reference) and the notes of its clocks go; nothing else names the person."""
    from sla.models import Clock

    from .services import ANONYMISED

    req = DataSubjectRequest.objects.select_for_update().get(pk=req.pk)
    if req.anonymised_at is not None:
        return req
    DataSubjectRequest.objects.filter(pk=req.pk).update(person_name=ANONYMISED, person_contact=ANONYMISED,
                                                        anonymised_at=now or timezone.now())
    steps = req.steps.all()
    steps.exclude(recipient="").update(recipient=ANONYMISED)
    steps.exclude(detail="").update(detail=ANONYMISED)
    clocks = [c for c in (req.answer_clock_id, req.extended_clock_id, req.forward_clock_id) if c]
    Clock.objects.filter(pk__in=clocks).exclude(note="").update(note=ANONYMISED)
    req.refresh_from_db()
    return req


def anonymise_expired_requests(now=None) -> int:
    done = 0
    for req in expired_requests(now):
        anonymise_request(req, now=now)
        done += 1
    return done
