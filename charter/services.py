"""Writes of the charter: one atomic function per action, one register line each
(`CommunicationEvent`), in-app and e-mail notifications through the tickets outbox (delivered after
commit). The clock is `sla.calendar.jours_ouvrables_deadline` (jours ouvrables: every day but
Sundays and public holidays, Alsace-Moselle's included for its schools)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sla.calendar import jours_ouvrables_deadline, school_subdivision

from . import selectors
from .models import (
    ONE_OFF_DAYS, PENDING, RECURRING_DAYS, Arbiter, Communication, CommunicationEvent, EventKind, Kind, Outcome, Status,
)

ACTIONS = ("approve", "refuse", "doubt", "rectify", "arbitration", "arbitrate")
MAX_CONTENT = 50000


def link(communication) -> str:
    return f"/charte/{communication.pk}/"


def compute_deadline(kind: str, at, schools) -> object | None:
    """The end of the tacit-approval delay: 3 jours ouvrables (one-off), 5 (recurring: the
    academic authorities' analysis); the latest over the schools' calendars."""
    if kind == Kind.EMERGENCY:
        return None
    days = ONE_OFF_DAYS if kind == Kind.ONE_OFF else RECURRING_DAYS
    subdivisions = {school_subdivision(s) for s in schools} or {None}
    return max(jours_ouvrables_deadline(at, days, sub) for sub in subdivisions)


# --- rights (one place; the views offer only what `may` allows) -------------------------------------

def _is_chef(user, c) -> bool:
    return selectors.chef_schools(user).filter(pk__in=c.schools.values("pk")).exists()


def _is_collectivite(user, c) -> bool:
    return c.collectivite_id in selectors.collectivite_ids(user)


def _is_academic(user, c) -> bool:
    return selectors.academic_schools(user).filter(pk__in=c.schools.values("pk")).exists()


def may(user, c, action: str) -> bool:
    if action in ("approve", "refuse", "doubt"):
        return c.status in PENDING and _is_chef(user, c)
    if action == "rectify":
        return c.status in (Status.DOUBT, Status.REFUSED) and _is_collectivite(user, c)
    if action == "arbitration":
        return c.status in (Status.DOUBT, Status.REFUSED) and _is_collectivite(user, c)
    if action == "arbitrate":
        return c.status == Status.ARBITRATION and _is_academic(user, c)
    return False


def _check(user, c, action):
    if selectors.visible_communication(user, c.pk) is None:
        raise PermissionDenied(_("Cette communication n'est pas dans votre périmètre."))
    if not may(user, c, action):
        raise PermissionDenied(_("Vous ne pouvez pas faire cette action sur cette communication dans son état actuel."))


def _locked(c) -> Communication:
    return Communication.objects.select_for_update().get(pk=c.pk)


def _required(field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# --- notifications ------------------------------------------------------------------------------------

def _notify(c, user_ids, event_name: str, text: str, *, body: str | None = None, subject: str | None = None):
    from tickets import outbox
    from tickets.models import OutboxMessage

    users = list(get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).only("pk", "email"))
    if not users:
        return
    out = [OutboxMessage(channel=OutboxMessage.Channel.IN_APP, event_name=event_name,
                         payload={"user_ids": sorted(u.pk for u in users), "verb": event_name.replace(".", "_")[:40],
                                  "message": text[:300], "link": link(c)})]
    url = outbox.base_url().rstrip("/") + link(c)
    mail_body = (body or text) + "\n\n" + _("Registre de la communication : %(url)s") % {"url": url}
    for u in users:  # one mail each: no one sees the others' addresses
        if u.email:
            out.append(OutboxMessage(channel=OutboxMessage.Channel.EMAIL, event_name=event_name,
                                     payload={"to": [u.email], "subject": (subject or text)[:200], "body": mail_body}))
    OutboxMessage.objects.bulk_create(out)
    outbox.schedule_delivery()


def _record(c, kind, actor=None, *, school=None, note="", at=None, **payload) -> CommunicationEvent:
    return CommunicationEvent.objects.create(communication=c, actor=actor, kind=kind, status=c.status, version=c.version,
                                             school=school, note=note, at=at or timezone.now(), payload=payload)


def _when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


# --- actions --------------------------------------------------------------------------------------------

@transaction.atomic
def submit(actor, *, collectivite_id, kind, title, content, schools, now=None) -> Communication:
    """The collectivité sends the exhaustive content to the chefs of the schools concerned; an
    emergency is published at once and its copy e-mailed to them simultaneously."""
    now = now or timezone.now()
    if collectivite_id not in selectors.collectivite_ids(actor):
        raise PermissionDenied(_("Vous ne communiquez pas au nom de cette collectivité."))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choisissez le type de communication.")})
    title = _required("title", title, _("Donnez un titre à la communication."))[:200]
    content = _required("content", content, _("Le contenu exhaustif de la diffusion est obligatoire."))
    if len(content) > MAX_CONTENT:
        raise ValidationError({"content": _("Le contenu dépasse %(n)s caractères.") % {"n": MAX_CONTENT}})
    allowed = selectors.submittable_schools(actor, collectivite_id)
    ids = {s.pk if hasattr(s, "pk") else int(s) for s in schools or []}
    chosen = list(allowed.filter(pk__in=ids))
    if not ids:
        raise ValidationError({"schools": _("Choisissez au moins un établissement concerné.")})
    if len(chosen) != len(ids):
        raise ValidationError({"schools": _("Un des établissements choisis n'est pas du ressort de la collectivité.")})
    c = Communication.objects.create(collectivite_id=collectivite_id, author=actor, kind=kind, title=title, content=content,
                                     submitted_at=now, deadline=compute_deadline(kind, now, chosen),
                                     status=Status.PUBLISHED_URGENT if kind == Kind.EMERGENCY else Status.SUBMITTED,
                                     published_at=now if kind == Kind.EMERGENCY else None)
    c.schools.set(chosen)
    names = ", ".join(s.name for s in chosen)
    if kind == Kind.EMERGENCY:
        _record(c, EventKind.PUBLISHED_URGENT, actor, at=now, schools=[s.uai for s in chosen])
        text = _("Communication urgente publiée par %(coll)s : « %(title)s » (copie du contenu exhaustif).") % {
            "coll": c.collectivite.name, "title": title}
        _notify(c, selectors.chefs_of(c), "charter.published_urgent", text,
                subject=_("Copie d'une communication urgente : %(title)s") % {"title": title},
                body=text + "\n\n" + _("Établissements : %(names)s") % {"names": names} + "\n\n" + content)
    else:
        _record(c, EventKind.SUBMITTED, actor, at=now, schools=[s.uai for s in chosen], deadline=c.deadline.isoformat())
        text = _("%(coll)s soumet « %(title)s » ; sans réponse de votre part, accord tacite le %(when)s.") % {
            "coll": c.collectivite.name, "title": title, "when": _when(c.deadline)}
        _notify(c, selectors.chefs_of(c), "charter.submitted", text,
                subject=_("Communication soumise à votre accord : %(title)s") % {"title": title},
                body=text + "\n\n" + _("Établissements : %(names)s") % {"names": names} + "\n\n" + content)
        if kind == Kind.RECURRING:
            _notify(c, selectors.academic_people(c), "charter.submitted",
                    _("Communication récurrente à analyser (cinq jours ouvrables) : « %(title)s ».") % {"title": title})
    return c


def _chef_school(actor, c):
    return selectors.chef_schools(actor).filter(pk__in=c.schools.values("pk")).order_by("name").first()


@transaction.atomic
def approve(actor, c, *, now=None) -> Communication:
    c = _locked(c)
    _check(actor, c, "approve")
    c.status, c.decided_at = Status.APPROVED, now or timezone.now()
    c.save(update_fields=["status", "decided_at"])
    _record(c, EventKind.APPROVED, actor, school=_chef_school(actor, c), at=c.decided_at)
    _notify(c, selectors.collectivite_people(c), "charter.approved",
            _("« %(title)s » est approuvée par le chef d'établissement : elle peut être publiée.") % {"title": c.title})
    return c


@transaction.atomic
def refuse(actor, c, *, reason, now=None) -> Communication:
    """A refusal must be reasoned (“Les refus de communication … devront être motivés”)."""
    c = _locked(c)
    _check(actor, c, "refuse")
    reason = _required("reason", reason, _("Le motif du refus est obligatoire : un refus doit être motivé."))
    c.status, c.reason, c.decided_at = Status.REFUSED, reason, now or timezone.now()
    c.save(update_fields=["status", "reason", "decided_at"])
    _record(c, EventKind.REFUSED, actor, school=_chef_school(actor, c), note=reason, at=c.decided_at)
    _notify(c, selectors.collectivite_people(c), "charter.refused",
            _("« %(title)s » est refusée. Motif : %(reason)s") % {"title": c.title, "reason": reason})
    return c


@transaction.atomic
def doubt(actor, c, *, reason, now=None) -> Communication:
    """The chef refers to the collectivité's president without delay and informs the academic services."""
    c = _locked(c)
    _check(actor, c, "doubt")
    reason = _required("reason", reason, _("Indiquez les éléments à rectifier (fond ou forme)."))
    c.status, c.reason, c.decided_at = Status.DOUBT, reason, now or timezone.now()
    c.save(update_fields=["status", "reason", "decided_at"])
    _record(c, EventKind.DOUBT, actor, school=_chef_school(actor, c), note=reason, at=c.decided_at)
    text = _("Doute du chef d'établissement sur « %(title)s » : %(reason)s") % {"title": c.title, "reason": reason}
    _notify(c, selectors.collectivite_people(c), "charter.doubt", text + " " + _("Une version rectifiée est attendue."))
    _notify(c, selectors.academic_people(c), "charter.doubt", text + " " + _("(Services académiques informés.)"))
    return c


@transaction.atomic
def rectify(actor, c, *, content, title=None, now=None) -> Communication:
    """The collectivité resubmits the rectified exhaustive content: a new version, a new delay."""
    c = _locked(c)
    _check(actor, c, "rectify")
    now = now or timezone.now()
    content = _required("content", content, _("Le contenu rectifié est obligatoire."))
    if len(content) > MAX_CONTENT:
        raise ValidationError({"content": _("Le contenu dépasse %(n)s caractères.") % {"n": MAX_CONTENT}})
    c.content, c.title = content, ((title or "").strip() or c.title)[:200]
    c.version += 1
    c.status, c.reason, c.decided_at, c.submitted_at = Status.RECTIFIED, "", None, now
    c.deadline = compute_deadline(c.kind, now, list(c.schools.all()))
    c.save()
    _record(c, EventKind.RECTIFIED, actor, at=now, deadline=c.deadline.isoformat() if c.deadline else None)
    text = _("Version rectifiée de « %(title)s » (version %(v)s) ; sans réponse, accord tacite le %(when)s.") % {
        "title": c.title, "v": c.version, "when": _when(c.deadline)}
    _notify(c, selectors.chefs_of(c), "charter.rectified", text, body=text + "\n\n" + content)
    return c


@transaction.atomic
def refer_to_arbitration(actor, c, *, arbiter, reason, now=None) -> Communication:
    """Persistent disagreement: the collectivité's president refers to the recteur (or the DRAAF)
    for an urgent arbitration."""
    c = _locked(c)
    _check(actor, c, "arbitration")
    if arbiter not in Arbiter.values:
        raise ValidationError({"arbiter": _("Choisissez l'autorité saisie : recteur ou DRAAF.")})
    reason = _required("reason", reason, _("Exposez le désaccord persistant."))
    c.status, c.arbiter, c.decided_at = Status.ARBITRATION, arbiter, now or timezone.now()
    c.save(update_fields=["status", "arbiter", "decided_at"])
    _record(c, EventKind.ARBITRATION, actor, note=reason, at=c.decided_at, arbiter=arbiter)
    text = _("Arbitrage urgent demandé (%(arbiter)s) pour « %(title)s » : %(reason)s") % {
        "arbiter": Arbiter(arbiter).label, "title": c.title, "reason": reason}
    _notify(c, selectors.academic_people(c), "charter.arbitration", text)
    _notify(c, selectors.chefs_of(c), "charter.arbitration", text)
    return c


@transaction.atomic
def arbitrate(actor, c, *, outcome, reason, now=None) -> Communication:
    c = _locked(c)
    _check(actor, c, "arbitrate")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choisissez l'issue de l'arbitrage.")})
    reason = _required("reason", reason, _("La décision d'arbitrage doit être motivée."))
    c.status, c.outcome, c.reason, c.decided_at = Status.ARBITRATED, outcome, reason, now or timezone.now()
    c.save(update_fields=["status", "outcome", "reason", "decided_at"])
    _record(c, EventKind.ARBITRATED, actor, note=reason, at=c.decided_at, outcome=outcome)
    text = _("Arbitrage rendu pour « %(title)s » : %(outcome)s. %(reason)s") % {
        "title": c.title, "outcome": Outcome(outcome).label, "reason": reason}
    _notify(c, set(selectors.collectivite_people(c)) | set(selectors.chefs_of(c)), "charter.arbitrated", text)
    return c


def apply_tacit_approvals(now=None) -> int:
    """Silence is tacit approval: every pending communication whose delay has run out is approved,
    each in its own transaction (locked, re-checked). Returns how many."""
    now = now or timezone.now()
    due = list(Communication.objects.filter(status__in=PENDING, deadline__lte=now).order_by("deadline", "pk")
               .values_list("pk", flat=True)[:500])
    done = 0
    for pk in due:
        with transaction.atomic():
            c = Communication.objects.select_for_update().get(pk=pk)
            if c.status not in PENDING or c.deadline is None or c.deadline > now:
                continue
            c.status, c.decided_at = Status.TACIT, now
            c.save(update_fields=["status", "decided_at"])
            _record(c, EventKind.TACIT, None, at=now, deadline=c.deadline.isoformat())
            _notify(c, set(selectors.collectivite_people(c)) | set(selectors.chefs_of(c)), "charter.tacit",
                    _("« %(title)s » est approuvée tacitement (aucune réponse dans le délai) : elle peut être publiée.") % {"title": c.title})
            done += 1
    return done
