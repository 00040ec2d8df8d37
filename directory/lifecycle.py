"""A convention's life (key `lifecycle` of a convention file): its duration, tacit renewal, notices
and conciliation, as the signed text gives them; its state at any date and its next deadlines,
computed from those terms and the recorded versions (`ConventionAmendment`: renewals, avenants,
dénonciations, refusals of renewal). Checked at import (`check_lifecycle`) and on the model field
(`validate_lifecycle`); no model import here (models import this module).

Terms (all durations in months or days, as the texts count them):

- `source`, `clauses`: the articles, and their text quoted (a non-empty list of strings);
- `initial_term`: `{ends_on: DATE}` (« prendra fin le 1er septembre 2023 ») or `{years: N}`
  (« conclue pour une durée de 4 ans à compter de sa signature »: ends the day before the N-th
  anniversary); it must agree with `validity.ends_on`;
- `tacit_renewal`: `{period_months, max_total_months?}`; absent: no renewal. A renewal that would
  end after `starts_on + max_total_months − 1 day` does not happen (« sans pouvoir excéder une durée
  totale de trois ans »);
- `refusal_notice_months`: refusing the renewal is sent at the latest that many months before the
  end of the period (« la date anniversaire »); without it the dénonciation notice applies;
- `denunciation_notice_months`: a dénonciation ends the convention that many months after it is sent;
- `amendment_notice_months`: an avenant takes effect at the earliest that many months after it is
  sent;
- `conciliation`: `{within_months, termination_days_after_letter}`: after a registered letter of
  grievance, the conciliation is held within `within_months`; if it fails, termination takes
  effect `termination_days_after_letter` days after a registered letter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

KEYS = ("source", "clauses", "initial_term", "tacit_renewal", "refusal_notice_months",
        "denunciation_notice_months", "amendment_notice_months", "conciliation")
MONTH_KEYS = ("refusal_notice_months", "denunciation_notice_months", "amendment_notice_months")


class AmendmentKind(models.TextChoices):
    RENEWAL = "renewal", _("Renouvellement")
    AMENDMENT = "amendment", _("Avenant")
    DENUNCIATION = "denunciation", _("Dénonciation")
    REFUSAL = "renewal_refusal", _("Refus de reconduction")


TERMINATIONS = (AmendmentKind.DENUNCIATION, AmendmentKind.REFUSAL)


class State(models.TextChoices):
    DRAFT = "draft", _("Brouillon (non signée)")
    SIGNED = "signed", _("Signée, pas encore en vigueur")
    IN_FORCE = "in_force", _("En vigueur")
    RENEWED = "renewed", _("Reconduite")
    UNDER_NOTICE = "under_notice", _("En vigueur, sous préavis")
    ENDED = "ended", _("Terminée")


# --- the terms -------------------------------------------------------------------------------

def _date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _months(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_lifecycle(entry, starts_on=None, ends_on=None) -> list[tuple[str, str]]:
    """(path, message) for every problem, path relative to `lifecycle`; with the validity dates,
    also checks that the initial term agrees with them."""
    if not isinstance(entry, dict):
        return [("", f"objet {{{', '.join(KEYS)}}} attendu.")]
    errors = []
    unknown = sorted({k for k in entry if not str(k).startswith("_")} - set(KEYS))  # `_comment` is a comment
    if unknown:
        errors.append(("", f"clé(s) inconnue(s) : {', '.join(unknown)} (attendu : {', '.join(KEYS)})."))
    if not str(entry.get("source") or "").strip():
        errors.append(("source", "citer les articles de la convention qui fixent sa durée."))
    clauses = entry.get("clauses")
    if not isinstance(clauses, list) or not clauses or not all(isinstance(c, str) and c.strip() for c in clauses):
        errors.append(("clauses", "liste non vide des clauses citées mot pour mot."))
    term = entry.get("initial_term")
    if not isinstance(term, dict) or len(set(term) & {"ends_on", "years"}) != 1 or set(term) - {"ends_on", "years"}:
        errors.append(("initial_term", "objet {ends_on: AAAA-MM-JJ} ou {years: N} attendu."))
    elif "ends_on" in term and _date(term["ends_on"]) is None:
        errors.append(("initial_term.ends_on", f"date AAAA-MM-JJ attendue, pas « {term['ends_on']} »."))
    elif "years" in term and not _months(term["years"]):
        errors.append(("initial_term.years", "nombre entier d'années positif attendu."))
    elif starts_on and ends_on:
        computed = initial_end(entry, _date(starts_on))
        if computed != _date(ends_on):
            errors.append(("initial_term", f"la durée initiale se termine le {computed:%d/%m/%Y}, "
                                           f"or validity.ends_on est le {_date(ends_on):%d/%m/%Y}."))
    renewal = entry.get("tacit_renewal")
    if renewal is not None:
        if not isinstance(renewal, dict) or set(renewal) - {"period_months", "max_total_months"}:
            errors.append(("tacit_renewal", "objet {period_months, max_total_months} attendu."))
        else:
            if not _months(renewal.get("period_months")):
                errors.append(("tacit_renewal.period_months", "nombre entier de mois positif attendu."))
            if "max_total_months" in renewal and not _months(renewal["max_total_months"]):
                errors.append(("tacit_renewal.max_total_months", "nombre entier de mois positif attendu."))
    for key in MONTH_KEYS:
        if key in entry and not _months(entry[key]):
            errors.append((key, f"nombre entier de mois positif attendu, pas « {entry[key]} »."))
    conciliation = entry.get("conciliation")
    if conciliation is not None:
        if not isinstance(conciliation, dict) or set(conciliation) != {"within_months", "termination_days_after_letter"}:
            errors.append(("conciliation", "objet {within_months, termination_days_after_letter} attendu."))
        else:
            for key in ("within_months", "termination_days_after_letter"):
                if not _months(conciliation[key]):
                    errors.append((f"conciliation.{key}", "nombre entier positif attendu."))
    return errors


def validate_lifecycle(value) -> None:
    """The model field's validator: an empty dict (no terms recorded) or valid terms."""
    if value in (None, {}):
        return
    errors = check_lifecycle(value)
    if errors:
        raise ValidationError([f"lifecycle{'.' + where if where else ''} : {message}" for where, message in errors])


