"""The open briefing: its file, its undo stack, saving, autosave, crash recovery and recent files.

One briefing is open at a time.  Its model and undo stack live as long as the
session; opening another briefing resets the model and clears the stack.

Autosave writes a *recovery copy* (never the user's file) every minute while
there are unsaved changes, into the recovery folder with a small note saying
which file it belongs to.  Only a successful save, or the briefing actually
being replaced or closed, deletes it (a "Discard" answer alone changes nothing:
see `briefing_switch`); if Briefer crashes, the next start finds it and offers
to recover.  A recovered briefing keeps its copy until it is saved or replaced.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import storage, templates
from briefer.core.briefing.model import Briefing, BriefingError
from briefer.gui.briefing_model import BriefingModel

log = logging.getLogger(__name__)

AUTOSAVE_MS = 60_000
RECENT_KEY = "briefings/recent"
RECENT_MAX = 8
DEFAULT_TEMPLATE = "assessment"


@dataclass(frozen=True)
class Recovery:
    """A recovery copy left by a session that did not end normally."""

    copy: Path  # the recovered briefing
    note: Path  # JSON: original path, time, pid
    original: Path | None
    saved_at: str
    title: str

    def describe(self) -> str:
        where = str(self.original) if self.original else "a briefing that was never saved"
        return f"\u201c{self.title}\u201d ({where}), autosaved {self.saved_at}."


def _pid_alive(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():
        return pid == os.getpid()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _write_atomically(path: Path, text: str) -> None:
    """Replace a small file so that a crash leaves its old or its new content, never a truncated one."""
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


class BriefingSession(QObject):
    """Owns the open briefing; the window asks it to create, open, save and recover."""

    changed = Signal()  # the title, the path or the modified state changed
    opened = Signal()  # another briefing is now open
    recent_changed = Signal()

    def __init__(
        self,
        *,
        settings: QSettings,
        recovery_dir: Path,
        data_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._recovery_dir = recovery_dir
        self._data_dir = data_dir
        self.path: Path | None = None
        self.recovered = False  # opened from a recovery copy: modified although the stack is clean
        self.closed = False  # closed on purpose: nothing is autosaved any more
        self._session_id = uuid.uuid4().hex[:12]
        self.undo_stack = QUndoStack(self)
        self.model = BriefingModel(Briefing(), self.undo_stack, self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.model.metadata_changed.connect(self._on_metadata_changed)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)

    # -- state -----------------------------------------------------------------------
    @property
    def briefing(self) -> Briefing:
        return self.model.briefing

    @property
    def modified(self) -> bool:
        return self.recovered or not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.briefing.metadata.title or (self.path.stem if self.path else "Untitled briefing")

    def available_templates(self) -> list[templates.Template]:
        return list(templates.available(self._data_dir).values())

    def start_autosave(self) -> None:
        self._autosave.start()

    def stop_autosave(self) -> None:
        self._autosave.stop()

    # -- new, open, save ---------------------------------------------------------------
    def new(self, template: templates.Template | None = None) -> None:
        """A fresh briefing from `template` (the default one when None); the caller saved first."""
        chosen = template or templates.load(DEFAULT_TEMPLATE, self._data_dir)
        self._replace(templates.new_briefing(chosen), None)

    def open(self, path: Path) -> None:
        """Open the briefing file; raises BriefingError (with the reason) when it cannot be read."""
        briefing = storage.load(path)
        self._replace(briefing, path)
        self._add_recent(path)

    def save(self) -> None:
        """Save to the briefing's file (the caller asks for a path first when there is none)."""
        if self.path is None:
            raise BriefingError("the briefing has no file yet: use Save As")
        self.save_as(self.path)

    def save_as(self, path: Path) -> None:
        storage.save(self.briefing, path)
        self.path = path
        self.recovered = False
        self.undo_stack.setClean()
        self.discard_recovery()
        self._add_recent(path)
        self.changed.emit()

    def close(self) -> None:
        """The briefing is closed on purpose (saved, or its changes discarded): no recovery copy survives."""
        self.stop_autosave()
        self.discard_recovery()
        self.closed = True

    def end(self) -> None:
        """The program ends without having asked (the desktop session ends, say): unsaved work keeps
        its recovery copy, offered at the next start."""
        if self.closed:
            return
        if self.modified:
            self.stop_autosave()
            self.autosave()
        else:
            self.close()

    def _replace(self, briefing: Briefing, path: Path | None) -> None:
        self.discard_recovery()
        self.undo_stack.clear()
        self.model.set_briefing(briefing)
        self.path = path
        self.recovered = False
        self.undo_stack.setClean()
        self.opened.emit()
        self.changed.emit()

    @Slot(bool)
    def _on_clean_changed(self, clean: bool) -> None:
        self.changed.emit()

    @Slot(str)
    def _on_metadata_changed(self, field: str) -> None:
        if field in ("", "title"):
            self.changed.emit()

    # -- recent briefings -----------------------------------------------------------------
    def recent(self) -> list[Path]:
        value = self._settings.value(RECENT_KEY, [])
        names = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
        return [Path(n) for n in names if isinstance(n, str) and n]

    def _add_recent(self, path: Path) -> None:
        resolved = str(path.resolve())
        names = [resolved] + [str(p) for p in self.recent() if str(p) != resolved]
        self._settings.setValue(RECENT_KEY, names[:RECENT_MAX])
        self.recent_changed.emit()

    def forget_recent(self, path: Path) -> None:
        self._settings.setValue(RECENT_KEY, [str(p) for p in self.recent() if p != path])
        self.recent_changed.emit()

    # -- autosave and recovery ---------------------------------------------------------------
    def _recovery_files(self) -> tuple[Path, Path]:
        # Named for this session too: a copy another session left (kept for later) is never ours to
        # overwrite or delete, even when that session had the same briefing open.
        stem = f"{self.briefing.id}.{self._session_id}"
        return self._recovery_dir / f"{stem}.briefing", self._recovery_dir / f"{stem}.json"

    @Slot()
    def autosave(self) -> Path | None:
        """Write the recovery copy if there are unsaved changes; returns it (None when not needed)."""
        if not self.modified or self.closed:
            return None
        copy, note = self._recovery_files()
        try:
            self._recovery_dir.mkdir(parents=True, exist_ok=True)
            storage.save(self.briefing, copy)
            backup = storage.backup_path(copy)
            backup.unlink(missing_ok=True)  # the previous recovery copy is of no use
            info = {
                "original": str(self.path) if self.path else None,
                "saved_at": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
                "pid": os.getpid(),
                "title": self.title,
            }
            _write_atomically(note, json.dumps(info))
        except (OSError, BriefingError) as exc:  # autosave must never interrupt the analyst
            log.warning("autosave failed: %s", exc)
            return None
        log.info("autosaved a recovery copy to %s", copy)
        return copy

    def discard_recovery(self) -> None:
        for path in self._recovery_files():
            path.unlink(missing_ok=True)
            storage.backup_path(path).unlink(missing_ok=True)

    def recoveries(self) -> list[Recovery]:
        """Recovery copies left by sessions that are no longer running, newest first."""
        found: list[Recovery] = []
        if not self._recovery_dir.is_dir():
            return found
        for note in self._recovery_dir.glob("*.json"):
            copy = note.with_suffix(".briefing")
            try:
                info = json.loads(note.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not copy.is_file() or _pid_alive(int(info.get("pid") or 0)):
                continue  # incomplete, or another Briefer is still working on it
            original = info.get("original")
            found.append(
                Recovery(
                    copy=copy,
                    note=note,
                    original=Path(original) if original else None,
                    saved_at=str(info.get("saved_at") or ""),
                    title=str(info.get("title") or "Untitled briefing"),
                )
            )
        return sorted(found, key=lambda r: r.saved_at, reverse=True)

    def recover(self, recovery: Recovery) -> None:
        """Open the recovered copy: it keeps its original path and counts as unsaved.

        The work keeps a recovery copy until it is saved or replaced: this session
        writes its own at once (its note names this process, so no other Briefer
        offers it), and only then lets the crashed session's copy go.
        """
        briefing = storage.load(recovery.copy)
        self._replace(briefing, recovery.original)
        self.recovered = True
        self.changed.emit()
        if self.autosave() is not None:
            self.forget_recovery(recovery)

    @staticmethod
    def forget_recovery(recovery: Recovery) -> None:
        for path in (recovery.copy, recovery.note, storage.backup_path(recovery.copy)):
            path.unlink(missing_ok=True)
