"""Writes on tickets: one function per user action, each in one transaction.

Every transition: locks the row, checks the version (`expected_version`), the permission and the
guards, changes state/level/desk, saves with a conditional UPDATE (version + 1), writes exactly one
timeline event, sends `ticket_transitioned` and writes its outbox rows — all or nothing.

Errors: `PermissionDenied` (who), `GuardFailed` (workflow rule), `Conflict` (someone else changed
the ticket meanwhile), Django's `ValidationError` (bad input, keyed by field name).
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from directory.choices import Category, Role
from directory.models import Convention, Desk
from directory.routing import desk_at, first_route, routes_of
from directory.selectors import perimeter_for

from . import outbox
from .exceptions import Conflict, GuardFailed, PermissionDenied
from .models import (
    ACTIVE,
    QUALIFICATION_FIELDS,
    Comment,
    EventKind,
    Impact,
    State,
    Ticket,
    TicketCounter,
    TicketEvent,
    Urgency,
    priority_for,
)
from .permissions import check, covers
from .signals import ticket_transitioned

_FIELDS = [f.attname for f in Ticket._meta.concrete_fields if f.attname != "id"]
FIELD_LABELS = {f.name: f.verbose_name for f in Ticket._meta.concrete_fields}


# --- helpers ------------------------------------------------------------------------------------

def _required(name: str, value, label: str) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not value:
        raise ValidationError({name: _("Le champ « %(label)s » est obligatoire.") % {"label": label}})
    return value


def next_reference(today: date | None = None) -> str:
    """ENT-<year>-<6 digits>, numbered per year (gaps are tolerated).

    PostgreSQL: a sequence per year, whose `nextval` never waits (a counter row would be locked
    until the end of each opening's transaction: under a Monday-morning peak every opening queued
    behind it). SQLite has a single writer anyway: a counter row bumped in the transaction."""
    year = (today or timezone.localdate()).year
    if connection.vendor == "postgresql":
        return f"ENT-{year}-{_next_in_sequence(year):06d}"
    number = _bump_counter(year)
    if number is None:
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last=1)
            number = 1
        except IntegrityError:  # created by a concurrent transaction meanwhile
            number = _bump_counter(year)
    return f"ENT-{year}-{number:06d}"


def _next_in_sequence(year: int) -> int:
    name = f"tickets_reference_{int(year)}"
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():  # savepoint: the sequence may not exist yet
                cursor.execute("SELECT nextval(%s)", [name])
                return cursor.fetchone()[0]
        except ProgrammingError:
            pass
        # First ticket of the year on PostgreSQL: start after what the counter row already gave
        # (a database that numbered with it before). A concurrent creator may win: then use theirs.
        start = (TicketCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0) + 1
        try:
            with transaction.atomic():
                cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START {int(start)}')  # nosec B608 - int year/start
        except (IntegrityError, ProgrammingError):
            pass
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


def _bump_counter(year: int) -> int | None:
    # One round trip (SQLite ≥ 3.35 knows UPDATE … RETURNING); None: no row yet.
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        # The only interpolated name is our own model's quoted table name; the value is a parameter.
        cursor.execute(f'UPDATE {table} SET "last" = "last" + 1 WHERE "year" = %s RETURNING "last"', [year])  # nosec B608
        row = cursor.fetchone()
    return row[0] if row else None


def convention_for(school, on: date | None = None, product=None) -> Convention | None:
    """The convention covering the school on that date (latest start first), for a product if given."""
    on = on or timezone.localdate()
    qs = Convention.objects.filter(coverage__school=school, starts_on__lte=on, ends_on__gte=on)
    if product is not None:
        qs = qs.filter(product=product)
    return qs.order_by("-starts_on", "pk").first()


def _lock(ticket, expected_version) -> Ticket:
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


def _snapshot(t: Ticket) -> dict:
    return {f: getattr(t, f) for f in _FIELDS}


def _event(t: Ticket, *, actor, kind, before: dict | None, public=True, payload=None, at=None) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=t, actor=actor if getattr(actor, "pk", None) else None, kind=kind, at=at or timezone.now(),
        from_state=before["state"] if before else "", to_state=t.state,
        from_level=before["level"] if before else None, to_level=t.level,
        from_desk_id=before["desk_id"] if before else None, to_desk_id=t.desk_id,
        public=public, version=t.version, payload=payload or {},
    )
    ticket_transitioned.send(sender=Ticket, ticket=t, event=event, before=before)
    outbox.enqueue(t, event, actor)
    t.last_event = event
    return event


def _commit(t: Ticket, before: dict, *, actor, kind, public=True, payload=None) -> TicketEvent:
    """Conditional UPDATE on the version read under lock, then the event. Lost race → Conflict."""
    now = timezone.now()
    changed = {f: getattr(t, f) for f in _FIELDS if getattr(t, f) != before[f]}
    t.version = before["version"] + 1
    t.updated_at = now
    changed.update(version=t.version, updated_at=now)
    if Ticket.objects.filter(pk=t.pk, version=before["version"]).update(**changed) != 1:
        raise Conflict()
    return _event(t, actor=actor, kind=kind, before=before, public=public, payload=payload, at=now)


def _set_qualification(t: Ticket, fields: dict) -> dict:
    """Validate and apply qualification fields; returns what changed (JSON-ready)."""
    allowed = set(QUALIFICATION_FIELDS) | {"malfunction_proven", "no_solution_found", "service", "impact", "urgency"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("Champ inconnu pour la qualification.") for name in sorted(unknown)})
    changed = {}
    for name, value in fields.items():
        if name == "users_affected" and value not in (None, ""):
            try:
                value = int(value)
                if value < 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise ValidationError({name: _("Le nombre d'utilisateurs concernés doit être un entier positif.")}) from None
        elif name == "first_seen_at" and value not in (None, ""):
            if isinstance(value, str):
                parsed = parse_datetime(value)
                if parsed is None:
                    raise ValidationError({name: _("Date et heure attendues (AAAA-MM-JJ HH:MM).")})
                value = parsed
            if not isinstance(value, datetime):
                raise ValidationError({name: _("Date et heure attendues (AAAA-MM-JJ HH:MM).")})
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            if value > timezone.now():
                raise ValidationError({name: _("La date de première constatation est dans le futur.")})
        elif name in ("malfunction_proven", "no_solution_found"):
            value = bool(value)
        elif name == "impact":
            if int(value) not in Impact.values:
                raise ValidationError({name: _("Impact inconnu (1 élevé, 2 moyen, 3 faible).")})
            value = int(value)
        elif name == "urgency":
            if int(value) not in Urgency.values:
                raise ValidationError({name: _("Urgence inconnue (1 élevée, 2 moyenne, 3 faible).")})
            value = int(value)
        elif value is None:
            value = None if name in ("users_affected", "first_seen_at") else ""
        elif isinstance(value, str):
            value = value.strip()
        if getattr(t, name) != value:
            setattr(t, name, value)
            changed[name] = value.isoformat() if isinstance(value, datetime) else value
    t.priority = priority_for(t.impact, t.urgency)
    return changed


def _vendor_guard(t: Ticket) -> None:
    """Conventions: only qualified, proven (or unsolved) malfunctions reach the vendor."""
    if t.category == Category.NETWORK:
        raise GuardFailed(
            _("Les pannes de réseau et de matériel relèvent de la collectivité : elles ne sont jamais transmises à l'éditeur.")
        )
    missing = t.qualification_missing
    if missing:
        labels = ", ".join(str(FIELD_LABELS[m]) for m in missing)
        raise GuardFailed(_("Qualification incomplète pour transmettre à l'éditeur — à renseigner : %(labels)s.") % {"labels": labels})
    if not (t.malfunction_proven or t.no_solution_found):
        raise GuardFailed(
            _("Pour transmettre à l'éditeur, le dysfonctionnement doit être avéré ou les niveaux inférieurs doivent "
              "constater qu'aucune solution n'a été trouvée.")
        )


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


# --- open ---------------------------------------------------------------------------------------

def _may_open(user, school) -> bool:
    p = perimeter_for(user)
    return p.everything or any(
        g.scope == "school" and g.scope_id == school.pk and g.role in (Role.REQUESTER, Role.AGENT) for g in p.grants
    )


@transaction.atomic
def open_ticket(*, actor, school, title, description, category, service="", impact, urgency, contact="",
                qualification=None, via="web", on_behalf_of=None) -> Ticket:
    """`on_behalf_of`: the requester when `actor` relays for them (an ENT help module, a bridge); both
    must be of the school's side, so a relay never opens for someone outside its perimeter."""
    if not _may_open(actor, school):
        raise PermissionDenied(
            _("Seuls les demandeurs de l'école et son correspondant ENT (niveau 0) peuvent y ouvrir un ticket.")
        )
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk and not (
        on_behalf_of.is_active and _may_open(on_behalf_of, school)
    ):
        raise PermissionDenied(_("%(person)s n'est pas un demandeur de l'école %(uai)s.") % {"person": on_behalf_of, "uai": school.uai})
    requester = on_behalf_of or actor
    title = _required("title", title, _("titre"))
    if len(title) > 200:
        raise ValidationError({"title": _("Le titre dépasse 200 caractères.")})
    description = _required("description", description, _("description"))
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
    if convention is None:
        raise GuardFailed(_("Aucune convention en vigueur ne couvre l'école %(uai)s : impossible d'orienter la demande.") % {"uai": school.uai})
    landing = first_route(routes_of(convention), category, school)
    if landing is None:
        raise GuardFailed(
            _("La matrice de support de la convention %(convention)s ne prévoit aucun guichet pour la "
              "catégorie « %(category)s ».")
            % {"convention": convention.reference, "category": Category(category).label}
        )
    level, desk = landing
    now = timezone.now()
    t = Ticket(
        reference=next_reference(timezone.localdate(now)), school=school, requester=requester, contact=(contact or "").strip(),
        title=title, description=description, category=category, service=(service or "").strip(),
        impact=impact, urgency=urgency, priority=priority_for(impact, urgency), convention=convention, via=via,
        level=level, desk=desk, reached_vendor=desk.vendor_id is not None, vendor_id=desk.vendor_id,
        created_at=now, updated_at=now,
    )
    if qualification:
        _set_qualification(t, dict(qualification))
    if desk.vendor_id is not None:
        _vendor_guard(t)
    t.save()
    _event(t, actor=actor, kind=EventKind.OPENED, before=None, payload={
        "convention": convention.reference, "category": category, "priority": t.priority,
        **({"on_behalf_of": requester.pk} if requester.pk != actor.pk else {}),
    }, at=now)
    return t


