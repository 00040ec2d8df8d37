"""Reads of evolution requests. `visible_q(user)` is THE rule of who reads a request:

- its submitter and its supporters ("Moi aussi");
- the people of its school (teachers, director: colleagues may say "Moi aussi");
- the académie's and DSDEN's agents and managers whose perimeter holds its school (a
  circonscription, an académie, a région académique);
- the members of the body that prioritises it (`BodyMember`: for the school's circonscription, or
  for the whole convention);
- the vendor of the convention's ENT product, once it is retained (retenue, transmise, livrée) —
  never before;
- administrators.

Rights (`holds`): BODY = a member of that body; VENDOR = an agent of that vendor."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from directory.choices import Role
from directory.selectors import Perimeter, perimeter_for

from .models import ActionLink, BodyMember, EvolutionEvent, EvolutionRequest, Governance, Support
from .workflow import SUPPORT_STATUSES, TRANSITIONS, VENDOR_STATUSES, Right, Status

AUTHORITY_SCOPES = ("circonscription", "academie", "region")
LIST_RELATED = ("school", "school__circonscription", "convention", "product", "submitter")


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def body_member_q(user, prefix: str = "") -> Q:
    """A Q on EvolutionRequest (or `prefix`ed) of the requests whose body `user` belongs to."""
    members = BodyMember.objects.filter(user_id=user.pk, governance__convention_id=OuterRef(f"{prefix}convention_id")).filter(
        Q(circonscription__isnull=True) | Q(circonscription_id=OuterRef(f"{prefix}school__circonscription_id")))
    return Q(Exists(members))


def visible_q(user) -> Q | None:
    """THE rule of who reads a request (Q on EvolutionRequest); None means every request."""
    if not _authenticated(user):
        return Q(pk__in=[])
    p = perimeter_for(user)
    if p.everything:
        return None
    q = Q(submitter_id=user.pk) | Q(Exists(Support.objects.filter(evolution_id=OuterRef("pk"), user_id=user.pk)))
    own = tuple(g for g in p.grants if g.scope == "school")
    if own:
        q |= Perimeter(p.user_id, False, own).schools_q("school__")
    authority = tuple(g for g in p.grants if g.scope in AUTHORITY_SCOPES and g.role != Role.REQUESTER)
    if authority:
        q |= Perimeter(p.user_id, False, authority).schools_q("school__")
    q |= body_member_q(user)
    vendors = p.vendor_ids()
    if vendors:
        q |= Q(status__in=VENDOR_STATUSES, product__vendor_id__in=sorted(vendors))
    return q


def visible_evolutions(user) -> QuerySet[EvolutionRequest]:
    """The requests `user` reads, with what a list shows and whether they said "Moi aussi" (constant
    number of queries)."""
    qs = EvolutionRequest.objects.select_related(*LIST_RELATED)
    if _authenticated(user):
        qs = qs.annotate(supported_by_me=Exists(Support.objects.filter(evolution_id=OuterRef("pk"), user_id=user.pk)))
    q = visible_q(user)
    return qs if q is None else qs.filter(q)


def evolution_for(user, pk) -> EvolutionRequest | None:
    """One request `user` reads (None otherwise: a 404 for the caller)."""
    try:
        return visible_evolutions(user).get(pk=int(pk))
    except (EvolutionRequest.DoesNotExist, TypeError, ValueError):
        return None


def counters(qs: QuerySet[EvolutionRequest]) -> dict[str, int]:
    """Status → number of requests among `qs` (one query), every status present."""
    rows = dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {value: rows.get(value, 0) for value in Status.values}


# --- rights ---------------------------------------------------------------------------------------------

def is_body_member(user, evolution) -> bool:
    if not _authenticated(user):
        return False
    return EvolutionRequest.objects.filter(body_member_q(user), pk=evolution.pk).exists()


def is_vendor_agent(user, evolution) -> bool:
    if not _authenticated(user):
        return False
    return evolution.product.vendor_id in perimeter_for(user).vendor_ids()


def holds(user, evolution, right: Right) -> bool:
    if not _authenticated(user):
        return False
    if perimeter_for(user).everything:
        return True
    if right == Right.BODY:
        return is_body_member(user, evolution)
    if right == Right.VENDOR:
        return is_vendor_agent(user, evolution)
    return False


def may(user, evolution, row) -> bool:
    return any(holds(user, evolution, right) for right in row.who)


def allowed_transitions(user, evolution) -> list:
    """The rows `user` may apply now (from the request's status, with the right)."""
    return [row for row in TRANSITIONS if evolution.status in row.source and may(user, evolution, row)]


def may_support(user, evolution) -> bool:
    """"Moi aussi": a person who reads the request, other than its submitter and the vendor's agents
    (who read it only to deliver it), while it is not decided for good."""
    if not _authenticated(user) or evolution.submitter_id == user.pk or evolution.status not in SUPPORT_STATUSES:
        return False
    if is_vendor_agent(user, evolution) and not perimeter_for(user).everything:
        return False
    return True


def may_link_actions(user, evolution) -> bool:
    """The body that prioritises it and the académie's agents of its school link improvement actions."""
    if not _authenticated(user):
        return False
    p = perimeter_for(user)
    if p.everything or is_body_member(user, evolution):
        return True
    authority = tuple(g for g in p.grants if g.scope in AUTHORITY_SCOPES and g.role in (Role.AGENT, Role.MANAGER))
    return bool(authority) and Perimeter(p.user_id, False, authority).covers_school(evolution.school)


def linkable_actions(user, evolution):
    """Improvement actions of the incident reviews `user` reads, not yet linked to this request."""
    from pilotage.models import ImprovementAction
    from pilotage.selectors import visible_reviews

    linked = ActionLink.objects.filter(evolution_id=evolution.pk).values("action_id")
    return (ImprovementAction.objects.filter(review__in=visible_reviews(user).values("pk")).exclude(pk__in=linked)
            .select_related("review__incident").order_by("-created_at", "pk"))


def linked_actions(evolution):
    return list(ActionLink.objects.filter(evolution_id=evolution.pk).select_related("action__review__incident")
                .order_by("at", "pk"))


def linked_evolutions(user, action_ids) -> dict[int, list[tuple[EvolutionRequest, bool]]]:
    """For an incident review's page: improvement action id → the requests linked to it, each with
    whether `user` reads it (`visible_q`: a link to its page, or only its reference). Two queries."""
    links = list(ActionLink.objects.filter(action_id__in=list(action_ids)).select_related("evolution").order_by("at", "pk"))
    if not links:
        return {}
    q = visible_q(user)
    ids = {link.evolution_id for link in links}
    qs = EvolutionRequest.objects.filter(pk__in=ids)
    readable = ids if q is None else set(qs.filter(q).values_list("pk", flat=True))
    out: dict[int, list[tuple[EvolutionRequest, bool]]] = {}
    for link in links:
        out.setdefault(link.action_id, []).append((link.evolution, link.evolution_id in readable))
    return out


def history(evolution) -> QuerySet[EvolutionEvent]:
    return EvolutionEvent.objects.filter(evolution_id=evolution.pk).select_related("actor").order_by("at", "pk")


def governance_of(convention_id) -> Governance | None:
    return Governance.objects.filter(convention_id=convention_id).first()


def body_label(evolution) -> str:
    """Who prioritises this request, in words (the convention's body, else the académie's managers)."""
    from django.utils.translation import gettext as _

    g = governance_of(evolution.convention_id)
    if g is None:
        return _("non désignée par la convention (administrateurs)")
    return g.name


def submittable_schools(user):
    """The schools `user` may propose an evolution for (those they may report a problem for)."""
    from tickets.opening import openable_schools

    return openable_schools(user)


def may_submit_somewhere(user) -> bool:
    from tickets.opening import may_open_somewhere

    return _authenticated(user) and may_open_somewhere(user)