def lifecycle_fields(entry: dict) -> dict:
    """The stored JSON (dates as ISO strings)."""
    terms = {k: entry[k] for k in KEYS if k in entry}
    term = dict(terms["initial_term"])
    if "ends_on" in term:
        term["ends_on"] = _date(term["ends_on"]).isoformat()
    terms["initial_term"] = term
    terms["source"] = str(terms["source"])[:255]
    return {"lifecycle": terms}


def initial_end(terms: dict, starts_on: datetime.date) -> datetime.date:
    term = terms["initial_term"]
    if "ends_on" in term:
        return _date(term["ends_on"])
    return starts_on + relativedelta(years=term["years"]) - datetime.timedelta(days=1)


# --- state and deadlines ---------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    starts_on: datetime.date
    ends_on: datetime.date
    renewal: bool  # a renewal (tacit or recorded), not the initial term


@dataclass(frozen=True)
class Deadline:
    kind: str
    label: str
    on: datetime.date


@dataclass
class Status:
    state: str
    period: Period | None
    ends_on: datetime.date | None  # the end known today: the current period's, or the notice's
    notice: object | None = None  # the termination in progress (an amendment)
    periods: list = field(default_factory=list)

    @property
    def label(self):
        return State(self.state).label


def _sorted(amendments):
    return sorted(amendments, key=lambda a: (a.signed_on, a.takes_effect_on or a.signed_on))


def periods_of(convention, amendments=(), until: datetime.date | None = None) -> list[Period]:
    """The periods of validity, before any termination: the initial term (to `ends_on`), recorded
    renewals and the tacit ones the terms allow, up to `until` (at least one period past it)."""
    terms = convention.lifecycle or {}
    out = [Period(convention.starts_on, convention.ends_on, False)]
    for a in _sorted(amendments):
        if a.kind == AmendmentKind.AMENDMENT and a.new_ends_on:
            last = out[-1]
            out[-1] = Period(last.starts_on, a.new_ends_on, last.renewal)
        elif a.kind == AmendmentKind.RENEWAL and a.new_ends_on and a.new_ends_on > out[-1].ends_on:
            out.append(Period(max(a.takes_effect_on or a.signed_on, out[-1].ends_on + datetime.timedelta(days=1)), a.new_ends_on, True))
    renewal = terms.get("tacit_renewal")
    if renewal:
        limit = None
        if renewal.get("max_total_months"):
            limit = convention.starts_on + relativedelta(months=renewal["max_total_months"]) - datetime.timedelta(days=1)
        horizon = (until or out[-1].ends_on) + relativedelta(years=3)  # enough for the next deadlines
        while out[-1].ends_on < horizon:
            start = out[-1].ends_on + datetime.timedelta(days=1)
            end = out[-1].ends_on + relativedelta(months=renewal["period_months"])
            if limit and end > limit:
                break
            out.append(Period(start, end, True))
    return out


