"""Ticket representations and the input of each write. No rules here: the services decide."""

import copy
import functools

from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from directory.choices import BeneficiaryKind, Category, Level
from directory.validators import normalize_uai, validate_uai
from tickets.markdown import render_markdown
from tickets.models import Impact, Priority, State, Urgency
from tickets.selectors import with_audiences
from tickets.states import Visibility
from tickets.workflow import TRANSITIONS, Input

from .base import StrictBooleanField, StrictCharField, StrictIntegerField, StrictSerializer, StrictSlugField


def _iso(value):
    return value.isoformat() if value else None


def _person(user):
    return user.get_full_name() or user.username if user else None


class DeskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class SchoolRefSerializer(serializers.Serializer):
    uai = serializers.CharField()
    name = serializers.CharField()


class TicketSerializer(serializers.Serializer):
    """Read-only. `to_representation` is written by hand: the list is the hot path (see bench/)."""

    reference = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(help_text=_("Markdown brut."))
    description_html = serializers.CharField(help_text=_("Markdown rendu et nettoyé."))
    school = SchoolRefSerializer()
    category = serializers.ChoiceField(choices=Category.choices)
    service = serializers.CharField()
    impact = serializers.ChoiceField(choices=Impact.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    state = serializers.ChoiceField(choices=State.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    desk = DeskRefSerializer(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    requester = serializers.CharField()
    contact = serializers.CharField()
    opened_by = serializers.CharField(allow_null=True, help_text=_("Qui l'a saisi pour le compte d'une autre personne."))
    beneficiary_kind = serializers.CharField(help_text=_("Qualité de la personne sans compte concernée (son nom n'est pas exposé)."))
    resource = serializers.CharField(allow_null=True, help_text=_("Ressource ou service tiers concerné (identifiant)."))
    convention = serializers.CharField(allow_null=True)
    steps_to_reproduce = serializers.CharField()
    expected_behaviour = serializers.CharField()
    observed_behaviour = serializers.CharField()
    users_affected = serializers.IntegerField(allow_null=True)
    first_seen_at = serializers.DateTimeField(allow_null=True)
    browser_device = serializers.CharField()
    malfunction_proven = serializers.BooleanField()
    no_solution_found = serializers.BooleanField()
    vendor_reference = serializers.CharField()
    reached_vendor = serializers.BooleanField()
    resolution_summary = serializers.CharField()
    duplicate_of = serializers.CharField(allow_null=True)
    parent = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    with_html = True

    def to_representation(self, t):
        desk = t.desk
        related = _related_values(t)
        return {
            "reference": t.reference,
            "title": t.title,
            "description": t.description,
            "description_html": str(render_markdown(t.description)) if self.with_html else None,
            "school": {"uai": t.school.uai, "name": t.school.name},
            "category": t.category,
            "service": t.service,
            "impact": t.impact,
            "urgency": t.urgency,
            "priority": t.priority,
            "state": t.state,
            "level": t.level,
            "desk": {"id": desk.pk, "slug": desk.slug, "name": desk.name} if desk else None,
            "assignee": related["assignee"],
            "requester": related["requester"],
            "contact": t.contact,
            "opened_by": _person(t.opened_by) if t.opened_by_id else None,
            "beneficiary_kind": t.beneficiary_kind,
            "resource": t.resource.slug if t.resource_id else None,
            "convention": related["convention"],
            "steps_to_reproduce": t.steps_to_reproduce,
            "expected_behaviour": t.expected_behaviour,
            "observed_behaviour": t.observed_behaviour,
            "users_affected": t.users_affected,
            "first_seen_at": _iso(t.first_seen_at),
            "browser_device": t.browser_device,
            "malfunction_proven": t.malfunction_proven,
            "no_solution_found": t.no_solution_found,
            "vendor_reference": t.vendor_reference,
            "reached_vendor": t.reached_vendor,
            "resolution_summary": t.resolution_summary,
            "duplicate_of": related["duplicate_of"],
            "parent": related["parent"],
            "version": t.version,
            "created_at": _iso(t.created_at),
            "updated_at": _iso(t.updated_at),
            "resolved_at": _iso(t.resolved_at),
            "closed_at": _iso(t.closed_at),
        }


def _related(model, column, fk):
    """`column` of the `model` row the ticket's `fk` points to, as a scalar subquery. Not a join:
    PostgreSQL searches join orders exhaustively, and with the seven related tables (two of them
    `tickets_ticket` itself, with its twenty indexes) it planned the list for ~60 ms to run it in
    1 ms; a subquery adds microseconds of planning and one primary-key probe per row. Raw SQL, not
    `Subquery(...)`: the ORM's nine nested querysets cost more Python than the whole query.
    The outer table is the list query's base table, always aliased by its name."""
    from django.db import connection
    from tickets.models import Ticket

    q = connection.ops.quote_name
    # Quoted table and column names of our own models; no value from the request.
    sql = (f"SELECT r.{q(column)} FROM {q(model._meta.db_table)} r "  # nosec B608
           f"WHERE r.{q(model._meta.pk.column)} = {q(Ticket._meta.db_table)}.{q(fk)}")
    return RawSQL(sql, ())  # nosec B611


# A list row, read as plain values by the list's single query (no model instances to build).
LIST_FIELDS = (
    "reference", "title", "description", "category", "service", "impact", "urgency", "priority", "state", "level",
    "desk_id", "contact", "steps_to_reproduce", "expected_behaviour", "observed_behaviour", "users_affected",
    "first_seen_at", "browser_device", "malfunction_proven", "no_solution_found", "vendor_reference", "reached_vendor",
    "resolution_summary", "version", "created_at", "updated_at", "resolved_at", "closed_at",
)


@functools.cache
def related_annotations():
    """The ticket's related values shown besides its school and desk, as subqueries (see `_related`):
    assignee and requester names, convention, duplicate_of and parent references."""
    from directory.models import Convention, User
    from tickets.models import Ticket

    expressions = {
        "l_convention": _related(Convention, "reference", "convention_id"),
        "l_duplicate_of": _related(Ticket, "reference", "duplicate_of_id"),
        "l_parent": _related(Ticket, "reference", "parent_id"),
    }
    for person in ("assignee", "requester"):
        for column in ("username", "first_name", "last_name"):
            expressions[f"l_{person}_{column}"] = _related(User, column, f"{person}_id")
    return expressions


@functools.cache
def list_values():
    """`.values()` arguments of a list row: the ticket's columns, the school and desk (joined, as
    the filters use them), the other related values as subqueries (`related_annotations`)."""
    expressions = {
        "l_school_uai": F("school__uai"), "l_school_name": F("school__name"),
        "l_desk_slug": F("desk__slug"), "l_desk_name": F("desk__name"),
        **related_annotations(),
    }
    return LIST_FIELDS, expressions


def _related_values(t) -> dict:
    """Assignee, requester, convention, duplicate_of and parent as shown: from the subqueries of
    `related_annotations()` when the ticket was read with them, else through its relations."""
    row = t.__dict__
    if "l_requester_username" in row:
        return {
            "assignee": _person_columns(row, "assignee"), "requester": _person_columns(row, "requester"),
            "convention": row["l_convention"], "duplicate_of": row["l_duplicate_of"], "parent": row["l_parent"],
        }
    return {
        "assignee": _person(t.assignee), "requester": _person(t.requester),
        "convention": t.convention.reference if t.convention_id else None,
        "duplicate_of": t.duplicate_of.reference if t.duplicate_of_id else None,
        "parent": t.parent.reference if t.parent_id else None,
    }


def _person_columns(t, prefix):
    username = t[f"l_{prefix}_username"]
    if username is None:
        return None
    # Same text as User.get_full_name() (first and last name, stripped), else the username.
    return f"{t[f'l_{prefix}_first_name']} {t[f'l_{prefix}_last_name']}".strip() or username


class TicketListItemSerializer(TicketSerializer):
    """The list leaves the rendered description out (fetch one ticket for it)."""

    description_html = None
    # Who entered it and the resource: on the detail only (the list's row values stay as they are).
    opened_by = beneficiary_kind = resource = None
    DETAIL_ONLY = ("description_html", "opened_by", "beneficiary_kind", "resource")
    with_html = False

    def to_representation(self, t):
        if not isinstance(t, dict):  # a ticket instance, not a row of the list's queryset
            data = super().to_representation(t)
            for name in self.DETAIL_ONLY:
                del data[name]
            return data
        return list_item(t)


def list_item(t: dict) -> dict:
    """One row of the list from a row of the list's queryset (`list_values()`); the view calls it
    directly: building a serializer per page deep-copies its forty declared fields."""
    desk_id = t["desk_id"]
    return {
        "reference": t["reference"], "title": t["title"], "description": t["description"],
        "school": {"uai": t["l_school_uai"], "name": t["l_school_name"]},
        "category": t["category"], "service": t["service"], "impact": t["impact"], "urgency": t["urgency"],
        "priority": t["priority"], "state": t["state"], "level": t["level"],
        "desk": {"id": desk_id, "slug": t["l_desk_slug"], "name": t["l_desk_name"]} if desk_id else None,
        "assignee": _person_columns(t, "assignee"), "requester": _person_columns(t, "requester"),
        "contact": t["contact"], "convention": t["l_convention"],
        "steps_to_reproduce": t["steps_to_reproduce"], "expected_behaviour": t["expected_behaviour"],
        "observed_behaviour": t["observed_behaviour"], "users_affected": t["users_affected"],
        "first_seen_at": _iso(t["first_seen_at"]), "browser_device": t["browser_device"],
        "malfunction_proven": t["malfunction_proven"], "no_solution_found": t["no_solution_found"],
        "vendor_reference": t["vendor_reference"], "reached_vendor": t["reached_vendor"],
        "resolution_summary": t["resolution_summary"], "duplicate_of": t["l_duplicate_of"], "parent": t["l_parent"],
        "version": t["version"], "created_at": _iso(t["created_at"]), "updated_at": _iso(t["updated_at"]),
        "resolved_at": _iso(t["resolved_at"]), "closed_at": _iso(t["closed_at"]),
    }


class UaiField(StrictCharField):
    def to_internal_value(self, data):
        value = normalize_uai(super().to_internal_value(data))
        try:
            validate_uai(value)
        except Exception as exc:
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])) from None
        return value