# --- transitions --------------------------------------------------------------------------------

@transaction.atomic
def take(ticket, *, actor, expected_version=None, force=False) -> Ticket:
    t = _lock(ticket, expected_version)
    check("take", actor, t)
    if t.assignee_id == actor.pk:
        raise GuardFailed(_("Vous avez déjà pris en charge ce ticket."))
    if t.assignee_id and not force:
        # Two agents clicking "take" at once: the second one learns it was taken.
        raise Conflict(_("Ce ticket vient d'être pris en charge par %(assignee)s.") % {"assignee": t.assignee})
    before = _snapshot(t)
    t.fsm_take()
    t.assignee = actor
    _commit(t, before, actor=actor, kind=EventKind.TAKEN, payload={"assignee": actor.pk})
    return t


def _comment_row(t, event, actor, body, public):
    Comment.objects.create(ticket=t, event=event, author=actor, body=body, public=public, created_at=event.at)


@transaction.atomic
def comment(ticket, *, actor, expected_version=None, body, internal=False) -> Ticket:
    t = _lock(ticket, expected_version)
    body = _required("body", body, _("message"))
    check("comment", actor, t, internal=internal)
    from .permissions import is_agent_at_desk, is_requester_side

    if (
        not internal
        and t.state == State.WAITING_REQUESTER
        and is_requester_side(actor, t)
        and not is_agent_at_desk(actor, t)
    ):
        # A requester reply to a request for information brings the ticket back to work.
        return _answer(t, actor, body)
    before = _snapshot(t)
    t.fsm_comment()
    kind = EventKind.NOTE if internal else EventKind.COMMENTED
    event = _commit(t, before, actor=actor, kind=kind, public=not internal, payload={"body": body})
    _comment_row(t, event, actor, body, not internal)
    return t


