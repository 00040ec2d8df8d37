"""Writes to the directory: one function per user action, atomic."""

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
