"""The Archive menu's tools: Import Report, Statistics, Rebuild Index.

They put their actions in the main window's Archive menu and own their windows;
archive changes go through the window's import flow, one at a time, with
progress and Cancel in the status bar.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from briefer.core.archive import Archive
from briefer.gui.archive.import_report import ImportReport
from briefer.gui.archive.statistics import ConfirmRebuild, StatisticsWindow
from briefer.gui.indexing import ImportFlow

BUSY = "An import is running: {what} when it is done"


class ArchiveTools(QObject):
    """Archive → Import Report, Statistics, Rebuild Index."""

    message = Signal(str)  # for the status bar

    def __init__(self, window: QMainWindow, archive: Archive, flow: ImportFlow) -> None:
        super().__init__(window)
        self._window, self._archive, self._flow = window, archive, flow
        self.report_window: ImportReport | None = None
        self.statistics_window: StatisticsWindow | None = None
        self.report_action = QAction("Import &Report", window)
        self.report_action.setStatusTip("Every file the imports met, with its status and reason")
        self.statistics_action = QAction("S&tatistics", window)
        self.rebuild_action = QAction("Re&build Index\u2026", window)
        self.rebuild_action.setStatusTip("Index every document of the catalog again")
        self.report_action.triggered.connect(self.show_report)
        self.statistics_action.triggered.connect(self.show_statistics)
        self.rebuild_action.triggered.connect(self.rebuild_index)
        flow.finished.connect(self._archive_changed)

    def install(self, menu: QMenu) -> None:
        menu.addSeparator()
        menu.addActions([self.report_action, self.statistics_action, self.rebuild_action])

    @Slot()
    def show_report(self, status: str = "") -> ImportReport:
        if self.report_window is None:
            self.report_window = ImportReport(self._archive, self._window)
            self.report_window.retry_requested.connect(self.retry)
        self.report_window.reload()
        self.report_window.show_status(status)
        self.report_window.present()
        return self.report_window

    @Slot(str)
    def show_report_of(self, status: str) -> ImportReport:
        """The import report on the files of `status` (the status bar's way to it)."""
        return self.show_report(status)

    @Slot()
    def show_statistics(self) -> StatisticsWindow:
        if self.statistics_window is None:
            self.statistics_window = StatisticsWindow(self._archive, self._window)
        self.statistics_window.reload()
        self.statistics_window.present()
        return self.statistics_window

    @Slot(list)
    def retry(self, paths: list[Path]) -> bool:
        """Import `paths` again through the import flow (refused politely while one runs)."""
        if self._flow.busy:
            self.message.emit(BUSY.format(what="retry"))
            return False
        return self._flow.import_paths(paths)

    @Slot()
    def rebuild_index(self) -> bool:
        """Ask first (it can take minutes), then rebuild the index in the background."""
        if self._flow.busy:
            self.message.emit(BUSY.format(what="rebuild the index"))
            return False
        status = self._flow.status
        if not ConfirmRebuild.ask(self._window, status.documents if status else None):
            self.message.emit("The index was not rebuilt")
            return False
        return self._flow.reindex()

    @Slot()
    def _archive_changed(self) -> None:
        for window in (self.report_window, self.statistics_window):
            if window is not None and window.isVisible():
                window.reload()

    def shutdown(self) -> None:
        for window in (self.report_window, self.statistics_window):
            if window is not None:
                window.shutdown()
                window.close()
