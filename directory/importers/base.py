"""What every importer returns and raises."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing column, bad encoding, malformed XML/YAML…).

    Raised before any write, or inside the import's transaction so that nothing is kept.
    `errors` holds one message per problem, each naming its place (row, field path, file).
    """

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Rejection:
    where: str  # "ligne 12", "schools[3]", "PersEducNat_0000.xml, requête 4 (id 123)"
    reason: str

    def __str__(self):
        return f"{self.where} : {self.reason}"


@dataclass
class ImportReport:
    """Counters per kind of object ("école", "compte"…) and action ("created", "updated", …)."""

    counts: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str, action: str, n: int = 1) -> None:
        if n:
            self.counts[(kind, action)] += n

    def get(self, kind: str, action: str) -> int:
        return self.counts[(kind, action)]

    def reject(self, where: str, reason: str) -> None:
        self.rejected.append(Rejection(where, reason))

    def lines(self) -> list[str]:
        """A human summary in French, stable order."""
        labels = {
            "created": "créé(s)", "updated": "mis à jour", "unchanged": "inchangé(s)",
            "deactivated": "désactivé(s)", "removed": "retiré(s)", "skipped": "ignoré(s)",
        }
        kinds: dict[str, list[str]] = {}
        for (kind, action), n in sorted(self.counts.items()):
            kinds.setdefault(kind, []).append(f"{n} {labels.get(action, action)}")
        out = [f"{kind} : {', '.join(parts)}" for kind, parts in kinds.items()]
        out.append(f"rejet(s) : {len(self.rejected)}")
        out += [f"  - {r}" for r in self.rejected]
        out += [f"note : {n}" for n in self.notes]
        return out
