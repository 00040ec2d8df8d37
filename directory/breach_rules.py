"""The convention's rules for a personal-data breach (key `breach_notification` of a convention
file): which party notifies the CNIL, and whether the notification file is drafted jointly.
Checked at import; privacy/breaches.py applies them.

- `cnil_notifier`: a party (academie, collectivite, school) or "perimeter": the perimeter of the
  persons affected decides (Grand Est art. 7: all users → the Région, an académie's users → its
  academic authority, a département's → that collectivité, one or a few schools → their chefs
  d'établissement).
- `joint_draft`: the collectivité and the Éducation nationale draft the file together
  (Alpes-Maritimes art. 4.1: « travaillent conjointement à la rédaction du dossier de notification »).
- `source`: the clause quoted."""

from .choices import ConventionParty as Party

KEYS = ("source", "cnil_notifier", "joint_draft")
NOTIFIERS = (*Party.values, "perimeter")


def check_breach_rules(entry) -> list[tuple[str, str]]:
    """(path, message) for every problem, path relative to `breach_notification`."""
    if not isinstance(entry, dict):
        return [("", "objet {source, cnil_notifier, joint_draft} attendu.")]
    errors = []
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        errors.append(("", f"clé(s) inconnue(s) : {', '.join(unknown)} (attendu : {', '.join(KEYS)})."))
    if entry.get("cnil_notifier") not in NOTIFIERS:
        errors.append(("cnil_notifier", f"« {entry.get('cnil_notifier')} » inconnu (attendu : {', '.join(NOTIFIERS)})."))
    if not isinstance(entry.get("joint_draft", False), bool):
        errors.append(("joint_draft", "true ou false attendu."))
    if not str(entry.get("source") or "").strip():
        errors.append(("source", "citer la clause de la convention qui fonde la règle."))
    return errors


def breach_fields(entry: dict) -> dict:
    return {"breach_rules": {"source": str(entry.get("source") or "")[:255], "cnil_notifier": entry["cnil_notifier"],
                             "joint_draft": bool(entry.get("joint_draft", False))}}
