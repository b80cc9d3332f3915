"""The export ledger: an append-only record of every export, draft and send attempt.

One JSON object per line in `exports.jsonl` in the data directory, appended
with a single write and fsynced, never rewritten.  Each line says which
briefing (id, edition, title), when, which file (SHA-256), under which marking,
to whom, and how it went.  Secrets never reach it: it has no field for one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefer.core import atomic_write
from briefer.core.briefing import markings
from briefer.core.briefing.model import Briefing

LEDGER_FILE = "exports.jsonl"
ACTIONS = ("export", "send", "draft")
RESULTS = ("ok", "partial", "failed")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def marking_of(briefing: Briefing) -> str:
    """The banner plus the TLP label: "CUI//SP-PRVCY TLP:AMBER", "UNCLASSIFIED"."""
    try:
        banner = markings.banner(briefing)
    except ValueError as exc:  # an unknown marking profile: record that rather than fail the send
        banner = f"(no banner: {exc})"
    tlp = markings.tlp_label(briefing)
    return f"{banner} {tlp}" if tlp else banner


@dataclass(frozen=True)
class LedgerEntry:
    action: str  # one of ACTIONS
    briefing_id: str
    edition: int
    title: str
    file: str  # the .docx (or .eml draft) written
    sha256: str  # of the .docx, "" when none was made
    marking: str
    result: str  # one of RESULTS
    recipients: tuple[str, ...] = ()
    account: str = ""  # the SMTP account name (never its password)
    detail: str = ""  # the error, or what was refused
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_briefing(cls, briefing: Briefing, **values: Any) -> LedgerEntry:
        meta = briefing.metadata
        values.setdefault("marking", marking_of(briefing))
        return cls(briefing_id=briefing.id, edition=meta.edition, title=meta.title, **values)

    def as_json(self) -> dict[str, Any]:
        return {
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "action": self.action,
            "briefing_id": self.briefing_id,
            "edition": self.edition,
            "title": self.title,
            "file": self.file,
            "sha256": self.sha256,
            "marking": self.marking,
            "recipients": list(self.recipients),
            "account": self.account,
            "result": self.result,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerEntry:
        when = datetime.fromisoformat(str(data["time"]))
        return cls(
            time=when if when.tzinfo else when.replace(tzinfo=UTC),
            action=str(data["action"]),
            briefing_id=str(data["briefing_id"]),
            edition=int(data["edition"]),
            title=str(data.get("title", "")),
            file=str(data.get("file", "")),
            sha256=str(data.get("sha256", "")),
            marking=str(data.get("marking", "")),
            recipients=tuple(str(r) for r in data.get("recipients", [])),
            account=str(data.get("account", "")),
            result=str(data["result"]),
            detail=str(data.get("detail", "")),
        )

    def line(self) -> str:
        """One human-readable line for `briefer ledger`."""
        when = self.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        to = f" to {', '.join(self.recipients)}" if self.recipients else ""
        via = f" via {self.account}" if self.account else ""
        why = f": {self.detail}" if self.detail else ""
        digest = f" sha256 {self.sha256[:12]}" if self.sha256 else ""
        return (
            f"{when} {self.action:<6} {self.result:<7} {self.title!r} ed. {self.edition} [{self.marking}]"
            f"{to}{via} {self.file}{digest}{why}"
        )


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bad_lines = 0  # unreadable lines skipped by the last entries()

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Ledger:
        return cls(data_dir / LEDGER_FILE)

    def record(self, entry: LedgerEntry) -> None:
        """Append one line with a single write, then fsync: the ledger is never rewritten."""
        if entry.action not in ACTIONS or entry.result not in RESULTS:
            raise ValueError(f"bad ledger entry: action {entry.action!r}, result {entry.result!r}")
        payload = (json.dumps(entry.as_json(), ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._ends_with_newline():
            payload = b"\n" + payload  # after a line torn by a crash: start a fresh line
        atomic_write.append(self.path, payload, mode=0o600)

    def _ends_with_newline(self) -> bool:
        try:
            with self.path.open("rb") as existing:
                existing.seek(-1, os.SEEK_END)
                return existing.read(1) == b"\n"
        except OSError:  # no file yet, or an empty one
            return True

    def entries(self) -> list[LedgerEntry]:
        return list(self)

    def __iter__(self) -> Iterator[LedgerEntry]:
        self.bad_lines = 0
        try:
            handle = self.path.open(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    yield LedgerEntry.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    self.bad_lines += 1  # e.g. a line torn by a crash mid-write
