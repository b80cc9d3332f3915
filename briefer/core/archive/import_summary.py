"""What an import reports: every file's outcome (one of `STATUSES`) and the run's counts.

Kept apart from the importer, which loads every parser, so that what only reads a summary (the
window, subscriptions, tests) does not; and packed, since a run keeps one outcome per file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

STATUSES = ("imported", "updated", "unchanged", "duplicate", "skipped", "failed")


@dataclass(frozen=True, slots=True)  # one per file for the whole run: no __dict__ each
class FileOutcome:
    path: str  # a file, or "container/member" for a member of one
    status: str
    reason: str = ""
    doc_id: str | None = None
    container: str = ""  # for a member: the file that holds it


class PackedTexts:
    """Texts kept as their UTF-8 in one buffer, each ended by a NUL (paths and document ids hold
    none): a run keeps one or two per file, where a str object each was about 100 bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def append(self, text: str) -> None:
        self._buffer += text.encode("utf-8", "surrogatepass") + b"\0"

    def texts(self) -> list[str]:
        return self._buffer.decode("utf-8", "surrogatepass").split("\0")[:-1]


class _PackedOutcomes:
    """Every file's outcome of a run, packed: a 100,000-file import held 33 MB of outcome objects,
    their paths and document ids through its whole run (the run's report lists every file).  An
    outcome without a reason or a container (most) is its path and document id packed and a
    status number; the others stay objects."""

    def __init__(self) -> None:
        self._plain = PackedTexts()  # path, then document id ("" for none), of each plain outcome
        self._statuses = bytearray()  # each plain outcome's index in STATUSES
        self._others: list[FileOutcome] = []
        self._unpacked: list[FileOutcome] | None = None  # since the last `add`

    def add(self, outcome: FileOutcome) -> None:
        self._unpacked = None
        if outcome.reason or outcome.container or outcome.status not in STATUSES:
            self._others.append(outcome)
            return
        self._plain.append(outcome.path)
        self._plain.append(outcome.doc_id or "")
        self._statuses.append(STATUSES.index(outcome.status))

    def unpacked(self) -> list[FileOutcome]:
        if self._unpacked is None:  # feeds ask once per feed: unpacked once
            fields = self._plain.texts()
            self._unpacked = [
                FileOutcome(fields[2 * i], STATUSES[status], doc_id=fields[2 * i + 1] or None)
                for i, status in enumerate(self._statuses)
            ] + self._others
        return list(self._unpacked)


@dataclass
class ImportSummary:
    counts: Counter[str] = field(default_factory=Counter)
    pruned: int = 0
    indexed: int = 0
    seconds: float = 0.0
    _outcomes: _PackedOutcomes = field(default_factory=_PackedOutcomes, repr=False, compare=False)

    def add(self, outcome: FileOutcome) -> None:
        self.counts[outcome.status] += 1
        self._outcomes.add(outcome)

    @property
    def outcomes(self) -> list[FileOutcome]:
        """Every file's outcome, files with a reason or in a container last (`report` sorts them)."""
        return self._outcomes.unpacked()

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        parts = [f"{self.counts[s]} {s}" for s in STATUSES if self.counts[s] or s in ("imported", "failed")]
        if self.pruned:
            parts.append(f"{self.pruned} pruned")
        return f"{', '.join(parts)} in {self.seconds:.1f} s"

    def as_dict(self) -> dict[str, object]:
        return {
            **{s: self.counts[s] for s in STATUSES},
            "pruned": self.pruned,
            "indexed": self.indexed,
            "seconds": round(self.seconds, 3),
        }

    def report(self) -> dict[str, object]:
        """`{"summary": {...}, "files": [{"path", "status", "reason"}, ...]}`, files in path order."""
        ordered = sorted(self.outcomes, key=lambda o: o.path)
        return {
            "summary": {**self.as_dict(), "files": len(ordered)},
            "files": [{"path": o.path, "status": o.status, "reason": o.reason} for o in ordered],
        }
