"""The reader pane: one document with its metadata, the query's words highlighted.

The highlights are spans of the document's normalized text, found once by the
search that listed it (`Hit.spans`): opening a result never runs the query
again.  The document's HTML is prepared off the GUI thread (see
`reader_content`; every piece of text is escaped).  The pane shows the first
screen at once and appends the rest a few blocks at a time from the event
loop, so that a 20 MB document never freezes the window.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QMimeData, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QContextMenuEvent,
    QMouseEvent,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from briefer.core.briefing.excerpts import CarriedBy, excerpt_from_span
from briefer.core.briefing.model import BriefingError, Excerpt
from briefer.core.documents import Document
from briefer.core.progress import Progress
from briefer.gui import mime
from briefer.gui.formatting import muted_color
from briefer.gui.reader.content import (
    CONTINUED,
    FIRST_MATCH,
    HEADING,
    HIGHLIGHT_BACKGROUND,
    HIGHLIGHT_STYLE,
    OffsetMap,
    Piece,
    PreparedDocument,
    Span,
    body_html,
    document_html,
    prepare_document,
)
from briefer.gui.workers import LatestOnlyRunner

__all__ = [  # the look of a highlight and the HTML are defined in reader_content; tests read them here
    "FIRST_MATCH",
    "HIGHLIGHT_BACKGROUND",
    "HIGHLIGHT_STYLE",
    "PLACEHOLDER",
    "ReaderPane",
    "document_html",
]

log = logging.getLogger(__name__)

PLACEHOLDER = "Select a search result to read it here."

FIRST_SCREEN_CHARS = 20_000  # shown at once: more than the tallest screen holds
APPEND_CHARS = 16_000  # characters added in one step (Qt parses and lays them out in ~10 ms)
APPEND_BUDGET_S = 0.02  # steps run back to back for this long, then the event loop has its turn
CENTRE_MARGIN = 24  # pixels kept above a span too tall to be centred


@dataclass(frozen=True)
class _Target:
    """Where to take the reader once that part of the text is loaded: select `start:end`,
    or place the cursor at `start` when `end` is None."""

    start: int
    end: int | None


class ReaderPane(QTextBrowser):
    """Shows one document; its text is selectable and its link opens in the browser."""

    document_shown = Signal(str)  # the document's id, once its first screen is shown with its highlights
    document_loaded = Signal(str)  # the document's id, once all of its text is in the pane
    match_moved = Signal(int, int)  # index of the selected match, number of matches

    def __init__(self, *, carried_by: CarriedBy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Who else carried a document (`Archive.carried_by_count`), asked when a quote is taken:
        # the same count whether the document came from a search hit or the copies window.
        self.carried_by = carried_by
        self._prepared: PreparedDocument | None = None
        self._offsets = OffsetMap()  # the text offsets of the shown blocks
        self._appended = 0  # pieces of the body already in the pane
        self._target: _Target | None = None  # where to go once that part of the text is loaded
        self._scroll_back: int | None = None  # the scroll position to restore once loaded
        self.context_actions: list[QAction] = []  # put first in the context menu (e.g. "Add to briefing")
        self.setObjectName("reader")
        self.setAccessibleName("Article reader")
        self.setPlaceholderText(PLACEHOLDER)
        self.setOpenExternalLinks(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.document().setDocumentMargin(18)
        self.document().setUndoRedoEnabled(False)  # read only: appended text must not pile up undo steps
        self._apply_style_sheet()
        self._loader = QTimer(self)
        self._loader.setInterval(0)  # the next step as soon as the event loop has done its work
        self._loader.timeout.connect(self._append_more)
        self.verticalScrollBar().actionTriggered.connect(self._on_user_scrolled)
        self._runner = LatestOnlyRunner(parent=self)
        self._runner.succeeded.connect(self._on_prepared)
        self._runner.failed.connect(self._on_prepare_failed)

    @property
    def current_document(self) -> Document | None:
        return self._prepared.document if self._prepared is not None else None

    @property
    def loading(self) -> bool:
        """Whether part of the shown document is still to be appended."""
        return self._loader.isActive()

    @property
    def source_html(self) -> str:
        """The HTML the pane shows once loaded (toHtml() is Qt's re-serialization)."""
        return self._prepared.html() if self._prepared is not None else ""

    def show_highlighted(self, document: Document, spans: Sequence[Span]) -> None:
        """Show `document` with `spans` (its matches, e.g. `Hit.spans`) highlighted; its blocks are
        prepared off the GUI thread."""

        def job(progress: Progress, cancel: threading.Event) -> PreparedDocument:
            return prepare_document(document, spans, cancel)

        self._runner.submit(job)

    def show_document(self, document: Document, spans: Sequence[Span] = ()) -> None:
        """Show `document` with `spans` highlighted, prepared here (small documents, tests)."""
        self._show(prepare_document(document, spans))

    def clear_document(self) -> None:
        self._runner.discard()
        self._loader.stop()
        self._prepared = None
        self._offsets, self._appended = OffsetMap(), 0
        self._target, self._scroll_back = None, None
        self.clear()

    def shutdown(self) -> None:
        self._loader.stop()
        self._runner.shutdown()

    # -- moving through the matches and passages ---------------------------------------
    @property
    def match_spans(self) -> list[Span]:
        """The highlighted spans of the shown document, in reading order."""
        return list(self._prepared.spans) if self._prepared is not None else []

    def qt_position(self, offset: int) -> int | None:
        """The position in the shown document of `Document.text` offset `offset` (the inverse of
        `text_offset`); None when that character is not shown (e.g. the title paragraph)."""
        return self._offsets.qt_position(offset)

    def select_span(self, start: int, end: int) -> bool:
        """Select the characters `Document.text[start:end]` and scroll them into view.

        When they are not loaded yet they are selected as soon as they are (and
        False is returned), unless the reader scrolls or clicks elsewhere first.
        """
        if not self._is_loaded(max(start, end - 1)):
            self._target = _Target(start, end)
            return False
        self._target = None
        first, after = self.qt_position(start), self.qt_position(end)
        if after is None:  # `end` is past a block's end: select up to its last character's block end
            last = self.qt_position(max(start, end - 1))
            after = None if last is None else last + 1
        if first is None or after is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(first)
        cursor.setPosition(after, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self._centre_on(first, after)
        return True

    def _centre_on(self, start: int, end: int) -> None:
        """Scroll the positions `start:end` to the middle of the view, with text above and below
        (ensureCursorVisible would leave a match on the bottom line); a span taller than the view
        shows its beginning near the top."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        top = self.cursorRect(cursor).top()
        cursor.setPosition(end)
        bottom = self.cursorRect(cursor).bottom()
        height = self.viewport().height()
        if bottom - top > height - 2 * CENTRE_MARGIN:
            shift = top - CENTRE_MARGIN
        else:
            shift = (top + bottom) // 2 - height // 2
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + shift)

    def current_match(self) -> int | None:
        """The index in `match_spans` of the match the cursor is on or just after; None before all."""
        if not self.match_spans:
            return None
        starts = [a for a, _ in self.match_spans]
        target = self._target
        if target is not None and target.end is not None:  # a match on its way: count from it
            index = bisect.bisect_left(starts, target.start)
            if index < len(starts) and starts[index] == target.start:
                return index
        cursor = self.textCursor()
        offset = self.text_offset(cursor.selectionStart(), end=False)
        if offset is None:
            return None
        # A bare cursor (no selection) sits before the match it touches: "next" selects that one.
        find = bisect.bisect_right if cursor.hasSelection() else bisect.bisect_left
        index = find(starts, offset) - 1
        return index if index >= 0 else None

    def go_to_match(self, step: int) -> int | None:
        """Select the next (`step` 1) or previous (-1) match, wrapping around; returns its index.

        A match not loaded yet is selected as soon as it is."""
        spans = self.match_spans
        if not spans:
            return None
        current = self.current_match()
        first = 0 if step > 0 else len(spans) - 1
        index = first if current is None else (current + step) % len(spans)
        self.select_span(*spans[index])
        self.match_moved.emit(index, len(spans))
        return index

    # -- selections as excerpts ----------------------------------------------------
    def text_offset(self, position: int, *, end: bool) -> int | None:
        """The offset in `Document.text` of a position in the shown document.

        Positions in the title or meta lines snap to the nearest paragraph: forward
        for a selection's start, backward for its end.
        """
        return self._offsets.text_offset(position, end=end)

    def selection_span(self) -> tuple[int, int] | None:
        """The selection as a span of `Document.text`, white space trimmed; None without one."""
        cursor = self.textCursor()
        document = self.current_document
        if document is None or not cursor.hasSelection():
            return None
        start = self.text_offset(cursor.selectionStart(), end=False)
        end = self.text_offset(cursor.selectionEnd(), end=True)
        if start is None or end is None:
            return None
        text = document.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end) if start < end else None

    def selected_excerpt(self) -> Excerpt | None:
        """An excerpt of exactly the selected characters of the document, or None."""
        span = self.selection_span()
        document = self.current_document
        if span is None or document is None:
            return None
        try:
            return excerpt_from_span(
                document, *span, page=document.page_at(span[0]), carried_by=self.carried_by
            )
        except BriefingError:
            return None

    def createMimeDataFromSelection(self) -> QMimeData:
        """Dragging or copying a selection carries the excerpt, and the quote with its citation as text."""
        excerpt = self.selected_excerpt()
        if excerpt is None:
            return super().createMimeDataFromSelection()
        return mime.excerpts_to_mime([excerpt])

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        if self.context_actions and menu.actions():
            first = menu.actions()[0]
            menu.insertActions(first, self.context_actions)
            menu.insertSeparator(first)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._target = None  # the reader went somewhere: a match still loading must not pull them away
        super().mousePressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        # A pane closed on its own (a test, a future detached reader) must not be
        # destroyed with its highlighting thread still running: Qt aborts then.
        self.shutdown()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # e.g. the desktop switched to dark mode
            self._apply_style_sheet()
            if self._prepared is not None:  # same article, new colours, same place in it
                self._scroll_back = self.verticalScrollBar().value()
                self._render()
                if not self.loading:
                    self._all_loaded()

    # -- showing a prepared document, a screen at once and the rest in steps ------------------
    def _show(self, prepared: PreparedDocument) -> None:
        self._prepared = prepared
        self._scroll_back = None
        # The cursor just before the first match: in view, and F3 selects it.  Else the top.
        self._target = _Target(prepared.spans[0][0], None) if prepared.spans else None
        self._render()
        self.document_shown.emit(prepared.document.id)
        if not self.loading:
            self._all_loaded()

    def _render(self) -> None:
        """Show the header and the first screen of the body; the rest is appended in steps."""
        prepared = self._prepared
        assert prepared is not None
        self._loader.stop()
        first, size = 0, 0
        while first < len(prepared.pieces) and size < FIRST_SCREEN_CHARS:
            size += prepared.pieces[first].end - prepared.pieces[first].start
            first += 1
        self.setHtml(prepared.html(prepared.pieces[:first]))
        self._offsets, self._appended = OffsetMap(), 0
        if prepared.title is not None:
            block = self.document().begin()
            self._map(block.position(), block.text(), prepared.title)
        self._map_last_blocks(prepared.pieces[:first])
        self._go_to_target()
        if self._appended < len(prepared.pieces):
            self._loader.start()

    @Slot()
    def _append_more(self) -> None:
        """Append steps of the body until the time budget of this turn of the event loop is spent."""
        deadline = time.monotonic() + APPEND_BUDGET_S
        while self._append_step():
            if time.monotonic() >= deadline:
                self._scroll_back_when_possible()
                return
        self._loader.stop()
        self._all_loaded()

    def _append_step(self) -> bool:
        """Append the next APPEND_CHARS of the body; whether more remains."""
        prepared = self._prepared
        if prepared is None:
            return False
        pieces, start = prepared.pieces, self._appended
        end, size = start, 0
        while end < len(pieces) and (end == start or size < APPEND_CHARS):
            size += pieces[end].end - pieces[end].start
            end += 1
        if end > start:
            self._append(pieces[start:end])
            self._go_to_target()
        return end < len(pieces)

    def _append(self, pieces: Sequence[Piece]) -> None:
        # The reader's cursor at the very end would move past the new text, and a selection
        # ending there would grow to quote it: keep it where it was (cursors follow edits).
        kept = self.textCursor()
        anchor, position = kept.anchor(), kept.position()
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())  # plain: not the last word's highlight
        cursor.insertHtml("\n".join(body_html(pieces)))
        self._map_last_blocks(pieces)
        if (kept.anchor(), kept.position()) != (anchor, position):
            kept.setPosition(anchor)
            kept.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
            self.setTextCursor(kept)

    def _map_last_blocks(self, pieces: Sequence[Piece]) -> None:
        """Map the document's last blocks, one per piece, to `pieces`."""
        blocks: list[QTextBlock] = []
        block = self.document().lastBlock()
        while len(blocks) < len(pieces) and block.isValid():
            blocks.append(block)
            block = block.previous()
        for block, piece in zip(reversed(blocks), pieces, strict=False):
            self._map(block.position(), block.text(), piece)
        self._appended += len(pieces)

    def _map(self, position: int, shown: str, piece: Piece) -> None:
        assert self._prepared is not None
        mapped = self._offsets.add(position, shown, piece, self._prepared.document.text)
        if not mapped and self._offsets.unmapped == 1:  # once a document: one may mean thousands
            log.warning("reader: the block at %d does not show text %d:%d", position, piece.start, piece.end)

    def _is_loaded(self, offset: int) -> bool:
        """Whether the text at `offset` is in the pane already (or belongs to no block at all)."""
        pieces = self._prepared.pieces if self._prepared is not None else ()
        return self._appended >= len(pieces) or offset < pieces[self._appended].start

    def _go_to_target(self) -> None:
        """Go where the reader asked (a match, a passage, the first match) once it is loaded."""
        target = self._target
        if target is None or not self._is_loaded(target.start if target.end is None else target.end - 1):
            return
        if target.end is not None:
            self.select_span(target.start, target.end)
            return
        self._target = None
        cursor = QTextCursor(self.document())
        position = self.qt_position(target.start) or 0
        cursor.setPosition(position)
        self.setTextCursor(cursor)
        self._centre_on(position, position)

    def _all_loaded(self) -> None:
        self._go_to_target()
        self._scroll_back_when_possible(finally_=True)
        if self._prepared is not None:
            self.document_loaded.emit(self._prepared.document.id)

    def _scroll_back_when_possible(self, *, finally_: bool = False) -> None:
        bar = self.verticalScrollBar()
        if self._scroll_back is not None and (finally_ or self._scroll_back <= bar.maximum()):
            bar.setValue(self._scroll_back)
            self._scroll_back = None

    @Slot(int)
    def _on_user_scrolled(self, _: int) -> None:
        self._target = None  # the reader went elsewhere: a match still loading must not pull them away
        self._scroll_back = None

    @Slot(object)
    def _on_prepared(self, prepared: PreparedDocument) -> None:
        self._show(prepared)

    @Slot(object)
    def _on_prepare_failed(self, exc: object) -> None:
        self.clear_document()
        self.setPlainText(f"This document cannot be shown: {exc}")

    def _apply_style_sheet(self) -> None:
        # Qt's rich text knows a subset of CSS; colours come from the palette so
        # that light and dark themes both read well.
        muted = muted_color(self.palette()).name()
        self.document().setDefaultStyleSheet(
            "h1 { font-size: x-large; font-weight: 600; margin-bottom: 4px; }"
            f"p.meta {{ color: {muted}; margin-top: 0px; margin-bottom: 2px; }}"
            "p { margin-top: 0px; margin-bottom: 10px; line-height: 135%; }"
            # A heading of the source; the pieces of one long paragraph follow each other without a gap.
            f"p.{HEADING} {{ font-size: large; font-weight: 600; margin-top: 8px; margin-bottom: 6px; }}"
            f"p.{CONTINUED} {{ margin-bottom: 0px; }}"
        )
