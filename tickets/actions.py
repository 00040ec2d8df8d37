"""Writes on tickets: one function per row of the workflow table (`tickets.workflow`), each in one
transaction, plus `open_ticket`.

The skeleton is written once, in `action(name)`: lock the row, check the version
(`expected_version`), the right, the state and the row's guards (`tickets.rights`,
`tickets.guards`), snapshot, run the body, the FSM transition (`Ticket.fsm_<name>`), a conditional
UPDATE (version + 1), exactly one timeline event, `ticket_transitioned` and the outbox rows — all
or nothing. A body only says what it changes, and returns the event's payload (or a `Change`).

Errors: `PermissionDenied` (who), `GuardFailed` (workflow rule), `Conflict` (someone else changed
the ticket meanwhile), Django's `ValidationError` (bad input, keyed by field name).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory.choices import Category, Level
from directory import lifecycle
from directory.models import Convention, Desk
from directory.routing import ExternalEditor, Unresolved, first_route, routes_of
from directory.routing import landing as find_landing

from . import guards, opening, outbox, workflow
from .exceptions import Conflict, GuardFailed, PermissionDenied
from .models import ACTIVE, Comment, Impact, State, Ticket, TicketEvent, Urgency, priority_for
from .numbering import next_reference
from .qualification import apply_qualification, check_ready_for_vendor
from .rights import check
from .signals import ticket_transitioned
from .states import EventKind, Visibility

_FIELDS = [f.attname for f in Ticket._meta.concrete_fields if f.attname != "id"]

# name → action function, filled by `action`: one per row of the table (tests/tickets/test_workflow_table.py).
ACTIONS: dict[str, Callable] = {}


# --- the core -----------------------------------------------------------------------------------

@dataclass
class Change:
    """What a body tells the core beyond its field changes (a plain dict return is the payload)."""

    payload: dict = field(default_factory=dict)
    target: Desk | None = None      # the desk the ticket moves to: the row's "target" guards check it
    kind: EventKind | None = None   # the timeline line, when not the row's (a comment's internal note)
    visibility: str = Visibility.PUBLIC
    organisation: str = ""          # the author's organisation key, for an organisation-only entry
    then: Callable | None = None    # then(ticket, event), after the event: rows that point to it
    instead: str | None = None      # another row's move happens (a requester's reply answers)


def lock(ticket, expected_version=None) -> Ticket:
    """The ticket's row, locked until the end of the transaction; Conflict if its version moved."""
    try:
        t = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("desk", "school", "requester", "assignee")
            .get(pk=ticket.pk if isinstance(ticket, Ticket) else ticket)
        )
    except Ticket.DoesNotExist:
        raise GuardFailed(_("Ce ticket n'existe pas.")) from None
    if expected_version is not None and t.version != int(expected_version):
        raise Conflict(
            _("Le ticket %(reference)s a été modifié entre-temps (version %(version)s, vous aviez la version "
              "%(expected)s) : rechargez-le avant de recommencer.")
            % {"reference": t.reference, "version": t.version, "expected": expected_version}
        )
    return t


def snapshot(t: Ticket) -> dict:
    return {f: getattr(t, f) for f in _FIELDS}


def record(t: Ticket, *, actor, kind, before: dict | None, visibility=Visibility.PUBLIC, organisation="",
           payload=None, at=None) -> TicketEvent:
    """The timeline line of a change already saved, its signal and its outbox rows."""
    event = TicketEvent.objects.create(
        ticket=t, actor=actor if getattr(actor, "pk", None) else None, kind=kind, at=at or timezone.now(),
        from_state=before["state"] if before else "", to_state=t.state,
        from_level=before["level"] if before else None, to_level=t.level,
        from_desk_id=before["desk_id"] if before else None, to_desk_id=t.desk_id,
        visibility=visibility, organisation=organisation, version=t.version, payload=payload or {},
    )
    ticket_transitioned.send(sender=Ticket, ticket=t, event=event, before=before)
    outbox.enqueue(t, event, actor)
    t.last_event = event
    return event


