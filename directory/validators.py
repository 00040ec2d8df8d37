"""Validators for French administrative identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # 23 letters: no I, O, Q



def uai_check_letter(first7: str) -> str:
    """Check letter of a UAI from its first seven characters.

    Corsica's UAIs start with 620 / 720 (2A / 2B): the rule applies to the digits as written.
    """
    return UAI_LETTERS[int(first7) % 23]


def normalize_uai(value: str) -> str:
    return (value or "").strip().upper()


def validate_uai(value: str) -> None:
    """Raise ValidationError unless `value` is a valid UAI (7 characters + check letter)."""
    code = normalize_uai(value)
    if not re.fullmatch(r"[0-9]{7}[A-Z]", code):
        raise ValidationError(
            _("« %(code)s » n'est pas un UAI : 7 chiffres suivis d'une lettre attendus."),
            code="uai_format",
            params={"code": value},
        )
    expected = uai_check_letter(code[:7])
    if code[7] != expected:
        raise ValidationError(
            _("UAI « %(code)s » invalide : la lettre de contrôle attendue est %(expected)s."),
            code="uai_check_letter",
            params={"code": value, "expected": expected},
        )


def validate_siret(value: str) -> None:
    """SIRET (14 digits) or SIREN (9 digits) with its Luhn key.

    La Poste's establishments (SIREN 356000000) use a different rule: digit sum divisible by 5.
    """
    digits = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"[0-9]{9}|[0-9]{14}", digits):
        raise ValidationError(
            _("« %(value)s » n'est pas un SIRET (14 chiffres) ni un SIREN (9 chiffres)."),
            code="siret_format",
            params={"value": value},
        )
    if digits.startswith("356000000") and len(digits) == 14:
        if sum(int(d) for d in digits) % 5 == 0:
            return
    if not _luhn_ok(digits):
        raise ValidationError(
            _("« %(value)s » : clé de contrôle SIRET/SIREN invalide."),
            code="siret_checksum",
            params={"value": value},
        )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        d = int(char)
        if index % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
