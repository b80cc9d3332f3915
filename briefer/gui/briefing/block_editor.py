"""The editor under the outline: the selected block's text, comment and tags, or a section's title.

Every change becomes a core edit pushed through the model, so it is undoable;
typing merges into one undo step per block.  When the model changes the block
(undo, redo), the fields follow without pushing anything back.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from briefer.core.briefing import edits, evidence
from briefer.core.briefing.citations import citation_pieces, plain
from briefer.core.briefing.model import (
    CONFIDENCE_LEVELS,
    LIKELIHOOD_BANDS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    Block,
    BulletList,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
)
from briefer.core.briefing.summary import is_draft, untouched
from briefer.gui.briefing.cites_field import CitesField
from briefer.gui.briefing.model import KIND_LABELS, STATUS_LOOK, UNCHECKED_TEXT, BriefingModel
from briefer.gui.elided import ElidedLabel

NOT_SET = "\u2014"  # the combo entry for "no value"


class UndoKeysToWindow(QObject):
    """Lets Ctrl+Z / Ctrl+Shift+Z reach the window's undo actions from inside a text field.

    Text widgets claim these keys for their own undo; Briefer's undo stack
    already holds every keystroke, merged, so the field's own history is off.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo))
        ):
            event.ignore()
            return True
        return False


def tag_combo(values: tuple[str, ...], accessible: str, labels: dict[str, str] | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible)
    combo.view().setAccessibleName(f"{accessible} choices")
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)  # the pane stays narrow; the list shows the long labels
    combo.addItem(NOT_SET, None)
    for value in values:
        combo.addItem(f"{value} ({labels[value]})" if labels else value, value)
    return combo