def commit(t: Ticket, before: dict, *, actor, kind, visibility=Visibility.PUBLIC, organisation="", payload=None) -> TicketEvent:
    """Conditional UPDATE on the version read under lock, then the event. Lost race → Conflict."""
    now = timezone.now()
    changed = {f: getattr(t, f) for f in _FIELDS if getattr(t, f) != before[f]}
    t.version = before["version"] + 1
    t.updated_at = now
    changed.update(version=t.version, updated_at=now)
    if Ticket.objects.filter(pk=t.pk, version=before["version"]).update(**changed) != 1:
        raise Conflict()
    return record(t, actor=actor, kind=kind, before=before, visibility=visibility, organisation=organisation,
                  payload=payload, at=now)


def transition(name: str, t: Ticket, *, actor, body: Callable[[Ticket], Change | dict | None]) -> Ticket:
    """On a locked, checked row: the row's actor guards, the body, its target guards, the FSM move,
    the conditional UPDATE and the one event."""
    row = workflow.get(name)
    guards.run(row, t, "actor", actor=actor)
    before = snapshot(t)
    change = body(t)
    if not isinstance(change, Change):
        change = Change(payload=change or {})
    if change.target is not None:
        guards.run(row, t, "target", target=change.target)
    if change.instead:
        row = workflow.get(change.instead)
    getattr(t, f"fsm_{row.name}")()
    event = commit(t, before, actor=actor, kind=change.kind or row.event, visibility=change.visibility,
                   organisation=change.organisation, payload=change.payload)
    if change.then is not None:
        change.then(t, event)
    return t


def action(name: str, *, prepare: Callable | None = None, returns: Callable | None = None):
    """Make `body(t, *, actor, **inputs)` the action `name(ticket, *, actor, expected_version=None,
    **inputs)`: one transaction, the lock, the check (with the inputs that fields' rights read),
    then `transition`. `prepare(**inputs) -> inputs` runs first, before the lock (e.g. reading an
    upload); `returns(ticket)` is what the action returns instead of the ticket."""
    row = workflow.get(name)
    rights_of_fields = [f.name for f in row.fields if f.right is not None]

    def decorate(body):
        @transaction.atomic
        def run(ticket, *, actor=None, expected_version=None, **inputs):
            if prepare is not None:
                inputs = prepare(**inputs)
            t = lock(ticket, expected_version)
            check(name, actor, t, **{f: inputs[f] for f in rights_of_fields if f in inputs})
            t = transition(name, t, actor=actor, body=lambda t: body(t, actor=actor, **inputs))
            return returns(t) if returns is not None else t

        run.__name__, run.__qualname__, run.__doc__, run.__module__ = name, name, body.__doc__, body.__module__
        run.__signature__ = _signature(prepare or body, Ticket if returns is None else inspect.Signature.empty)
        run.transition = row
        ACTIONS[name] = run
        return run

    return decorate


