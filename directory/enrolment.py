"""The schools enrolled in a convention, school year by school year (Montpellier 2020, art. 6 and 8).

The texts:

- art. 6.1: « Lorsque la liste des écoles inscrites n'évolue pas à l'occasion du changement d'année
  scolaire, un titre de perception correspondant au nombre d'écoles inscrites l'année scolaire
  précédente est émis pour l'année scolaire en cours » — no avenant: last year's list and count;
- art. 6.2: « L'avenant, transmis à l'académie entre le 1er septembre et le 15 octobre de l'année
  scolaire concernée par cette évolution, établit la nouvelle liste des écoles inscrites au titre de
  l'année scolaire en cours. Le nombre d'écoles figurant dans l'avenant fixe la participation
  financière pour l'année scolaire concernée par l'évolution et pour les années scolaires suivantes,
  sous réserve d'un nouvel avenant. »;
- art. 6.3: a decrease not sent « avant le 15 octobre » → « un titre de perception correspondant au
  nombre d'écoles inscrites l'année scolaire précédente »; an increase not sent by then → « les
  nouvelles écoles ne seront pas activées par le rectorat et ne pourront bénéficier de l'ENT-école »;
- art. 8: RPI and commune changes « font l'objet d'un avenant [...] transmis à l'académie entre le
  1er septembre et le 15 octobre » — the same avenant (its `collectivites`: the communes joining).

The model: the base list is the convention's annex (`ConventionSchool` rows without `added_by`); a
school-list avenant is a `ConventionAmendment` with `school_year` and the full new list (`schools`),
its `signed_on` the day it was sent. For each school year, from the convention's first:

- an avenant sent by 15 October of that year (an earlier one counts as sent in time) sets the list,
  the active schools and the billed count;
- without one, the previous year's list, active schools and billed count carry over;
- an avenant sent after 15 October: the schools it removes are no longer enrolled, those it adds
  are listed but not active (tickets from them are accepted « hors convention »), and the billed
  count stays the year's count before it. Hypothesis (the text says nothing more): received before
  the next year's 15 October, its list applies in full from the next school year.

Conventions without school-list avenants: the base list every year (what routing did before).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


def school_year_of(day: datetime.date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def parse_school_year(value: str) -> int:
    """'2021-2022' → 2021; ValueError with a French message naming the field otherwise."""
    try:
        first, second = (int(part) for part in str(value).split("-"))
    except (ValueError, AttributeError):
        first = second = None
    if first is None or second != first + 1 or not 1900 < first < 2200:
        raise ValueError(f"année scolaire : « {value} » attendu sous la forme 2022-2023.")
    return first


def window(school_year: str) -> tuple[datetime.date, datetime.date]:
    """The days an avenant for that school year is sent in: 1 September – 15 October."""
    first = parse_school_year(school_year)
    return datetime.date(first, 9, 1), datetime.date(first, 10, 15)


@dataclass
class YearList:
    school_year: str
    listed: list = field(default_factory=list)  # the schools the list in force names
    active: list = field(default_factory=list)  # those that benefit from the ENT (activated)
    inactive: list = field(default_factory=list)  # listed by an avenant sent late: not activated
    removed: list = field(default_factory=list)  # enrolled the year before, no longer listed
    billed_count: int = 0
    amendment: object | None = None  # the avenant that set the list this year, if any
    late: object | None = None  # an avenant sent after 15 October this year
    note: str = ""

    @property
    def kept_billing(self) -> int:
        """Schools billed beyond the active ones (art. 6.3, a decrease sent late)."""
        return max(0, self.billed_count - len(self.active))


def _by_uai(schools):
    return sorted(schools, key=lambda s: s.uai)


def school_list_amendments(convention) -> list:
    """The convention's school-list avenants, by sent date (uses a prefetch of `amendments__schools`)."""
    rows = [a for a in convention.amendments.all() if a.school_year]
    return sorted(rows, key=lambda a: (a.signed_on, a.pk or 0))


def base_schools(convention) -> list:
    return [row.school for row in convention.coverage.all() if row.added_by_id is None]


def first_school_year(convention) -> int:
    return parse_school_year(school_year_of(convention.starts_on))


