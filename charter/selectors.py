"""Who is who in the charter, and who reads which communication — all from the one perimeter
(`directory.selectors.perimeter_for`), never a second visibility rule.

- the collectivité: its desks' agents and managers (grants of scope "collectivite") submit for the
  schools of their collectivité;
- the chefs d'établissement (directors of publication): the school's members marked "correspondant
  ENT / directeur" (`is_school_contact`);
- the academic services: agents and managers of the académie (or of its région académique).
A communication is read by the people whose perimeter, in those roles and scopes, holds one of its
schools."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from directory.choices import Role
from directory.models import Membership, School
from directory.selectors import Perimeter, perimeter_for

from .models import Communication

PARTY_ROLES = (Role.AGENT, Role.MANAGER)
_PARTY_SCOPES = ("school", "circonscription", "academie", "region", "collectivite")


def _restricted(perimeter: Perimeter, scopes, *, contacts_only=False) -> Perimeter:
    grants = tuple(g for g in perimeter.grants if g.role in PARTY_ROLES and g.scope in scopes
                   and (g.is_school_contact or not contacts_only))
    return Perimeter(user_id=perimeter.user_id, everything=perimeter.everything, grants=grants)


def party_schools(user) -> QuerySet[School]:
    """The schools whose communications `user` reads as a party of the charter."""
    return _restricted(perimeter_for(user), _PARTY_SCOPES).schools()


def collectivite_ids(user) -> set[int]:
    """The collectivités `user` submits for (a platform administrator: none of their own)."""
    return {g.scope_id for g in perimeter_for(user).grants if g.scope == "collectivite" and g.role in PARTY_ROLES}


def submittable_schools(user, collectivite_id: int) -> QuerySet[School]:
    if collectivite_id not in collectivite_ids(user):
        return School.objects.none()
    return _restricted(perimeter_for(user), ("collectivite",)).schools().filter(collectivite_id=collectivite_id).order_by("name")


def chef_schools(user) -> QuerySet[School]:
    """Schools `user` is chef d'établissement (director of publication) of."""
    perimeter = perimeter_for(user)
    return Perimeter(user_id=perimeter.user_id, everything=False, grants=tuple(
        g for g in perimeter.grants if g.scope == "school" and g.is_school_contact)).schools()


def academic_schools(user) -> QuerySet[School]:
    """Schools of the académies whose academic services `user` belongs to."""
    return _restricted(perimeter_for(user), ("academie", "region")).schools()


def visible_communications(user) -> QuerySet[Communication]:
    if user is None or not user.is_authenticated:
        return Communication.objects.none()
    perimeter = perimeter_for(user)
    qs = Communication.objects.all()
    if not perimeter.everything:
        ids = Communication.schools.through.objects.filter(school__in=party_schools(user)).values("communication_id")
        qs = qs.filter(pk__in=ids)
    return qs.select_related("collectivite", "author").prefetch_related("schools")


def visible_communication(user, pk) -> Communication | None:
    return visible_communications(user).filter(pk=pk).first()


# --- who is told ----------------------------------------------------------------------------------

def chefs_of(communication) -> list[int]:
    schools = communication.schools.all()
    return sorted(set(Membership.objects.filter(is_school_contact=True).filter(
        Q(school__in=schools) | Q(desk__school__in=schools)).values_list("user_id", flat=True)))


def collectivite_people(communication) -> list[int]:
    c = communication.collectivite_id
    ids = set(Membership.objects.filter(role__in=PARTY_ROLES).filter(Q(collectivite_id=c) | Q(desk__collectivite_id=c))
              .values_list("user_id", flat=True))
    ids.add(communication.author_id)
    return sorted(ids)


def academic_people(communication) -> list[int]:
    academies = set(communication.schools.values_list("academie_id", flat=True))
    regions = set(communication.schools.values_list("academie__region_id", flat=True)) - {None}
    return sorted(set(Membership.objects.filter(role__in=PARTY_ROLES).filter(
        Q(academie_id__in=academies) | Q(desk__academie_id__in=academies)
        | Q(region_id__in=regions) | Q(desk__region_id__in=regions)).values_list("user_id", flat=True)))


def allowed_actions(user, communication) -> list[str]:
    """The actions `user` may take on `communication` now (the services check the same)."""
    from . import services

    return [name for name in services.ACTIONS if services.may(user, communication, name)]
