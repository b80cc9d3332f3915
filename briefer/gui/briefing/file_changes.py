"""The open briefing's file changed by another program (a `briefer brief` command, another window).

Saving: the session never writes over a file that is no longer the version the briefing
started from.  The file's changes are then merged into the briefing (three-way, by block and
section id: core.briefing.merge) and the merge is saved; the analyst is asked only when both
changed the same block, section or property: keep mine, keep the file's, save as a copy, or
cancel.  Work recovered after a crash has no known base version and cannot be merged: save as a
copy, overwrite (with a warning) or cancel.  A file deleted meanwhile is written again.

While open: the session's file watcher, and the window becoming active again, notice another
program's save.  A briefing without unsaved changes is reloaded (one undo step); one with
unsaved changes asks: Merge, Reload (undoable) or Later (it is settled when saving).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from briefer.core.briefing import storage
from briefer.core.briefing.merge import Conflict
from briefer.core.briefing.model import BriefingError
from briefer.gui import dialogs
from briefer.gui.briefing.session import BriefingSession
from briefer.gui.dialogs import ConflictChoice, DiskChoice, OverwriteChoice

ATTEMPTS = 3  # merges in a row before giving up on a file another program keeps saving


def describe(conflict: Conflict) -> str:
    return f"{conflict.what}: {conflict.ours} here, {conflict.theirs} in the file"


def _changes(count: int) -> str:
    return f"{count} change{'' if count == 1 else 's'}"


class FileChanges(QObject):
    reported = Signal(str)  # a one-line outcome, for the status bar
    failed = Signal(str)  # a problem the user must read

    def __init__(self, session: BriefingSession, window: QWidget, save_copy: Callable[[], bool]) -> None:
        super().__init__(window)
        self._session = session
        self._window = window
        self._save_copy = save_copy  # Save As: asks for another file and saves there
        self._asking = False
        self._declined: str | None = None  # the file's revision the analyst was last asked about
        self._merged = 0
        session.disk_changed.connect(self.offer)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_application_state)

    # -- saving ------------------------------------------------------------------------
    def save_changed(self, path: Path) -> bool:
        """The save met a file another program changed: merge, save; True when the work is saved."""
        for _ in range(ATTEMPTS):
            try:
                disk = storage.read(path)
            except BriefingError as exc:
                return self._unreadable(path, exc)
            settled = self._settle(disk, path)
            if settled is not None:
                return settled
            try:
                self._session.save_as(path)
            except storage.ChangedOnDiskError:
                continue  # saved again in between: merge with that too
            except (BriefingError, OSError) as exc:
                self.failed.emit(f"The briefing was not saved: {exc}")
                return False
            merged = f", with {_changes(self._merged)} another program made merged in" if self._merged else ""
            self.reported.emit(f"Saved {path}{merged}")
            return True
        self.failed.emit(
            f"The briefing was not saved: another program saved {path} again each time it was merged; "
            "try again, or save it under another name"
        )
        return False

    def _unreadable(self, path: Path, exc: BriefingError) -> bool:
        if self._session.disk_revision() is None and not path.exists():  # deleted: write it again
            return self._overwrite(path, f"Saved {path} again (another program had deleted it)")
        self.failed.emit(
            f"The briefing was not saved: another program changed {path}, which cannot be read now "
            f"({exc}); save the briefing under another name"
        )
        return False

    def _settle(self, disk: storage.Loaded, path: Path) -> bool | None:
        """Bring the file's changes into the briefing (None: go on), or end: True when the work
        was saved another way (a copy, an overwrite), False when it was not."""
        session = self._session
        if session.base is None:
            answer = dialogs.UnmergeableChange.ask(self._window, path.name)
            if answer is OverwriteChoice.OVERWRITE:
                return self._overwrite(path, f"Saved {path}, replacing another program's changes")
            return self._save_copy() if answer is OverwriteChoice.COPY else False
        merged = session.merge_with(disk.briefing)
        if merged.conflicts:
            choice = dialogs.MergeConflicts.ask(
                self._window, path.name, [describe(c) for c in merged.conflicts]
            )
            if choice is ConflictChoice.COPY:
                return self._save_copy()
            if choice is ConflictChoice.CANCEL:
                return False
            if choice is ConflictChoice.THEIRS:
                merged = session.merge_with(disk.briefing, default="theirs")
        self._merged = merged.from_theirs
        if merged.from_theirs:
            session.take_disk_version(disk, merged.briefing, f"Merge Changes from {path.name}")
        else:  # the file holds nothing this briefing lacks: it is simply the new base
            session.rebase(disk)
        return None

    def _overwrite(self, path: Path, done: str) -> bool:
        try:
            self._session.save_over(path)
        except (BriefingError, OSError) as exc:
            self.failed.emit(f"The briefing was not saved: {exc}")
            return False
        self.reported.emit(done)
        return True

    # -- while open --------------------------------------------------------------------
    @Slot(Qt.ApplicationState)
    def _on_application_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self._session.check_disk()

    @Slot()
    def offer(self) -> None:
        """Another program saved the file: reload a clean briefing, else ask (once per version)."""
        session, path = self._session, self._session.path
        if self._asking or path is None:
            return
        revision = session.disk_revision()
        if revision is None or revision in (session.revision, self._declined):
            return
        self._asking = True
        self._declined = revision  # whatever the answer (an undone reload, say), never asked twice
        try:
            self._offer(path)
        finally:
            self._asking = False

    def _offer(self, path: Path) -> None:
        session = self._session
        try:
            disk = storage.read(path)
        except BriefingError as exc:
            self.reported.emit(f"{path.name} was changed by another program and cannot be read now: {exc}")
            return
        if not session.modified:
            session.take_disk_version(disk, disk.briefing, f"Reload {path.name}")
            self.reported.emit(f"{path.name} was changed by another program: reloaded (Undo goes back)")
            return
        choice = dialogs.ChangedOnDisk.ask(self._window, path.name)
        if choice is DiskChoice.RELOAD:
            session.take_disk_version(disk, disk.briefing, f"Reload {path.name}")
            self.reported.emit(f"Reloaded {path.name} (Undo brings your changes back)")
            return
        settled = self._settle(disk, path) if choice is DiskChoice.MERGE else False
        if settled is None:
            self.reported.emit(f"Merged {_changes(self._merged)} from {path.name}; not saved yet")
        elif not settled:  # Later, or Cancel: settled when saving
            self.reported.emit(
                f"{path.name} was changed by another program; its changes are merged when you save"
            )
