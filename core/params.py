"""Query-string parameters read strictly: a value that is not what the page expects is a 400 naming
the parameter (`BadParameter`, answered by helpdesk.middleware.BadInputMiddleware), never a 500 further
down (`int("²")` after `isdigit()`, an integer SQLite cannot bind, a date whose next day or UTC
conversion leaves Python's range)."""

from datetime import date

from django.utils.translation import gettext as _

# SQLite and PostgreSQL bigint both stop at 2**63 - 1: "Python int too large to convert to SQLite INTEGER".
MAX_ID = 2**63 - 1
# Far enough from date.min / date.max that "the day after", "89 days before", "twelve months back"
# and the conversion to UTC all stay representable.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(9998, 12, 31)


class BadParameter(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message

    def __str__(self):
        return _("Paramètre « %(name)s » : %(message)s") % {"name": self.name, "message": self.message}


def parse_id(value: str | None, name: str, *, maximum: int = MAX_ID) -> int | None:
    """A positive integer in ASCII digits within the database's range; None for an empty value."""
    value = (value or "").strip()
    if not value:
        return None
    # isascii(): "²".isdigit() is True and int("²") a ValueError.
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= maximum:
        raise BadParameter(name, _("un identifiant numérique (entier positif) est attendu."))
    return int(value)


def id_param(params, name: str, **kwargs) -> int | None:
    return parse_id(params.get(name), name, **kwargs)


def date_param(params, name: str, default: date | None = None) -> date | None:
    """A date written YYYY-MM-DD between MIN_DATE and MAX_DATE; `default` when empty."""
    value = (params.get(name) or "").strip()
    if not value:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, _("une date au format AAAA-MM-JJ est attendue.")) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadParameter(name, _("la date doit être comprise entre le %(min)s et le %(max)s.")
                           % {"min": MIN_DATE.strftime("%d/%m/%Y"), "max": MAX_DATE.strftime("%d/%m/%Y")})
    return day


def choice_param(params, name: str, choices) -> str | None:
    """One of `choices` (compared as strings); None when empty."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if value not in {str(c) for c in choices}:
        raise BadParameter(name, _("valeur inconnue."))
    return value
