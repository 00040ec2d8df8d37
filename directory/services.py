"""Writes to the directory: one function per user action, atomic."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Convention, ConventionSchool, School


def overlapping_coverage(convention: Convention, schools) -> list[tuple[School, Convention]]:
    """Schools already covered for the same product by another convention over overlapping dates."""
    school_ids = [s.pk for s in schools]
    clashes = (
        ConventionSchool.objects.filter(
            school_id__in=school_ids,
            convention__product_id=convention.product_id,
            convention__starts_on__lte=convention.ends_on,
            convention__ends_on__gte=convention.starts_on,
        )
        .exclude(convention_id=convention.pk)
        .select_related("school", "convention")
    )
    return [(c.school, c.convention) for c in clashes]


@transaction.atomic
def cover_schools(convention: Convention, schools) -> int:
    """Add schools to a convention; refuses (and writes nothing) if one is already covered."""
    clashes = overlapping_coverage(convention, schools)
    if clashes:
        raise ValidationError(
            [
                _("L'école %(uai)s est déjà couverte pour %(product)s par la convention %(other)s sur des dates qui se chevauchent.")
                % {"uai": school.uai, "product": convention.product, "other": other.reference}
                for school, other in clashes
            ],
            code="coverage_overlap",
        )
    existing = set(convention.coverage.values_list("school_id", flat=True))
    new = [ConventionSchool(convention=convention, school=s) for s in schools if s.pk not in existing]
    ConventionSchool.objects.bulk_create(new)
    return len(new)


def may_manage_conventions(user, convention: Convention) -> bool:
    """An administrator, or a manager of the convention's académie."""
    from .choices import Role
    from .models import Membership

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    memberships = Membership.objects.filter(user=user)
    if memberships.filter(role=Role.ADMIN).exists():
        return True
    return bool(convention.academie_id) and memberships.filter(role=Role.MANAGER, academie_id=convention.academie_id).exists()


@transaction.atomic
def record_amendment(actor, convention: Convention, *, kind, signed_on, summary, takes_effect_on=None, new_ends_on=None):
    """Record a version of a convention (renewal, avenant, dénonciation, refusal of renewal), checked
    against its lifecycle terms, with one audit event. Raises ValidationError naming the field."""
    from .lifecycle import AmendmentKind, earliest_denunciation_end, periods_of, status_at, termination_end
    from .models import ConventionAmendment, ConventionEvent

    if not may_manage_conventions(actor, convention):
        raise PermissionDenied(_("Seuls un administrateur ou un responsable de l'académie enregistrent les versions d'une convention."))
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    terms = convention.lifecycle or {}
    if kind not in AmendmentKind.values:
        raise ValidationError({"kind": _("Nature inconnue « %(kind)s ».") % {"kind": kind}})
    if not str(summary or "").strip():
        raise ValidationError({"summary": _("Décrivez l'objet et le contenu de la version.")})
    if signed_on < convention.starts_on:
        raise ValidationError({"signed_on": _("La date précède l'entrée en vigueur de la convention (%(d)s).")
                               % {"d": convention.starts_on.strftime("%d/%m/%Y")}})
    previous = list(convention.amendments.all())
    status = status_at(convention, signed_on, previous)
    if status.state == "ended":
        raise ValidationError({"signed_on": _("La convention est terminée à cette date.")})
    candidate = ConventionAmendment(convention=convention, kind=kind, signed_on=signed_on,
                                    takes_effect_on=takes_effect_on or signed_on, new_ends_on=new_ends_on, summary=summary)
    if kind == AmendmentKind.AMENDMENT and terms.get("amendment_notice_months"):
        earliest = earliest_denunciation_end({"denunciation_notice_months": terms["amendment_notice_months"]}, signed_on)
        if candidate.takes_effect_on < earliest:
            raise ValidationError({"takes_effect_on": _("Préavis de %(n)s mois : un avenant envoyé le %(s)s prend effet au plus tôt le %(e)s.")
                                   % {"n": terms["amendment_notice_months"], "s": signed_on.strftime("%d/%m/%Y"), "e": earliest.strftime("%d/%m/%Y")}})
    if kind == AmendmentKind.RENEWAL and not new_ends_on and not terms.get("tacit_renewal"):
        raise ValidationError({"new_ends_on": _("La convention ne prévoit pas de reconduction tacite : indiquez la nouvelle fin de validité.")})
    if new_ends_on and new_ends_on < candidate.takes_effect_on:
        raise ValidationError({"new_ends_on": _("La nouvelle fin précède la prise d'effet.")})
    if kind in (AmendmentKind.DENUNCIATION, AmendmentKind.REFUSAL):
        if status.notice is not None:
            raise ValidationError({"kind": _("Un préavis est déjà en cours.")})
        if kind == AmendmentKind.REFUSAL and not terms.get("tacit_renewal"):
            raise ValidationError({"kind": _("La convention n'est pas reconduite tacitement : il n'y a pas de reconduction à refuser.")})
        if kind == AmendmentKind.DENUNCIATION and takes_effect_on and takes_effect_on < earliest_denunciation_end(terms, signed_on):
            raise ValidationError({"takes_effect_on": _("Préavis : la dénonciation envoyée le %(s)s prend effet au plus tôt le %(e)s.")
                                   % {"s": signed_on.strftime("%d/%m/%Y"), "e": earliest_denunciation_end(terms, signed_on).strftime("%d/%m/%Y")}})
        candidate.takes_effect_on = termination_end(convention, candidate, periods_of(convention, previous, until=signed_on))
    candidate.recorded_by = actor
    candidate.save()
    ConventionEvent.objects.create(convention=convention, actor=actor, kind=f"amendment_{kind}", payload={
        "amendment": candidate.pk, "signed_on": signed_on.isoformat(), "takes_effect_on": candidate.takes_effect_on.isoformat(),
        "new_ends_on": new_ends_on.isoformat() if new_ends_on else None})
    return candidate


