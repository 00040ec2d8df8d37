"""Writes of pilotage: one atomic function per user action, each checking the right
(`pilotage.selectors.may_*`) and writing one audit line (`ReviewEvent`) in the same transaction.

Bad input raises ValidationError naming the field; a missing right raises PermissionDenied with a
sentence saying who may; a stale `version` (someone saved in between) raises ValidationError on
`version`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.selectors import organisation_labels

from . import selectors
from .models import ActionStatus, ImprovementAction, MajorIncident, Review, ReviewEvent, ReviewParty, ReviewStatus

LEAD_REFUSAL = _("Seuls les administrateurs, les responsables et les agents des guichets de niveau 1 et plus "
                 "(hors éditeurs) le peuvent, pour un incident de leur périmètre.")


def _audit(incident, actor, kind, **payload):
    ReviewEvent.objects.create(incident=incident, actor=actor if getattr(actor, "pk", None) else None, kind=kind, payload=payload)


def _check_version(obj, version):
    if version is not None and int(version) != obj.version:
        raise ValidationError({"version": _("Cet élément a été modifié entre-temps (version %(now)s, vous aviez la %(yours)s) : "
                                            "rechargez la page.") % {"now": obj.version, "yours": version}})


@transaction.atomic
def declare_major_incident(obj, *, actor, title: str = "") -> Review:
    """Declare an outage (sla.Outage) or a parent ticket a major incident; open its review (planned),
    inviting the académie(s), collectivités and vendors of the schools concerned. Declaring twice
    returns the existing review."""
    from sla.models import Outage, OutageScope
    from tickets.models import Ticket

    if isinstance(obj, Outage):
        if not selectors.may_declare_outage_major(actor, obj):
            raise PermissionDenied(_("Vous ne pouvez pas déclarer cette interruption incident majeur. ") + LEAD_REFUSAL)
        existing = selectors.review_of(obj)
        if existing is not None:
            return existing
        incident = MajorIncident.objects.create(
            outage=obj, title=title or str(obj)[:200], everywhere=obj.scope == OutageScope.ALL,
            academie=obj.academie if obj.scope == OutageScope.ACADEMIE else None,
            collectivite=getattr(obj, "collectivite", None) if obj.scope == "collectivite" else None, declared_by=actor)
        if obj.scope == OutageScope.SCHOOLS:
            incident.schools.set(obj.schools.all())
    elif isinstance(obj, Ticket):
        if obj.parent_id is not None:
            raise ValidationError({"ticket": _("Cette demande est rattachée à un incident majeur parent : déclarez le parent.")})
        if not selectors.may_declare_ticket_major(actor, obj):
            raise PermissionDenied(_("Vous ne pouvez pas déclarer cette demande incident majeur. ") + LEAD_REFUSAL)
        existing = selectors.review_of(obj)
        if existing is not None:
            return existing
        incident = MajorIncident.objects.create(ticket=obj, title=title or f"{obj.reference} — {obj.title}"[:200], declared_by=actor)
        school_ids = {obj.school_id, *Ticket.objects.filter(parent_id=obj.pk).values_list("school_id", flat=True)}
        incident.schools.set(sorted(school_ids))
    else:
        raise ValidationError({"incident": _("Seule une interruption de service ou une demande parente peut être déclarée incident majeur.")})
    review = Review.objects.create(incident=incident, cause=getattr(obj, "cause", "") or "")
    keys = selectors.default_parties(incident)
    labels = organisation_labels(keys)
    ReviewParty.objects.bulk_create([ReviewParty(review=review, organisation=k, label=labels.get(k, k)[:200]) for k in keys])
    _audit(incident, actor, "declared", summary=incident.title, parties=keys)
    return review


def _require_lead(actor, review):
    if not selectors.may_lead(actor, review):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette revue. ") + LEAD_REFUSAL)


@transaction.atomic
def update_review(review: Review, *, actor, version=None, **changes) -> Review:
    """Change the review's status, meeting date, cause or minutes (Markdown, sanitised when shown)."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_lead(actor, review)
    _check_version(review, version)
    allowed = {"status", "meeting_at", "cause", "minutes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("champ inconnu")})
    if "status" in changes and changes["status"] not in ReviewStatus.values:
        raise ValidationError({"status": _("statut inconnu : %(value)s (planned, held ou closed)") % {"value": str(changes["status"])[:40]}})
    for name in ("cause", "minutes"):
        if name in changes and len(changes[name] or "") > 50000:
            raise ValidationError({name: _("50 000 caractères au plus")})
    changed = [k for k, v in changes.items() if getattr(review, k) != v]
    if not changed:
        return review
    for k in changed:
        setattr(review, k, changes[k] if changes[k] is not None or k == "meeting_at" else "")
    review.version += 1
    review.save()
    _audit(review.incident, actor, "review_updated", fields=sorted(changed),
           summary=", ".join(str(Review._meta.get_field(k).verbose_name) for k in sorted(changed)))
    return review


@transaction.atomic
def invite_party(review: Review, organisation: str, *, actor) -> ReviewParty:
    _require_lead(actor, review)
    choices = dict(selectors.party_choices(review))
    if organisation not in choices:
        raise ValidationError({"organisation": _("organisation inconnue pour cet incident : %(key)s") % {"key": organisation[:40]}})
    party, created = ReviewParty.objects.get_or_create(review=review, organisation=organisation,
                                                       defaults={"label": choices[organisation][:200]})
    if created:
        _audit(review.incident, actor, "party_invited", organisation=organisation, summary=party.label)
    return party


@transaction.atomic
def remove_party(review: Review, organisation: str, *, actor) -> None:
    _require_lead(actor, review)
    party = ReviewParty.objects.filter(review=review, organisation=organisation).first()
    if party is not None:
        party.delete()
        _audit(review.incident, actor, "party_removed", organisation=organisation, summary=party.label)


def _tickets(actor, references):
    from tickets.selectors import visible_to

    refs = sorted({r.strip() for r in references if r and r.strip()})
    found = list(visible_to(actor).filter(reference__in=refs))
    missing = sorted(set(refs) - {t.reference for t in found})
    if missing:
        raise ValidationError({"tickets": _("demandes inconnues ou hors de votre périmètre : %(refs)s") % {"refs": ", ".join(missing)}})
    return found


@transaction.atomic
def add_action(review: Review, *, actor, title: str, owner: str, due_on=None, description: str = "",
               tickets=(), evolution_ref: str | None = None) -> ImprovementAction:
    """An improvement action decided by the review, owned by one of the incident's organisations."""
    _require_lead(actor, review)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("l'intitulé de l'action est obligatoire")})
    if len(title) > 200:
        raise ValidationError({"title": _("200 caractères au plus")})
    choices = dict(selectors.party_choices(review))
    if owner not in choices:
        raise ValidationError({"owner": _("choisissez l'organisation responsable parmi celles de l'incident")})
    linked = _tickets(actor, tickets)
    action = ImprovementAction.objects.create(
        review=review, title=title, description=description or "", owner=owner, owner_label=choices[owner][:200],
        due_on=due_on, evolution_ref=(evolution_ref or "").strip() or None)
    if linked:
        action.tickets.set(linked)
    # The owner takes part in the review: invited if it was not.
    ReviewParty.objects.get_or_create(review=review, organisation=owner, defaults={"label": choices[owner][:200]})
    _audit(review.incident, actor, "action_added", action=action.pk, owner=owner, summary=title)
    return action


