"""The qualification of a ticket (what the vendor needs to reproduce it) and the conventions' rule
for handing a ticket to a vendor."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from directory.choices import Category

from .exceptions import GuardFailed
from .models import QUALIFICATION_FIELDS, Impact, Ticket, Urgency, priority_for

FIELD_LABELS = {f.name: f.verbose_name for f in Ticket._meta.concrete_fields}
# What `apply_qualification` accepts: the qualification proper, the two statements the vendor
# rule reads, and the triage fields an agent may correct on the way.
INPUTS = frozenset(QUALIFICATION_FIELDS) | {"malfunction_proven", "no_solution_found", "service", "impact", "urgency"}


def apply_qualification(t: Ticket, fields: dict) -> dict:
    """Validate and apply qualification fields on `t` (not saved); returns what changed (JSON-ready)."""
    unknown = set(fields) - INPUTS
    if unknown:
        raise ValidationError({name: _("Champ inconnu pour la qualification.") for name in sorted(unknown)})
    changed = {}
    for name, value in fields.items():
        value = _clean(name, value)
        if getattr(t, name) != value:
            setattr(t, name, value)
            changed[name] = value.isoformat() if isinstance(value, datetime) else value
    t.priority = priority_for(t.impact, t.urgency)
    return changed


def _clean(name: str, value):
    if name == "users_affected" and value not in (None, ""):
        try:
            value = int(value)
            if value < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationError({name: _("Le nombre d'utilisateurs concernés doit être un entier positif.")}) from None
        return value
    if name == "first_seen_at" and value not in (None, ""):
        if isinstance(value, str):
            parsed = parse_datetime(value)
            if parsed is None:
                raise ValidationError({name: _("Date et heure attendues (AAAA-MM-JJ HH:MM).")})
            value = parsed
        if not isinstance(value, datetime):
            raise ValidationError({name: _("Date et heure attendues (AAAA-MM-JJ HH:MM).")})
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now():
            raise ValidationError({name: _("La date de première constatation est dans le futur.")})
        return value
    if name in ("malfunction_proven", "no_solution_found"):
        return bool(value)
    if name == "impact":
        if int(value) not in Impact.values:
            raise ValidationError({name: _("Impact inconnu (1 élevé, 2 moyen, 3 faible).")})
        return int(value)
    if name == "urgency":
        if int(value) not in Urgency.values:
            raise ValidationError({name: _("Urgence inconnue (1 élevée, 2 moyenne, 3 faible).")})
        return int(value)
    if value is None:
        return None if name in ("users_affected", "first_seen_at") else ""
    if isinstance(value, str):
        return value.strip()
    return value


def may_reach_vendor(t: Ticket) -> bool:
    """Network and hardware faults never reach a vendor (the product's rule, see below)."""
    return t.category != Category.NETWORK


def check_ready_for_vendor(t: Ticket, *, direct_access: bool = False) -> None:
    """Conventions: only qualified, proven (or unsolved) malfunctions reach the vendor — unless the
    matrix cell that sends the ticket there gives a direct access (`SupportRoute.direct_access`:
    Grand Est's vie scolaire, the Poitiers editor-first model). Network and hardware faults never
    reach a vendor: that is the product's rule, not a convention's."""
    if not may_reach_vendor(t):
        raise GuardFailed(
            _("Les pannes de réseau et de matériel relèvent de la collectivité : elles ne sont jamais transmises à l'éditeur.")
        )
    if direct_access:
        return
    missing = t.qualification_missing
    if missing:
        labels = ", ".join(str(FIELD_LABELS[m]) for m in missing)
        raise GuardFailed(_("Qualification incomplète pour transmettre à l'éditeur — à renseigner : %(labels)s.") % {"labels": labels})
    if not (t.malfunction_proven or t.no_solution_found):
        raise GuardFailed(
            _("Pour transmettre à l'éditeur, le dysfonctionnement doit être avéré ou les niveaux inférieurs doivent "
              "constater qu'aucune solution n'a été trouvée.")
        )
