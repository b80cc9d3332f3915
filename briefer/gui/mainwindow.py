"""The main window: lays out the panes, builds the actions and connects signals. No domain logic.

Panes live in their own modules (search_pane, reader, banner, statusbar) and
archive changes in the import flow (indexing); later the briefing pane joins
the splitter on the right.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from briefer.core.archive import Archive
from briefer.core.search import Hit
from briefer.gui.banner import SampleBanner
from briefer.gui.indexing import ArchiveStatus, ImportFlow
from briefer.gui.reader import ReaderPane
from briefer.gui.search_pane import SearchPane
from briefer.gui.settings import DEFAULT_SPLIT, WindowSettings
from briefer.gui.statusbar import ArchiveStatusBar


class MainWindow(QMainWindow):
    def __init__(self, *, archive: Archive, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Briefer")
        self.setAccessibleName("Briefer")
        self._window_settings = WindowSettings(settings)
        self._shut_down = False

        self.flow = ImportFlow(archive, self)
        self.banner = SampleBanner()
        self.search = SearchPane(archive)
        self.reader = ReaderPane(highlight=archive.highlight_spans)
        self.status = ArchiveStatusBar()
        self.setStatusBar(self.status)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.search)
        self.splitter.addWidget(self.reader)
        for pane, stretch in enumerate(DEFAULT_SPLIT):
            self.splitter.setStretchFactor(pane, stretch)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._connect_flow()
        self._connect_panes()
        self._window_settings.restore(self, self.splitter)

    def start(self) -> None:
        """Show what the archive holds; on the very first start this imports the sample."""
        self.flow.start()

    # -- building ----------------------------------------------------------------
    def _action(self, text: str, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_actions(self) -> None:
        self.add_folder_action = self._action("&Add Folder…", "Ctrl+O")
        self.import_sample_action = self._action("Import the &Sample")
        self.remove_sample_action = self._action("&Remove the Sample")
        self.cancel_import_action = self._action("&Cancel Import")
        self.quit_action = self._action("&Quit", "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.find_action = self._action("&Find", QKeySequence(QKeySequence.StandardKey.Find))

        archive_menu = self.menuBar().addMenu("&Archive")
        archive_menu.addAction(self.add_folder_action)
        archive_menu.addAction(self.import_sample_action)
        archive_menu.addAction(self.remove_sample_action)
        archive_menu.addSeparator()
        archive_menu.addAction(self.cancel_import_action)
        archive_menu.addSeparator()
        archive_menu.addAction(self.quit_action)
        self.menuBar().addMenu("&Edit").addAction(self.find_action)
        self._update_actions()

    def _connect_flow(self) -> None:
        flow = self.flow
        self.add_folder_action.triggered.connect(self._add_folder)
        self.import_sample_action.triggered.connect(flow.import_sample)
        self.remove_sample_action.triggered.connect(flow.remove_sample)
        self.cancel_import_action.triggered.connect(self.status.cancel_requested.emit)
        self.banner.add_folder_requested.connect(self.add_folder_action.trigger)
        self.banner.import_sample_requested.connect(flow.import_sample)
        self.banner.remove_sample_requested.connect(flow.remove_sample)
        self.status.cancel_requested.connect(self.status.cancelling)
        self.status.cancel_requested.connect(flow.cancel)

        flow.status_changed.connect(self._show_status)
        flow.sample_import_started.connect(self.banner.show_importing_sample)
        flow.busy_changed.connect(self.banner.set_busy)
        flow.busy_changed.connect(self._update_actions)
        flow.started.connect(self.status.start_progress)
        flow.progressed.connect(self.status.show_progress)
        flow.reported.connect(self.status.report)
        flow.failed.connect(self._show_problem)
        flow.finished.connect(self.status.stop_progress)
        flow.finished.connect(self.search.refresh)

    def _connect_panes(self) -> None:
        self.quit_action.triggered.connect(self.close)
        self.find_action.triggered.connect(self.search.focus_query)
        self.search.hit_selected.connect(self._show_hit)
        self.search.hit_activated.connect(self._read_hit)
        self.search.selection_cleared.connect(self.reader.clear_document)

    # -- reacting ----------------------------------------------------------------
    def _add_folder(self) -> None:
        self.flow.choose_and_import_folder(self)

    def _show_hit(self, hit: Hit, query: str) -> None:
        self.reader.show_highlighted(hit.document, query)

    def _read_hit(self, hit: Hit, query: str) -> None:
        self.reader.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_status(self, status: ArchiveStatus) -> None:
        self.status.show_documents(status.documents)
        self.banner.show_status(status)
        self._update_actions()

    def _update_actions(self) -> None:
        busy = self.flow.busy
        status = self.flow.status
        has_sample = status is not None and status.has_sample
        self.add_folder_action.setEnabled(not busy)
        self.import_sample_action.setEnabled(
            not busy and status is not None and status.sample_available and not has_sample
        )
        self.remove_sample_action.setEnabled(not busy and has_sample)
        self.cancel_import_action.setEnabled(busy)

    def _show_problem(self, message: str) -> None:
        self.status.report(message)
        # open(), not exec(): the window goes on updating behind the message.
        box = QMessageBox(QMessageBox.Icon.Warning, "Briefer", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the layout, then cancel and wait for background work: the archive closes next."""
        if self._shut_down:
            return
        self._shut_down = True
        self._window_settings.save(self, self.splitter)
        self.search.shutdown()
        self.reader.shutdown()
        self.flow.shutdown()
