"""The main window: lays out the panes, builds the actions and connects signals. No domain logic.

Three panes in a splitter: search and results (left), the reader (middle),
the briefing's outline and editor (right).  Panes live in their own modules
(search_pane, reader, briefing_pane, banner, statusbar); archive changes run in
the import flow (indexing), the open briefing's file work in the session
(briefing_session), replacing or closing it in the switch (briefing_switch), and
the export in its dialog (export_dialog), the release gate's Check Briefing… in findings.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSplitter, QToolBar, QVBoxLayout, QWidget

from briefer.core import paths
from briefer.core.archive import Archive, RemovalPlan, quoted_documents
from briefer.core.briefing.model import BriefingError, Excerpt
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.search import Hit
from briefer.gui import icons, mime
from briefer.gui.archive.actions import ArchiveTools
from briefer.gui.banner import SampleBanner
from briefer.gui.briefing.findings import ReleaseCheck
from briefer.gui.briefing.pane import BriefingPane
from briefer.gui.briefing.review_panel import ReviewDock
from briefer.gui.briefing.session import BriefingSession
from briefer.gui.briefing.switch import BriefingSwitch
from briefer.gui.dialogs import RecoverChanges, Removal, RemoveDocuments
from briefer.gui.distribution.actions import DistributionActions
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.help_windows import HelpActions
from briefer.gui.indexing import ArchiveStatus, ImportFlow
from briefer.gui.reader.pane import ReaderPane
from briefer.gui.reader.view import ReaderView
from briefer.gui.search.actions import SearchActions
from briefer.gui.search.pane import SearchPane
from briefer.gui.settings import DEFAULT_SPLIT, WindowSettings
from briefer.gui.statusbar import ArchiveStatusBar
from briefer.gui.team.actions import TeamActions
from briefer.gui.team.briefings import TeamBriefings
from briefer.gui.team.connect import TeamAccess, TeamOpener, default_team_opener
from briefer.gui.team.leases import LeaseNotices

if TYPE_CHECKING:
    from briefer.gui.distribution.export_dialog import ExportDialog

log = logging.getLogger(__name__)

BRIEFING_SPLITTER = "briefingSplitter"


def local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local files and folders a drag from the file manager carries."""
    data = event.mimeData()
    if data is None or not data.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        archive: Archive,
        settings: QSettings,
        recovery_dir: Path | None = None,
        keychain: Keychain | None = None,
        log_dir: Path | None = None,
        team: TeamAccess | None = None,
        team_opener: TeamOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Briefer")
        self.setAccessibleName("Briefer")
        self.setAcceptDrops(True)  # files and folders from the file manager are imported
        self._archive = archive
        self.team = team  # the team archive this window shows; None: the personal archive
        self._settings = settings
        self._window_settings = WindowSettings(settings)
        self._shut_down = False
        self._pending_imports: list[Path] = []
        self.export_dialog: ExportDialog | None = None

        self.flow = ImportFlow(archive, self, personal=team is None)
        self.archive_tools = ArchiveTools(self, archive, self.flow)
        self.help = HelpActions(self, data_dir=archive.data_dir, log_dir=log_dir or paths.log_dir())
        self.session = BriefingSession(
            settings=settings,
            recovery_dir=recovery_dir or archive.data_dir / "recovery",
            data_dir=archive.data_dir,
            parent=self,
        )
        self.switch = BriefingSwitch(self.session, self)
        self.banner = SampleBanner()
        self.search = SearchPane(archive)
        self.reader = ReaderPane(carried_by=archive.carried_by_count)
        self.reader_view = ReaderView(self.reader)
        self.briefing = BriefingPane(self.session.model)
        self.briefing.use_archive(ArchiveLookups.of(archive))
        self.release_check = ReleaseCheck(self.session.model, ArchiveLookups.of(archive), self)
        self.review_dock = ReviewDock(self.session.model, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review_dock)
        self.status = ArchiveStatusBar()
        self.setStatusBar(self.status)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.search)
        self.splitter.addWidget(self.reader_view)
        self.splitter.addWidget(self.briefing)
        for pane, stretch in enumerate(DEFAULT_SPLIT):
            self.splitter.setStretchFactor(pane, stretch)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.search_actions = SearchActions(self, archive, self.search, self.reader)
        self._build_actions()
        self.search_actions.install(self.menuBar(), self.briefing_menu)
        self.search_actions.message.connect(self.status.report)
        self._connect_flow()
        self._connect_panes()
        self._connect_briefing()
        self.distribution = DistributionActions(
            self, archive, self.session, settings, keychain=keychain, archive_busy=lambda: self.flow.busy
        )
        self.distribution.install(self.menuBar(), self.briefing_menu)
        self.help.install(self.menuBar().addMenu("&Help"))  # the last menu
        self.distribution.message.connect(self.status.report)
        self.distribution.block_chosen.connect(self.briefing.reveal)
        self.distribution.archive_changed.connect(self.search.refresh)
        self.distribution.archive_changed.connect(self.flow.refresh_status)
        self.team_actions = TeamActions(
            self,
            keychain=self.distribution.keychain,
            settings=settings,
            opener=team_opener or default_team_opener(archive.data_dir),
            current=team,
        )
        self.team_actions.install(self.archive_menu)
        self.team_briefings = TeamBriefings(
            self, self.session, self.switch, access=team, keychain=self.distribution.keychain
        )
        self.team_briefings.install(
            self.file_menu,
            self.briefing_menu,
            before=self.export_action,
            state_before=self.distribution.send_action,
        )
        self.team_briefings.reported.connect(self.status.report)
        self.team_briefings.failed.connect(self._show_problem)
        self.team_leases = LeaseNotices(
            self.session,
            access=team,
            password=self.distribution.keychain.secret,
            current_section=lambda: getattr(self.briefing.outline.current_section(), "id", None),
            current_briefing=self.team_briefings.shared_id,
            parent=self,
        )
        self.team_leases.latest_read.connect(self.team_briefings.take_latest)
        self.status.show_archive(f"Team archive: {team.location.name}" if team else "Personal archive")
        self._window_settings.restore(self, self.splitter)
        self._window_settings.restore_splitter(BRIEFING_SPLITTER, self.briefing.splitter)
        self._update_title()

    def start(self, briefing: Path | None = None, *, reopen_last: bool = True) -> None:
        """Show what the archive holds (the sample on the very first start), then open a briefing.

        A recovery copy left by a crash is offered first; then `briefing` (a file
        named on the command line) opens, asking first about recovered work; else
        the last briefing reopens (unless `reopen_last` is False: another archive's window had
        it); else a new one starts from the default template.
        """
        self.flow.start()
        self._open_initial_briefing(briefing, reopen_last)
        self.session.start_autosave()
        self.distribution.start()
        self.team_leases.start()

    def _open_initial_briefing(self, requested: Path | None, reopen_last: bool = True) -> None:
        recovered = self._offer_recoveries()
        if requested is not None and self.switch.open_path(requested):
            return
        if recovered:  # the requested file was not opened: the recovered work stays
            return
        recent = self.session.recent() if reopen_last else []
        if recent and recent[0].is_file():
            try:
                self.session.open(recent[0])
                return
            except BriefingError as exc:
                log.warning("cannot reopen %s: %s", recent[0], exc)
        self.session.new()

    def _offer_recoveries(self) -> bool:
        """Offer each recovery copy, newest first, until one is recovered; True when one was.

        A declined copy is deleted; "Later" keeps it (and the older ones) for the next start.
        """
        for recovery in self.session.recoveries():
            answer = RecoverChanges.ask(self, recovery.describe())
            if answer is None:
                return False
            if answer and self.switch.recover(recovery):
                return True
            self.session.forget_recovery(recovery)  # declined, or unreadable
        return False

    # -- building ----------------------------------------------------------------
    def _action(self, text: str, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("&New Briefing\u2026", QKeySequence(QKeySequence.StandardKey.New))
        self.open_action = self._action("&Open Briefing\u2026", "Ctrl+Shift+O")
        self.save_action = self._action("&Save", QKeySequence(QKeySequence.StandardKey.Save))
        self.save_as_action = self._action("Save &As\u2026", "Ctrl+Shift+S")
        self.export_action = self._action("&Export to Word\u2026", "Ctrl+Shift+E")
        self.recent_menu = QMenu("Open &Recent", self)
        self.undo_action = self.session.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.session.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.addActions([self.undo_action, self.redo_action])
        self.add_to_briefing_action = self._action("Add Selection to &Section\u2026", "Ctrl+E")
        self.add_to_briefing_action.setStatusTip(
            "Quote the reader's selection (or the current result's lead paragraph) in a section"
        )
        self.add_folder_action = self._action("&Add Folder…", "Ctrl+O")
        self.import_sample_action = self._action("Import the &Sample")
        self.remove_sample_action = self._action("&Remove the Sample")
        self.cancel_import_action = self._action("&Cancel Import")
        self.quit_action = self._action("&Quit", "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.find_action = self._action("&Find", QKeySequence(QKeySequence.StandardKey.Find))

        pane = self.briefing
        self.file_menu = file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions(pane.edit_actions)
        edit_menu.addSeparator()
        edit_menu.addActions([pane.move_up_action, pane.move_down_action, pane.rename_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)

        self.briefing_menu = briefing_menu = self.menuBar().addMenu("&Briefing")
        briefing_menu.addAction(self.add_to_briefing_action)
        briefing_menu.addSeparator()
        briefing_menu.addActions(pane.add_actions)
        briefing_menu.addAction(pane.cite_action)
        self.addAction(pane.cite_action)  # Ctrl+Shift+C wherever the focus is
        briefing_menu.addSeparator()
        briefing_menu.addActions([pane.properties_action, pane.edit_citation_action])
        briefing_menu.addSeparator()
        briefing_menu.addActions(pane.quote_actions)
        briefing_menu.addAction(self.release_check.check_action)
        briefing_menu.addAction(self.review_dock.panel.import_action)
        for action in pane.add_actions:
            self.addAction(action)

        self.archive_menu = archive_menu = self.menuBar().addMenu("&Archive")
        archive_menu.addAction(self.add_folder_action)
        archive_menu.addAction(self.import_sample_action)
        archive_menu.addAction(self.remove_sample_action)
        archive_menu.addSeparator()
        archive_menu.addAction(self.cancel_import_action)
        self.archive_tools.install(archive_menu)

        self.toolbar = QToolBar("Main toolbar")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setAccessibleName("Main toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.toolbar.addActions([self.new_action, self.open_action, self.save_action])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.undo_action, self.redo_action])
        self.toolbar.addSeparator()
        self.toolbar.addActions(
            [self.add_to_briefing_action, pane.add_paragraph_action, pane.add_judgment_action]
        )
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.export_action, self.add_folder_action])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._toolbar_icons()
        self._short_toolbar_texts()
        self._update_actions()

    def _toolbar_icons(self) -> None:
        """The platform's icons where its theme has them (freedesktop names), Briefer's otherwise."""
        pane = self.briefing
        for action, theme_name, bundled in (
            (self.new_action, "document-new", "new.svg"),
            (self.open_action, "document-open", "open.svg"),
            (self.save_action, "document-save", "save.svg"),
            (self.undo_action, "edit-undo", "undo.svg"),
            (self.redo_action, "edit-redo", "redo.svg"),
            (self.add_to_briefing_action, "", "add-to-briefing.svg"),
            (pane.add_paragraph_action, "", "paragraph.svg"),
            (pane.add_judgment_action, "", "key-judgment.svg"),
            (self.export_action, "document-export", "export.svg"),
            (self.add_folder_action, "", "add-folder.svg"),
        ):
            action.setIcon(icons.themed(theme_name, bundled) if theme_name else icons.bundled(bundled))

    def _short_toolbar_texts(self) -> None:
        """Toolbar buttons say a word or two, and carry accessible names."""
        short = {
            self.new_action: "New",
            self.open_action: "Open",
            self.save_action: "Save",
            self.undo_action: "Undo",  # the menu says what it undoes; the toolbar stays still
            self.redo_action: "Redo",
            self.add_to_briefing_action: "Add to Briefing",
            self.briefing.add_paragraph_action: "Paragraph",
            self.briefing.add_judgment_action: "Key Judgment",
            self.export_action: "Export",
            self.add_folder_action: "Add Folder",
        }
        for action in self.toolbar.actions():
            button = self.toolbar.widgetForAction(action)
            if button is None:
                continue
            name = short.get(action, action.text().replace("&", "").rstrip("\u2026"))
            button.setAccessibleName(name)
            if action in short:
                action.setIconText(short[action])
            tip = action.text().replace("&", "")
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)

    def _connect_flow(self) -> None:
        flow = self.flow
        self.add_folder_action.triggered.connect(self._add_folder)
        self.import_sample_action.triggered.connect(flow.import_sample)
        self.remove_sample_action.triggered.connect(self.remove_sample)
        self.cancel_import_action.triggered.connect(self.status.cancel_requested.emit)
        self.banner.add_folder_requested.connect(self.add_folder_action.trigger)
        self.banner.import_sample_requested.connect(flow.import_sample)
        self.banner.remove_sample_requested.connect(self.remove_sample)
        self.status.cancel_requested.connect(self.status.cancelling)
        self.status.cancel_requested.connect(flow.cancel)
        self.archive_tools.message.connect(self.status.report)
        self.status.report_requested.connect(self.archive_tools.show_report_of)
        self.search.import_report_requested.connect(self.archive_tools.show_report_of)

        flow.status_changed.connect(self._show_status)
        # Queued: the question is asked once the counting task has finished emitting.
        flow.removal_planned.connect(self._confirm_removal, Qt.ConnectionType.QueuedConnection)
        flow.sample_import_started.connect(self.banner.show_importing_sample)
        flow.busy_changed.connect(self.banner.set_busy)
        flow.busy_changed.connect(self._update_actions)
        flow.busy_changed.connect(self._import_next)
        flow.started.connect(self.status.start_progress)
        flow.progressed.connect(self.status.show_progress)
        flow.reported.connect(self.status.report)
        flow.files_left_out.connect(self.status.show_left_out)
        flow.failed.connect(self._show_problem)
        flow.finished.connect(self.status.stop_progress)
        flow.finished.connect(self.search.refresh)
        flow.finished.connect(self.briefing.recheck_quotes)

    def _connect_briefing(self) -> None:
        session, pane = self.session, self.briefing
        self.new_action.triggered.connect(self.new_briefing)
        self.open_action.triggered.connect(self.open_briefing)
        self.save_action.triggered.connect(self.save_briefing)
        self.save_as_action.triggered.connect(self.save_briefing_as)
        self.export_action.triggered.connect(self.show_export_dialog)
        self.add_to_briefing_action.triggered.connect(self.add_to_briefing)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        session.changed.connect(self._update_title)
        session.undo_stack.indexChanged.connect(self.status.briefing_changed)
        self.switch.reported.connect(self.status.note)
        self.switch.failed.connect(self._show_problem)
        session.model.refused.connect(self.status.note)
        pane.message.connect(self.status.note)
        self.release_check.block_chosen.connect(pane.reveal)
        self.release_check.message.connect(self.status.report)
        self.review_dock.panel.block_chosen.connect(pane.reveal)
        self.review_dock.panel.message.connect(self.status.note)
        tools = self.search_actions
        self.reader.context_actions = [self.add_to_briefing_action, tools.more_like_action, tools.tag_action]
        self.search.results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.search.results.customContextMenuRequested.connect(self._results_menu)

    def _connect_panes(self) -> None:
        self.quit_action.triggered.connect(self.close)
        self.find_action.triggered.connect(self.search.focus_query)
        self.search.hit_selected.connect(self._show_hit)
        self.search.hit_activated.connect(self._read_hit)
        self.search.selection_cleared.connect(self.reader_view.clear)

    # -- reacting ----------------------------------------------------------------
    def _add_folder(self) -> None:
        self.flow.choose_and_import_folder(self)

    @Slot()
    def remove_sample(self) -> None:
        """Count what removing the sample takes from the open and the recent briefings (in the
        background), then ask (`_confirm_removal`)."""
        session = self.session
        own = session.path.resolve() if session.path else None
        recent = [path for path in session.recent() if path != own]  # the open one counts as open
        self.flow.plan_sample_removal(quoted_documents([session.briefing]), recent)

    @Slot(object)
    def _confirm_removal(self, plan: RemovalPlan) -> None:
        choice = RemoveDocuments.ask(self, plan) if plan.documents else Removal.ALL
        if choice is Removal.CANCEL:
            self.status.report("Nothing was removed")
            return
        keep = plan.quoted if choice is Removal.KEEP_QUOTED else frozenset()
        if not self.flow.remove_sample(keep):
            self.status.report("The archive is busy: nothing was removed; try again when it is done")

    def _show_hit(self, hit: Hit, query: str) -> None:
        self.reader_view.show_hit(hit)

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

    # -- the briefing: files ------------------------------------------------------------
    @Slot()
    def _update_title(self) -> None:
        session = self.session
        name = session.path.name if session.path else "not saved"
        archive = f" \u2014 Team archive: {self.team.location.name}" if self.team else ""
        self.setWindowTitle(f"{session.title} ({name})[*]{archive} \u2014 Briefer")
        self.setWindowModified(session.modified)

    @Slot()
    def new_briefing(self) -> bool:
        return self.switch.new()

    @Slot()
    def open_briefing(self) -> bool:
        return self.switch.open()

    def open_path(self, path: Path) -> bool:
        """Open a briefing file, asking first about unsaved changes."""
        return self.switch.open_path(path)

    @Slot()
    def save_briefing(self) -> bool:
        return self.switch.save()

    @Slot()
    def save_briefing_as(self) -> bool:
        return self.switch.save_as()

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.session.recent()
        if not recent:
            self.recent_menu.addAction("No recent briefings").setEnabled(False)
        for path in recent:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setData(str(path))
            action.triggered.connect(self._open_recent)

    @Slot()
    def _open_recent(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            path = Path(str(action.data()))
            if not self.open_path(path) and not path.exists():
                self.session.forget_recent(path)

    @Slot()
    def show_export_dialog(self) -> ExportDialog:
        if self.export_dialog is None:
            from briefer.gui.distribution.export_dialog import ExportDialog  # python-docx loads on first use

            self.export_dialog = ExportDialog(
                self.session.model,
                settings=self._settings,
                lookups=ArchiveLookups.of(self._archive),
                briefing_path=self.session.path,
                parent=self,
            )
            self.export_dialog.exported.connect(self._on_exported)
            self.export_dialog.findings.block_chosen.connect(self.briefing.reveal)
            self.export_dialog.finished.connect(self._forget_export_dialog)
        self.export_dialog.open()  # not exec(): the window goes on updating behind it
        return self.export_dialog

    @Slot(object)
    def _on_exported(self, report: object) -> None:
        self.status.report(f"Exported {getattr(report, 'path', '')}")

    @Slot()
    def _forget_export_dialog(self) -> None:
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
            self.export_dialog = None

    # -- the briefing: material from the archive ------------------------------------------
    def material(self) -> list[Excerpt]:
        """What "Add to briefing" adds: the reader's selection, else the current result's best
        passage (its lead paragraph when it has none)."""
        excerpt = self.reader.selected_excerpt()
        if excerpt is not None:
            return [excerpt]
        index = self.search.results.currentIndex()
        if index.isValid():
            try:
                return [self.search.model.excerpt(index.row())]
            except BriefingError:
                return []
        return []

    @Slot()
    def add_to_briefing(self) -> bool:
        excerpts = self.material()
        if not excerpts:
            self.status.note("Select text in the reader, or a search result, to add it to the briefing")
            return False
        section_id = self.briefing.choose_section(self)
        return section_id is not None and self.briefing.add_excerpts(excerpts, section_id)

    def _results_menu(self, position: QPoint) -> None:
        self.results_menu().popup(self.search.results.viewport().mapToGlobal(position))

    def results_menu(self) -> QMenu:
        """The search results' context menu (deleted once closed)."""
        menu = QMenu(self.search.results)
        action = menu.addAction("Add Best Passage to Section\u2026")
        action.triggered.connect(self._add_result)
        menu.addAction(self.search.show_copies_action)
        menu.addSeparator()
        menu.addActions([self.search_actions.more_like_action, self.search_actions.tag_action])
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu

    @Slot()
    def _add_result(self) -> None:
        self.reader.textCursor().clearSelection()
        cursor = self.reader.textCursor()
        cursor.clearSelection()
        self.reader.setTextCursor(cursor)
        self.add_to_briefing()

    # -- files from the file manager ------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.setDropAction(Qt.DropAction.CopyAction)  # never a move: the files stay where they are
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # type: ignore[override]
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.drop_paths(paths)

    def drop_paths(self, paths: list[Path]) -> None:
        """A .briefing opens; anything else is imported in the background.

        Everything dropped while an import runs waits, then goes in one import.
        """
        briefings = [p for p in paths if p.suffix == ".briefing" and p.is_file()]
        if briefings and len(briefings) == len(paths):
            self.open_path(briefings[0])
            return
        self._pending_imports += [p for p in paths if p not in briefings and p not in self._pending_imports]
        self._import_next()

    @Slot()
    def _import_next(self, *_: object) -> None:
        ready = self._pending_imports and not self.flow.busy and not self._shut_down
        if ready and self.flow.import_paths(self._pending_imports):
            self._pending_imports = []

    # -- closing ------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not self.switch.close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the layout, then cancel and wait for background work: the archive closes next."""
        if self._shut_down:
            return
        self._shut_down = True
        self._window_settings.save_splitter(BRIEFING_SPLITTER, self.briefing.splitter)
        self._window_settings.save(self, self.splitter)
        self.session.end()  # closed after asking; else (the desktop session ends) unsaved work is kept
        if self.export_dialog is not None:
            self.export_dialog.done(0)
        mime.release_clipboard()
        self.team_actions.shutdown()  # a connection being made ends before the window goes
        self.team_briefings.shutdown()  # a team save in flight ends (its edits are in the copy)
        self.team_leases.shutdown()  # "X is editing" ends with the window
        self.archive_tools.shutdown()
        self.search.shutdown()
        self.search_actions.shutdown()  # a tag change must end before the archive closes
        self.reader.shutdown()
        self.distribution.shutdown()  # a feed fetch must end before the archive closes
        self.release_check.wait()  # it verifies quotes against the archive
        self.briefing.shutdown()  # its quote checks read the archive
        self.flow.shutdown()
