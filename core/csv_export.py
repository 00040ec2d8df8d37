"""The one CSV writer of the product: cells a spreadsheet would read as a formula are neutralised.

Free text (a ticket's service, a title…) reaches the exports: `=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`
or `-1+1` would run in the manager's spreadsheet (CSV / formula injection). As OWASP recommends, a
text cell starting with = + - @, a tab or a carriage return gets a leading single quote, which
spreadsheets show as text. Numbers we write as numbers (int, float, Decimal) are left alone: a
negative count or share is not a formula, and quoting it would turn it into text in the sheet.
"""

import csv
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, (bool, int, float, Decimal)) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer's writerow / writerows, each cell through `safe_cell`."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **kwargs) -> SafeWriter:
    return SafeWriter(stream, **kwargs)
