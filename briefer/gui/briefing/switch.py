"""Replacing or closing the open briefing without losing work.

Every path that replaces the open briefing (New, Open, Open Recent, a `.briefing`
dropped from the file manager or named on the command line, the recovery offer
at start) or closes it (the window's close button, Quit) runs one sequence:

1. settle the unsaved changes: Save (Save As for a briefing never saved), Discard or Cancel;
2. choose the replacement: the template chooser, the file dialog (or it is known already);
3. replace.

Discard changes nothing by itself: the changes and their recovery copy go only
at step 3, when `BriefingSession` replaces the briefing or closes it.  Cancel at
any step, a failed save, a cancelled Save As, a cancelled chooser or a file that
cannot be read end the sequence and leave everything as it was: the briefing on
screen, its `*`, its file and its recovery copy (a save asked for at step 1 stays
done, and the briefing is then clean).

A replacement is any callable that replaces the briefing, or raises
`BriefingError`/`OSError` having changed nothing, so that other replacements
(another archive, say) can go through `replace` too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from briefer.core.briefing import storage, templates
from briefer.core.briefing.model import BriefingError
from briefer.core.file_names import file_stem
from briefer.gui.briefing.file_changes import FileChanges
from briefer.gui.briefing.session import BriefingSession, Recovery
from briefer.gui.dialogs import BriefingFiles, Choice, TemplateChooser, UnsavedChanges

Replacement = Callable[[], object]


class BriefingSwitch(QObject):
    """Runs "settle unsaved changes -> choose -> replace" for the window; each step may end it."""

    reported = Signal(str)  # a one-line outcome, for the status bar
    failed = Signal(str)  # a problem the user must read

    def __init__(self, session: BriefingSession, window: QWidget) -> None:
        super().__init__(window)
        self._session = session
        self._window = window
        self.file_changes = FileChanges(session, window, save_copy=self.save_as)
        self.file_changes.reported.connect(self.reported)
        self.file_changes.failed.connect(self.failed)

    # -- the sequence ------------------------------------------------------------------
    def replace(
        self, choose: Callable[[], Replacement | None], *, failure: str = "Cannot open the briefing"
    ) -> bool:
        """Settle, then `choose` the replacement (None: cancelled), then run it; True when it ran."""
        if not self.settle():
            return False
        replacement = choose()
        if replacement is None:
            return False
        try:
            replacement()
        except (BriefingError, OSError) as exc:
            self.failed.emit(f"{failure}: {exc}")
            return False
        return True

    def settle(self) -> bool:
        """Ask about unsaved changes; True to go on (saved, to be discarded, or nothing to save).

        A Discard answer changes nothing here: the replacement discards, if it happens.
        """
        session = self._session
        if not session.modified:
            return True
        choice = UnsavedChanges.ask(self._window, session.title)
        if choice is Choice.SAVE:
            return self.save()
        return choice is Choice.DISCARD

    # -- the paths ---------------------------------------------------------------------
    def new(self) -> bool:
        available = self._session.available_templates()

        def choose() -> Replacement | None:
            template = TemplateChooser.ask(self._window, available)
            return None if template is None else partial(self._new, template)

        return self.replace(choose)

    def open(self) -> bool:
        def choose() -> Replacement | None:
            session = self._session
            folder = session.path.parent if session.path else Path.home()
            path = BriefingFiles.ask_open(self._window, folder)
            return None if path is None else partial(self._open, path)

        return self.replace(choose)

    def open_path(self, path: Path) -> bool:
        """Open a briefing already chosen (Open Recent, a dropped file, the command line)."""
        return self.replace(lambda: partial(self._open, path))

    def recover(self, recovery: Recovery) -> bool:
        return self.replace(
            lambda: partial(self._recover, recovery), failure="The recovery copy cannot be read"
        )

    def close(self) -> bool:
        """Settle, then close the briefing (the window closes next); False: the window stays."""
        return self.replace(lambda: self._session.close)

    def _new(self, template: templates.Template) -> None:
        self._session.new(template)
        self.reported.emit(f"New briefing from the {template.name} template")

    def _open(self, path: Path) -> None:
        self._session.open(path)
        self.reported.emit(f"Opened {path.name}")

    def _recover(self, recovery: Recovery) -> None:
        self._session.recover(recovery)
        self.reported.emit("Recovered unsaved work")

    # -- saving ------------------------------------------------------------------------
    def save(self) -> bool:
        path = self._session.path
        return self.save_as() if path is None else self._save(path)

    def save_as(self) -> bool:
        session = self._session
        suggested = session.path or Path.home() / f"{file_stem(session.title)}.briefing"
        path = BriefingFiles.ask_save(self._window, suggested)
        return path is not None and self._save(path)

    def _save(self, path: Path) -> bool:
        try:
            self._session.save_as(path)
        except storage.ChangedOnDiskError:  # another program saved it since: merge, asking if need be
            return self.file_changes.save_changed(path)
        except (BriefingError, OSError) as exc:
            self.failed.emit(f"The briefing was not saved: {exc}")
            return False
        self.reported.emit(f"Saved {path}")
        return True
