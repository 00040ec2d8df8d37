"""Fee statements: per collectivité and school year, the schools a convention covers × its
`fee_per_school` (45 € Occitanie 2022, 50 € Montpellier 2020) — the basis of the « titre de
perception » the rectorat issues after the school year starts (Montpellier art. 6).

Which conventions bill a school year: those in force (lifecycle state: in force, renewed or under
notice) on 1 November of that year, after the window of 1 September – 15 October in which the
school list may change (Montpellier art. 6.2). Hypothesis: it gives the texts' own examples —
Occitanie (10 October 2022 → 1 September 2023) bills 2022-2023 only, Montpellier 2020 (→ 31 October
2021) bills 2020-2021 only, « dernière année scolaire incluse dans la durée de la convention ».

The schools billed are the year's active schools (directory/enrolment.py: the base list and the
avenants with their sent date); when a decrease was sent after 15 October, one more line keeps last
year's count billed (art. 6.3: « un titre de perception correspondant au nombre d'écoles inscrites
l'année scolaire précédente »). The payer is the school's collectivité when it is a party, else the convention's
only collectivité.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from core import csv_export

from .enrolment import year_list
from .lifecycle import State, status_at
from .models import Convention

BILLED_STATES = (State.IN_FORCE, State.RENEWED, State.UNDER_NOTICE)


def reference_day(school_year: str) -> datetime.date:
    """'2022-2023' → 1 November 2022; refuses anything else with a message naming the field."""
    try:
        first, second = (int(part) for part in school_year.split("-"))
    except (ValueError, AttributeError):
        first = second = None
    if first is None or second != first + 1:
        raise ValueError(f"année scolaire : « {school_year} » attendu sous la forme 2022-2023.")
    return datetime.date(first, 11, 1)


@dataclass(frozen=True)
class FeeLine:
    collectivite: str
    siret: str
    convention: str
    school_year: str
    uai: str
    school: str
    amount: Decimal
    count: int = 1  # schools this line bills (more than one: the art. 6.3 line)


def fee_lines(school_year: str, conventions=None) -> list[FeeLine]:
    day = reference_day(school_year)
    qs = conventions if conventions is not None else Convention.objects.all()
    qs = qs.filter(starts_on__lte=day, fee_per_school__gt=0).prefetch_related(
        "collectivites", "coverage__school", "amendments__schools")
    out = []
    for convention in qs:
        if status_at(convention, day, list(convention.amendments.all())).state not in BILLED_STATES:
            continue
        parties = {c.pk: c for c in convention.collectivites.all()}
        only = next(iter(parties.values())) if len(parties) == 1 else None
        enrolled = year_list(convention, school_year)
        payer = only
        for school in enrolled.active:
            payer = parties.get(school.collectivite_id) or only
            out.append(FeeLine(payer.name if payer else "(collectivité non désignée)", (payer.siret if payer else "") or "",
                               convention.reference, school_year, school.uai, school.name, convention.fee_per_school))
        if enrolled.kept_billing:
            n = enrolled.kept_billing
            out.append(FeeLine(payer.name if payer else "(collectivité non désignée)", (payer.siret if payer else "") or "",
                               convention.reference, school_year, "",
                               f"Art. 6.3 : avenant transmis après le 15 octobre, {n} école{'s' if n > 1 else ''} de "
                               f"l'année précédente facturée{'s' if n > 1 else ''}", convention.fee_per_school * n, n))
    return sorted(out, key=lambda line: (line.collectivite, line.convention, line.uai == "", line.uai))


HEADER = ["Collectivité", "SIRET", "Convention", "Année scolaire", "UAI", "École", "Montant (€)"]


def statement_csv(school_year: str, conventions=None) -> str:
    """One line per school, then per collectivité a total line (« Total : N écoles »)."""
    out = io.StringIO()
    writer = csv_export.writer(out, delimiter=";")
    writer.writerow(HEADER)
    lines = fee_lines(school_year, conventions)
    by_payer: dict[tuple, list[FeeLine]] = {}
    for line in lines:
        by_payer.setdefault((line.collectivite, line.siret), []).append(line)
    for (name, siret), rows in by_payer.items():
        for r in rows:
            writer.writerow([r.collectivite, r.siret, r.convention, r.school_year, r.uai, r.school, f"{r.amount:.2f}"])
        total = sum((r.amount for r in rows), Decimal("0"))
        count = sum(r.count for r in rows)
        writer.writerow([name, siret, "", school_year, "", f"Total : {count} école{'s' if count > 1 else ''}", f"{total:.2f}"])
    return out.getvalue()
