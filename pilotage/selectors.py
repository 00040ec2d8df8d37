"""Reads of pilotage: ONE access rule for reviews (`visible_reviews_q`), the rights built on the
perimeter, and what a review page shows (timeline, impact, the organisations one may invite).

The rule (from `directory.selectors.perimeter_for`):
- administrators read every review;
- the members of an invited organisation read it (their grants' organisation keys — a
  circonscription's people count as their académie's —, requesters' grants aside): a vendor reads
  exactly the reviews it is invited to, never another's;
- managers read the reviews of the major incidents that touch their perimeter (an incident of every
  school, of an académie where they hold schools, of schools of which they hold one).

Leading a review (declaring the major incident, editing the review, adding actions) is for
administrators, managers and the agents of a non-vendor support desk of level 1 and up, for an
incident that touches their perimeter (`may_lead`). An action's status is also updated by the
members of its owning organisation (`may_update_action`): the vendor marks its own actions done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from directory.choices import Level, Role
from directory.models import Academie, Collectivite, ConventionSchool, Desk, School, Vendor
from directory.selectors import organisation_keys, organisation_labels, perimeter_for
from sla import availability

from .models import OPEN_ACTION_STATUSES, ImprovementAction, MajorIncident, Review, ReviewEvent, ReviewParty


# --- perimeters --------------------------------------------------------------------------------------

def reader_keys(user, p=None) -> list[str]:
    """The organisation keys of `user` that an invitation matches (requesters' grants aside)."""
    p = p or perimeter_for(user)
    grants = [g for g in p.grants if g.role != Role.REQUESTER]
    return sorted(set(organisation_keys(grants)) - {""})


def _lead_perimeter(user):
    """The part of the perimeter that leads reviews: managers, and agents of non-vendor desks of
    level 1 and up (one query for the desks' levels). None: no such grant."""
    p = perimeter_for(user)
    if not p.grants:
        return None
    agent_desks = sorted({g.desk_id for g in p.grants if g.role == Role.AGENT and g.desk_id and g.scope != "vendor"})
    leading_desks = set(Desk.objects.filter(pk__in=agent_desks, level__gte=Level.AUTHORITY, vendor__isnull=True)
                        .values_list("pk", flat=True)) if agent_desks else set()
    grants = tuple(g for g in p.grants if (g.role == Role.MANAGER and g.scope != "vendor")
                   or (g.role == Role.AGENT and g.desk_id in leading_desks))
    return type(p)(p.user_id, False, grants) if grants else None


def _incident_touches(perimeter, prefix: str = "") -> Q:
    """A Q on MajorIncident (or `prefix`ed) of the incidents touching the perimeter's schools."""
    schools = perimeter.schools()
    on_schools = MajorIncident.schools.through.objects.filter(school__in=schools).values("majorincident_id")
    return (Q(**{f"{prefix}everywhere": True}) | Q(**{f"{prefix}academie_id__in": schools.values("academie_id")})
            | Q(**{f"{prefix}collectivite_id__in": schools.values("collectivite_id")})
            | Q(**{f"{prefix}pk__in": on_schools}))


def visible_reviews_q(user) -> Q | None:
    """THE rule of who reads a review (Q on Review); None means every review."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    p = perimeter_for(user)
    if p.everything:
        return None
    parts = []
    keys = reader_keys(user, p)
    if keys:
        parts.append(Q(Exists(ReviewParty.objects.filter(review_id=OuterRef("pk"), organisation__in=keys))))
    managers = tuple(g for g in p.grants if g.role == Role.MANAGER and g.scope != "vendor")
    if managers:
        parts.append(_incident_touches(type(p)(p.user_id, False, managers), "incident__"))
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


LIST_RELATED = ("incident", "incident__outage", "incident__outage__service", "incident__ticket", "incident__academie")


def visible_reviews(user) -> QuerySet[Review]:
    """The reviews `user` may read, with what a list shows (constant number of queries)."""
    qs = Review.objects.select_related(*LIST_RELATED).annotate(
        open_actions=Count("actions", filter=Q(actions__status__in=OPEN_ACTION_STATUSES), distinct=True),
        all_actions=Count("actions", distinct=True),
    ).prefetch_related(Prefetch("parties", queryset=ReviewParty.objects.order_by("label")))
    q = visible_reviews_q(user)
    return qs if q is None else qs.filter(q)


def review_for(user, pk) -> Review:
    """One visible review (Review.DoesNotExist → 404 otherwise)."""
    return visible_reviews(user).get(pk=pk)


def open_actions(user) -> QuerySet[ImprovementAction]:
    """Open improvement actions (à faire, en cours) of the reviews `user` reads, soonest due first."""
    reviews = Review.objects.all()
    q = visible_reviews_q(user)
    if q is not None:
        reviews = reviews.filter(q)
    return (ImprovementAction.objects.filter(review__in=reviews.values("pk"), status__in=OPEN_ACTION_STATUSES)
            .select_related("review__incident").order_by("due_on", "pk"))


def actions_of(review) -> QuerySet[ImprovementAction]:
    return review.actions.prefetch_related("tickets").order_by("due_on", "pk")


# --- rights ---------------------------------------------------------------------------------------------

def may_lead(user, review_or_incident) -> bool:
    """May `user` edit the review (cause, minutes, status, parties, actions)?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if perimeter_for(user).everything:
        return True
    lead = _lead_perimeter(user)
    if lead is None:
        return False
    incident = getattr(review_or_incident, "incident", review_or_incident)
    return MajorIncident.objects.filter(_incident_touches(lead), pk=incident.pk).exists()


def may_declare_outage_major(user, outage) -> bool:
    """May `user` declare this outage a major incident: sla's right on the outage's scope
    (`sla.outages.may_close_outage`) held through a leading grant (not a vendor's desk)."""
    from sla.outages import may_close_outage

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if perimeter_for(user).everything:
        return True
    return _lead_perimeter(user) is not None and may_close_outage(user, outage)


def may_declare_ticket_major(user, ticket) -> bool:
    """May `user` declare this ticket a major incident: a parent ticket (not itself a child) that
    the user reads, of a school of their leading perimeter."""
    from tickets.selectors import visible_to

    if user is None or not getattr(user, "is_authenticated", False) or ticket.parent_id is not None:
        return False
    if not visible_to(user).filter(pk=ticket.pk).exists():
        return False
    if perimeter_for(user).everything:
        return True
    lead = _lead_perimeter(user)
    return lead is not None and lead.covers_school(ticket.school)


def may_update_action(user, action) -> bool:
    """Leads of the review, and the members of the owning organisation (the vendor's desk, its API
    client) who read the review."""
    if may_lead(user, action.review):
        return True
    return action.owner in reader_keys(user) and Review.objects.filter(
        visible_reviews_q(user) or Q(), pk=action.review_id).exists()


# --- the review page ------------------------------------------------------------------------------------

def is_major(obj) -> bool:
    """Is this outage or ticket already a major incident?"""
    return MajorIncident.objects.filter(Q(outage_id=obj.pk) if hasattr(obj, "service_id") else Q(ticket_id=obj.pk)).exists()


def review_of(obj) -> Review | None:
    """The review of an outage or a ticket declared major (None if it is not)."""
    field = "incident__outage_id" if hasattr(obj, "service_id") else "incident__ticket_id"
    return Review.objects.filter(**{field: obj.pk}).first()


def linked_ticket_ids(incident) -> list[int]:
    """The tickets of the incident: the outage's linked tickets, or the parent and its children."""
    from tickets.models import Ticket

    if incident.outage_id:
        return list(incident.outage.tickets.values_list("pk", flat=True))
    return [incident.ticket_id, *Ticket.objects.filter(parent_id=incident.ticket_id).values_list("pk", flat=True)]


@dataclass
class TimelineEntry:
    at: datetime
    label: str
    detail: str = ""
    reference: str = ""  # a ticket's reference, for a link


def timeline(user, review) -> list[TimelineEntry]:
    """What happened, in order: the outage's start and end, the parent ticket's events (those the
    user reads: `tickets.selectors.timeline_for`), the linked tickets' opening and resolution (the
    ones the user reads), the review's own events. A fixed number of queries."""
    from tickets.selectors import timeline_for, visible_to

    incident = review.incident
    entries = []
    if incident.outage_id:
        o = incident.outage
        entries.append(TimelineEntry(o.started_at, _("Début de l'interruption : %(service)s") % {"service": o.service.name}, o.cause))
        if o.ended_at:
            entries.append(TimelineEntry(o.ended_at, _("Fin de l'interruption : %(service)s") % {"service": o.service.name}))
    parent = None
    if incident.ticket_id:
        parent = visible_to(user).filter(pk=incident.ticket_id).first()
        if parent is not None:
            for e in timeline_for(user, parent):
                entries.append(TimelineEntry(e.at, f"{parent.reference} — {e.get_kind_display()}",
                                             e.actor.get_full_name() if e.actor_id else "", parent.reference))
    others = [pk for pk in linked_ticket_ids(incident) if pk != incident.ticket_id]
    for t in visible_to(user).filter(pk__in=others).order_by("created_at")[:200]:
        entries.append(TimelineEntry(t.created_at, _("Demande %(ref)s ouverte (%(school)s)") % {"ref": t.reference, "school": t.school.name},
                                     t.title, t.reference))
        if t.resolved_at:
            entries.append(TimelineEntry(t.resolved_at, _("Demande %(ref)s résolue") % {"ref": t.reference}, "", t.reference))
    labels = dict(REVIEW_EVENT_LABELS)
    for e in ReviewEvent.objects.filter(incident=incident).select_related("actor").order_by("id"):
        entries.append(TimelineEntry(e.at, str(labels.get(e.kind, e.kind)), e.payload.get("summary", "")))
    return sorted(entries, key=lambda entry: entry.at)


REVIEW_EVENT_LABELS = {
    "declared": _("Déclaré incident majeur"),
    "review_updated": _("Revue mise à jour"),
    "party_invited": _("Partie invitée"),
    "party_removed": _("Invitation retirée"),
    "action_added": _("Action d'amélioration ajoutée"),
    "action_updated": _("Action d'amélioration mise à jour"),
}


def impact(review, now=None) -> dict:
    """Schools, people and minutes of the incident: minutes inside and outside the service window
    (and school-minutes: minutes × schools), from the outage (`sla.availability`)."""
    from tickets.models import Ticket

    incident = review.incident
    ticket_ids = linked_ticket_ids(incident)
    people = Ticket.objects.filter(pk__in=ticket_ids).values("requester_id").distinct().count() if ticket_ids else 0
    result = {"schools": 0, "people": people, "tickets": len(ticket_ids), "minutes_inside": None, "minutes_outside": None,
              "school_minutes_inside": None, "school_minutes_outside": None}
    if incident.outage_id:
        result.update(_outage_impact(incident.outage, now=now))
    else:
        result["schools"] = Ticket.objects.filter(pk__in=ticket_ids).values("school_id").distinct().count()
    return result


def _outage_impact(outage, now=None) -> dict:
    """School-minutes inside and outside each school's window (`sla.availability.outage_impact`);
    the minutes per school are their mean (exact when the schools share one calendar)."""
    n, inside, outside = availability.outage_impact(outage, now=now)
    return {"schools": n, "school_minutes_inside": round(inside), "school_minutes_outside": round(outside),
            "minutes_inside": round(inside / n) if n else 0, "minutes_outside": round(outside / n) if n else 0}


def schools_of(incident) -> QuerySet[School]:
    if incident.everywhere:
        return School.objects.all()
    if incident.academie_id:
        return School.objects.filter(academie_id=incident.academie_id)
    if incident.collectivite_id:
        return School.objects.filter(collectivite_id=incident.collectivite_id)
    return incident.schools.all()


def party_choices(review) -> list[tuple[str, str]]:
    """The organisations one may invite: the académies, collectivités and vendors (by the
    conventions covering them) of the incident's schools, and those already invited."""
    incident = review.incident
    schools = schools_of(incident)
    keys = set(review.parties.values_list("organisation", flat=True))
    keys |= {f"academie:{pk}" for pk in Academie.objects.filter(pk__in=schools.values("academie_id")).values_list("pk", flat=True)}
    keys |= {f"collectivite:{pk}" for pk in Collectivite.objects.filter(pk__in=schools.values("collectivite_id")).values_list("pk", flat=True)}
    vendors = ConventionSchool.objects.filter(school__in=schools).values("convention__product__vendor_id")
    keys |= {f"vendor:{pk}" for pk in Vendor.objects.filter(pk__in=vendors).values_list("pk", flat=True)}
    labels = organisation_labels(keys)
    return sorted(((k, labels.get(k, k)) for k in keys), key=lambda kv: kv[1])


def default_parties(incident) -> list[str]:
    """Who is invited at declaration: the incident's académie(s), its schools' collectivités and
    the vendors of the conventions covering them (for an incident of every school: none by
    default — the lead invites them)."""
    if incident.everywhere:
        return []
    schools = schools_of(incident)
    keys = [f"academie:{pk}" for pk in Academie.objects.filter(pk__in=schools.values("academie_id")).values_list("pk", flat=True)]
    keys += [f"collectivite:{pk}" for pk in Collectivite.objects.filter(pk__in=schools.values("collectivite_id")).values_list("pk", flat=True)]
    vendors = ConventionSchool.objects.filter(school__in=schools).values("convention__product__vendor_id")
    keys += [f"vendor:{pk}" for pk in Vendor.objects.filter(pk__in=vendors).values_list("pk", flat=True)]
    return keys