def set_combo(combo: QComboBox, value: str | None) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class BlockEditor(QWidget):
    """Shows one section or block of the model; edits it through undo commands."""

    focus_outline = Signal()
    edit_citation_requested = Signal(str)  # an excerpt's id: open the citation editor
    cite_requested = Signal(str)  # a block's id: open the Cite Evidence picker for it

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blockEditor")
        self.setAccessibleName("Block editor")
        self._model = model
        self._node_id: str | None = None
        self._updating = False
        self._undo_keys = UndoKeysToWindow(self)

        self.kind = QLabel()
        self.kind.setObjectName("editorKind")
        self.kind.setWordWrap(True)
        self.title = QLineEdit()
        self.title.setAccessibleName("Section title")
        self.guidance = QLabel()
        self.guidance.setObjectName("editorGuidance")
        self.guidance.setWordWrap(True)
        self.quote = QTextBrowser()
        self.quote.setAccessibleName("Quoted text")
        self.quote.setObjectName("editorQuote")
        self.quote.setMaximumHeight(120)
        self.citation = ElidedLabel(max_lines=3)  # plain text: the source's own title and outlet
        self.citation.setObjectName("editorCitation")
        self.citation.setAccessibleName("Source")
        self.edit_citation = QPushButton("Edit C&itation\u2026")
        self.edit_citation.setObjectName("editCitationButton")
        self.edit_citation.setAccessibleName("Edit citation")
        self.edit_citation.setToolTip(
            "Correct the source's outlet, author, title, date, address, type or language"
        )
        self.check = QLabel()
        self.check.setObjectName("editorCheck")
        self.check.setWordWrap(True)
        self.check.setTextFormat(Qt.TextFormat.RichText)
        self.check.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check.setAccessibleName("Quote verification")
        self.check_diff = QPlainTextEdit()
        self.check_diff.setObjectName("editorCheckDiff")
        self.check_diff.setReadOnly(True)
        self.check_diff.setAccessibleName("What changed in the source")
        self.check_diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.check_diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.check_diff.setMaximumHeight(140)
        self.draft_note = QLabel()
        self.draft_note.setObjectName("editorDraftNote")
        self.draft_note.setWordWrap(True)
        self.citation_row = QWidget()
        citation_buttons = QHBoxLayout(self.citation_row)
        citation_buttons.setContentsMargins(0, 0, 0, 0)
        citation_buttons.addWidget(self.edit_citation)
        citation_buttons.addStretch(1)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Block text")
        self.text.setUndoRedoEnabled(False)  # the window's undo stack holds the typing
        self.text.setTabChangesFocus(True)
        self.likelihood = tag_combo(LIKELIHOOD_TERMS, "Likelihood", LIKELIHOOD_BANDS)
        self.confidence = tag_combo(CONFIDENCE_LEVELS, "Confidence")
        self.portion = tag_combo(PORTIONS, "Portion mark")
        self.cites = CitesField(model)
        for field in (self.title, self.text):
            field.installEventFilter(self._undo_keys)

        self.form = QFormLayout(self)
        self.form.setContentsMargins(8, 6, 8, 6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(self.kind)
        self.form.addRow("&Title", self.title)
        self.form.addRow(self.guidance)
        self.form.addRow("Quote", self.quote)
        self.form.addRow("Source", self.citation)
        self.form.addRow("", self.citation_row)
        self.form.addRow("Check", self.check)
        self.form.addRow("", self.check_diff)
        self.form.addRow(self.draft_note)
        self.form.addRow("&Text", self.text)
        self.form.addRow("Evidence", self.cites)
        self.form.addRow("&Likelihood", self.likelihood)
        self.form.addRow("&Confidence", self.confidence)
        self.form.addRow("&Portion", self.portion)

        self.title.textEdited.connect(self._title_edited)
        self.text.textChanged.connect(self._text_edited)
        self.likelihood.activated.connect(self._likelihood_chosen)
        self.confidence.activated.connect(self._confidence_chosen)
        self.portion.activated.connect(self._portion_chosen)
        self.edit_citation.clicked.connect(self._citation_clicked)
        self.cites.cite_requested.connect(self.cite_requested)
        model.block_changed.connect(self._on_block_changed)
        model.verification_changed.connect(self._refresh)
        model.section_changed.connect(self._on_block_changed)
        model.modelReset.connect(self.clear)
        model.rowsRemoved.connect(self._on_rows_removed)
        self.show_node(None)

    @property
    def node_id(self) -> str | None:
        return self._node_id

    # -- showing -----------------------------------------------------------------
    def show_node(self, node_id: str | None) -> None:
        self._node_id = node_id
        self._refresh()

    def clear(self) -> None:
        self.show_node(None)

    def _row(self, widget: QWidget, visible: bool) -> None:
        self.form.setRowVisible(widget, visible)

    def _refresh(self) -> None:
        node = self._model.node_by_id(self._node_id) if self._node_id else None
        self._updating = True
        try:
            self._show(node)
        finally:
            self._updating = False

    def _show(self, node: Section | Block | None) -> None:
        is_section = isinstance(node, Section)
        is_block = node is not None and not is_section
        self._row(self.title, is_section)
        self._row(self.guidance, is_section and bool(node.guidance))  # type: ignore[union-attr]
        self._row(self.quote, isinstance(node, Excerpt))
        self._row(self.citation, isinstance(node, Excerpt))
        self._row(self.citation_row, isinstance(node, Excerpt))
        self._show_check(node)
        self._row(self.draft_note, isinstance(node, Paragraph) and is_draft(node))
        self._row(self.text, is_block)
        citing = node if node is not None and evidence.can_cite(node) else None
        self._row(self.cites, citing is not None)
        self.cites.show_block(citing.id if citing is not None else None)
        self._row(self.likelihood, isinstance(node, KeyJudgment | MatrixCell))
        self._row(self.confidence, isinstance(node, KeyJudgment))
        self._row(self.portion, is_block)
        if node is None:
            self.kind.setText("Select a section or block in the outline to edit it.")
            return
        if isinstance(node, Section):
            self.kind.setText("<b>Section</b>")
            if self.title.text() != node.title:
                self.title.setText(node.title)
            self.guidance.setText(node.guidance)
            return
        self.kind.setText(f"<b>{KIND_LABELS[node.kind]}</b>")
        label = self.form.labelForField(self.text)
        if isinstance(label, QLabel):
            label.setText(
                "&Comment"
                if isinstance(node, Excerpt)
                else "&Items"
                if isinstance(node, BulletList)
                else "&Text"
            )
        if isinstance(node, Excerpt):
            self.quote.setPlainText(node.quote)
            self.citation.setText(plain(citation_pieces(node.citation, page=node.page)).strip())
            self._set_text(node.comment)
            self.text.setPlaceholderText("Your note on this quote (not part of the quote)")
        elif isinstance(node, BulletList):
            self._set_text("\n".join(node.items))
            self.text.setPlaceholderText("One item per line")
        elif isinstance(node, Paragraph) and is_draft(node):
            self.draft_note.setText(
                "Drafted by Briefer from the citations. "
                + (
                    "Not edited: Draft Source Summary replaces it with a fresh draft, and the export "
                    "prints it up to date."
                    if untouched(node)
                    else "You edited it: it is yours, and a new draft is added beside it, never over it."
                )
            )
            self._set_text(node.text)
            self.text.setPlaceholderText("Write here")
        else:
            self._set_text(node.text)
            self.text.setPlaceholderText("Write here")
        if isinstance(node, KeyJudgment | MatrixCell):
            set_combo(self.likelihood, node.likelihood)
        if isinstance(node, KeyJudgment):
            set_combo(self.confidence, node.confidence)
        set_combo(self.portion, node.portion)

    def _show_check(self, node: Section | Block | None) -> None:
        """What verification found for an excerpt: the state in words, and the difference if any."""
        check = self._model.check_of(node) if isinstance(node, Excerpt) else None
        self._row(self.check, isinstance(node, Excerpt))
        self._row(self.check_diff, check is not None and bool(check.diff))
        if not isinstance(node, Excerpt):
            return
        if check is None:
            self.check.setText(escape(UNCHECKED_TEXT))
            return
        colour, glyph = STATUS_LOOK[check.status]
        advice = {
            "moved": " Briefing \u2192 Update Moved Quote Positions records the new place.",
            "changed": " The export refuses it unless you export it marked \u201c(unverified)\u201d.",
            "mismatch": " The export refuses it unless you export it marked \u201c(unverified)\u201d.",
        }.get(check.status, "")
        self.check.setText(
            f"<b style='color:{colour}'>{glyph} {escape(check.label.capitalize())}</b>"
            + (f": {escape(check.detail)}." if check.detail else ".")
            + escape(advice)
        )
        if check.diff and self.check_diff.toPlainText() != check.diff:
            self.check_diff.setPlainText(check.diff)

    def _set_text(self, value: str) -> None:
        if self.text.toPlainText() == value:
            return
        position = self.text.textCursor().position()
        self.text.setPlainText(value)
        cursor = self.text.textCursor()
        cursor.setPosition(min(position, len(value)))
        cursor.movePosition(QTextCursor.MoveOperation.NoMove)
        self.text.setTextCursor(cursor)

    @Slot(str)
    def _on_block_changed(self, node_id: str) -> None:
        if node_id == self._node_id:
            self._refresh()

    @Slot()
    def _on_rows_removed(self) -> None:
        if self._node_id and self._model.node_by_id(self._node_id) is None:
            self.clear()

    # -- editing -------------------------------------------------------------------
    @Slot(str)
    def _title_edited(self, text: str) -> None:
        if self._updating or not self._node_id or not text.strip():
            return
        self._model.do(edits.RenameSection(self._node_id, text))

    @Slot()
    def _text_edited(self) -> None:
        if self._updating or not self._node_id:
            return
        node = self._model.node_by_id(self._node_id)
        if node is None or isinstance(node, Section):
            return
        self._model.do(edits.EditText(self._node_id, self.text.toPlainText()))

    def _retag(self, tag: str, combo: QComboBox) -> None:
        if self._updating or not self._node_id:
            return
        node = self._model.node_by_id(self._node_id)
        value = combo.currentData()
        if node is not None and getattr(node, tag, None) != value:
            self._model.do(edits.Retag(self._node_id, tag, value))

    @Slot(int)
    def _likelihood_chosen(self, _: int) -> None:
        self._retag("likelihood", self.likelihood)

    @Slot(int)
    def _confidence_chosen(self, _: int) -> None:
        self._retag("confidence", self.confidence)

    @Slot(int)
    def _portion_chosen(self, _: int) -> None:
        self._retag("portion", self.portion)

    @Slot()
    def _citation_clicked(self) -> None:
        if self._node_id and isinstance(self._model.node_by_id(self._node_id), Excerpt):
            self.edit_citation_requested.emit(self._node_id)
