"""The open briefing: its file, its undo stack, saving, autosave, crash recovery and recent files.

One briefing is open at a time.  Its model and undo stack live as long as the
session; opening another briefing resets the model and clears the stack.

Autosave writes a *recovery copy* (never the user's file) every minute while
there are unsaved changes, into the recovery folder with a small note saying
which file it belongs to.  Only a successful save, or the briefing actually
being replaced or closed, deletes it (a "Discard" answer alone changes nothing:
see `briefing_switch`); if Briefer crashes, the next start finds it and offers
to recover.  A recovered briefing keeps its copy until it is saved or replaced.

The session remembers which version of its file the briefing started from (the
*base*: read when opened, or written by the last save) and that version's
revision.  Saving over the file when it is no longer that version is refused
(`storage.ChangedOnDiskError`); a file watcher says when another program saved
it (`disk_changed`).  What to do then (merge, reload, ask) is `file_changes`'.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from briefer.core import atomic_write
from briefer.core.briefing import storage, templates
from briefer.core.briefing.merge import Merged, Side, merge
from briefer.core.briefing.model import Briefing, BriefingError
from briefer.gui.briefing.model import BriefingModel

log = logging.getLogger(__name__)

AUTOSAVE_MS = 60_000
DISK_CHECK_MS = 300  # a save is a burst of file events: look once it has settled
SAVE_WAIT = 5.0  # seconds the window waits for another program's save to end before giving up
RECENT_KEY = "briefings/recent"
RECENT_MAX = 8
DEFAULT_TEMPLATE = "assessment"


@dataclass(frozen=True)
class Recovery:
    """A recovery copy left by a session that did not end normally."""

    copy: Path  # the recovered briefing
    note: Path  # JSON: original path, time, pid, the revision of the original it started from
    original: Path | None
    saved_at: str
    title: str
    revision: str | None = None  # None: unknown (an older note), or the original was never saved

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


Base = tuple[Briefing | None, str | None]  # the version of the file a briefing started from, its revision


class Replace(QUndoCommand):
    """The whole briefing replaced (merged with its file, or reloaded from it): one undo step.

    Undo also puts back the version of the file the briefing started from, so the next save
    still merges what the file holds and the briefing does not."""

    def __init__(self, session: BriefingSession, after: Briefing, after_base: Base, text: str) -> None:
        super().__init__(text)
        self._session = session
        self._before = (session.briefing, (session.base, session.revision))
        self._after = (after, after_base)

    def redo(self) -> None:
        self._session.show_version(*self._after)

    def undo(self) -> None:
        self._session.show_version(*self._before)


class BriefingSession(QObject):
    """Owns the open briefing; the window asks it to create, open, save and recover."""

    changed = Signal()  # the title, the path or the modified state changed
    opened = Signal()  # another briefing is now open
    recent_changed = Signal()
    disk_changed = Signal()  # another program saved the file: it is no longer the base version

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
        self.ended = False  # the window is gone (end): nothing watches the file any more
        self._session_id = uuid.uuid4().hex[:12]
        self.undo_stack = QUndoStack(self)
        self.model = BriefingModel(Briefing(), self.undo_stack, self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.model.metadata_changed.connect(self._on_metadata_changed)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self.base: Briefing | None = None  # the version of `path` the briefing started from; None: unknown
        self.revision: str | None = None  # that version's revision on disk; None: none yet
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_file_event)
        self._disk_check = QTimer(self, singleShot=True, interval=DISK_CHECK_MS)
        self._disk_check.timeout.connect(self.check_disk)

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
        loaded = storage.read(path)
        self._replace(loaded.briefing, path)
        self._set_base(loaded.briefing, loaded.revision)
        self._add_recent(path)

    def save(self) -> None:
        """Save to the briefing's file (the caller asks for a path first when there is none)."""
        if self.path is None:
            raise BriefingError("the briefing has no file yet: use Save As")
        self.save_as(self.path)

    def save_as(self, path: Path) -> None:
        """Save; over the briefing's own file only while it is still the base version, else
        storage.ChangedOnDiskError (nothing written).  Another file is replaced (the file dialog
        asked)."""
        self._save(path, self.revision if self.is_own_file(path) else None)

    def save_over(self, path: Path) -> None:
        """Save, replacing whatever the file holds now: the user chose to."""
        self._save(path, None)

    def _save(self, path: Path, expected: str | None) -> None:
        revision = storage.save(self.briefing, path, expected=expected, timeout=SAVE_WAIT)
        self.path = path
        self.recovered = False
        self.undo_stack.setClean()
        self._set_base(self.briefing, revision)
        self.discard_recovery()
        self._add_recent(path)
        self.changed.emit()

    def is_own_file(self, path: Path) -> bool:
        if self.path is None:
            return False
        try:
            return path == self.path or path.resolve() == self.path.resolve()
        except (OSError, RuntimeError):
            return False

    # -- the file changed by another program ------------------------------------------------
    def _set_base(self, briefing: Briefing | None, revision: str | None) -> None:
        """The version of the file the briefing now starts from (a copy: the model edits its own)."""
        self.base = copy.deepcopy(briefing)
        self.revision = revision
        self._watch()

    def _watch(self) -> None:
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        if self.path is not None:
            try:
                target = storage.write_target(self.path)
            except BriefingError:
                return
            if target.exists():
                self._watcher.addPath(str(target))

    @Slot(str)
    def _on_file_event(self, name: str) -> None:
        # A save replaces the file (a rename): the watch went with the old one, so watch the new one.
        if name not in self._watcher.files() and Path(name).exists():
            self._watcher.addPath(name)
        self._disk_check.start()

    @Slot()
    def check_disk(self) -> None:
        """Say (disk_changed) when another program saved the file since the briefing's version of it.
        (A file that is gone is saved again by the next save: nothing to say yet.)"""
        if self.revision is None or self.ended:  # an ended window never asks about its file again
            return
        now = self.disk_revision()
        if now is not None and now != self.revision:
            self.disk_changed.emit()

    def disk_revision(self) -> str | None:
        """The revision of the briefing's file now; None when it is gone or cannot be read."""
        if self.path is None:
            return None
        try:
            return storage.current_revision(self.path)
        except BriefingError:
            return None

    def merge_with(self, theirs: Briefing, default: Side = "ours") -> Merged:
        """This briefing merged with the file's version `theirs` (the base is required)."""
        if self.base is None:
            raise BriefingError("the version this briefing started from is not known: it cannot be merged")
        return merge(self.base, self.briefing, theirs, default=default)

    def rebase(self, disk: storage.Loaded) -> None:
        """The file's version `disk` is the new base: the briefing already holds all it says."""
        self._set_base(disk.briefing, disk.revision)

    def take_disk_version(self, disk: storage.Loaded, briefing: Briefing, text: str) -> None:
        """Show `briefing` (a merge with `disk`, or `disk`'s own briefing) as one undo step; `disk`
        becomes the base.  When it is the file's version as it is, the briefing is saved (clean)."""
        self.undo_stack.push(Replace(self, briefing, (copy.deepcopy(disk.briefing), disk.revision), text))
        if briefing is disk.briefing:
            self.recovered = False
            self.undo_stack.setClean()
        self.changed.emit()

    def show_version(self, briefing: Briefing, base: Base) -> None:
        """Show `briefing`, which started from the file's version `base` (for undo and redo)."""
        self.model.set_briefing(briefing)
        self.base, self.revision = base

    def close(self) -> None:
        """The briefing is closed on purpose (saved, or its changes discarded): no recovery copy survives."""
        self.stop_autosave()
        self.discard_recovery()
        self.closed = True

    def end(self) -> None:
        """The program ends without having asked (the desktop session ends, say): unsaved work keeps
        its recovery copy, offered at the next start."""
        self.ended = True
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
        self._set_base(None, None)
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
                "revision": self.revision,  # which version of the original this work started from
            }
            atomic_write.write_text(note, json.dumps(info))
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
                    revision=info.get("revision") if isinstance(info.get("revision"), str) else None,
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
        # Its base is lost with the crashed session: a file changed since cannot be merged, only
        # replaced or left alone (file_changes asks).  An unchanged one is saved over as usual.
        self.revision = recovery.revision if recovery.original else None
        self._watch()
        self.recovered = True
        self.changed.emit()
        if self.autosave() is not None:
            self.forget_recovery(recovery)

    @staticmethod
    def forget_recovery(recovery: Recovery) -> None:
        for path in (recovery.copy, recovery.note, storage.backup_path(recovery.copy)):
            path.unlink(missing_ok=True)
