"""Correcting an excerpt's citation: outlet, author, title, date, address, source type, language.

The citation is the snapshot of what the archive said about the source when
it was quoted; analysts fix what the file got wrong (a missing author, an
outlet spelled as a domain).  The provenance (archive id, text hash, capture
time) and the quote are shown, never editable.  OK pushes `SetCitation` edits
as one undo step; with "Apply to every excerpt from this source" ticked, every
excerpt quoting the same document ends up citing it the same way (the export
numbers sources by document, so they should agree).
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import edits
from briefer.core.briefing.citations import citation_pieces, format_time, plain
from briefer.core.briefing.model import BriefingError, Citation, Excerpt
from briefer.core.extract.source_types import TYPES
from briefer.gui.briefing.model import BriefingModel, clip
from briefer.gui.briefing.properties_dialog import OptionalDateTime
from briefer.gui.dialogs import ok_cancel_buttons, problem_label

UNDO_TEXT = "Edit citation"


def _line(accessible: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    field.setClearButtonEnabled(True)
    return field


def _fact(accessible: str, text: str, tooltip: str = "") -> QLabel:
    label = QLabel(text)
    label.setAccessibleName(accessible)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setToolTip(tooltip)  # a hash: hex digits
    return label


class CitationDialog(QDialog):
    """Edits the citation snapshot of one excerpt (optionally of every excerpt of its source)."""

    def __init__(self, model: BriefingModel, excerpt_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        excerpt = model.node_by_id(excerpt_id)
        if not isinstance(excerpt, Excerpt):
            raise BriefingError(f"no excerpt with id {excerpt_id!r}")
        self.setWindowTitle("Edit Citation")
        self.setAccessibleName("Edit citation")
        self.setObjectName("citationDialog")
        self._model = model
        self._excerpt_id = excerpt_id
        self._citation = excerpt.citation
        self._page = excerpt.page
        citation = excerpt.citation

        self.quote = QLabel(f"Quote: <i>\u201c{html.escape(clip(excerpt.quote, 220))}\u201d</i>")
        self.quote.setObjectName("citationQuote")
        self.quote.setAccessibleName("Quoted text")
        self.quote.setWordWrap(True)
        self.quote.setTextFormat(Qt.TextFormat.RichText)
        self.quote.setToolTip("The quote is the source's own words and cannot be edited")

        self.outlet = _line("Outlet", "Newspaper, agency, ministry, institute")
        self.author = _line("Author", "As the source names them; empty when none is given")
        self.title = _line("Title", "The source's headline or title")
        self.published = OptionalDateTime("Publication date")
        self.url = _line("Address", "https://\u2026")
        self.source_type = QComboBox()
        self.source_type.setEditable(True)
        self.source_type.setAccessibleName("Source type")
        self.source_type.view().setAccessibleName("Source type choices")
        self.source_type.addItem("")
        self.source_type.addItems(list(TYPES))
        self.source_type.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.source_type.lineEdit()
        if line is not None:  # always, for an editable combo
            line.setAccessibleName("Source type")
            line.setPlaceholderText("not recorded")
        self.language = _line("Language", "e.g. en, ru, ko")
        self.raw_date = QLabel()
        self.raw_date.setObjectName("citationRawDate")
        self.raw_date.setAccessibleName("Date as the source gave it")
        self.raw_date.setTextFormat(Qt.TextFormat.PlainText)  # the source's own words

        sharing = self._sharing = len(edits.excerpts_of_source(model.briefing, excerpt.doc_id))
        self.apply_to_source = QCheckBox(f"Apply to every excerpt from this source ({sharing})")
        self.apply_to_source.setAccessibleName("Apply to every excerpt from this source")
        self.apply_to_source.setToolTip(
            "Every excerpt quoting this document gets the citation shown here; "
            "the export numbers sources by document, so they should agree"
        )
        self.apply_to_source.setVisible(sharing > 1)

        self.archive_id = _fact("Archive id", citation.doc_id)
        self.text_hash = _fact(
            "Text hash",
            f"sha256:{citation.text_hash[:12]}" if citation.text_hash else "not recorded",
            citation.text_hash,
        )
        self.captured = _fact(
            "Captured at",
            format_time(citation.captured_at) if citation.captured_at else "not recorded",
        )
        self.footnote = QLabel()
        self.footnote.setObjectName("citationPreview")
        self.footnote.setAccessibleName("Footnote preview")
        self.footnote.setWordWrap(True)
        self.footnote.setTextFormat(Qt.TextFormat.PlainText)
        self.footnote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = problem_label()
        self.buttons = ok_cancel_buttons(self)

        source = QGroupBox("Source")
        form = QFormLayout(source)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Outlet", self.outlet)
        form.addRow("&Author", self.author)
        form.addRow("&Title", self.title)
        form.addRow("&Published", self.published)
        form.addRow("", self.raw_date)
        form.addRow("A&ddress", self.url)
        form.addRow("Source t&ype", self.source_type)
        form.addRow("&Language", self.language)
        self._source_form = form
        provenance = QGroupBox("Provenance (kept as captured)")
        facts = QFormLayout(provenance)
        facts.addRow("Archive id", self.archive_id)
        facts.addRow("Text hash", self.text_hash)
        facts.addRow("Captured", self.captured)
        preview = QGroupBox("The footnote will read")
        preview_layout = QVBoxLayout(preview)
        preview_layout.addWidget(self.footnote)

        layout = QVBoxLayout(self)
        layout.addWidget(self.quote)
        layout.addWidget(source)
        layout.addWidget(self.apply_to_source)
        layout.addWidget(provenance)
        layout.addWidget(preview)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(580)

        self._load(citation)
        for field in (self.outlet, self.author, self.title, self.url, self.language):
            field.textChanged.connect(self._update_preview)
        self.source_type.currentTextChanged.connect(self._update_preview)
        self.published.edit.dateTimeChanged.connect(self._update_preview)
        self.published.known.toggled.connect(self._update_preview)
        self._update_preview()
        for field in (self.outlet, self.author, self.title, self.url):
            field.setCursorPosition(0)
        self.outlet.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def excerpt_id(self) -> str:
        return self._excerpt_id

    def _load(self, citation: Citation) -> None:
        self.outlet.setText(citation.outlet)
        self.author.setText(citation.author)
        self.title.setText(citation.title)
        self.published.set_value(citation.published)
        self.url.setText(citation.url)
        self.source_type.setCurrentText(citation.source_type)
        self.language.setText(citation.language)
        raw = citation.published_raw.strip()
        self.raw_date.setText(f"The source gave the date as \u201c{raw}\u201d." if raw else "")
        self._source_form.setRowVisible(self.raw_date, bool(raw) and citation.published is None)
        self._shown = self.values()

    def values(self) -> dict[str, Any]:
        """The editable citation fields as the form holds them."""
        return {
            "title": " ".join(self.title.text().split()),
            "author": " ".join(self.author.text().split()),
            "outlet": " ".join(self.outlet.text().split()),
            "published": self.published.value(),
            "url": self.url.text().strip(),
            "source_type": " ".join(self.source_type.currentText().split()),
            "language": self.language.text().strip(),
        }

    def changes(self) -> dict[str, Any]:
        """The fields the user changed, with their new values."""
        now = self.values()
        return {name: value for name, value in now.items() if value != self._shown[name]}

    def _target(self) -> dict[str, Any]:
        """The citation the excerpt should end with: changed fields from the form, the rest as stored."""
        return {name: getattr(self._citation, name) for name in edits.CITATION_FIELDS} | self.changes()

    @Slot()
    def _update_preview(self, *_: object) -> None:
        target = self._target()
        if "published" in self.changes():
            target["published_raw"] = ""
        cited = replace(self._citation, **target)
        self.footnote.setText(plain(citation_pieces(cited, page=self._page)))

    def show_error(self, message: str) -> None:
        self.error.setText(f"\u26a0 <b>Not changed:</b> {html.escape(message)}")
        self.error.setVisible(bool(message))

    def pending_edits(self) -> list[edits.SetCitation]:
        """What OK pushes: the changes to this excerpt, or the whole citation to its source's excerpts."""
        briefing = self._model.briefing
        if self._sharing > 1 and self.apply_to_source.isChecked():
            return edits.citation_edits(briefing, self._excerpt_id, self._target(), same_source=True)
        changes = self.changes()
        return edits.citation_edits(briefing, self._excerpt_id, changes) if changes else []

    def accept(self) -> None:
        if not isinstance(self._model.node_by_id(self._excerpt_id), Excerpt):
            self.show_error("the excerpt is no longer in the briefing (deleted, or its adding was undone).")
            return
        try:
            todo = self.pending_edits()
        except BriefingError as exc:  # the citation itself is refused before any edit is made
            self.show_error(str(exc))
            return
        text = UNDO_TEXT if len(todo) <= 1 else f"{UNDO_TEXT} ({len(todo)} excerpts)"
        refusal = self._model.apply_all(todo, text)
        if refusal is not None:
            self.show_error(str(refusal))
            return
        super().accept()