def _signature(fn, returned) -> inspect.Signature:
    """The action's own signature: `(ticket, *, actor=None, expected_version=None, <its inputs>)`,
    the inputs being those of `prepare` if any, else the body's."""
    params = list(inspect.signature(fn).parameters.values())
    inputs = [p for p in params if p.kind == inspect.Parameter.KEYWORD_ONLY and p.name != "actor"]
    inputs += [p for p in params if p.kind == inspect.Parameter.VAR_KEYWORD]
    head = [
        inspect.Parameter("ticket", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("expected_version", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
    return inspect.Signature(head + inputs, return_annotation=returned)


# --- helpers ------------------------------------------------------------------------------------

def required(name: str, value, label: str) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not value:
        raise ValidationError({name: _("Le champ « %(label)s » est obligatoire.") % {"label": label}})
    return value


def _desk(value) -> Desk:
    if isinstance(value, Desk):
        return value
    try:
        return Desk.objects.get(pk=value)
    except (Desk.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"desk": _("Guichet inconnu.")}) from None


def _other_ticket(actor, value, field) -> Ticket:
    from .selectors import visible_to

    qs = visible_to(actor) if actor is not None else Ticket.objects.all()
    try:
        if isinstance(value, Ticket):
            return qs.get(pk=value.pk)
        if isinstance(value, int):
            return qs.get(pk=value)
        return qs.get(reference=str(value).strip())
    except Ticket.DoesNotExist:
        raise ValidationError({field: _("Ticket %(value)s introuvable dans votre périmètre.") % {"value": value}}) from None


def _comment_row(body):
    """`Change.then`: the comment row of the event (the text the timeline shows), read by the
    event's audience."""
    def write(t, event):
        Comment.objects.create(ticket=t, event=event, author=event.actor, body=body, visibility=event.visibility,
                               organisation=event.organisation, created_at=event.at)
    return write


def _move_to(t: Ticket, target: Desk, level: int | None = None) -> None:
    if level is not None:
        t.level = level
    t.desk, t.assignee = target, None
    t.reached_vendor = t.reached_vendor or target.vendor_id is not None
    t.vendor_id = t.vendor_id or target.vendor_id


# --- open ---------------------------------------------------------------------------------------

def convention_for(school, on: date | None = None, product=None) -> Convention | None:
    """The convention in force for the school on that date (latest start first), for a product if given."""
    on = on or timezone.localdate()
    # Past its initial end, a convention is still in force if its terms renewed it (directory.lifecycle).
    qs = Convention.objects.filter(Q(ends_on__gte=on) | ~Q(lifecycle={}), coverage__school=school, starts_on__lte=on)
    if product is not None:
        qs = qs.filter(product=product)
    return next((c for c in qs.order_by("-starts_on", "pk") if lifecycle.in_force_for(c, school, on)), None)


def outside_convention_landing(school) -> tuple[Convention | None, Desk, str]:
    """Where a ticket goes when no convention is in force for its school: the académie's desk — the
    guichet de repli of the last convention that covered the school, else the académie's level-1
    desk. (convention or None, desk, the reason written in the timeline.)"""
    last = (Convention.objects.filter(coverage__school=school, starts_on__lte=timezone.localdate())
            .select_related("fallback_desk").order_by("-ends_on", "-starts_on", "pk").first())
    if last is not None and last.fallback_desk_id:
        desk = last.fallback_desk
    else:
        desk = (Desk.objects.filter(academie_id=school.academie_id, level=Level.AUTHORITY)
                .order_by("pk").first())
    if desk is None:
        raise GuardFailed(_("Aucune convention en vigueur ne couvre l'école %(uai)s et son académie n'a pas de guichet "
                            "de niveau 1 : impossible d'orienter la demande.") % {"uai": school.uai})
    if last is not None:
        if lifecycle.in_force(last, timezone.localdate()):  # in force, but the school not active this school year
            reason = _("hors convention : l'école n'est pas active cette année scolaire au titre de la convention "
                       "%(convention)s (liste des écoles de l'avenant) ; demande reçue par %(desk)s") % {
                "convention": last.reference, "desk": desk.name}
        else:
            reason = _("hors convention : la convention %(convention)s a pris fin le %(end)s ; demande reçue par %(desk)s") % {
                "convention": last.reference, "end": date_format(last.ends_on, "SHORT_DATE_FORMAT"), "desk": desk.name}
    else:
        reason = _("hors convention : aucune convention ne couvre l'école ; demande reçue par %(desk)s") % {"desk": desk.name}
    return last, desk, reason


def _may_open(user, school) -> bool:
    return opening.may_open(user, school)  # the rule, with for whom: tickets/opening.py


@transaction.atomic
def open_ticket(*, actor, school, title, description, category, service="", impact, urgency, contact="",
                qualification=None, via="web", on_behalf_of=None, beneficiary_name="", beneficiary_kind="",
                resource=None, door=None) -> Ticket:
    """Not a row of the table: the ticket does not exist yet (it lands where the matrix says; a
    request addressed to a desk, `door`, stays there when the matrix gives it that desk at a level).

    Who may open and for whom is `tickets.opening.check_opening`: `on_behalf_of` is an account of
    the school the actor enters it for (requester = that person, opened_by = the actor); a person
    without account is `beneficiary_name` + `beneficiary_kind` + `contact` (requester = the actor)."""
    who = opening.check_opening(actor, school, on_behalf_of=on_behalf_of, beneficiary_name=beneficiary_name,
                                beneficiary_kind=beneficiary_kind, contact=contact)
    requester = who.requester
    title = required("title", title, _("titre"))
    if len(title) > 200:
        raise ValidationError({"title": _("Le titre dépasse 200 caractères.")})
    description = required("description", description, _("description"))
    if category not in Category.values:
        raise ValidationError({"category": _("Catégorie inconnue : %(category)r.") % {"category": category}})
    try:
        impact, urgency = int(impact), int(urgency)
    except (TypeError, ValueError):
        raise ValidationError({"impact": _("Impact et urgence sont des valeurs 1, 2 ou 3.")}) from None
    if impact not in Impact.values:
        raise ValidationError({"impact": _("Impact inconnu (1 élevé, 2 moyen, 3 faible).")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Urgence inconnue (1 élevée, 2 moyenne, 3 faible).")})

    convention = convention_for(school)
    outside = convention is None
    if outside:
        convention, desk, reason = outside_convention_landing(school)
        level, fallback, direct_access = desk.level, True, False
    else:
        try:
            landing = find_landing(routes_of(convention), category, school, resource=resource, door=door)
        except Unresolved as exc:
            raise GuardFailed(_("La demande ne peut pas être orientée : %(why)s") % {"why": exc}) from None
        if landing is None:
            raise GuardFailed(
                _("La matrice de support de la convention %(convention)s ne prévoit aucun guichet pour la "
                  "catégorie « %(category)s ».")
                % {"convention": convention.reference, "category": Category(category).label}
            )
        level, desk, reason, fallback = landing.level, landing.desk, landing.reason, landing.fallback
        direct_access = bool(landing.route and landing.route.direct_access and not landing.fallback)
    now = timezone.now()
    t = Ticket(
        reference=next_reference(timezone.localdate(now)), school=school, requester=requester, contact=who.contact,
        opened_by=who.opened_by, beneficiary_name=who.beneficiary_name, beneficiary_kind=who.beneficiary_kind,
        title=title, description=description, category=category, service=(service or "").strip(),
        impact=impact, urgency=urgency, priority=priority_for(impact, urgency), convention=convention, via=via,
        resource=resource, outside_convention=outside,
        level=level, desk=desk, reached_vendor=desk.vendor_id is not None, vendor_id=desk.vendor_id,
        created_at=now, updated_at=now,
    )
    if qualification:
        apply_qualification(t, dict(qualification))
    if desk.vendor_id is not None:  # the landing cell may give a direct access (no qualification asked)
        check_ready_for_vendor(t, direct_access=direct_access)
    t.save()
    record(t, actor=actor, kind=EventKind.OPENED, before=None, payload={
        "convention": convention.reference if convention else None, "category": category, "priority": t.priority,
        "routing": reason, **({"fallback": True} if fallback else {}), **({"outside_convention": True} if outside else {}),
        **({"on_behalf_of": requester.pk} if requester.pk != actor.pk else {}),
        **({"beneficiary_kind": who.beneficiary_kind} if who.beneficiary_name else {}),
    }, at=now)
    return t


# --- the rows -----------------------------------------------------------------------------------

@action("take")
def take(t, *, actor, force=False):
    if t.assignee_id and not force:
        # Two agents clicking "take" at once: the second one learns it was taken.
        raise Conflict(_("Ce ticket vient d'être pris en charge par %(assignee)s.") % {"assignee": t.assignee})
    t.assignee = actor
    return {"assignee": actor.pk}


@action("comment")
def comment(t, *, actor, body, internal=False, visibility=""):
    """`visibility`: the audience chosen (`tickets.access.chosen_audience`); `internal` (the note
    checkbox, API `internal: true`) means the chain when no audience is chosen, never public."""
    body = required("body", body, _("message"))
    from .access import chosen_audience, is_agent_at_desk, is_requester_side

    audience, organisation = chosen_audience(actor, t, visibility, internal)
    if (
        audience == Visibility.PUBLIC
        and t.state == State.WAITING_REQUESTER
        and is_requester_side(actor, t)
        and not is_agent_at_desk(actor, t)
    ):
        # A requester reply to a request for information brings the ticket back to work.
        return Change(payload={"body": body}, instead="answer", then=_comment_row(body))
    return Change(payload={"body": body}, kind=EventKind.COMMENTED if audience == Visibility.PUBLIC else EventKind.NOTE,
                  visibility=audience, organisation=organisation, then=_comment_row(body))


@action("request_info")
def request_info(t, *, actor, body):
    body = required("body", body, _("question au demandeur"))
    if t.assignee_id is None:
        t.assignee = actor
    return Change(payload={"body": body}, then=_comment_row(body))


@action("answer")
def answer(t, *, actor, body):
    body = required("body", body, _("réponse"))
    return Change(payload={"body": body}, then=_comment_row(body))


@action("route")
def route(t, *, actor, desk, reason):
    reason = required("reason", reason, _("motif de la réorientation"))
    target = _desk(desk)
    if target.pk == t.desk_id:
        raise GuardFailed(_("Le ticket est déjà sur ce guichet."))
    if target.level != t.level:
        raise GuardFailed(
            _("Réorienter se fait au même niveau (niveau %(level)s) ; pour changer de niveau, transmettez ou renvoyez le ticket.")
            % {"level": t.level}
        )
    _move_to(t, target)
    # Why it moves is the support chain's business, as for escalate and send_back.
    return Change(payload={"reason": reason, "desk": target.pk}, target=target, visibility=Visibility.CHAIN)


@action("escalate")
def escalate(t, *, actor, reason="", no_solution_found=None, **qualification):
    if no_solution_found is not None:
        qualification["no_solution_found"] = no_solution_found
    changed = apply_qualification(t, qualification)
    if t.convention_id is None:
        raise GuardFailed(_("Aucune convention n'est associée à ce ticket : le niveau supérieur est inconnu."))
    try:
        nxt = first_route(routes_of(t.convention), t.category, t.school, above=t.level, resource=t.resource)
    except ExternalEditor as exc:
        # Grand Est art. 6: the competent authority turns to that software's editor, outside the product.
        if t.resource_id is not None and exc.editor.pk == t.resource.editor_id:
            raise GuardFailed(
                _("Au niveau supérieur, la convention désigne l'éditeur %(editor)s, qui n'a pas de guichet dans "
                  "l'outil : utilisez « %(action)s » pour lui transmettre la demande.")
                % {"editor": exc.editor, "action": workflow.get("forward_external").label}
            ) from None
        raise GuardFailed(
            _("Au niveau supérieur, la convention désigne l'éditeur %(editor)s, qui n'a pas de guichet dans l'outil : "
              "un administrateur doit lui créer un guichet.") % {"editor": exc.editor}
        ) from None
    except Unresolved as exc:
        raise GuardFailed(_("Le niveau supérieur ne peut pas être trouvé : %(why)s") % {"why": exc}) from None
    if nxt is None:
        raise GuardFailed(
            _("Dans la convention %(convention)s, aucun niveau au-dessus du niveau %(level)s ne traite la "
              "catégorie « %(category)s ».")
            % {"convention": t.convention.reference, "level": t.level, "category": t.get_category_display()}
        )
    level, target = nxt.level, nxt.desk
    _move_to(t, target, level)
    # The message for the next level, the qualification and the routing are the support chain's:
    # never shown to the requester nor mailed to them.
    return Change(target=target, visibility=Visibility.CHAIN, payload={
        "reason": (reason or "").strip(), "desk": target.pk, "qualification": changed,
        "routing": nxt.reason, **({"fallback": True} if nxt.fallback else {}),
        "malfunction_proven": t.malfunction_proven, "no_solution_found": t.no_solution_found,
    })


@action("forward_external")
def forward_external(t, *, actor, to, message):
    """The request goes to a support outside the product (the resource's editor, the national GAR
    support) by e-mail through the outbox; the ticket stays at its desk, which enters the answer
    as a comment. The support chain reads the line, not the requester."""
    message = required("message", message, _("message au support externe"))
    recipient, address = guards.external_recipient(t, to)
    return Change(visibility=Visibility.CHAIN, payload={
        "to": to, "recipient": recipient, "address": address, "message": message,
        **({"resource": t.resource.name} if t.resource_id else {}),
    })


@action("send_back")
def send_back(t, *, actor, reason):
    reason = required("reason", reason, _("motif du renvoi (information demandée)"))
    level, target, assignee_id = guards.lower_desk(t)
    t.level, t.desk, t.assignee_id = level, target, assignee_id
    return Change(payload={"reason": reason, "desk": target.pk}, visibility=Visibility.CHAIN)


def _resolved(t, summary):
    t.resolution_summary, t.resolved_at, t.resolved_by_desk = summary, timezone.now(), t.desk


@action("resolve")
def resolve(t, *, actor, summary):
    summary = required("summary", summary, _("résumé de la résolution"))
    _resolved(t, summary)

    def resolve_children(t, event):
        # A major incident resolves its children; their requesters are told through the outbox.
        for child_id in t.children.filter(state__in=ACTIVE).order_by("pk").values_list("pk", flat=True):
            transition("resolve", lock(child_id), actor=actor, body=lambda child: (
                _resolved(child, f"Résolu avec l'incident majeur {t.reference} : {summary}")
                or {"summary": summary, "parent": t.reference}
            ))

    return Change(payload={"summary": summary}, then=resolve_children)


@action("confirm")
def confirm(t, *, actor, body=""):
    t.closed_at = timezone.now()
    return {"body": (body or "").strip()}


@action("reopen")
def reopen(t, *, actor, reason):
    reason = required("reason", reason, _("motif de la réouverture"))
    if t.resolved_by_desk_id:
        t.desk = t.resolved_by_desk
        t.level = t.desk.level
    t.resolved_at = t.closed_at = None
    return Change(payload={"reason": reason}, then=_comment_row(reason))


@action("auto_close")
def auto_close(t, *, actor=None):
    from django.conf import settings

    t.closed_at = timezone.now()
    return {"after_days": settings.HELPDESK["AUTO_CLOSE_DAYS"]}


def auto_close_due(now=None) -> int:
    """Close tickets resolved for AUTO_CLOSE_DAYS (periodic task). Returns how many were closed."""
    from django.conf import settings

    now = now or timezone.now()
    limit = now - timezone.timedelta(days=settings.HELPDESK["AUTO_CLOSE_DAYS"])
    closed = 0
    for pk in Ticket.objects.filter(state=State.RESOLVED, resolved_at__lte=limit).values_list("pk", flat=True):
        try:
            auto_close(pk, actor=None)
            closed += 1
        except (Conflict, GuardFailed):  # reopened or confirmed meanwhile
            continue
    return closed


def _check_duplicate(t, original):
    if original.pk == t.pk:
        raise ValidationError({"duplicate_of": _("Un ticket ne peut pas être le doublon de lui-même.")})
    if original.duplicate_of_id == t.pk:
        raise ValidationError({"duplicate_of": _("%(reference)s est déjà marqué comme doublon de ce ticket.") % {"reference": original.reference}})


@action("cancel")
def cancel(t, *, actor, reason, duplicate_of=None):
    reason = required("reason", reason, _("motif de l'annulation"))
    payload = {"reason": reason}
    if duplicate_of is not None:
        original = _other_ticket(actor, duplicate_of, "duplicate_of")
        _check_duplicate(t, original)
        t.duplicate_of = original
        payload["duplicate_of"] = original.reference
    t.cancel_reason = reason
    return payload


@action("link_duplicate")
def link_duplicate(t, *, actor, duplicate_of, reason=""):
    original = _other_ticket(actor, duplicate_of, "duplicate_of")
    _check_duplicate(t, original)
    t.duplicate_of = original
    return {"duplicate_of": original.reference, "reason": (reason or "").strip()}


@action("set_parent")
def set_parent(t, *, actor, parent):
    if parent is None:
        t.parent = None
        return {"parent": None}
    major = _other_ticket(actor, parent, "parent")
    ancestor, seen = major, set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == t.pk:
            raise ValidationError({"parent": _("Ce rattachement créerait une boucle d'incidents.")})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    if major.state not in ACTIVE:
        raise GuardFailed(_("L'incident majeur %(reference)s n'est plus ouvert.") % {"reference": major.reference})
    t.parent = major
    return {"parent": major.reference}


@action("update_qualification")
def update_qualification(t, *, actor, **fields):
    changed = apply_qualification(t, fields)
    if not changed:
        raise GuardFailed(_("Aucune modification de la qualification."))
    return Change(payload={"changed": changed}, visibility=Visibility.CHAIN)


@action("set_vendor_reference")
def set_vendor_reference(t, *, actor, vendor_reference):
    vendor_reference = required("vendor_reference", vendor_reference, _("référence éditeur"))
    if len(vendor_reference) > 80:
        raise ValidationError({"vendor_reference": _("La référence éditeur dépasse 80 caractères.")})
    t.vendor_reference = vendor_reference
    return {"vendor_reference": vendor_reference}


__all__ = [
    "ACTIONS", "Change", "action", "transition", "lock", "snapshot", "commit", "record", "required",
    "open_ticket", "convention_for", "auto_close_due",
    "take", "comment", "request_info", "answer", "route", "escalate", "forward_external", "send_back", "resolve", "confirm", "reopen",
    "auto_close", "cancel", "link_duplicate", "set_parent", "update_qualification", "set_vendor_reference",
]
