"""The editor of one implications-matrix cell: its text, impact, likelihood, portion mark and citations.

Nothing changes until OK: then whatever changed becomes one undo step (the core's
`matrix.cell_edits`, the same as `briefer brief set-cell`).  Enter is OK and Shift+Enter a
line break; Escape cancels.  Cite Evidence… picks the excerpts the cell cites and Remove Citation
takes one off; like everything else here they apply on OK.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing.matrix import NO_IMPLICATION, CellValues, cell_edits, find_cell, values_of
from briefer.core.briefing.model import (
    IMPACT_LEVELS,
    LIKELIHOOD_BANDS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    BriefingError,
    Section,
    excerpts,
)
from briefer.gui.briefing.block_editor import set_combo, tag_combo
from briefer.gui.briefing.cite_picker import CitePicker, excerpt_item
from briefer.gui.briefing.model import BriefingModel

IMPACT_NAMES = {"H": "high", "M": "moderate", "L": "low"}


class EnterAccepts(QObject):
    """Enter in the text field is OK (the text is one implication); Shift+Enter still breaks the line."""

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and isinstance(watched, QPlainTextEdit):
            watched.insertPlainText("\n")
        else:
            self._dialog.accept()
        return True


class CellEditor(QDialog):
    """Edits the cell `actor_id` x `domain_id` of the implications section `section_id`."""

    def __init__(
        self,
        model: BriefingModel,
        section_id: str,
        actor_id: str,
        domain_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._place = (section_id, actor_id, domain_id)
        section = model.node_by_id(section_id)
        assert isinstance(section, Section)
        actor = next(a.title for a in section.sections if a.id == actor_id)
        domain = next(d.title for d in section.domains if d.id == domain_id)
        self.setWindowTitle(f"Matrix cell \u2014 {actor}, {domain}")
        self.setAccessibleName("Matrix cell editor")
        self._old = values_of(find_cell(section, actor_id, domain_id))

        self.heading = QLabel(f"<b>{escape(actor)}</b> \u00d7 <b>{escape(domain)}</b>")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.text = QPlainTextEdit(self._old.text)
        self.text.setAccessibleName("Implication")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(
            f"One short implication. Left empty, the export prints \u201c{NO_IMPLICATION}\u201d"
        )
        self.text.installEventFilter(EnterAccepts(self))
        self.text.setMaximumHeight(self.text.fontMetrics().lineSpacing() * 6)
        self.keys = QLabel("Enter: OK \u00b7 Shift+Enter: new line \u00b7 Escape: cancel")
        self.keys.setObjectName("editorGuidance")
        self.impact = tag_combo(IMPACT_LEVELS, "Impact", IMPACT_NAMES)
        self.likelihood = tag_combo(LIKELIHOOD_TERMS, "Likelihood", LIKELIHOOD_BANDS)
        self.portion = tag_combo(PORTIONS, "Portion mark")
        set_combo(self.impact, self._old.impact)
        set_combo(self.likelihood, self._old.likelihood)
        set_combo(self.portion, self._old.portion)
        self.citations = QListWidget()
        self.citations.setAccessibleName("Citations")
        self.citations.setWordWrap(True)
        self.no_citations = QLabel("No citations.")
        self.no_citations.setObjectName("editorGuidance")
        self.remove_citation = QPushButton("&Remove Citation")
        self.remove_citation.setAccessibleName("Remove the selected citation")
        self.cite_evidence = QPushButton("Cite E&vidence\u2026")
        self.cite_evidence.setAccessibleName("Cite evidence")
        self.cite_evidence.setToolTip("Choose the excerpts this cell rests on")
        self.picker: CitePicker | None = None
        self._title = f"Matrix cell: {actor} \u00d7 {domain}"
        self.problem = QLabel()
        self.problem.setObjectName("cellProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._fill_citations(self._old.cites)
        self._lay_out()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.remove_citation.clicked.connect(self.remove_selected_citation)
        self.cite_evidence.clicked.connect(self.pick_evidence)
        self.citations.currentRowChanged.connect(self._update_remove)
        self.citations.installEventFilter(self)  # Delete removes the selected citation
        self._update_remove()
        self.resize(520, 420)

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Text", self.text)
        form.addRow("", self.keys)
        form.addRow("&Impact", self.impact)
        form.addRow("&Likelihood", self.likelihood)
        form.addRow("&Portion", self.portion)
        cited = QVBoxLayout()
        cited.addWidget(self.citations)
        cited.addWidget(self.no_citations)
        row = QHBoxLayout()
        row.addWidget(self.cite_evidence)
        row.addWidget(self.remove_citation)
        row.addStretch(1)
        cited.addLayout(row)
        form.addRow("Citations", cited)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _fill_citations(self, cites: Sequence[str]) -> None:
        self.citations.clear()
        known = excerpts(self._model.briefing)
        for excerpt_id in cites:
            excerpt = known.get(excerpt_id)
            if excerpt is None:
                item = QListWidgetItem(f"Excerpt {excerpt_id} (no longer in this briefing)")
            else:
                item = excerpt_item(self._model, excerpt)  # source and verification, as the outline says
            item.setData(Qt.ItemDataRole.UserRole, excerpt_id)
            self.citations.addItem(item)
        if self.citations.count():
            self.citations.setCurrentRow(0)

    # -- what the dialog holds ---------------------------------------------------------------
    def cited(self) -> tuple[str, ...]:
        return tuple(
            str(self.citations.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.citations.count())
        )

    def values(self) -> CellValues:
        return CellValues(
            self.text.toPlainText(),
            self.impact.currentData(),
            self.likelihood.currentData(),
            self.portion.currentData(),
            self.cited(),
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.citations
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            self.remove_selected_citation()
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def pick_evidence(self) -> CitePicker:
        """The Cite Evidence picker over what the cell cites in this editor; its choice shows here
        and applies with the rest on OK."""
        picker = CitePicker(self._model, self._title, self.cited(), self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.accepted.connect(lambda: self._cite_chosen(picker))
        self.picker = picker
        picker.open()
        return picker

    def _cite_chosen(self, picker: CitePicker) -> None:
        self._fill_citations(picker.chosen())
        self._update_remove()

    @Slot()
    def remove_selected_citation(self) -> None:
        row = self.citations.currentRow()
        if row >= 0:
            self.citations.takeItem(row)
        self._update_remove()

    @Slot()
    def _update_remove(self, *_: object) -> None:
        has = self.citations.count() > 0
        self.citations.setVisible(has)
        self.no_citations.setVisible(not has)
        self.remove_citation.setEnabled(self.citations.currentRow() >= 0)

    # -- OK --------------------------------------------------------------------------------------
    def accept(self) -> None:
        """Apply what changed as one undo step; a refusal is said here and the dialog stays open."""
        try:
            todo = cell_edits(self._model.briefing, *self._place, self.values())
        except BriefingError as exc:
            self._refused(exc)
            return
        refusal = self._model.apply_all(todo, "Edit matrix cell")
        if refusal is not None:
            self._refused(refusal)
            return
        super().accept()

    def _refused(self, exc: BriefingError) -> None:
        self.problem.setText(f"Not changed: {exc}.")
        self.problem.show()
