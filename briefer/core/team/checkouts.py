"""Which local `.briefing` files are copies of shared briefings, and the version each was taken at.

Local state, kept in the data folder (`team-checkouts.json`): a save to the team archive needs
the version the analyst started from, and the file itself stays in the plain briefing format.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from briefer.core import atomic_write
from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing

FILE_NAME = "team-checkouts.json"


@dataclass(frozen=True)
class Checkout:
    location: str  # the team archive's display location (no password)
    briefing_id: str
    version: int
    sha256: str = ""  # the briefing as that version holds it (`briefing_sha256`): later edits differ

    def origin(self, briefing: Briefing) -> dict[str, object]:
        """What an export's manifest records of the team version `briefing` comes from."""
        return {
            "archive": self.location,
            "id": self.briefing_id,
            "version": self.version,
            "local_changes": briefing_sha256(briefing) != self.sha256,
        }


def briefing_sha256(briefing: Briefing) -> str:
    """The SHA-256 of the briefing as its file holds it (the same as the export manifest's)."""
    return hashlib.sha256(storage.dumps(briefing).encode("utf-8", "surrogatepass")).hexdigest()


class Checkouts:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    def get(self, file: Path) -> Checkout | None:
        record = self._read().get(_key(file))
        try:
            return Checkout(**record) if isinstance(record, dict) else None
        except TypeError:  # a record from another version of the file: treat as unknown
            return None

    def put(self, file: Path, checkout: Checkout) -> None:
        records = self._read()
        records[_key(file)] = asdict(checkout)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write.write_text(self.path, json.dumps(records, indent=1, sort_keys=True) + "\n")

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _key(file: Path) -> str:
    return str(file.expanduser().resolve())
