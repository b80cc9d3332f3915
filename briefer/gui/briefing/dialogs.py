"""Briefing Properties and Edit Citation: their actions, and the one open dialog of each.

The dialogs are opened with open(), never exec(), so the window goes on updating; another
briefing replacing this one closes them (what they show no longer exists).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from briefer.core.briefing.model import BriefingError, Excerpt
from briefer.gui.briefing.citation_dialog import CitationDialog
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.briefing.outline_view import OutlineView
from briefer.gui.briefing.properties_dialog import BriefingPropertiesDialog


class BriefingDialogs(QObject):
    """Opens (or brings forward) the properties dialog and an excerpt's citation dialog."""

    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, model: BriefingModel, outline: OutlineView, host: QWidget) -> None:
        super().__init__(host)
        self.model = model
        self.outline = outline
        self._host = host  # the dialogs' parent
        self.properties_dialog: BriefingPropertiesDialog | None = None
        self.citation_dialog: CitationDialog | None = None

        self.properties_action = QAction("Briefing &Properties\u2026", self)
        self.properties_action.setShortcut("Ctrl+Shift+I")
        self.properties_action.setStatusTip(
            "Title, subtitle, product number, dates, author, audience, keywords and the CUI designation"
        )
        self.edit_citation_action = QAction("Edit &Citation\u2026", self)
        self.edit_citation_action.setStatusTip("Correct the outlet, author, title or date the excerpt cites")
        self.properties_action.triggered.connect(self.show_properties)
        self.edit_citation_action.triggered.connect(self._edit_current_citation)

        model.modelReset.connect(self._close_dialogs)
        outline.selectionModel().currentChanged.connect(self.update_enabled)
        model.modelReset.connect(self.update_enabled)
        self.update_enabled()

    @Slot()
    def update_enabled(self, *_: object) -> None:
        self.edit_citation_action.setEnabled(isinstance(self.outline.current_node(), Excerpt))

    @Slot()
    def show_properties(self) -> BriefingPropertiesDialog:
        """Open (or bring forward) the briefing properties dialog."""
        if self.properties_dialog is None:
            dialog = BriefingPropertiesDialog(self.model, self._host)
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
        node = self.outline.current_node()
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
            dialog = CitationDialog(self.model, excerpt_id, self._host)
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