@transaction.atomic
def update_action(action: ImprovementAction, *, actor, status: str | None = None, abandon_reason: str = "",
                  due_on=..., version=None, tickets=None, evolution_ref=...) -> ImprovementAction:
    """Move an action along (à faire → en cours → faite, or abandonnée with its reason); leads also
    change its due date and links. The owning organisation's members update its status."""
    action = ImprovementAction.objects.select_for_update().select_related("review__incident").get(pk=action.pk)
    if not selectors.may_update_action(actor, action):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette action : seuls les pilotes de la revue et "
                                 "l'organisation responsable de l'action le peuvent."))
    _check_version(action, version)
    lead = selectors.may_lead(actor, action.review)
    changed = []
    if status is not None and status != action.status:
        if status not in ActionStatus.values:
            raise ValidationError({"status": _("statut inconnu : %(value)s (todo, in_progress, done ou abandoned)") % {"value": str(status)[:40]}})
        reason = (abandon_reason or "").strip()
        if status == ActionStatus.ABANDONED and not reason:
            raise ValidationError({"abandon_reason": _("dites pourquoi l'action est abandonnée")})
        action.status = status
        action.abandon_reason = reason if status == ActionStatus.ABANDONED else ""
        action.done_at = timezone.now() if status == ActionStatus.DONE else None
        changed.append("status")
    if due_on is not ... and due_on != action.due_on:
        if not lead:
            raise PermissionDenied(_("Seuls les pilotes de la revue changent l'échéance d'une action."))
        action.due_on = due_on
        changed.append("due_on")
    if evolution_ref is not ... and (evolution_ref or None) != action.evolution_ref:
        action.evolution_ref = (evolution_ref or "").strip() or None
        changed.append("evolution_ref")
    if tickets is not None:
        action.tickets.set(_tickets(actor, tickets))
        changed.append("tickets")
    if not changed:
        return action
    action.version += 1
    action.save()
    _audit(action.review.incident, actor, "action_updated", action=action.pk, fields=changed,
           summary=f"{action.title} : {action.get_status_display()}")
    return action


# "Je suis concerné·e" on an outage from the report form: pilotage/followers.py.
from .followers import join_outage  # noqa: E402, F401
