"""The briefing pane: the outline of the open briefing, and the editor of its selected item.

The pane owns the actions that act on the outline (add, delete, move, cut,
copy, paste, "add to briefing", verify quotes, draft the source summary); the
window puts them in its menus and toolbar.  Everything they change goes
through the model as undo commands.  Once the window gives it the archive
(`use_archive`), the pane checks every quote in the background.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QEvent, QItemSelectionModel, QMimeData, QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QDrag, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import edits, markings
from briefer.core.briefing.model import (
    BriefingError,
    Excerpt,
    Section,
    excerpts,
    new_id,
    section_path,
    walk_sections,
)
from briefer.core.briefing.summary import redraft
from briefer.core.briefing.verify import ArchiveLookups, ClusterOf, Verification
from briefer.core.progress import Progress
from briefer.gui import mime
from briefer.gui.block_editor import BlockEditor
from briefer.gui.briefing_model import BriefingModel, Node, new_block
from briefer.gui.citation_dialog import CitationDialog
from briefer.gui.dialogs import SectionChooser
from briefer.gui.matrix_view import MatrixEditor
from briefer.gui.properties_dialog import BriefingPropertiesDialog
from briefer.gui.quote_checks import QuoteChecks
from briefer.gui.workers import BackgroundTask

PROPERTIES_LINK = "properties"  # the heading's "Edit properties" link


class OutlineView(QTreeView):
    """The outline; drags within it are moves done by the model as undo commands."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outline")
        self.setAccessibleName("Briefing outline")
        self.setHeaderHidden(True)
        self.header().setAccessibleName("Outline header")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)  # F2 renames a section
        self.setWordWrap(False)
        self.setUniformRowHeights(True)
        self.setExpandsOnDoubleClick(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        # Copy only, whatever the platform proposes: a drag that ends as MoveAction
        # makes QAbstractItemView remove the source rows behind the undo stack.
        indexes = [i for i in self.selectedIndexes() if i.flags() & Qt.ItemFlag.ItemIsDragEnabled]
        model = self.model()
        if not indexes or model is None:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)