class QualificationSerializer(StrictSerializer):
    # Help texts: the web form's labels (web/forms.py), the same words on both sides.
    steps_to_reproduce = StrictCharField(required=False, allow_blank=True, max_length=10000,
                                         help_text=_("Étapes pour reproduire"))
    expected_behaviour = StrictCharField(required=False, allow_blank=True, max_length=10000,
                                         help_text=_("Résultat attendu"))
    observed_behaviour = StrictCharField(required=False, allow_blank=True, max_length=10000,
                                         help_text=_("Résultat observé"))
    users_affected = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=10_000_000,
                                        help_text=_("Nombre d'utilisateurs concernés"))
    first_seen_at = serializers.DateTimeField(required=False, allow_null=True,
                                              help_text=_("Constaté pour la première fois le"))
    browser_device = StrictCharField(required=False, allow_blank=True, max_length=200,
                                     help_text=_("Navigateur et appareil"))
    malfunction_proven = StrictBooleanField(required=False, help_text=_("Le dysfonctionnement est avéré (reproduit)"))
    no_solution_found = StrictBooleanField(required=False, help_text=_("Aucune solution trouvée aux niveaux inférieurs"))


class BeneficiarySerializer(StrictSerializer):
    """For whom, when that person has no account: only what the request needs."""

    name = StrictCharField(max_length=120, help_text=_("Nom et prénom."))
    kind = serializers.ChoiceField(choices=[(v, label) for v, label in BeneficiaryKind.choices if v])
    contact = StrictCharField(max_length=200, help_text=_("Téléphone ou courriel, rien d'autre."))