@transaction.atomic
def request_info(ticket, *, actor, expected_version=None, body) -> Ticket:
    t = _lock(ticket, expected_version)
    body = _required("body", body, _("question au demandeur"))
    check("request_info", actor, t)
    before = _snapshot(t)
    t.fsm_request_info()
    if t.assignee_id is None:
        t.assignee = actor
    event = _commit(t, before, actor=actor, kind=EventKind.INFO_REQUESTED, payload={"body": body})
    _comment_row(t, event, actor, body, True)
    return t


def _answer(t, actor, body) -> Ticket:
    before = _snapshot(t)
    t.fsm_answer()
    event = _commit(t, before, actor=actor, kind=EventKind.ANSWERED, payload={"body": body})
    _comment_row(t, event, actor, body, True)
    return t


@transaction.atomic
def answer(ticket, *, actor, expected_version=None, body) -> Ticket:
    t = _lock(ticket, expected_version)
    body = _required("body", body, _("réponse"))
    check("answer", actor, t)
    return _answer(t, actor, body)


@transaction.atomic
def route(ticket, *, actor, expected_version=None, desk, reason) -> Ticket:
    t = _lock(ticket, expected_version)
    reason = _required("reason", reason, _("motif de la réorientation"))
    check("route", actor, t)
    target = _desk(desk)
    if target.pk == t.desk_id:
        raise GuardFailed(_("Le ticket est déjà sur ce guichet."))
    if target.level != t.level:
        raise GuardFailed(
            _("Réorienter se fait au même niveau (niveau %(level)s) ; pour changer de niveau, transmettez ou renvoyez le ticket.")
            % {"level": t.level}
        )
    if target.vendor_id is not None:
        _vendor_guard(t)
    before = _snapshot(t)
    t.fsm_route()
    t.desk, t.assignee = target, None
    t.reached_vendor = t.reached_vendor or target.vendor_id is not None
    t.vendor_id = t.vendor_id or target.vendor_id
    _commit(t, before, actor=actor, kind=EventKind.ROUTED, payload={"reason": reason, "desk": target.pk})
    return t


