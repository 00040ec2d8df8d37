"""The convention's rules for data-subject requests (key `data_subject_requests` of a convention
file): which party answers, checked at import. privacy/requests.py applies them."""

from .choices import ConventionParty as Party

MODULE_OWNERS = (*Party.values, "shared")
SCOPES = ("school", "beyond_school")


def check_rule_set(modules, rules, forward_days=None) -> list[tuple[str, str]]:
    """(path, message) for every problem of a rule set, path relative to `data_subject_requests`."""
    errors = []
    if not isinstance(modules, list):
        errors.append(("modules", "liste de modules {slug, name, owner} attendue."))
        modules = []
    slugs = set()
    for i, m in enumerate(modules):
        if not isinstance(m, dict) or not m.get("slug") or not m.get("name"):
            errors.append((f"modules[{i}]", "objet {slug, name, owner} attendu (slug et name obligatoires)."))
            continue
        if m.get("owner") not in MODULE_OWNERS:
            errors.append((f"modules[{i}].owner", f"« {m.get('owner')} » inconnu (attendu : {', '.join(MODULE_OWNERS)})."))
        if m["slug"] in slugs:
            errors.append((f"modules[{i}].slug", f"module « {m['slug']} » déjà déclaré."))
        slugs.add(m["slug"])
    if not isinstance(rules, list):
        errors.append(("rules", "liste ordonnée de règles {module_owner, scope, controller, why} attendue."))
        rules = []
    for i, r in enumerate(rules):
        where = f"rules[{i}]"
        if not isinstance(r, dict):
            errors.append((where, "objet {module_owner, scope, controller, why} attendu."))
            continue
        if r.get("module_owner") is not None and r["module_owner"] not in MODULE_OWNERS:
            errors.append((f"{where}.module_owner", f"« {r['module_owner']} » inconnu (attendu : {', '.join(MODULE_OWNERS)})."))
        if r.get("scope") is not None and r["scope"] not in SCOPES:
            errors.append((f"{where}.scope", f"« {r['scope']} » inconnu (attendu : {', '.join(SCOPES)})."))
        controller = r.get("controller")
        parties = controller if isinstance(controller, list) else [controller]
        if controller != "module_owner" and (not parties or any(p not in Party.values for p in parties)):
            errors.append((f"{where}.controller", f"une partie ({', '.join(Party.values)}), une liste de parties ou « module_owner » attendu."))
        if not str(r.get("why") or "").strip():
            errors.append((f"{where}.why", "citer la clause de la convention qui fonde la règle."))
    if forward_days is not None and (not isinstance(forward_days, int) or isinstance(forward_days, bool) or forward_days < 0):
        errors.append(("forward_within_days", "nombre de jours entier ≥ 0 attendu (0 = le jour même)."))
    return errors
