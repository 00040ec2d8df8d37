"""The state diagram, generated from the FSM transitions declared on `Ticket` (Mermaid)."""

from .models import State, Ticket

# FSM method name → service name shown on the arrows.
_LABELS = {
    "fsm_take": "take", "fsm_request_info": "request_info", "fsm_answer": "answer / requester reply",
    "fsm_comment": "comment", "fsm_route": "route", "fsm_escalate": "escalate", "fsm_send_back": "send_back",
    "fsm_resolve": "resolve", "fsm_confirm": "confirm", "fsm_reopen": "reopen", "fsm_auto_close": "auto_close",
    "fsm_cancel": "cancel", "fsm_link": "link_duplicate / set_parent / qualification",
}


def transitions() -> list[tuple[str, str, str]]:
    field = Ticket._meta.get_field("state")
    edges = set()
    for tr in field.get_all_transitions(Ticket):
        target = tr.target if tr.target is not None else tr.source
        edges.add((tr.source, target, _LABELS.get(tr.name, tr.name)))
    return sorted(edges)


def mermaid() -> str:
    lines = [
        "# Ticket states",
        "",
        "Generated from `tickets/models.py` by `python manage.py ticket_state_diagram` — do not edit by hand.",
        "The level (0–3) is a separate field: `escalate` (+1), `send_back` (−1) and `route` (same level)",
        "change the level or the desk while the ticket stays in progress.",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for value, label in State.choices:
        lines.append(f"    {value} : {value} ({label})")
    lines.append("    [*] --> new : open")
    merged: dict[tuple[str, str], list[str]] = {}
    for source, target, label in transitions():
        merged.setdefault((source, target), []).append(label)
    for (source, target), labels in sorted(merged.items()):
        lines.append(f"    {source} --> {target} : {', '.join(sorted(set(labels)))}")
    lines += ["    closed --> [*]", "    cancelled --> [*]", "```", ""]
    return "\n".join(lines)