@transaction.atomic
def escalate(ticket, *, actor, expected_version=None, reason="", no_solution_found=None, **qualification) -> Ticket:
    t = _lock(ticket, expected_version)
    check("escalate", actor, t)
    before = _snapshot(t)
    if no_solution_found is not None:
        qualification["no_solution_found"] = no_solution_found
    changed = _set_qualification(t, qualification)
    if t.convention_id is None:
        raise GuardFailed(_("Aucune convention n'est associée à ce ticket : le niveau supérieur est inconnu."))
    nxt = first_route(routes_of(t.convention), t.category, t.school, above=t.level)
    if nxt is None:
        raise GuardFailed(
            _("Dans la convention %(convention)s, aucun niveau au-dessus du niveau %(level)s ne traite la "
              "catégorie « %(category)s ».")
            % {"convention": t.convention.reference, "level": t.level, "category": t.get_category_display()}
        )
    level, target = nxt
    if target.vendor_id is not None:
        _vendor_guard(t)
    t.fsm_escalate()
    t.level, t.desk, t.assignee = level, target, None
    t.reached_vendor = t.reached_vendor or target.vendor_id is not None
    t.vendor_id = t.vendor_id or target.vendor_id
    _commit(t, before, actor=actor, kind=EventKind.ESCALATED, payload={
        "reason": (reason or "").strip(), "desk": target.pk, "qualification": changed,
        "malfunction_proven": t.malfunction_proven, "no_solution_found": t.no_solution_found,
    })
    return t


