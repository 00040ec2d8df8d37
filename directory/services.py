"""Writes to the directory: one function per user action, atomic."""

from django.core.exceptions import ValidationError
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
