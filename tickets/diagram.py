"""The state diagram (Mermaid), generated from the workflow table (`tickets.workflow.TRANSITIONS`),
the same rows the FSM transitions on `Ticket` are derived from. Arrows are labelled by row name."""

from .states import State
from .workflow import TRANSITIONS


def transitions() -> list[tuple[str, str, str]]:
    edges = set()
    for row in TRANSITIONS:
        for source in row.source:
            edges.add((str(source), str(row.target if row.target is not None else source), row.name))
    return sorted(edges)


def mermaid() -> str:
    lines = [
        "# Ticket states",
        "",
        "Generated from the workflow table `tickets/workflow.py` by `python manage.py ticket_state_diagram` — do not",
        "edit by hand. Arrows are labelled with the transition's name (one row of the table, one action in",
        "`tickets.services`). The level (0–3) is a separate field: `escalate` (+1), `send_back` (−1) and `route`",
        "(same level, another desk of the convention's support chain) change the level or the desk while the",
        "ticket stays in progress.",
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