@transaction.atomic
def send_back(ticket, *, actor, expected_version=None, reason) -> Ticket:
    t = _lock(ticket, expected_version)
    reason = _required("reason", reason, _("motif du renvoi (information demandée)"))
    check("send_back", actor, t)
    # Back to the desk (and agent) that escalated it here; else the matrix's lower level.
    arrival = (
        t.events.filter(to_level=t.level, from_level__lt=t.level, from_desk__isnull=False)
        .order_by("-id").select_related("from_desk").first()
    )
    if arrival is not None:
        level, target, assignee_id = arrival.from_level, arrival.from_desk, arrival.actor_id
    else:
        routes = routes_of(t.convention) if t.convention_id else []
        target = None
        for level in range(t.level - 1, -1, -1):
            target = desk_at(routes, level, t.category, t.school)
            if target is not None:
                break
        if target is None:
            raise GuardFailed(_("Aucun niveau inférieur ne traite cette catégorie : le ticket ne peut pas être renvoyé."))
        assignee_id = None
    before = _snapshot(t)
    t.fsm_send_back()
    t.level, t.desk, t.assignee_id = level, target, assignee_id
    _commit(t, before, actor=actor, kind=EventKind.SENT_BACK, payload={"reason": reason, "desk": target.pk})
    return t


def _resolve(t, actor, summary, payload) -> Ticket:
    before = _snapshot(t)
    t.fsm_resolve()
    t.resolution_summary, t.resolved_at, t.resolved_by_desk = summary, timezone.now(), t.desk
    _commit(t, before, actor=actor, kind=EventKind.RESOLVED, payload=payload)
    return t


@transaction.atomic
def resolve(ticket, *, actor, expected_version=None, summary) -> Ticket:
    t = _lock(ticket, expected_version)
    summary = _required("summary", summary, _("résumé de la résolution"))
    check("resolve", actor, t)
    _resolve(t, actor, summary, {"summary": summary})
    # A major incident resolves its children; their requesters are told through the outbox.
    for child_id in t.children.filter(state__in=ACTIVE).order_by("pk").values_list("pk", flat=True):
        child = _lock(child_id, None)
        _resolve(child, actor, f"Résolu avec l'incident majeur {t.reference} : {summary}",
                 {"summary": summary, "parent": t.reference})
    return t


@transaction.atomic
def confirm(ticket, *, actor, expected_version=None, body="") -> Ticket:
    t = _lock(ticket, expected_version)
    check("confirm", actor, t)
    before = _snapshot(t)
    t.fsm_confirm()
    t.closed_at = timezone.now()
    _commit(t, before, actor=actor, kind=EventKind.CONFIRMED, payload={"body": (body or "").strip()})
    return t


@transaction.atomic
def reopen(ticket, *, actor, expected_version=None, reason) -> Ticket:
    t = _lock(ticket, expected_version)
    reason = _required("reason", reason, _("motif de la réouverture"))
    check("reopen", actor, t)
    before = _snapshot(t)
    t.fsm_reopen()
    if t.resolved_by_desk_id:
        t.desk = t.resolved_by_desk
        t.level = t.desk.level
    t.resolved_at = t.closed_at = None
    event = _commit(t, before, actor=actor, kind=EventKind.REOPENED, payload={"reason": reason})
    _comment_row(t, event, actor, reason, True)
    return t


@transaction.atomic
def auto_close(ticket, *, actor=None, expected_version=None) -> Ticket:
    t = _lock(ticket, expected_version)
    check("auto_close", actor, t)
    days = settings.HELPDESK["AUTO_CLOSE_DAYS"]
    if t.resolved_at is None or timezone.now() - t.resolved_at < timezone.timedelta(days=days):
        raise GuardFailed(_("La clôture automatique intervient %(days)s jours après la résolution.") % {"days": days})
    before = _snapshot(t)
    t.fsm_auto_close()
    t.closed_at = timezone.now()
    _commit(t, before, actor=actor, kind=EventKind.AUTO_CLOSED, payload={"after_days": days})
    return t


def auto_close_due(now=None) -> int:
    """Close tickets resolved for AUTO_CLOSE_DAYS (periodic task). Returns how many were closed."""
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


