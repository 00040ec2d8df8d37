"""Figures as the UI writes them, in the active language ("99,593 %", "2 504 min restantes"): one
place for the dashboard, the annual report and the status page."""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def integer(n) -> str:
    return number_format(n, force_grouping=True)


def percent(value, decimals: int = 1, *, floor: bool = False) -> str:
    """A share in the active language's format ("99,59 %" in French). `floor` rounds down, so that
    an availability just below its target never reads as the target ("99,695" → "99,69 %")."""
    value = Decimal(str(value))
    if floor:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)
    return f"{number_format(value, decimal_pos=decimals, force_grouping=True)}\u00a0%"


def availability_percent(value) -> str:
    """Availability with three decimals, rounded down: "99,593 %"."""
    return percent(value, 3, floor=True)


def target(value) -> str:
    """A target as the conventions write it: "99,7 %", "97 %"."""
    return f"{number_format(Decimal(f'{float(value):g}'), force_grouping=True)}\u00a0%"


def budget(minutes: float) -> str:
    """Remaining error budget in school-minutes: "52 min restantes", or "dépassé de 128 min" once
    spent (never a raw negative figure). Rounded down while left, up once exceeded."""
    if minutes >= 0:
        return _("%(n)s min restantes") % {"n": integer(math.floor(minutes))}
    return _("dépassé de %(n)s min") % {"n": integer(math.ceil(-minutes))}


def share(part: int, total: int) -> str:
    return percent(100 * part / total) if total else "—"