def refusal_deadline(terms: dict, period: Period) -> datetime.date | None:
    months = terms.get("refusal_notice_months") or terms.get("denunciation_notice_months")
    return period.ends_on - relativedelta(months=months) if months else None


def termination_end(convention, amendment, periods: list[Period]) -> datetime.date:
    """The last day in force after a refusal of renewal or a dénonciation sent on `signed_on`."""
    terms = convention.lifecycle or {}
    sent = amendment.signed_on
    if amendment.kind == AmendmentKind.REFUSAL:
        for i, p in enumerate(periods):
            if p.ends_on >= sent:
                deadline = refusal_deadline(terms, p)
                if deadline is None or sent <= deadline or i + 1 == len(periods):
                    return p.ends_on
                return periods[i + 1].ends_on  # too late: the next renewal happens, not the one after
        return periods[-1].ends_on
    earliest = earliest_denunciation_end(terms, sent)
    return max(earliest, amendment.takes_effect_on or earliest)


def earliest_denunciation_end(terms: dict, sent: datetime.date) -> datetime.date:
    if terms.get("denunciation_notice_months"):
        return sent + relativedelta(months=terms["denunciation_notice_months"])
    if terms.get("conciliation"):
        return sent + datetime.timedelta(days=terms["conciliation"]["termination_days_after_letter"])
    return sent


def conciliation_dates(terms: dict, grievance_on: datetime.date, failure_letter_on: datetime.date | None = None) -> dict:
    """After a registered letter of grievance: the conciliation's last day; after the registered
    letter that follows its failure, the first day the termination may take effect."""
    c = terms["conciliation"]
    out = {"conciliation_by": grievance_on + relativedelta(months=c["within_months"])}
    if failure_letter_on:
        out["termination_from"] = failure_letter_on + datetime.timedelta(days=c["termination_days_after_letter"])
    return out


def status_at(convention, day: datetime.date, amendments=()) -> Status:
    """The convention's state on `day`, from its terms and the versions recorded (those signed by then)."""
    known = [a for a in _sorted(amendments) if a.signed_on <= day]
    periods = periods_of(convention, known, until=day)
    notice, final = None, None
    for a in known:
        if a.kind in TERMINATIONS:
            end = termination_end(convention, a, periods)
            if final is None or end < final:
                notice, final = a, end
    if final is not None:
        periods = [Period(p.starts_on, min(p.ends_on, final), p.renewal) for p in periods if p.starts_on <= final]
    signed_on = getattr(convention, "signed_on", None) or convention.starts_on
    if day < signed_on:
        return Status(State.DRAFT, None, None, periods=periods)
    if day < convention.starts_on:
        return Status(State.SIGNED, None, convention.ends_on, periods=periods)
    current = next((p for p in periods if p.starts_on <= day <= p.ends_on), None)
    if current is None:
        return Status(State.ENDED, None, final or periods[-1].ends_on, notice, periods)
    if notice is not None:
        return Status(State.UNDER_NOTICE, current, final, notice, periods)
    return Status(State.RENEWED if current.renewal else State.IN_FORCE, current, current.ends_on, None, periods)


IN_FORCE_STATES = (State.IN_FORCE, State.RENEWED, State.UNDER_NOTICE)


def in_force(convention, day: datetime.date) -> bool:
    """Is the convention in force on `day` (tacit renewals and recorded versions included)? The one
    test routing uses: without lifecycle terms, from `starts_on` to `ends_on`."""
    if not convention.lifecycle:
        return convention.starts_on <= day <= convention.ends_on
    return status_at(convention, day, list(convention.amendments.all())).state in IN_FORCE_STATES


