"""How far a running import is, told to other processes through a small file in the data folder.

The process that imports rewrites `import-status.json` (one that rebuilds the
index, `reindex-status.json`) each time it reports progress, atomically (a
temporary file renamed over it), and removes it when the run ends, however it
ends, while it still holds the archive's import lock.  A file that outlives
its run was left by a process that was killed: the recorded pid is gone, or
no longer holds the lock (`Archive.recorded_runs` decides: it owns the lock).
Each kind has its own file, so a rebuild of the index does not erase the
record of an import that was killed; the next import does.

The file is advisory: a run whose status cannot be written goes on.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefer.core import atomic_write

log = logging.getLogger(__name__)

IMPORT = "import"
REINDEX = "reindex"
KINDS = (IMPORT, REINDEX)
STATUS_FILES = {IMPORT: "import-status.json", REINDEX: "reindex-status.json"}
_RUNNING = {IMPORT: "an import is running", REINDEX: "the search index is being rebuilt"}
_INTERRUPTED = {
    IMPORT: "the last import was interrupted",
    REINDEX: "the last rebuild of the search index was interrupted",
}


@dataclass(frozen=True)
class ImportProgress:
    """A run recorded in the data folder: how far it got, and whether it still runs."""

    kind: str  # IMPORT or REINDEX
    pid: int
    done: int
    total: int  # 0 until the run knows how many there are
    started: str  # ISO 8601, UTC
    running: bool = True  # False: the process that wrote it is gone (it was killed)

    def how_far(self) -> str:
        """'4,210 of 21,578 files' (documents for a rebuild of the index)."""
        unit = "documents" if self.kind == REINDEX else "files"
        if not self.total:
            return "just started"
        return f"{self.done:,} of {self.total:,} {unit}"

    def describe(self) -> str:
        """'an import is running (4,210 of 21,578 files)'; 'was interrupted' once its process is gone."""
        what = (_RUNNING if self.running else _INTERRUPTED)[self.kind]
        return f"{what} ({self.how_far()})"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class StatusFile:
    """The status file of one run, written by the process that holds the import lock."""

    def __init__(self, data_dir: Path, kind: str) -> None:
        self.path = data_dir / STATUS_FILES[kind]
        self._kind = kind
        self._started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._failed = False

    def write(self, done: int, total: int) -> None:
        record = ImportProgress(self._kind, os.getpid(), done, total, self._started)
        try:
            # Readers see the old record or the new one, never half.  Not fsynced: it is rewritten at
            # every file, and a record a power cut loses is of no use after it anyway.
            atomic_write.write_text(self.path, json.dumps(record.as_dict()), durable=False)
        except OSError as exc:
            if not self._failed:  # once a run: a full disk would repeat it at every step
                log.info("cannot record the import's progress in %s: %s", self.path, exc)
            self._failed = True

    def remove(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.info("cannot remove %s: %s", self.path, exc)


def read_status(data_dir: Path, kind: str) -> ImportProgress | None:
    """The run of `kind` recorded in `data_dir` as it was written (running=True), or None when there
    is none or it cannot be read."""
    path = data_dir / STATUS_FILES[kind]
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        progress = ImportProgress(
            kind=kind,
            pid=int(record["pid"]),
            done=int(record["done"]),
            total=int(record["total"]),
            started=str(record["started"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:  # a foreign or damaged file: no record
        log.info("ignoring %s: %s", path, exc)
        return None
    return progress


def process_exists(pid: int) -> bool:
    """Whether process `pid` exists.  Not checked on Windows (os.kill would end it): assumed to."""
    if pid == os.getpid() or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    except OSError:
        return False
    return True