class TicketCreateSerializer(StrictSerializer):
    school = UaiField(help_text=_("UAI de l'école, ex. 0341255E."))
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=20000)
    category = serializers.ChoiceField(choices=Category.choices)
    service = StrictCharField(required=False, allow_blank=True, max_length=120, default="")
    impact = serializers.ChoiceField(choices=Impact.choices, default=Impact.LOW)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.MEDIUM)
    contact = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    qualification = QualificationSerializer(required=False)
    on_behalf_of = StrictCharField(
        required=False, max_length=150,
        help_text=_("Identifiant (nom d'utilisateur) ou numéro d'un compte de l'école pour le compte de qui le ticket est "
                    "ouvert : il en devient le demandeur. Pour les agents de circonscription, d'académie, de collectivité "
                    "et le niveau 0 de l'école."),
    )
    beneficiary = BeneficiarySerializer(
        required=False, help_text=_("Une personne sans compte (un parent d'élève : niveau 0 de l'école seulement).")
    )
    resource = StrictSlugField(required=False, help_text=_("Identifiant de la ressource ou du service tiers concerné."))

    def validate(self, attrs):
        if "on_behalf_of" in attrs and "beneficiary" in attrs:
            raise serializers.ValidationError({"on_behalf_of": [_("Un compte de l'école ou une personne sans compte, pas les deux.")]})
        return attrs


class TicketPatchSerializer(QualificationSerializer):
    """Only the vendor's own reference and the qualification fields."""

    vendor_reference = StrictCharField(required=False, max_length=80)
    service = StrictCharField(required=False, allow_blank=True, max_length=120)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Aucun champ à modifier."))
        return attrs


VISIBILITY_HELP = _("Qui lit l'entrée : public (le demandeur compris), chain (la chaîne de support, éditeur "
                    "compris, jamais le demandeur), organisation (l'organisation de l'auteur seulement).")


def _audience(entry) -> dict:
    """The entry's audience, as every entry of the API gives it (`public` kept for older clients);
    lists pass through `tickets.selectors.with_audiences` first (the organisations' names at once)."""
    if not hasattr(entry, "organisation_label"):
        with_audiences([entry])
    return {"visibility": entry.visibility, "public": entry.public, "organisation": entry.organisation_label or None}


