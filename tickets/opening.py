"""Who may open a ticket at a school, and for whom: the one rule `open_ticket` applies and the
forms read (which schools to offer, whether to show "Pour le compte de").

Occitanie art. 7: reports are possible at any hour "par les directeurs, les enseignants, les
conseillers pédagogiques, les ERUN et les équipes académiques dans leur périmètre"; "l'assistance
des parents est effectuée au niveau des écoles". So:
- the people of the school (teachers, director, its level-0 desk) open for themselves;
- the school's level 0 (its desk's agents, the school contact) also enters a request for another
  person: an account of the school, or someone without an account — a parent included;
- CPC, ERUN, académie / région and collectivité agents open for any school their perimeter covers,
  always on behalf of a named person (an account of the school, or a name, a qualité and a contact);
- vendors, observers (formateurs), managers and DPOs open nothing; administrators open anywhere.
No hour is checked: opening is possible 7 days a week, 24 hours a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from directory.choices import BeneficiaryKind, Role
from directory.models import School, User
from directory.selectors import Perimeter, perimeter_for

from .exceptions import PermissionDenied

# Scopes of an agent "in their perimeter" above the school (a vendor's desk is not one).
AUTHORITY_SCOPES = ("circonscription", "academie", "region", "collectivite")
SCHOOL_ROLES = (Role.REQUESTER, Role.AGENT)
PHONE = re.compile(r"^\+?[\d\s.\-()]{10,20}$")


@dataclass(frozen=True)
class Opener:
    """What `user` may do when opening at `school`."""

    own: bool = False        # of the school: opens for themself
    level0: bool = False     # the school's level 0: enters for another person, a parent included
    authority: bool = False  # an agent whose perimeter covers the school: opens on behalf of someone
    admin: bool = False

    @property
    def may_open(self) -> bool:
        return self.own or self.authority or self.admin

    @property
    def may_relay(self) -> bool:
        """May enter a request for another person (account or not)."""
        return self.level0 or self.authority or self.admin


def _authority(p: Perimeter) -> Perimeter:
    grants = tuple(g for g in p.grants if g.role == Role.AGENT and g.scope in AUTHORITY_SCOPES)
    return Perimeter(p.user_id, False, grants)


def opener(user, school: School) -> Opener:
    p = perimeter_for(user)
    if p.everything:
        return Opener(own=True, level0=True, authority=True, admin=True)
    own = [g for g in p.grants if g.scope == "school" and g.scope_id == school.pk and g.role in SCHOOL_ROLES]
    authority = _authority(p)
    return Opener(
        own=bool(own),
        level0=any(g.role == Role.AGENT or g.is_school_contact for g in own),
        authority=bool(authority.grants) and authority.covers_school(school),
    )


def may_open(user, school: School) -> bool:
    return opener(user, school).may_open


def openable_schools(user) -> QuerySet[School]:
    """The schools `user` may open a ticket for (their own, and those their perimeter covers)."""
    p = perimeter_for(user)
    if p.everything:
        return School.objects.order_by("name")
    own = tuple(g for g in p.grants if g.scope == "school" and g.role in SCHOOL_ROLES)
    q = Perimeter(p.user_id, False, own).schools_q() if own else Q(pk__in=[])
    authority = _authority(p)
    if authority.grants:
        q |= authority.schools_q()
    return School.objects.filter(q).order_by("name")


def may_open_somewhere(user) -> bool:
    """Whether the navigation offers the report form (from the cached perimeter, no query)."""
    p = perimeter_for(user)
    return p.everything or any(
        (g.scope == "school" and g.role in SCHOOL_ROLES) or (g.role == Role.AGENT and g.scope in AUTHORITY_SCOPES)
        for g in p.grants
    )


def may_relay_somewhere(user) -> bool:
    """Whether the form offers "Pour le compte de" at all."""
    p = perimeter_for(user)
    return p.everything or any(
        (g.scope == "school" and (g.role == Role.AGENT or g.is_school_contact))
        or (g.role == Role.AGENT and g.scope in AUTHORITY_SCOPES)
        for g in p.grants
    )


def school_accounts(schools) -> QuerySet[User]:
    """Active accounts of these schools (a school membership, or an agent of the school's desk)."""
    ids = [schools.pk] if isinstance(schools, School) else schools.values("pk")
    return User.objects.filter(
        Q(memberships__school__in=ids, memberships__role__in=SCHOOL_ROLES)
        | Q(memberships__desk__school__in=ids, memberships__role=Role.AGENT),
        is_active=True,
    ).distinct().order_by("last_name", "first_name", "username")


def _school_label(school: School) -> str:
    return f"{school.name} ({school.uai})"


def _check_contact(contact: str) -> str:
    contact = (contact or "").strip()
    if not contact:
        raise ValidationError({"contact": _("Indiquez un téléphone ou un courriel pour joindre cette personne : "
                                            "elle n'a pas de compte.")})
    if PHONE.match(contact):
        return contact
    try:
        validate_email(contact)
    except ValidationError:
        raise ValidationError({"contact": _("Le contact d'une personne sans compte est un numéro de téléphone ou "
                                            "une adresse de courriel, rien d'autre.")}) from None
    return contact


def _refused(field: str, message: str) -> PermissionDenied:
    """A 403 that a form shows beside the field it is about (`exc.field`)."""
    exc = PermissionDenied(message)
    exc.field = field
    return exc


@dataclass(frozen=True)
class Opening:
    """Who the ticket is for, as `open_ticket` writes it."""

    requester: User
    opened_by: User | None = None
    beneficiary_name: str = ""
    beneficiary_kind: str = ""
    contact: str = ""


def check_may_open(actor, school: School) -> Opener:
    """PermissionDenied (naming the school) unless `actor` may open there at all."""
    op = opener(actor, school)
    if not op.may_open:
        raise PermissionDenied(
            _("Vous ne pouvez pas ouvrir de demande pour l'école %(school)s : seuls ses enseignants, son directeur, "
              "son correspondant ENT et les conseillers pédagogiques, ERUN, équipes académiques et de la collectivité "
              "dont le périmètre la couvre le peuvent.") % {"school": _school_label(school)}
        )
    return op


def check_opening(actor, school: School, *, on_behalf_of=None, beneficiary_name="", beneficiary_kind="",
                  contact="") -> Opening:
    """The rule: PermissionDenied (403, naming the school) for who, ValidationError (keyed by
    field) for what is missing."""
    op = check_may_open(actor, school)
    name = (beneficiary_name or "").strip()
    kind = (beneficiary_kind or "").strip()
    contact = (contact or "").strip()
    if on_behalf_of is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    if on_behalf_of is not None and name:
        raise ValidationError({"on_behalf_of": _("Choisissez une personne de l'école ou saisissez le nom d'une "
                                                 "personne sans compte, pas les deux.")})
    if (on_behalf_of is not None or name) and not op.may_relay:
        raise _refused(
            "on_behalf_of" if on_behalf_of is not None else "beneficiary_name",
            _("Seuls le correspondant ENT de l'école %(school)s (niveau 0) et les équipes de circonscription, "
              "d'académie ou de collectivité saisissent une demande pour le compte d'une autre personne.")
            % {"school": _school_label(school)},
        )
    if on_behalf_of is not None:
        if not on_behalf_of.is_active or not opener(on_behalf_of, school).own:  # of the school (or an administrator)
            raise _refused("on_behalf_of", _("%(person)s n'a pas de compte à l'école %(school)s.")
                           % {"person": on_behalf_of, "school": _school_label(school)})
        return Opening(requester=on_behalf_of, opened_by=actor, contact=contact)
    if kind and not name:
        raise ValidationError({"beneficiary_name": _("Indiquez le nom de la personne pour le compte de qui vous "
                                                     "saisissez la demande.")})
    if name:
        if len(name) > 120:
            raise ValidationError({"beneficiary_name": _("Le nom dépasse 120 caractères.")})
        if kind not in BeneficiaryKind.values or kind == BeneficiaryKind.SELF:
            raise ValidationError({"beneficiary_kind": _("Indiquez la qualité de la personne (enseignant, directeur, "
                                                         "autre personnel, parent d'élève).")})
        if kind == BeneficiaryKind.PARENT and not (op.level0 or op.admin):
            raise _refused(
                "beneficiary_kind",
                _("L'assistance des parents est effectuée au niveau des écoles : seul le correspondant ENT de "
                  "l'école %(school)s (niveau 0) saisit la demande d'un parent.") % {"school": _school_label(school)},
            )
        return Opening(requester=actor, opened_by=actor, beneficiary_name=name, beneficiary_kind=kind,
                       contact=_check_contact(contact))
    if not op.own:
        raise ValidationError({"on_behalf_of": _("Vous n'êtes pas de l'école %(school)s : indiquez pour le compte de "
                                                 "qui vous ouvrez la demande (une personne de l'école, ou le nom, la "
                                                 "qualité et le contact d'une personne sans compte).")
                               % {"school": _school_label(school)}})
    return Opening(requester=actor, contact=contact)
