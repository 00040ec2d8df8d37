"""Built-in table of académies: code → name, school-holiday zone, public-holiday subdivision.

Used only to create an académie an import meets for the first time (`--create-academies`):
an académie needs its holiday zone for the SLA calendars. Zones as of the 2024 arrêté; codes as
in the "Annuaire de l'éducation" (Code_academie).
"""

from __future__ import annotations

from directory.choices import HolidayZone

# code: (name, zone, holiday subdivision)
ACADEMIES: dict[str, tuple[str, str, str]] = {
    "01": ("Paris", HolidayZone.C, ""),
    "02": ("Aix-Marseille", HolidayZone.B, ""),
    "03": ("Besançon", HolidayZone.A, ""),
    "04": ("Bordeaux", HolidayZone.A, ""),
    "05": ("Caen", HolidayZone.B, ""),
    "06": ("Clermont-Ferrand", HolidayZone.A, ""),
    "07": ("Dijon", HolidayZone.A, ""),
    "08": ("Grenoble", HolidayZone.A, ""),
    "09": ("Lille", HolidayZone.B, ""),
    "10": ("Lyon", HolidayZone.A, ""),
    "11": ("Montpellier", HolidayZone.C, ""),
    "12": ("Nancy-Metz", HolidayZone.B, ""),
    "13": ("Poitiers", HolidayZone.A, ""),
    "14": ("Rennes", HolidayZone.B, ""),
    "15": ("Strasbourg", HolidayZone.B, "6AE"),
    "16": ("Toulouse", HolidayZone.C, ""),
    "17": ("Nantes", HolidayZone.B, ""),
    "18": ("Orléans-Tours", HolidayZone.B, ""),
    "19": ("Reims", HolidayZone.B, ""),
    "20": ("Amiens", HolidayZone.B, ""),
    "21": ("Rouen", HolidayZone.B, ""),
    "22": ("Limoges", HolidayZone.A, ""),
    "23": ("Nice", HolidayZone.B, ""),
    "24": ("Créteil", HolidayZone.C, ""),
    "25": ("Versailles", HolidayZone.C, ""),
    "27": ("Corse", HolidayZone.CORSE, ""),
    "28": ("La Réunion", HolidayZone.REUNION, ""),
    "31": ("Martinique", HolidayZone.MARTINIQUE, ""),
    "32": ("Guadeloupe", HolidayZone.GUADELOUPE, ""),
    "33": ("Guyane", HolidayZone.GUYANE, ""),
    "40": ("Nouvelle-Calédonie", HolidayZone.NOUVELLE_CALEDONIE, ""),
    "41": ("Polynésie française", HolidayZone.POLYNESIE, ""),
    "42": ("Wallis et Futuna", HolidayZone.WALLIS, ""),
    "43": ("Mayotte", HolidayZone.MAYOTTE, ""),
    "44": ("Saint-Pierre-et-Miquelon", HolidayZone.SPM, ""),
    "70": ("Normandie", HolidayZone.B, ""),
}


def normalize_academie_code(value) -> str:
    """'1', '01', ' 01 ' → '01'; non-numeric codes are kept as written (upper-cased)."""
    text = str(value or "").strip()
    return text.zfill(2) if text.isdigit() else text.upper()


def academie_defaults(code: str, label: str = "") -> dict | None:
    """Fields to create académie `code`, or None when the table does not know its zone."""
    entry = ACADEMIES.get(normalize_academie_code(code))
    if entry is None:
        return None
    name, zone, subdivision = entry
    label = (label or "").strip() or name
    if not label.lower().startswith("académie"):
        label = f"Académie d'{label}" if label[0] in "AEIOUYÉaeiouyé" else f"Académie de {label}"
    return {
        "name": label,
        "holiday_zone": zone,
        "holiday_subdivision": subdivision,
    }