def may_record_school_lists(user, convention: Convention) -> bool:
    """The académie records the avenants a commune sends (Montpellier art. 6.2: « transmis à
    l'académie »): an administrator, or an agent or manager of the convention's académie (or région)."""
    from .choices import Role
    from .selectors import perimeter_for

    if may_manage_conventions(user, convention):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return any(g.role in (Role.AGENT, Role.MANAGER) and (
        (g.scope == "academie" and g.scope_id == convention.academie_id)
        or (g.scope == "region" and convention.region_id and g.scope_id == convention.region_id))
        for g in perimeter_for(user).grants)


@transaction.atomic
def record_school_list(actor, convention: Convention, *, school_year, sent_on, schools, summary, collectivites=()):
    """Record the avenant that sets the list of enrolled schools for a school year (Montpellier 2020
    art. 6.2; art. 8: the communes joining an RPI, `collectivites`), sent to the académie on
    `sent_on`. Its consequences (in time or after 15 October) are read by directory.enrolment. All
    or nothing; one audit event. Raises ValidationError naming the field."""
    from .enrolment import first_school_year, parse_school_year, window
    from .lifecycle import AmendmentKind, status_at
    from .models import ConventionAmendment, ConventionEvent

    if not may_record_school_lists(actor, convention):
        raise PermissionDenied(_("Seuls l'académie de la convention ou un administrateur enregistrent ses avenants."))
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    try:
        year = parse_school_year(school_year)
    except ValueError as exc:
        raise ValidationError({"school_year": str(exc)}) from exc
    if sent_on is None:
        raise ValidationError({"sent_on": _("Indiquez la date de transmission de l'avenant à l'académie.")})
    if year < first_school_year(convention):
        raise ValidationError({"school_year": _("La convention commence en %(start)s : pas de liste pour %(year)s.")
                               % {"start": convention.starts_on.strftime("%d/%m/%Y"), "year": school_year}})
    start, deadline = window(school_year)
    if sent_on > datetime.date(year + 1, 8, 31):
        raise ValidationError({"sent_on": _("L'avenant de l'année scolaire %(year)s se transmet pendant cette année scolaire "
                                            "(au plus tard le 15/10/%(y)s pour prendre effet).") % {"year": school_year, "y": year}})
    if not str(summary or "").strip():
        raise ValidationError({"summary": _("Décrivez l'objet de l'avenant (évolution de la liste des écoles, du RPI…).")})
    amendments = list(convention.amendments.all())
    if sent_on < convention.starts_on or status_at(convention, sent_on, amendments).state == "ended":
        raise ValidationError({"sent_on": _("La convention n'est pas en vigueur le %(d)s.") % {"d": sent_on.strftime("%d/%m/%Y")}})
    schools = list(schools)
    parties = {c.pk for c in convention.collectivites.all()} | {c.pk for c in collectivites}
    errors = [
        _("L'école %(uai)s n'est pas une école des collectivités de la convention.") % {"uai": s.uai}
        for s in schools if s.collectivite_id and s.collectivite_id not in parties
    ]
    clashes = overlapping_coverage(convention, schools)
    errors += [_("L'école %(uai)s est déjà couverte pour %(product)s par la convention %(other)s.")
               % {"uai": s.uai, "product": convention.product, "other": other.reference} for s, other in clashes]
    if errors:
        raise ValidationError({"schools": errors})
    amendment = ConventionAmendment(
        convention=convention, kind=AmendmentKind.AMENDMENT, signed_on=sent_on, school_year=school_year,
        takes_effect_on=max(sent_on, start) if sent_on <= deadline else datetime.date(year + 1, 9, 1),
        summary=summary, recorded_by=actor)
    amendment.save()
    amendment.schools.set(schools)
    if collectivites:
        amendment.collectivites.set(collectivites)
        convention.collectivites.add(*collectivites)
    covered = set(convention.coverage.values_list("school_id", flat=True))
    ConventionSchool.objects.bulk_create([ConventionSchool(convention=convention, school=s, added_by=amendment)
                                          for s in schools if s.pk not in covered])
    ConventionEvent.objects.create(convention=convention, actor=actor, kind="amendment_school_list", payload={
        "amendment": amendment.pk, "school_year": school_year, "sent_on": sent_on.isoformat(),
        "in_time": sent_on <= deadline, "schools": sorted(s.uai for s in schools),
        "collectivites": sorted(c.pk for c in collectivites)})
    return amendment
