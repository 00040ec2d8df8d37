import django_filters
from django.utils.translation import gettext_lazy as _

from directory.choices import Category, Level
from directory.validators import normalize_uai
from tickets.models import Priority, State, Ticket


class TicketFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices, help_text=_("Répétable : ?state=new&state=in_progress"))
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int)
    desk = django_filters.CharFilter(method="filter_desk", help_text=_("Identifiant numérique ou slug du guichet."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    school = django_filters.CharFilter(method="filter_school", help_text=_("UAI de l'école."))
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Ticket
        fields = []

    def filter_desk(self, queryset, name, value):
        return queryset.filter(desk_id=int(value)) if value.isdigit() else queryset.filter(desk__slug=value)

    def filter_school(self, queryset, name, value):
        return queryset.filter(school__uai=normalize_uai(value))