class BriefingPane(QWidget):
    """Outline above, editor below (block editor, or the matrix of an implications section)."""

    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("briefingPane")
        self.setAccessibleName("Briefing")
        self.model = model
        self._last_section: str | None = None
        self.properties_dialog: BriefingPropertiesDialog | None = None
        self.citation_dialog: CitationDialog | None = None
        self.checks = QuoteChecks(model, self)
        self._draft_task: BackgroundTask | None = None
        self._failing: set[str] = set()  # excerpts known not to match: only news is announced

        self.heading = QLabel()
        self.heading.setObjectName("briefingHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Briefing title")
        self.heading.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.heading.setOpenExternalLinks(False)
        self.outline = OutlineView()
        self.outline.setModel(model)
        self.editor = BlockEditor(model)
        self.matrix = MatrixEditor(model)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.editor)
        self.stack.addWidget(self.matrix)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("briefingSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.outline)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.heading)
        layout.addWidget(self.splitter, 1)

        self._build_actions()
        self.outline.selectionModel().currentChanged.connect(self._on_current_changed)
        self.outline.selectionModel().selectionChanged.connect(self._update_actions)
        self.outline.customContextMenuRequested.connect(self._context_menu)
        self.heading.linkActivated.connect(self._heading_link)
        self.editor.edit_citation_requested.connect(self.edit_citation)
        model.modelReset.connect(self._close_dialogs)
        model.modelReset.connect(self._on_reset)
        model.metadata_changed.connect(self._show_heading)
        model.block_changed.connect(self._show_heading)
        model.structure_changed.connect(self._show_heading)
        model.verification_changed.connect(self._update_actions)
        self.checks.finished.connect(self._on_checked)
        self.checks.failed.connect(self.message)
        self._on_reset()

    # -- the archive ------------------------------------------------------------------
    def use_archive(self, lookups: ArchiveLookups | None) -> None:
        """Verify quotes and draft the source summary against this archive (checks every quote now)."""
        self.checks.use(lookups)

    @Slot()
    def verify_quotes(self) -> bool:
        """Check every quote again (Verify Quotes; also after an import); False without an archive."""
        if not self.checks.verify(explicit=True):
            self.message.emit("Quotes cannot be checked: no archive is open")
            return False
        self.message.emit("Checking the quotes against the archive\u2026")
        return True

    @Slot()
    def recheck_quotes(self) -> bool:
        """Check every quote again quietly (after an import): the outline follows, the selection
        stays, and only quotes that newly fail are announced."""
        return self.checks.verify()

    def shutdown(self) -> None:
        """Wait for background checks: the archive closes next."""
        self.checks.shutdown()
        if self._draft_task is not None:
            self._draft_task.wait()

    # -- actions --------------------------------------------------------------------
    def _action(
        self, text: str, shortcut: QKeySequence | str | None = None, *, outline: bool = False
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if outline:  # keys that text fields need too only act while the outline has the focus
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.outline.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_section_action = self._action("Add &Section")
        self.add_paragraph_action = self._action("Add &Paragraph", "Ctrl+Shift+P")
        self.add_judgment_action = self._action("Add &Key Judgment", "Ctrl+Shift+K")
        self.add_bullets_action = self._action("Add &Bullet List")
        self.cut_action = self._action("Cu&t", QKeySequence(QKeySequence.StandardKey.Cut), outline=True)
        self.copy_action = self._action("&Copy", QKeySequence(QKeySequence.StandardKey.Copy), outline=True)
        self.paste_action = self._action("&Paste", QKeySequence(QKeySequence.StandardKey.Paste), outline=True)
        self.delete_action = self._action(
            "&Delete", QKeySequence(QKeySequence.StandardKey.Delete), outline=True
        )
        self.move_up_action = self._action("Move &Up", "Alt+Shift+Up", outline=True)
        self.move_down_action = self._action("Move Do&wn", "Alt+Shift+Down", outline=True)
        self.rename_action = self._action("&Rename Section", "F2", outline=True)
        self.properties_action = self._action("Briefing &Properties\u2026", "Ctrl+Shift+I")
        self.properties_action.setStatusTip(
            "Title, subtitle, product number, dates, author, audience, keywords and the CUI designation"
        )
        self.addAction(self.properties_action)  # works from the pane even before a menu holds it
        self.edit_citation_action = self._action("Edit &Citation\u2026")
        self.edit_citation_action.setStatusTip("Correct the outlet, author, title or date the excerpt cites")
        self.verify_quotes_action = self._action("&Verify Quotes")
        self.verify_quotes_action.setStatusTip("Check every quote against the archive (done on open too)")
        self.update_spans_action = self._action("Update &Moved Quote Positions")
        self.update_spans_action.setStatusTip(
            "Record where quotes that moved in their source now are (the quotes do not change)"
        )
        self.draft_summary_action = self._action("&Draft Source Summary")
        self.draft_summary_action.setStatusTip(
            "Draft the Source Summary from the citations; an edited summary is kept, never overwritten"
        )
        for action, tip in (
            (self.cut_action, "Cut the selected blocks or sections"),
            (self.copy_action, "Copy the selected blocks or sections"),
            (self.paste_action, "Paste blocks or sections after the current item"),
            (self.delete_action, "Delete the selected blocks or sections"),
        ):
            action.setStatusTip(tip)
        self.add_section_action.triggered.connect(self.add_section)
        self.add_paragraph_action.triggered.connect(self.add_paragraph)
        self.add_judgment_action.triggered.connect(self.add_judgment)
        self.add_bullets_action.triggered.connect(self.add_bullets)
        self.cut_action.triggered.connect(self.cut)
        self.copy_action.triggered.connect(self.copy)
        self.paste_action.triggered.connect(self.paste)
        self.delete_action.triggered.connect(self.delete_selected)
        self.move_up_action.triggered.connect(self.move_up)
        self.move_down_action.triggered.connect(self.move_down)
        self.rename_action.triggered.connect(self.rename_current)
        self.properties_action.triggered.connect(self.show_properties)
        self.edit_citation_action.triggered.connect(self._edit_current_citation)
        self.verify_quotes_action.triggered.connect(self.verify_quotes)
        self.update_spans_action.triggered.connect(self.update_moved_quotes)
        self.draft_summary_action.triggered.connect(self.draft_source_summary)

    @property
    def edit_actions(self) -> list[QAction]:
        return [self.cut_action, self.copy_action, self.paste_action, self.delete_action]

    @property
    def quote_actions(self) -> list[QAction]:
        """Verify Quotes, Update Moved Quote Positions, Draft Source Summary (for the Briefing menu)."""
        return [self.verify_quotes_action, self.update_spans_action, self.draft_summary_action]

    @property
    def add_actions(self) -> list[QAction]:
        return [
            self.add_section_action,
            self.add_paragraph_action,
            self.add_judgment_action,
            self.add_bullets_action,
        ]

    @Slot()
    def _update_actions(self, *_: object) -> None:
        has = bool(self.selected_nodes())
        for action in (self.cut_action, self.copy_action, self.delete_action):
            action.setEnabled(has)
        current = self.current_node()
        self.move_up_action.setEnabled(current is not None)
        self.move_down_action.setEnabled(current is not None)
        self.rename_action.setEnabled(isinstance(current, Section))
        self.edit_citation_action.setEnabled(isinstance(current, Excerpt))
        self.update_spans_action.setEnabled(bool(self._moved_edits()))

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self.outline)
        menu.addActions([*self.add_actions])
        menu.addSeparator()
        menu.addActions([self.rename_action, self.move_up_action, self.move_down_action])
        if isinstance(self.current_node(), Excerpt):
            menu.addAction(self.edit_citation_action)
        menu.addAction(self.verify_quotes_action)
        menu.addSeparator()
        menu.addActions(self.edit_actions)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.outline.viewport().mapToGlobal(position))

    # -- what is selected ---------------------------------------------------------------
    def current_node(self) -> Node | None:
        return self.model.node(self.outline.currentIndex())

    def current_section(self) -> Section | None:
        """The current section, or the section of the current block."""
        node = self.current_node()
        if node is None or isinstance(node, Section):
            return node
        return self.model.parent_section(node.id)

    def selected_nodes(self) -> list[Node]:
        return self.model.topmost(self.outline.selectionModel().selectedRows())

    def select(self, node_id: str) -> None:
        index = self.model.index_of(node_id)
        if index.isValid():
            self.outline.setCurrentIndex(index)
            self.outline.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.outline.scrollTo(index)

    def section_choices(self) -> list[tuple[str, str]]:
        briefing = self.model.briefing
        return [(s.id, section_path(briefing, s.id)) for _, s in walk_sections(briefing)]

    # -- adding -------------------------------------------------------------------------
    def _insertion_point(self) -> tuple[Section | None, int]:
        """Where new blocks go: after the current block, else at the end of the current section's blocks."""
        node = self.current_node()
        if node is None:
            return (self.model.briefing.sections[0] if self.model.briefing.sections else None), -1
        if isinstance(node, Section):
            return node, -1
        section = self.model.parent_section(node.id)
        return section, self.outline.currentIndex().row() + 1

    def _add_block(self, kind: str) -> None:
        section, row = self._insertion_point()
        if section is None:
            self.message.emit("Add a section first")
            return
        block = new_block(kind)
        if self.model.insert_nodes([block], section, row, f"Add {kind.replace('_', ' ')}"):
            self.select(block.id)
            self.editor.text.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def add_paragraph(self) -> None:
        self._add_block("paragraph")

    @Slot()
    def add_judgment(self) -> None:
        self._add_block("key_judgment")

    @Slot()
    def add_bullets(self) -> None:
        self._add_block("bullet_list")

    @Slot()
    def add_section(self) -> None:
        """A new section after the current top-level one (or inside the current actor list)."""
        node = self.current_node()
        owner = self.model.parent_section(node.id) if node is not None else None
        anchor = node
        while anchor is not None and not isinstance(anchor, Section):
            anchor = self.model.parent_section(anchor.id)
        if anchor is not None:
            owner = self.model.parent_section(anchor.id)
        row = self.model.index_of(anchor.id).row() + 1 if anchor is not None else -1
        section = Section("New section", id=_free_section_id(self.model))
        if self.model.insert_nodes([section], owner, row, "Add section"):
            self.select(section.id)
            self.rename_current()

    @Slot()
    def rename_current(self) -> None:
        index = self.outline.currentIndex()
        if isinstance(self.model.node(index), Section):
            self.outline.edit(index)

    def add_excerpts(self, excerpts: Sequence[Excerpt], section_id: str) -> bool:
        """Append excerpts to a section as one undo step, and select the first."""
        section = self.model.node_by_id(section_id)
        if not isinstance(section, Section) or not excerpts:
            return False
        if not self.model.insert_nodes(list(excerpts), section, -1, "Add excerpt"):
            return False
        self._last_section = section_id
        added = section.blocks[-len(excerpts)] if len(section.blocks) >= len(excerpts) else None
        if added is not None:
            self.select(added.id)
        self.message.emit(f"Added to \u201c{section.title}\u201d")
        return True

    def choose_section(self, parent: QWidget | None) -> str | None:
        """Ask which section (the current one, else the last used, preselected)."""
        current = self.current_section()
        default = current.id if current is not None else self._last_section
        choices = self.section_choices()
        if not choices:
            self.message.emit("The briefing has no section to add to")
            return None
        return SectionChooser.ask(parent, choices, default)

    # -- removing, moving, the clipboard ---------------------------------------------------------
    @Slot()
    def delete_selected(self) -> None:
        self._delete(self.selected_nodes(), "Delete")

    def _delete(self, nodes: Sequence[Node], text: str) -> None:
        if not nodes:
            return
        stack = self.model.undo_stack
        stack.beginMacro(text)
        for node in nodes:
            edit = edits.RemoveSection(node.id) if isinstance(node, Section) else edits.RemoveBlock(node.id)
            self.model.do(edit)
        stack.endMacro()

    def _move(self, delta: int) -> None:
        node = self.current_node()
        if node is None:
            return
        index = self.outline.currentIndex()
        owner = self.model.parent_section(node.id)
        row = index.row() - 1 if delta < 0 else index.row() + 2
        if row < 0:
            return
        self.model.move_nodes([node.id], owner, row)
        self.select(node.id)

    @Slot()
    def move_up(self) -> None:
        self._move(-1)

    @Slot()
    def move_down(self) -> None:
        self._move(+1)

    @Slot()
    def copy(self) -> None:
        nodes = self.selected_nodes()
        if nodes:
            QGuiApplication.clipboard().setMimeData(mime.nodes_to_mime(self.model.briefing.id, nodes))

    @Slot()
    def cut(self) -> None:
        nodes = self.selected_nodes()
        if nodes:
            self.copy()
            self._delete(nodes, "Cut")

    @Slot()
    def paste(self) -> None:
        self.paste_mime(QGuiApplication.clipboard().mimeData())

    def paste_mime(self, data: object) -> bool:
        """Insert what `data` holds (briefing items or excerpts) after the current item, as copies."""
        if not isinstance(data, QMimeData) or not mime.has_briefing_material(data):
            self.message.emit("Nothing to paste: copy blocks, sections or a reader selection first")
            return False
        try:
            if data.hasFormat(mime.EXCERPTS):
                nodes: list[Node] = list(mime.excerpts_from_mime(data))
            else:
                nodes = list(mime.nodes_from_mime(data).nodes)
        except BriefingError as exc:
            self.message.emit(str(exc))
            return False
        node = self.current_node()
        if isinstance(node, Section) and all(isinstance(n, Section) for n in nodes):
            target, row = self.model.parent_section(node.id), self.outline.currentIndex().row() + 1
        elif isinstance(node, Section):
            target, row = node, -1
        elif node is not None:
            target, row = self.model.parent_section(node.id), self.outline.currentIndex().row() + 1
        else:
            target, row = None, -1
        if target is None and any(not isinstance(n, Section) for n in nodes):
            self.message.emit("Select a section to paste into")
            return False
        return self.model.insert_nodes(nodes, target, row, "Paste")

    # -- quote verification -------------------------------------------------------------------
    def _moved_edits(self) -> list[edits.UpdateSpan]:
        """Span updates for the moved quotes whose check is current."""
        out = []
        for excerpt in excerpts(self.model.briefing).values():
            check = self.model.check_of(excerpt)
            edit = check.span_edit() if check is not None else None
            if edit is not None:
                out.append(edit)
        return out

    @Slot()
    def update_moved_quotes(self) -> bool:
        """Point every moved quote at its new place, as one undo step."""
        moves = self._moved_edits()
        if not moves:
            self.message.emit("No quote has moved in its source")
            return False
        if self.model.do_all(moves, "Update quote positions"):
            self.message.emit(f"Updated the position of {len(moves)} quote(s)")
            return True
        return False

    @Slot(object, bool)
    def _on_checked(self, verification: Verification, explicit: bool) -> None:
        self._update_actions()
        failing = {c.excerpt_id for c in verification.failures}
        news, self._failing = failing - self._failing, failing
        if not explicit:
            if news:
                count = len(news)
                self.message.emit(
                    f"{count} quote{'s' if count != 1 else ''} no longer match"
                    f"{'es' if count == 1 else ''} {'its' if count == 1 else 'their'} source: "
                    "see the marked excerpts in the outline"
                )
            return
        self.message.emit(f"Quotes checked: {verification.summary()}")
        first = next(iter(verification.failures or verification.of("moved", "missing")), None)
        if first is not None:
            self.select(first.excerpt_id)

    # -- the source summary ------------------------------------------------------------------------
    @Slot()
    def draft_source_summary(self) -> None:
        """Draft the Source Summary from the citations (an edit: undoable).  Which sources are gone
        and which are syndicated copies is asked of the archive in the background."""
        if self._draft_task is not None:
            return
        lookups = self.checks.lookups
        if lookups is None:
            self._apply_draft(None, None)
            return
        cited = [e.doc_id for e in excerpts(self.model.briefing).values()]

        def job(progress: Progress, cancel: threading.Event) -> tuple[set[str], ClusterOf | None]:
            return lookups.missing(cited), lookups.clusters(cited)

        task = BackgroundTask(job, parent=self)
        task.succeeded.connect(self._on_draft_lookups)
        task.failed.connect(self._on_draft_failed)
        task.finished.connect(self._on_draft_finished)
        self._draft_task = task
        task.start()

    @Slot(object)
    def _on_draft_lookups(self, found: tuple[set[str], ClusterOf | None]) -> None:
        self._apply_draft(*found)

    @Slot(object)
    def _on_draft_failed(self, exc: object) -> None:
        self.message.emit(f"The source summary could not be drafted: {exc}")

    @Slot()
    def _on_draft_finished(self) -> None:
        if self._draft_task is not None:
            self._draft_task.deleteLater()
            self._draft_task = None

    def _apply_draft(self, missing: set[str] | None, cluster_of: ClusterOf | None) -> None:
        if missing is None:  # no archive: the last check knows which sources are gone
            verification = self.model.verification
            missing = {c.doc_id for c in verification.of("missing")} if verification is not None else set()
        try:
            result = redraft(self.model.briefing, cluster_of=cluster_of, missing=missing)
        except BriefingError as exc:
            self.message.emit(str(exc))
            return
        if result.edits and not self.model.do_all(result.edits, "Draft source summary"):
            return
        self.select(result.block_id)
        self.message.emit(result.message)

    # -- the dialogs: opened with open(), never exec(), so the window goes on updating --------------
    @Slot()
    def show_properties(self) -> BriefingPropertiesDialog:
        """Open (or bring forward) the briefing properties dialog."""
        if self.properties_dialog is None:
            dialog = BriefingPropertiesDialog(self.model, self)
            dialog.finished.connect(self._forget_properties_dialog)
            self.properties_dialog = dialog
            dialog.open()
        self.properties_dialog.raise_()
        self.properties_dialog.activateWindow()
        return self.properties_dialog

    @Slot()
    def _forget_properties_dialog(self) -> None:
        if self.properties_dialog is not None:
            self.properties_dialog.deleteLater()
            self.properties_dialog = None

    @Slot()
    def _edit_current_citation(self) -> None:
        node = self.current_node()
        if isinstance(node, Excerpt):
            self.edit_citation(node.id)

    @Slot(str)
    def edit_citation(self, excerpt_id: str) -> CitationDialog | None:
        """Open the citation editor for an excerpt (one at a time: another excerpt's closes)."""
        current = self.citation_dialog
        if current is not None and current.excerpt_id == excerpt_id:
            current.raise_()
            current.activateWindow()
            return current
        if current is not None:
            current.reject()
        try:
            dialog = CitationDialog(self.model, excerpt_id, self)
        except BriefingError as exc:
            self.message.emit(str(exc))
            return None
        dialog.finished.connect(lambda _result: self._forget_citation_dialog(dialog))
        self.citation_dialog = dialog
        dialog.open()
        return dialog

    def _forget_citation_dialog(self, dialog: CitationDialog) -> None:
        dialog.deleteLater()
        if dialog is self.citation_dialog:
            self.citation_dialog = None

    @Slot()
    def _close_dialogs(self) -> None:
        """Another briefing replaced this one: what the dialogs show no longer exists."""
        for dialog in (self.properties_dialog, self.citation_dialog):
            if dialog is not None:
                dialog.reject()

    @Slot(str)
    def _heading_link(self, link: str) -> None:
        if link == PROPERTIES_LINK:
            self.properties_action.trigger()

    # -- showing ------------------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        node = self.model.node(current)
        if isinstance(node, Section) and node.kind == "implications" and node.domains:
            self.matrix.show_section(node)
            self.stack.setCurrentWidget(self.matrix)
        else:
            self.editor.show_node(node.id if node is not None else None)
            self.stack.setCurrentWidget(self.editor)
        if isinstance(node, Section):
            self._last_section = node.id
        self._update_actions()

    @Slot()
    def _on_reset(self) -> None:
        self._failing = set()
        self.outline.expandAll()
        self.editor.clear()
        self.stack.setCurrentWidget(self.editor)
        self._show_heading()
        self._update_actions()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._show_heading()

    @Slot()
    def _show_heading(self, *_: object) -> None:
        briefing = self.model.briefing
        try:
            banner = markings.banner(briefing)
        except BriefingError:
            banner = "marking profile unknown"
        count = sum(1 for _, s in walk_sections(briefing) for b in s.blocks if isinstance(b, Excerpt))
        hint = (
            "<br><i>Drag text from the reader or a search result onto a section, or press Ctrl+E.</i>"
            if count == 0
            else ""
        )
        subtitle = briefing.metadata.subtitle
        # The link's colour is written in: a label keeps the colour it was laid out with, so a
        # palette change (the desktop turning dark) would leave a dark-blue link on dark grey.
        link = self.palette().color(QPalette.ColorRole.Link).name()
        self.heading.setText(
            f"<b>{escape(briefing.metadata.title)}</b>"
            + (f"<br>{escape(subtitle)}" if subtitle else "")
            + f"<br><span>{escape(banner)} \u00b7 {count} excerpt{'s' if count != 1 else ''}"
            f" \u00b7 <a href='{PROPERTIES_LINK}' style='color:{link}'>Edit properties</a></span>{hint}"
        )


def _free_section_id(model: BriefingModel) -> str:
    taken = {s.id for _, s in walk_sections(model.briefing)}
    candidate = "section-" + new_id()[:6]
    while candidate in taken:
        candidate = "section-" + new_id()[:6]
    return candidate