def next_deadlines(convention, day: datetime.date, amendments=()) -> list[Deadline]:
    """The dates ahead on `day`: refusal of the renewal, avenant and dénonciation windows, renewal, end."""
    status = status_at(convention, day, amendments)
    terms = convention.lifecycle or {}
    if status.state == State.ENDED:
        return []
    if status.period is None:  # not in force yet
        return [Deadline("start", "Entrée en vigueur", convention.starts_on)]
    out = []
    if status.notice is not None:
        out.append(Deadline("end", "Fin (préavis en cours)", status.ends_on))
        return out
    periods = status.periods
    i = periods.index(status.period)
    following = periods[i + 1:]
    # the period in which refusing the renewal is still possible
    for j, p in enumerate(periods[i:], start=i):
        if j + 1 >= len(periods):
            break
        deadline = refusal_deadline(terms, p)
        if deadline and deadline >= day:
            label = "Refus de reconduction" if terms.get("refusal_notice_months") else "Dénonciation avant la reconduction"
            out.append(Deadline("refusal", f"{label} : au plus tard", deadline))
            break
    if following:
        out.append(Deadline("renewal", "Reconduction tacite", following[0].starts_on))
        out.append(Deadline("max_end", "Fin au terme des reconductions possibles", periods[-1].ends_on)
                   if (terms.get("tacit_renewal") or {}).get("max_total_months") else
                   Deadline("end", "Fin de la période en cours (sauf dénonciation)", status.period.ends_on))
    else:
        out.append(Deadline("end", "Fin de la convention", status.period.ends_on))
    if terms.get("amendment_notice_months"):
        last = status.period.ends_on - relativedelta(months=terms["amendment_notice_months"])
        if last >= day:
            out.append(Deadline("amendment", "Avenant effectif avant la fin de la période : à envoyer au plus tard", last))
        out.append(Deadline("amendment_effect", "Avenant envoyé ce jour : effet au plus tôt",
                            day + relativedelta(months=terms["amendment_notice_months"])))
    if terms.get("denunciation_notice_months"):
        out.append(Deadline("denunciation_effect", "Dénonciation envoyée ce jour : fin au plus tôt",
                            earliest_denunciation_end(terms, day)))
    return sorted(out, key=lambda d: d.on)


# --- display ---------------------------------------------------------------------------------

def french_date(day: datetime.date) -> str:
    """« 1er septembre 2023 », « 31 octobre 2021 » (the first of the month as an ordinal)."""
    from django.utils import translation
    from django.utils.formats import date_format

    text = date_format(day, "j F Y")
    if day.day == 1 and (translation.get_language() or "").startswith("fr"):
        text = "1er" + text[1:]
    return text


def timeline(convention, amendments=()) -> list[tuple[datetime.date, str]]:
    """The convention's versions in order: its start, each recorded version, the tacit renewals
    that happened by today and its end (if known)."""
    from django.utils import timezone

    today = timezone.localdate()
    out = [(convention.starts_on, f"Entrée en vigueur (durée initiale jusqu'au {french_date(convention.ends_on)})")]
    recorded_starts = set()
    for a in _sorted(amendments):
        text = f"{AmendmentKind(a.kind).label} : {a.summary}"
        if a.kind in TERMINATIONS:
            text += f" — fin le {french_date(a.takes_effect_on)}"
        elif a.new_ends_on:
            text += f" — jusqu'au {french_date(a.new_ends_on)}"
            recorded_starts.add(a.takes_effect_on)
        out.append((a.signed_on, text))
    status = status_at(convention, today, amendments)
    for p in status.periods:
        if p.renewal and p.starts_on <= today and p.starts_on not in recorded_starts:
            out.append((p.starts_on, f"Reconduction tacite jusqu'au {french_date(p.ends_on)}"))
    if status.state == State.ENDED:
        out.append((status.ends_on, "Fin de la convention"))
    return sorted(out, key=lambda row: row[0])


def in_force_for(convention, school, day: datetime.date) -> bool:
    """In force on `day` and the school enrolled and activated for that school year (a school an
    avenant listed after 15 October is not: directory/enrolment.py). The test routing uses."""
    from .enrolment import active_on  # enrolment reads the models, which import this module

    return in_force(convention, day) and active_on(convention, school, day)