def year_lists(convention, until: str) -> list[YearList]:
    """Every school year's list, from the convention's first school year to `until` included."""
    last = parse_school_year(until)
    amendments = school_list_amendments(convention)
    previous = {s.pk: s for s in base_schools(convention)}
    billed = len(previous)
    pending = None  # a late avenant's list, in force from the next school year
    out = []
    for year in range(first_school_year(convention), last + 1):
        label = f"{year}-{year + 1}"
        _start, deadline = window(label)
        mine = [a for a in amendments if a.school_year == label]
        on_time = [a for a in mine if a.signed_on <= deadline]
        late = [a for a in mine if a.signed_on > deadline]
        entry = YearList(label)
        before = dict(previous)
        if on_time:
            chosen = on_time[-1]
            listed = {s.pk: s for s in chosen.schools.all()}
            active, billed, pending = dict(listed), len(listed), None
            entry.amendment = chosen
            entry.note = f"Avenant transmis le {chosen.signed_on:%d/%m/%Y}, dans le délai (1er septembre – 15 octobre)."
        elif pending is not None:
            listed = {s.pk: s for s in pending.schools.all()}
            active, billed = dict(listed), len(listed)
            entry.amendment = pending
            entry.note = (f"Liste de l'avenant transmis hors délai le {pending.signed_on:%d/%m/%Y}, "
                          "appliquée à compter de cette année scolaire.")
            pending = None
        else:
            listed, active = dict(previous), dict(previous)
            if year > first_school_year(convention):
                entry.note = "Sans avenant : la liste et le nombre d'écoles de l'année précédente sont reconduits (art. 6.1)."
            else:
                entry.note = "Liste de l'annexe de la convention."
        if late:
            chosen = late[-1]
            new = {s.pk: s for s in chosen.schools.all()}
            entry.late = chosen
            entry.inactive = _by_uai(s for pk, s in new.items() if pk not in active)
            removed_late = [s for pk, s in active.items() if pk not in new]
            active = {pk: s for pk, s in active.items() if pk in new}
            listed = new
            pending = chosen
            parts = [f"Avenant transmis le {chosen.signed_on:%d/%m/%Y}, après le 15 octobre (art. 6.3) :"]
            if entry.inactive:
                parts.append(f"{len(entry.inactive)} nouvelle(s) école(s) non activée(s) cette année ;")
            if removed_late or len(new) < billed:
                parts.append(f"le nombre d'écoles de l'année précédente ({billed}) reste facturé ;")
            parts.append("sa liste s'applique à compter de l'année scolaire suivante.")
            entry.note = " ".join(parts)
        entry.listed = _by_uai(listed.values())
        entry.active = _by_uai(active.values())
        entry.removed = _by_uai(s for pk, s in before.items() if pk not in listed) if year > first_school_year(convention) else []
        entry.billed_count = billed
        out.append(entry)
        previous = active  # after a late avenant, next year applies its list (`pending`) instead
    return out


def year_list(convention, school_year: str) -> YearList:
    """The list of one school year (a year before the convention's first: its base list)."""
    if parse_school_year(school_year) < first_school_year(convention):
        return YearList(school_year)
    return year_lists(convention, school_year)[-1]


def active_on(convention, school, day: datetime.date) -> bool:
    """Does the school benefit from the convention on `day` (its list for that school year)? A school
    listed by an avenant sent late is not active: its tickets go « hors convention »."""
    if not school_list_amendments(convention):
        return True
    year = school_year_of(day)
    if parse_school_year(year) < first_school_year(convention):
        return True
    return any(s.pk == school.pk for s in year_list(convention, year).active)


def has_school_lists(convention) -> bool:
    """Conventions billed per school (Montpellier 2020, Occitanie 2022) enrol their schools per year."""
    return bool(convention.fee_per_school and convention.fee_per_school > 0)


def deadlines(convention, day: datetime.date, amendments=None) -> list:
    """`lifecycle.next_deadlines`, and for a convention billed per school the next avenant window
    (« entre le 1er septembre et le 15 octobre »), while the convention is in force on its last day."""
    from .lifecycle import IN_FORCE_STATES, Deadline, next_deadlines, status_at

    amendments = list(convention.amendments.all()) if amendments is None else amendments
    out = list(next_deadlines(convention, day, amendments))
    if has_school_lists(convention):
        first = day.year if day <= datetime.date(day.year, 10, 15) else day.year + 1
        label = f"{first}-{first + 1}"
        opens, closes = window(label)
        if status_at(convention, closes, amendments).state in IN_FORCE_STATES:
            if day < opens:
                out.append(Deadline("amendment_window_opens", f"Avenant {label} (liste des écoles) : ouverture de la transmission", opens))
            out.append(Deadline("amendment_window", f"Avenant {label} (liste des écoles) : transmission au plus tard", closes))
    return sorted(out, key=lambda d: d.on)