@transaction.atomic
def cancel(ticket, *, actor, expected_version=None, reason, duplicate_of=None) -> Ticket:
    t = _lock(ticket, expected_version)
    reason = _required("reason", reason, _("motif de l'annulation"))
    check("cancel", actor, t)
    before = _snapshot(t)
    payload = {"reason": reason}
    if duplicate_of is not None:
        original = _other_ticket(actor, duplicate_of, "duplicate_of")
        _check_duplicate(t, original)
        t.duplicate_of = original
        payload["duplicate_of"] = original.reference
    t.fsm_cancel()
    t.cancel_reason = reason
    _commit(t, before, actor=actor, kind=EventKind.CANCELLED, payload=payload)
    return t


def _check_duplicate(t, original):
    if original.pk == t.pk:
        raise ValidationError({"duplicate_of": _("Un ticket ne peut pas être le doublon de lui-même.")})
    if original.duplicate_of_id == t.pk:
        raise ValidationError({"duplicate_of": _("%(reference)s est déjà marqué comme doublon de ce ticket.") % {"reference": original.reference}})


@transaction.atomic
def link_duplicate(ticket, *, actor, expected_version=None, duplicate_of, reason="") -> Ticket:
    t = _lock(ticket, expected_version)
    check("link_duplicate", actor, t)
    original = _other_ticket(actor, duplicate_of, "duplicate_of")
    _check_duplicate(t, original)
    before = _snapshot(t)
    t.fsm_link()
    t.duplicate_of = original
    _commit(t, before, actor=actor, kind=EventKind.LINKED_DUPLICATE,
            payload={"duplicate_of": original.reference, "reason": (reason or "").strip()})
    return t


@transaction.atomic
def set_parent(ticket, *, actor, expected_version=None, parent) -> Ticket:
    t = _lock(ticket, expected_version)
    check("set_parent", actor, t)
    before = _snapshot(t)
    if parent is None:
        t.fsm_link()
        t.parent = None
        _commit(t, before, actor=actor, kind=EventKind.PARENT_SET, payload={"parent": None})
        return t
    major = _other_ticket(actor, parent, "parent")
    ancestor, seen = major, set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == t.pk:
            raise ValidationError({"parent": _("Ce rattachement créerait une boucle d'incidents.")})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    if major.state not in ACTIVE:
        raise GuardFailed(_("L'incident majeur %(reference)s n'est plus ouvert.") % {"reference": major.reference})
    t.fsm_link()
    t.parent = major
    _commit(t, before, actor=actor, kind=EventKind.PARENT_SET, payload={"parent": major.reference})
    return t


@transaction.atomic
def update_qualification(ticket, *, actor, expected_version=None, **fields) -> Ticket:
    t = _lock(ticket, expected_version)
    check("update_qualification", actor, t)
    before = _snapshot(t)
    changed = _set_qualification(t, fields)
    if not changed:
        raise GuardFailed(_("Aucune modification de la qualification."))
    t.fsm_link()
    _commit(t, before, actor=actor, kind=EventKind.QUALIFIED, public=False, payload={"changed": changed})
    return t


@transaction.atomic
def set_vendor_reference(ticket, *, actor, expected_version=None, vendor_reference) -> Ticket:
    t = _lock(ticket, expected_version)
    vendor_reference = _required("vendor_reference", vendor_reference, _("référence éditeur"))
    if len(vendor_reference) > 80:
        raise ValidationError({"vendor_reference": _("La référence éditeur dépasse 80 caractères.")})
    check("set_vendor_reference", actor, t)
    before = _snapshot(t)
    t.fsm_link()
    t.vendor_reference = vendor_reference
    _commit(t, before, actor=actor, kind=EventKind.VENDOR_REFERENCE, payload={"vendor_reference": vendor_reference})
    return t


def add_attachment(ticket, *, actor, upload=None, file=None, public=True, expected_version=None):
    """Attach a file (see tickets.attachments): `upload` or `file`, an uploaded file object."""
    from .attachments import add_attachment as _add

    return _add(ticket, actor=actor, upload=upload if upload is not None else file, public=public,
                expected_version=expected_version)


__all__ = [
    "open_ticket", "take", "comment", "request_info", "answer", "route", "escalate", "send_back", "resolve",
    "confirm", "reopen", "auto_close", "auto_close_due", "cancel", "link_duplicate", "set_parent",
    "update_qualification", "set_vendor_reference", "add_attachment", "convention_for", "next_reference", "covers",
]
