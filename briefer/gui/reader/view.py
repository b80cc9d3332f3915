"""The reader with its bar: the document's matches (previous / next) and its passage hits.

Passage hits are the paragraphs of the document that match the query best
(`Hit.passages`, spans of the normalized text). Clicking one selects it in
the reader; dragging one onto the briefing quotes exactly that span.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing.excerpts import CarriedBy, passage_excerpt
from briefer.core.briefing.model import BriefingError
from briefer.core.documents import Document
from briefer.core.search import Hit, Passage
from briefer.gui import mime
from briefer.gui.formatting import plain_tooltip, plural
from briefer.gui.reader.pane import ReaderPane

PASSAGE_PREVIEW = 160  # characters of a passage shown in the list
SPAN_ROLE = Qt.ItemDataRole.UserRole + 1


def passage_label(passage: Passage) -> str:
    text = " ".join(passage.text.split())
    preview = text if len(text) <= PASSAGE_PREVIEW else text[: PASSAGE_PREVIEW - 1].rstrip() + "\u2026"
    return f"\u201c{preview}\u201d  \u00b7  {plural(passage.matches, 'match', 'matches')}"


class PassageList(QListWidget):
    """The passage hits of the shown document; each drags as an excerpt of its exact span, its
    citation counting who else carried the document with `carried_by` (`Archive.carried_by_count`)."""

    def __init__(self, carried_by: CarriedBy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passages")
        self.setAccessibleName("Passage hits")
        self.setToolTip(
            "The paragraphs that match best: click one to find it, drag it onto a section to quote it"
        )
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)  # re-wrap the passages when the pane resizes
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.document: Document | None = None
        self.carried_by = carried_by

    def show_passages(self, document: Document | None, passages: Sequence[Passage]) -> None:
        self.clear()
        self.document = document
        for passage in passages:
            item = QListWidgetItem(passage_label(passage))
            item.setData(SPAN_ROLE, (passage.start, passage.end))
            item.setToolTip(plain_tooltip(passage.text))
            self.addItem(item)

    def span(self, item: QListWidgetItem) -> tuple[int, int]:
        start, end = item.data(SPAN_ROLE)
        return int(start), int(end)

    def mimeTypes(self) -> list[str]:
        return [mime.EXCERPTS]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        excerpts = []
        for item in items:
            if self.document is None:
                break
            try:
                excerpts.append(passage_excerpt(self.document, *self.span(item), carried_by=self.carried_by))
            except BriefingError:  # the passage is not in this text version
                continue
        return mime.excerpts_to_mime(excerpts)


class ReaderView(QWidget):
    """The reader pane as the window shows it: match navigation and passages above the text."""

    def __init__(self, reader: ReaderPane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readerView")
        self.setAccessibleName("Reader")
        self.reader = reader

        self.matches = QLabel()
        self.matches.setObjectName("readerMatches")
        self.matches.setAccessibleName("Matches in the document")
        self.previous_action = QAction("Previous Match", self)
        self.previous_action.setShortcuts(QKeySequence.StandardKey.FindPrevious)  # Shift+F3
        self.next_action = QAction("Next Match", self)
        self.next_action.setShortcuts(QKeySequence.StandardKey.FindNext)  # F3
        self.previous_button = self._button(self.previous_action, "\u25b2", "Previous match (Shift+F3)")
        self.next_button = self._button(self.next_action, "\u25bc", "Next match (F3)")
        self.passages_button = QToolButton()
        self.passages_button.setCheckable(True)
        self.passages_button.setChecked(True)
        self.passages_button.setAccessibleName("Show passage hits")
        self.passages_button.setToolTip("Show or hide the paragraphs that match best")
        self.passages = PassageList(reader.carried_by)
        self.passages.setMaximumHeight(130)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 2)
        bar.addWidget(self.matches, 1)
        bar.addWidget(self.passages_button)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.passages)
        layout.addWidget(reader, 1)

        self.previous_action.triggered.connect(self.previous_match)
        self.next_action.triggered.connect(self.next_match)
        self.passages_button.toggled.connect(self._toggle_passages)
        self.passages.itemClicked.connect(self._find_passage)
        self.passages.itemActivated.connect(self._find_passage)
        reader.document_shown.connect(self._on_document_shown)
        reader.match_moved.connect(self._on_match_moved)
        self._passage_count = 0
        self.clear()

    def _button(self, action: QAction, text: str, tip: str) -> QToolButton:
        self.addAction(action)  # its shortcut works anywhere in the window
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setIconText(text)  # the button shows the arrow; menus show the action's text
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolTip(tip)
        button.setAccessibleName(action.text())
        return button

    # -- what is shown ------------------------------------------------------------------
    def show_hit(self, hit: Hit) -> None:
        """Read a search hit: its text with its matches highlighted, and its passage hits."""
        self._passage_count = len(hit.passages)
        self.passages.show_passages(hit.document, hit.passages)
        self._update_passages()
        self.matches.setText("Loading\u2026")
        self.reader.show_highlighted(hit.document, hit.spans)

    @Slot()
    def clear(self) -> None:
        self.reader.clear_document()
        self.passages.show_passages(None, ())
        self._passage_count = 0
        self._update_passages()
        self.matches.setText("")
        self._enable_navigation(0)

    @Slot()
    def next_match(self) -> None:
        self.reader.go_to_match(1)

    @Slot()
    def previous_match(self) -> None:
        self.reader.go_to_match(-1)

    # -- reacting -----------------------------------------------------------------------
    @Slot(str)
    def _on_document_shown(self, _: str) -> None:
        count = len(self.reader.match_spans)
        self.matches.setText(plural(count, "match", "matches") if count else "No matches in this document")
        self._enable_navigation(count)

    @Slot(int, int)
    def _on_match_moved(self, index: int, count: int) -> None:
        self.matches.setText(f"Match {index + 1} of {count:,}")

    @Slot(QListWidgetItem)
    def _find_passage(self, item: QListWidgetItem) -> None:
        self.reader.select_span(*self.passages.span(item))

    @Slot(bool)
    def _toggle_passages(self, _: bool) -> None:
        self._update_passages()

    def _update_passages(self) -> None:
        count = self._passage_count
        self.passages_button.setText(f"Passages ({count})" if count else "Passages")
        self.passages_button.setEnabled(count > 0)
        self.passages.setVisible(count > 0 and self.passages_button.isChecked())

    def _enable_navigation(self, count: int) -> None:
        self.previous_action.setEnabled(count > 0)
        self.next_action.setEnabled(count > 0)
