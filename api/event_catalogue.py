"""The webhook event catalogue of docs/api.md, generated from the event vocabulary
(`tickets.events`): `manage.py event_catalogue` rewrites the text between the two markers, the rest
of the guide is written by hand; a test checks that the committed guide is up to date."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from tickets.events import AUDIENCE_LABELS, EVENTS, WEBHOOK_TYPES, events_of_webhook

START = "<!-- event-catalogue:start — généré par `python manage.py event_catalogue` depuis tickets/events.py, ne pas modifier à la main -->"
END = "<!-- event-catalogue:end -->"


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "api.md"


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


def render() -> str:
    """The generated section, markers included (French, as the guide)."""
    with translation.override("fr"):
        lines = [START, "", "| type | libellé | envoyé quand (événement de la demande) |", "|---|---|---|"]
        for wt in WEBHOOK_TYPES:
            sources = ", ".join(
                f"{_cell(e.label)} (`{e.kind.value}`)" if e.kind is not None else _cell(e.label)
                for e in events_of_webhook(wt.name)
            )
            lines.append(f"| `{wt.name}` | {_cell(wt.label)} | {sources} |")
        lines += [
            "",
            "Chaque événement, son nom interne (journal des envois), le type de webhook reçu, qui est prévenu "
            "(notification et courriel) et s'il est visible du demandeur :",
            "",
            "| événement (`kind`) | nom | libellé | webhook | prévenus | visible du demandeur | remarque |",
            "|---|---|---|---|---|---|---|",
        ]
        for e in EVENTS:
            kind = f"`{e.kind.value}`" if e.kind is not None else "—"
            told = ", ".join(str(AUDIENCE_LABELS[a]) for a in sorted(e.audiences, key=list(AUDIENCE_LABELS).index)) or "—"
            webhook = f"`{e.webhook}`" if e.webhook else "non envoyé"
            public = "—" if e.kind is None else "oui" if e.public else "non"
            lines.append(f"| {kind} | `{e.name}` | {_cell(e.label)} | {webhook} | {_cell(told)} | {public} | {_cell(e.note)} |")
        lines += [
            "",
            "Le demandeur n'est prévenu que de ce qu'un autre a fait (sauf l'accusé de réception de sa demande), "
            "l'agent en charge que de ce que dit le demandeur, et le guichet de ce que ses membres n'ont pas fait "
            "eux-mêmes. Toutes les mises à jour des demandes sont aussi poussées en direct aux pages ouvertes "
            "(sauf les annotations de délai).",
            "",
            END,
        ]
    return "\n".join(lines)


def apply(text: str) -> str:
    """`text` (the guide) with its generated section replaced; ValueError without the markers."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError("docs/api.md: the event-catalogue markers are missing")
    return text[:start] + render() + text[end + len(END):]
