"""The briefing pane: the outline of the open briefing, and the editor of its selected item.

The pane only composes its parts, each in its own module:

- `BriefingHeading` (briefing_heading.py): title, banner, excerpt count, "Edit properties";
- `OutlineView` (outline_view.py): the outline and what is selected in it;
- `EditorHost` (editor_host.py): the selected block's editor, or an implications matrix;
- `OutlineActions` (outline_actions.py): add, delete, move, rename, cut, copy, paste;
- `QuoteActions` (quote_actions.py): quote checks against the archive, moved quotes, the
  source summary;
- `BriefingDialogs` (briefing_dialogs.py): Briefing Properties and Edit Citation.

The window puts the parts' actions in its menus and toolbar through the pane's attributes.
Everything they change goes through the model as undo commands.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSplitter, QVBoxLayout, QWidget

from briefer.core.briefing.model import BriefingError, Excerpt, MatrixCell, find_block
from briefer.core.briefing.verify import ArchiveLookups
from briefer.gui.briefing.citation_dialog import CitationDialog
from briefer.gui.briefing.cite_picker import CiteEvidence
from briefer.gui.briefing.dialogs import BriefingDialogs
from briefer.gui.briefing.editor_host import EditorHost
from briefer.gui.briefing.heading import PROPERTIES_LINK, BriefingHeading
from briefer.gui.briefing.model import BriefingModel, Node
from briefer.gui.briefing.outline_actions import OutlineActions
from briefer.gui.briefing.outline_view import OutlineView
from briefer.gui.briefing.properties_dialog import BriefingPropertiesDialog
from briefer.gui.briefing.quote_actions import QuoteActions

__all__ = ["PROPERTIES_LINK", "BriefingPane", "OutlineView"]


class BriefingPane(QWidget):
    """Outline above, editor below (block editor, or the matrix of an implications section)."""

    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("briefingPane")
        self.setAccessibleName("Briefing")
        self.model = model
        self.heading = BriefingHeading(model)
        self.outline = OutlineView(model)
        self.stack = EditorHost(model)
        self.editor, self.matrix = self.stack.editor, self.stack.matrix
        self.outline_actions = OutlineActions(model, self.outline, self)
        self.quotes = QuoteActions(model, self.outline, self)
        self.dialogs = BriefingDialogs(model, self.outline, self)
        self.evidence = CiteEvidence(model, self.outline, self.matrix.current_cell, self)
        self.checks = self.quotes.checks
        self._lay_out()
        self._expose_actions()
        self._connect()
        self._on_reset()

    def _lay_out(self) -> None:
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

    def _expose_actions(self) -> None:
        """The parts' actions, under the names the window's menus and toolbar use."""
        outline, quotes, dialogs = self.outline_actions, self.quotes, self.dialogs
        self.add_section_action = outline.add_section_action
        self.add_paragraph_action = outline.add_paragraph_action
        self.add_judgment_action = outline.add_judgment_action
        self.add_bullets_action = outline.add_bullets_action
        self.cut_action, self.copy_action = outline.cut_action, outline.copy_action
        self.paste_action, self.delete_action = outline.paste_action, outline.delete_action
        self.move_up_action, self.move_down_action = outline.move_up_action, outline.move_down_action
        self.rename_action = outline.rename_action
        self.properties_action = dialogs.properties_action
        self.addAction(self.properties_action)  # works from the pane even before a menu holds it
        self.edit_citation_action = dialogs.edit_citation_action
        self.verify_quotes_action = quotes.verify_quotes_action
        self.update_spans_action = quotes.update_spans_action
        self.draft_summary_action = quotes.draft_summary_action
        self.cite_action = self.evidence.cite_action

    def _connect(self) -> None:
        for part in (self.outline_actions, self.quotes, self.dialogs, self.evidence):
            part.message.connect(self.message)
        self.model.cited.connect(self.message)
        self.editor.cite_requested.connect(self.evidence.open_picker)
        self.matrix.table.selectionModel().currentChanged.connect(self.evidence.update_enabled)
        self.outline_actions.block_added.connect(self._type_into_block)
        self.outline.selectionModel().currentChanged.connect(self._on_current_changed)
        self.outline.customContextMenuRequested.connect(self._context_menu)
        self.heading.properties_requested.connect(self.properties_action.trigger)
        self.editor.edit_citation_requested.connect(self.dialogs.edit_citation)
        self.model.modelReset.connect(self._on_reset)

    @property
    def edit_actions(self) -> list[QAction]:
        return self.outline_actions.edit_actions

    @property
    def quote_actions(self) -> list[QAction]:
        """Verify Quotes, Update Moved Quote Positions, Draft Source Summary (for the Briefing menu)."""
        return self.quotes.actions

    @property
    def add_actions(self) -> list[QAction]:
        return self.outline_actions.add_actions

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self.outline)
        menu.addActions([*self.add_actions])
        menu.addSeparator()
        menu.addActions([self.rename_action, self.move_up_action, self.move_down_action])
        if isinstance(self.current_node(), Excerpt):
            menu.addAction(self.edit_citation_action)
        if self.cite_action.isEnabled():
            menu.addAction(self.cite_action)
        menu.addAction(self.verify_quotes_action)
        menu.addSeparator()
        menu.addActions(self.edit_actions)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.outline.viewport().mapToGlobal(position))

    # -- showing ------------------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.stack.show_node(self.model.node(current))

    @Slot(str)
    def _type_into_block(self, block_id: str) -> None:
        self.editor.text.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_reset(self) -> None:
        self.outline.expandAll()
        self.stack.clear()

    # -- what the window and the tests use: delegated to the parts ----------------------------
    def use_archive(self, lookups: ArchiveLookups | None) -> None:
        """Verify quotes and draft the source summary against this archive (checks every quote now)."""
        self.quotes.use_archive(lookups)

    def recheck_quotes(self) -> bool:
        return self.quotes.recheck_quotes()

    def shutdown(self) -> None:
        """Wait for background work: the archive closes next."""
        self.quotes.shutdown()

    def current_node(self) -> Node | None:
        return self.outline.current_node()

    def select(self, node_id: str) -> None:
        self.outline.select(node_id)

    @Slot(str)
    def reveal(self, node_id: str) -> None:
        """Select a block or section in the outline; a matrix cell: its matrix, and the cell in it
        (what a release finding points at)."""
        try:
            section, index = find_block(self.model.briefing, node_id)
        except BriefingError:
            self.outline.select(node_id)  # a section, or nothing when it is gone
            return
        cell = section.blocks[index]
        if isinstance(cell, MatrixCell):
            self.outline.select(section.id)
            self.matrix.select_cell(cell.actor, cell.domain)
        else:
            self.outline.select(node_id)

    def add_paragraph(self) -> None:
        self.outline_actions.add_paragraph()

    def add_excerpts(self, excerpts: Sequence[Excerpt], section_id: str) -> bool:
        return self.outline_actions.add_excerpts(excerpts, section_id)

    def choose_section(self, parent: QWidget | None) -> str | None:
        return self.outline_actions.choose_section(parent)

    def copy(self) -> None:
        self.outline_actions.copy()

    def cut(self) -> None:
        self.outline_actions.cut()

    def paste(self) -> None:
        self.outline_actions.paste()

    def paste_mime(self, data: object) -> bool:
        return self.outline_actions.paste_mime(data)

    def move_up(self) -> None:
        self.outline_actions.move_up()

    def show_properties(self) -> BriefingPropertiesDialog:
        return self.dialogs.show_properties()

    def edit_citation(self, excerpt_id: str) -> CitationDialog | None:
        return self.dialogs.edit_citation(excerpt_id)

    @property
    def properties_dialog(self) -> BriefingPropertiesDialog | None:
        return self.dialogs.properties_dialog

    @property
    def citation_dialog(self) -> CitationDialog | None:
        return self.dialogs.citation_dialog