class _EntrySerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, help_text=VISIBILITY_HELP)
    public = serializers.BooleanField(help_text=_("visibility == public (compatibilité)."))
    organisation = serializers.CharField(allow_null=True, help_text=_("L'organisation de l'auteur (ex. « Académie de Montpellier »)."))


class CommentSerializer(_EntrySerializer):
    id = serializers.IntegerField()
    author = serializers.CharField(allow_null=True)
    body = serializers.CharField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, c):
        return {"id": c.pk, "author": _person(c.author), "body": c.body, "body_html": str(render_markdown(c.body)),
                **_audience(c), "created_at": _iso(c.created_at)}


class CommentCreateSerializer(StrictSerializer):
    body = StrictCharField(max_length=20000)
    internal = StrictBooleanField(default=False, help_text=_("Note interne, invisible du demandeur (la chaîne de support, sauf si visibility dit l'organisation)."))
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False, help_text=VISIBILITY_HELP)

    def validate(self, attrs):
        if attrs.get("internal") and attrs.get("visibility") == Visibility.PUBLIC:
            raise serializers.ValidationError({"visibility": _("Une note interne ne peut pas être publique.")})
        return attrs


class EventSerializer(_EntrySerializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    from_level = serializers.IntegerField(allow_null=True)
    to_level = serializers.IntegerField(allow_null=True)
    from_desk = serializers.CharField(allow_null=True)
    to_desk = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    payload = serializers.DictField()

    def to_representation(self, e):
        return {
            "id": e.pk, "at": _iso(e.at), "actor": _person(e.actor), "kind": e.kind,
            "from_state": e.from_state, "to_state": e.to_state, "from_level": e.from_level, "to_level": e.to_level,
            "from_desk": e.from_desk.slug if e.from_desk_id else None, "to_desk": e.to_desk.slug if e.to_desk_id else None,
            **_audience(e), "version": e.version, "payload": e.payload,
        }


class AttachmentSerializer(_EntrySerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def to_representation(self, a):
        return {"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size,
                **_audience(a), "created_at": _iso(a.created_at)}


class AttachmentCreateSerializer(StrictSerializer):
    file = serializers.FileField()
    internal = serializers.BooleanField(default=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False, help_text=VISIBILITY_HELP)

    def validate(self, attrs):
        if attrs.get("internal") and attrs.get("visibility") == Visibility.PUBLIC:
            raise serializers.ValidationError({"visibility": _("Une pièce jointe interne ne peut pas être publique.")})
        return attrs


class TransitionsSerializer(serializers.Serializer):
    reference = serializers.CharField()
    version = serializers.IntegerField()
    transitions = serializers.ListField(child=serializers.CharField())


# --- one input per transition, built from the workflow table ------------------------------------

def _text(label, required=True, max_length=20000):
    return StrictCharField(required=required, allow_blank=not required, max_length=max_length, help_text=label)


def _input_fields(field) -> dict:
    """The serializer fields of one `workflow.Field`, by its input kind."""
    if field.kind == Input.TEXT:
        return {field.name: _text(field.label, required=field.required)}
    if field.kind == Input.BOOL:
        return {field.name: StrictBooleanField(default=False, help_text=field.label)}
    if field.kind == Input.DESK:
        return {field.name: StrictCharField(
            required=field.required, help_text=format_lazy("{} — {}", field.label, _("Identifiant numérique ou slug du guichet cible.")))}
    if field.kind == Input.TICKET:
        return {field.name: StrictCharField(required=field.required, help_text=field.label)}
    if field.kind == Input.CHOICE:
        return {field.name: serializers.ChoiceField(choices=list(field.choices), required=field.required, help_text=field.label)}
    if field.kind == Input.QUALIFICATION:  # the qualification fields, flat (as PATCH takes them)
        return {name: copy.deepcopy(f) for name, f in QualificationSerializer._declared_fields.items()}
    raise ValueError(f"no API input for {field.kind!r}")


def transition_input(row) -> type[StrictSerializer]:
    """The input serializer of one transition row; its class name is its OpenAPI component name."""
    name = "".join(part.title() for part in row.name.split("_")) + "TransitionInput"
    with translation.override(None):  # the component's description in French, the source language
        description = str(row.label)
    attrs = {"__module__": __name__, "__doc__": description}
    for field in row.fields:
        attrs.update(_input_fields(field))
    return extend_schema_serializer(description=description)(type(name, (StrictSerializer,), attrs))


# transition name → its input serializer, one per row of the workflow table with `api=True`.
TRANSITION_INPUTS = {row.name: transition_input(row) for row in TRANSITIONS if row.api}
