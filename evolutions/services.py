"""Writes of evolution requests: one atomic function per user action, each checking the right
(`evolutions.selectors`) and writing one audit line (`EvolutionEvent`) in the same transaction;
the submitter and supporters are told of each status change through the tickets outbox
(`evolutions.notifications`, delivered after commit).

Bad input raises ValidationError naming the field; a missing right raises PermissionDenied with a
sentence saying who may; a request the person does not read raises EvolutionRequest.DoesNotExist
(a 404 for the caller)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from directory.models import School

from . import notifications, selectors, workflow
from .models import ActionLink, EventKind, EvolutionEvent, EvolutionRequest, Support
from .workflow import Priority, Status

MAX_TEXT = 20000


def _audit(evolution, actor, kind, *, from_status="", to_status="", note="", **payload):
    return EvolutionEvent.objects.create(evolution=evolution, actor=actor if getattr(actor, "pk", None) else None, kind=kind,
                                         from_status=from_status, to_status=to_status, note=note, payload=payload)


def _locked(user, evolution) -> EvolutionRequest:
    """The request, locked, if `user` reads it."""
    q = selectors.visible_q(user)
    qs = EvolutionRequest.objects.select_for_update().filter(pk=evolution.pk)
    row = (qs if q is None else qs.filter(q)).first()
    if row is None:
        raise EvolutionRequest.DoesNotExist
    return row


def _text(name, value, *, required, label, max_length=MAX_TEXT):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({name: _("%(label)s : ce champ est obligatoire.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError({name: _("%(label)s : %(n)s caractères au plus.") % {"label": label, "n": max_length}})
    return value


@transaction.atomic
def submit(user, *, school, title: str, description: str, service: str) -> EvolutionRequest:
    """Propose an evolution of the ENT of `school` (one the person may report a problem for), under
    the convention in force for it."""
    from tickets.actions import convention_for

    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Connectez-vous pour proposer une évolution."))
    if not isinstance(school, School):
        school = School.objects.filter(pk=school).first() if str(school or "").isdigit() else None
    if school is None or not selectors.submittable_schools(user).filter(pk=school.pk).exists():
        raise ValidationError({"school": _("École : choisissez une école de votre périmètre.")})
    title = _text("title", title, required=True, label=_("Titre"), max_length=200)
    description = _text("description", description, required=True, label=_("Description"))
    service = _text("service", service, required=True, label=_("Service ou module ENT concerné"), max_length=120)
    convention = convention_for(school)
    if convention is None:
        raise ValidationError({"school": _("École : aucune convention en vigueur ne couvre l'école %(uai)s ; "
                                           "une demande d'évolution se rattache à la convention de l'école.") % {"uai": school.uai}})
    evolution = EvolutionRequest.objects.create(
        reference=f"tmp-{uuid.uuid4().hex[:16]}", title=title, description=description, service=service,
        product_id=convention.product_id, school=school, convention=convention, submitter=user)
    evolution.reference = f"EVO-{evolution.submitted_at:%Y}-{evolution.pk:05d}"
    EvolutionRequest.objects.filter(pk=evolution.pk).update(reference=evolution.reference)
    _audit(evolution, user, EventKind.SUBMITTED, to_status=Status.PROPOSED, school=school.uai, convention=convention.reference)
    return evolution


@transaction.atomic
def set_support(user, evolution, supported: bool = True) -> tuple[EvolutionRequest, bool]:
    """"Moi aussi" (supported=True) or withdraw it. Idempotent: saying it twice keeps one, writes
    nothing the second time. Returns (request, changed)."""
    row = _locked(user, evolution)
    if not selectors.may_support(user, row):
        if row.submitter_id == user.pk:
            raise PermissionDenied(_("Vous avez proposé cette demande : votre soutien est déjà compté."))
        if row.status not in workflow.SUPPORT_STATUSES:
            raise PermissionDenied(_("Cette demande est %(status)s : « Moi aussi » n'est plus possible.")
                                   % {"status": row.get_status_display().lower()})
        raise PermissionDenied(_("Vous ne pouvez pas soutenir cette demande."))
    existing = Support.objects.filter(evolution=row, user=user).first()
    if supported == (existing is not None):
        return row, False
    if supported:
        try:
            with transaction.atomic():
                Support.objects.create(evolution=row, user=user)
        except IntegrityError:  # the same person at the same time, from another tab
            return row, False
        EvolutionRequest.objects.filter(pk=row.pk).update(supporters_count=F("supporters_count") + 1)
        _audit(row, user, EventKind.SUPPORTED)
    else:
        existing.delete()
        EvolutionRequest.objects.filter(pk=row.pk).update(supporters_count=F("supporters_count") - 1)
        _audit(row, user, EventKind.UNSUPPORTED)
    row.refresh_from_db(fields=["supporters_count"])
    return row, True


def _check_version(row, version):
    if version is not None and int(version) != row.version:
        raise ValidationError({"version": _("La demande a été modifiée entre-temps (version %(now)s, vous aviez la %(yours)s) : "
                                            "rechargez la page.") % {"now": row.version, "yours": version}})


@transaction.atomic
def apply(user, evolution, name: str, *, version=None, **data) -> EvolutionRequest:
    """Apply the transition `name` of `evolutions.workflow.TRANSITIONS` (instruct, retain, refuse,
    transmit, deliver): right, status, inputs, one audit line, the submitter and supporters told."""
    row_def = workflow.BY_NAME.get(name)
    if row_def is None:
        raise ValidationError({"action": _("action inconnue : %(name)s") % {"name": str(name)[:40]}})
    row = _locked(user, evolution)
    if not selectors.may(user, row, row_def):
        raise PermissionDenied(row_def.denied)
    if not can_proceed(getattr(row, f"fsm_{row_def.name}")):
        raise ValidationError({"status": _("« %(action)s » n'est pas possible : la demande est %(status)s.")
                               % {"action": row_def.label, "status": row.get_status_display().lower()}})
    _check_version(row, version)
    unknown = sorted(set(data) - {f.name for f in row_def.fields})
    if unknown:
        raise ValidationError({unknown[0]: _("champ inconnu")})
    values = {}
    for field in row_def.fields:
        raw = data.get(field.name)
        if field.choices:
            valid = {str(v) for v, _label in field.choices}
            if raw in (None, ""):
                if field.required:
                    raise ValidationError({field.name: field.required_message or _("%(label)s : ce champ est obligatoire.")
                                           % {"label": field.label}})
                continue
            if str(raw) not in valid:
                raise ValidationError({field.name: _("%(label)s : valeur inconnue (%(valid)s).")
                                       % {"label": field.label, "valid": ", ".join(sorted(valid))}})
            values[field.name] = int(raw)
        else:
            text = (raw or "").strip() if isinstance(raw, str) or raw is None else None
            if text is None:
                raise ValidationError({field.name: _("%(label)s : du texte est attendu.") % {"label": field.label}})
            if field.required and not text:
                raise ValidationError({field.name: field.required_message or _("%(label)s : ce champ est obligatoire.")
                                       % {"label": field.label}})
            if len(text) > MAX_TEXT:
                raise ValidationError({field.name: _("%(label)s : %(n)s caractères au plus.") % {"label": field.label, "n": MAX_TEXT}})
            values[field.name] = text
    before = row.status
    getattr(row, f"fsm_{row_def.name}")()
    if name == "retain":
        row.priority = values["priority"]
    if name == "refuse":
        row.refusal_reason = values["reason"]
    if name == "deliver":
        row.delivery_note = values.get("note", "")
    row.version += 1
    row.save()
    note = values.get("reason") or values.get("note") or ""
    payload = {"priority": row.priority} if name == "retain" else {}
    event = _audit(row, user, name, from_status=before, to_status=row.status, note=note, **payload)
    notifications.status_changed(row, event, actor=user)
    return row


@transaction.atomic
def link_action(user, evolution, action_id) -> ActionLink:
    """Link an improvement action of an incident review to the request; the action then names it
    (its "demande d'évolution liée", through pilotage's own service and journal)."""
    from pilotage import services as pilotage_services

    row = _locked(user, evolution)
    if not selectors.may_link_actions(user, row):
        raise PermissionDenied(_("Seuls l'instance qui priorise la demande et les agents de l'académie de l'école lient "
                                 "une action d'amélioration."))
    action = selectors.linkable_actions(user, row).filter(pk=action_id).first() if str(action_id or "").isdigit() else None
    if action is None:
        raise ValidationError({"action": _("Action d'amélioration : choisissez une action d'une revue d'incident que vous lisez.")})
    link, created = ActionLink.objects.get_or_create(evolution=row, action=action, defaults={"linked_by": user})
    if not created:
        return link
    pilotage_services.update_action(action, actor=user, evolution_ref=_linked_label(action))
    _audit(row, user, EventKind.ACTION_LINKED, action=action.pk, note=action.title)
    return link


def _linked_label(action) -> str:
    """What the action says of the requests linked to it (its "demande d'évolution liée"): the one
    request's reference and title, the references of several, nothing when none is left."""
    refs = list(ActionLink.objects.filter(action=action).select_related("evolution").order_by("at", "pk"))
    if not refs:
        return ""
    label = (f"{refs[0].evolution.reference} — {refs[0].evolution.title}" if len(refs) == 1
             else "; ".join(r.evolution.reference for r in refs))
    return label[:120]


@transaction.atomic
def unlink_action(user, evolution, action_id) -> None:
    """Remove the link between the request and an improvement action (a link made by mistake, an
    action that turned out to answer something else): the same right as linking; the action stops
    naming the request (through pilotage's own service and journal); one line of the request's
    history."""
    from pilotage import services as pilotage_services

    row = _locked(user, evolution)
    if not selectors.may_link_actions(user, row):
        raise PermissionDenied(_("Seuls l'instance qui priorise la demande et les agents de l'académie de l'école retirent "
                                 "le lien avec une action d'amélioration."))
    link = (ActionLink.objects.select_for_update().select_related("action").filter(evolution=row, action_id=int(action_id)).first()
            if str(action_id or "").isdigit() else None)
    if link is None:
        raise ValidationError({"action": _("Cette action d'amélioration n'est pas liée à la demande.")})
    action = link.action
    link.delete()
    pilotage_services.update_action(action, actor=user, evolution_ref=_linked_label(action))
    _audit(row, user, EventKind.ACTION_UNLINKED, action=action.pk, note=action.title)


PRIORITY_LABELS = dict(Priority.choices)
