"""Who notifies the CNIL of a breach, and the jointly drafted file, as the convention says
(directory/breach_rules.py, key `breach_notification`).

- `cnil_notifier(ticket, report)`: {"who", "why", "pending"}: the party (and, where the text names
  it, the organisation) that sends the notification under GDPR art. 33, with the clause quoted;
  `pending` when the rule needs the perimeter of the persons affected and the file does not say it.
- `approve_file(ticket, actor)`: a DPO of one of the drafting parties approves the file as it reads
  now (Alpes-Maritimes art. 6: « travaillent conjointement à la rédaction du dossier »); a change
  of the file clears the approvals (privacy.services.save_breach_report)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from directory.choices import CollectiviteKind, ConventionParty, Role
from directory.routing import competent_collectivite

from .models import AffectedPerimeter, BreachReport
from .services import may_manage_breach

GDPR_DEFAULT = "La convention ne désigne pas la partie qui notifie : chaque responsable de traitement notifie pour sa part (RGPD art. 33)."
JOINT_PARTIES = (ConventionParty.COLLECTIVITE, ConventionParty.ACADEMIE)
# Grand Est art. 7: the perimeter of the persons affected decides.
PERIMETER_WHY = {
    AffectedPerimeter.ALL: "« une faille qui concernerait l'ensemble des utilisateurs serait notifié par la Région »",
    AffectedPerimeter.ACADEMIE: "« l'ensemble des utilisateurs d'une académie par son autorité académique »",
    AffectedPerimeter.DEPARTEMENT: "« l'ensemble des utilisateurs d'un département par la collectivité concernée »",
    AffectedPerimeter.SCHOOLS: "« seulement un ou quelques établissements par le ou chefs d'établissement concernés »",
}


def rules_of(ticket) -> dict:
    return (ticket.convention.breach_rules or {}) if ticket.convention_id else {}


def _party(ticket, party: str) -> str:
    school = ticket.school
    if party == ConventionParty.ACADEMIE:
        return f"Autorité académique — {school.academie}"
    if party == ConventionParty.SCHOOL:
        return f"Chef d'établissement — {school}"
    candidates = list(ticket.convention.collectivites.all()) if ticket.convention_id else []
    found = competent_collectivite(school, candidates)
    return f"Collectivité — {found}" if found else str(ConventionParty.COLLECTIVITE.label)


def cnil_notifier(ticket, report: BreachReport | None) -> dict:
    rules = rules_of(ticket)
    notifier = rules.get("cnil_notifier")
    if not notifier:
        return {"who": "", "why": GDPR_DEFAULT, "pending": False}
    source = rules.get("source") or "convention"
    if notifier != "perimeter":
        return {"who": _party(ticket, notifier), "why": source, "pending": False}
    perimeter = report.affected_perimeter if report else ""
    if not perimeter:
        return {"who": "", "pending": True,
                "why": f"{source} : le périmètre des personnes concernées détermine qui notifie — à indiquer dans le dossier."}
    why = f"{source} : {PERIMETER_WHY[perimeter]}"
    if perimeter == AffectedPerimeter.ACADEMIE:
        who = _party(ticket, ConventionParty.ACADEMIE)
    elif perimeter == AffectedPerimeter.SCHOOLS:
        who = "Chef(s) d'établissement concerné(s) — " + str(ticket.school)
    else:
        kind = CollectiviteKind.REGION if perimeter == AffectedPerimeter.ALL else CollectiviteKind.DEPARTEMENT
        found = [c for c in ticket.convention.collectivites.all() if c.kind == kind]
        if kind == CollectiviteKind.DEPARTEMENT:
            code = (ticket.school.commune_code or "")[:2]
            found = [c for c in found if c.insee_code == code] or found
        who = f"Collectivité — {found[0]}" if len(found) == 1 else str(CollectiviteKind(kind).label)
    return {"who": who, "why": why, "pending": False}


def joint_draft(ticket) -> bool:
    return bool(rules_of(ticket).get("joint_draft"))


def party_of(user, ticket) -> str | None:
    """The drafting party a DPO speaks for: their collectivité or their académie."""
    for m in user.memberships.filter(role=Role.DPO):
        if m.collectivite_id:
            return ConventionParty.COLLECTIVITE
        if m.academie_id or m.region_id:
            return ConventionParty.ACADEMIE
    return None


def approvals_pending(ticket, report: BreachReport | None) -> list[str]:
    """The drafting parties that have not approved the file as it reads now (labels)."""
    if not joint_draft(ticket):
        return []
    done = (report.approvals if report else {}) or {}
    return [str(p.label) for p in JOINT_PARTIES if p.value not in done]


@transaction.atomic
def approve_file(ticket, *, actor) -> BreachReport:
    from tickets.annotations import annotate
    from tickets.models import EventKind

    if not joint_draft(ticket):
        raise ValidationError({"approval": "La convention ne prévoit pas de dossier rédigé conjointement."})
    if not may_manage_breach(actor, ticket):
        raise PermissionDenied("Seul un délégué à la protection des données d'une partie valide le dossier.")
    party = party_of(actor, ticket)
    if party is None:
        raise PermissionDenied("Seul un délégué à la protection des données de la collectivité ou de l'Éducation nationale valide le dossier.")
    report = BreachReport.objects.select_for_update().filter(ticket=ticket).first()
    if report is None:
        raise ValidationError({"approval": "Rédiger d'abord le dossier de notification."})
    if party in report.approvals:
        raise ValidationError({"approval": "Votre partie a déjà validé le dossier tel qu'il est rédigé."})
    now = timezone.now()
    report.approvals = {**report.approvals, party: {"by": actor.get_full_name() or actor.username, "at": now.isoformat()}}
    BreachReport.objects.filter(pk=report.pk).update(approvals=report.approvals)
    label = str(ConventionParty(party).label)
    annotate(ticket.pk, EventKind.LEGAL_NOTICE, at=now, actor=actor, notify=False, payload={
        "step": "file_approved", "party": party, "message": f"Dossier de notification validé — {label}"})
    return report
