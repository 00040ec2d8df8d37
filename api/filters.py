import re
from datetime import UTC, timedelta

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, serializers

from core.params import BadParameter, parse_id

from directory.choices import Category, Level
from directory.validators import normalize_uai, validate_uai
from tickets.models import Priority, State, Ticket


# PostgreSQL refuses UTC offsets of 16 hours or more ("time zone displacement out of range");
# real ones stay within ±14:00.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class StorableIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time the database can compare with: offset within ±15:59, and still a
    valid date once converted to UTC (0001-01-01T00:00+01:00 is not). Returned in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(_("Décalage horaire hors limites (entre -15:59 et +15:59)."), code="invalid")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Date hors limites (années 1 à 9999 en UTC)."), code="invalid") from None


class StorableIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StorableIsoDateTimeField


class TicketFilter(django_filters.FilterSet):
    # distinct=False: the state is a column of the ticket (no join, no duplicate row); django-filter's
    # default DISTINCT made PostgreSQL sort every matching row, all columns (2 s for 20,000 tickets).
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False,
                                                help_text=_("Répétable : ?state=new&state=in_progress"))
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int)
    desk = django_filters.CharFilter(method="filter_desk", help_text=_("Identifiant numérique ou slug du guichet."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    school = django_filters.CharFilter(method="filter_school", validators=[validate_uai], help_text=_("UAI de l'école."))
    updated_since = StorableIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Ticket
        fields = []

    def filter_desk(self, queryset, name, value):
        # An id in ASCII digits within the database's range ("²".isdigit() is True, int("²") a
        # ValueError; 2**63 overflows SQLite), else a slug.
        if value.isascii() and value.isdigit():
            try:
                return queryset.filter(desk_id=parse_id(value, name))
            except BadParameter as exc:
                raise serializers.ValidationError({name: exc.message}) from None
        if not SLUG.fullmatch(value):
            raise serializers.ValidationError({name: _("Identifiant numérique ou slug de guichet attendu.")})
        return queryset.filter(desk__slug=value)

    def filter_school(self, queryset, name, value):
        return queryset.filter(school__uai=normalize_uai(value))


class FilterBackend(DjangoFilterBackend):
    """Builds the FilterSet and its form (a deep copy of every filter and form field, ~2 ms a
    request) only when the query string names one of its filters: without any, the FilterSet
    would return the queryset unchanged. Names are compared as prefixes, for widgets that read
    suffixed keys (`_min`, `_after`…)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = filterset_class.base_filters
        if not any(key.startswith(name) for key in request.query_params for name in names):
            return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """DRF's, but an unknown field is a 400 naming `ordering` (DRF drops it silently: the client
    would believe its list sorted)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [field for field in fields if field.removeprefix("-") not in allowed]
        if unknown:
            raise serializers.ValidationError({self.ordering_param: [
                _("Tri inconnu : %(bad)s (possibles : %(ok)s ; « - » devant pour l'ordre décroissant).")
                % {"bad": ", ".join(unknown)[:200], "ok": ", ".join(allowed)}
            ]})
        return fields
