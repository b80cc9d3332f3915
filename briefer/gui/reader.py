"""The reader pane: one document with its metadata, the query's words highlighted.

The highlights are spans of the document's normalized text, found by the core
off the GUI thread (a long document takes a moment); the HTML is built here
with every piece of text escaped.
"""

from __future__ import annotations

import bisect
import html
import logging
import re
import threading
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QContextMenuEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from briefer.core.briefing.excerpts import CarriedBy, excerpt_from_span, paragraph_spans
from briefer.core.briefing.model import BriefingError, Excerpt
from briefer.core.documents import Document
from briefer.core.progress import Progress
from briefer.core.textnorm import strip_bidi
from briefer.gui import mime
from briefer.gui.formatting import display_title, meta_line, muted_color
from briefer.gui.workers import LatestOnlyRunner

log = logging.getLogger(__name__)

Highlighter = Callable[[str, str], list[tuple[int, int]]]
"""(text, query) -> spans of the query's words in text: `Archive.highlight_spans`."""

Span = tuple[int, int]

# The look of a search engine's "find" highlight: legible on light and dark palettes alike.
HIGHLIGHT_BACKGROUND = "#ffd54f"
HIGHLIGHT_STYLE = f"background-color:{HIGHLIGHT_BACKGROUND}; color:#000000;"
FIRST_MATCH = "first-match"
PLACEHOLDER = "Select a search result to read it here."

_PARAGRAPH_BREAK = re.compile(r"\n\n+")
_LINKABLE_SCHEMES = frozenset({"http", "https"})


def document_html(document: Document, spans: Sequence[Span]) -> str:
    """The document as HTML: title, meta line, link, then its paragraphs with `spans` highlighted."""
    paragraphs = _paragraphs(document.text, sorted(spans))
    title = document.title or document.path
    # Extracted text often opens with the title itself: show it once, as the heading.
    opens_with_title = bool(paragraphs) and paragraphs[0][0] == title.strip()
    title_html = strip_bidi(paragraphs.pop(0)[1]) if opens_with_title else _escape(display_title(document))
    parts = [f"<h1>{title_html}</h1>"]
    meta = meta_line(document, long=True)
    if meta:
        parts.append(f'<p class="meta">{_escape(meta)}</p>')
    if document.url:
        parts.append(f'<p class="meta">{_link(strip_bidi(document.url))}</p>')
    parts.append("<hr>")
    parts.extend(f"<p>{body}</p>" for _, body in paragraphs)
    return "\n".join(parts)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _link(url: str) -> str:
    if urlsplit(url).scheme.lower() not in _LINKABLE_SCHEMES:  # no file: or javascript: links
        return _escape(url)
    return f'<a href="{html.escape(url, quote=True)}">{_escape(url)}</a>'


def _paragraphs(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    """(plain text, HTML) of each paragraph of the normalized text, `spans` highlighted.

    Spans never cross paragraphs: they are words.
    """
    out: list[tuple[str, str]] = []
    first_match = True
    span_index = 0
    start = 0
    for end, next_start in [*((m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)), (len(text), 0)]:
        pieces, pos = [], start
        while span_index < len(spans) and spans[span_index][1] <= end:
            a, b = spans[span_index]
            span_index += 1
            if a < pos:  # overlapping or out of range: skip rather than garble the text
                continue
            word = f'<span style="{HIGHLIGHT_STYLE}">{_escape(text[a:b])}</span>'
            if first_match:  # a named anchor (no href: not a link) to scroll to
                word = f'<a name="{FIRST_MATCH}">{word}</a>'
                first_match = False
            pieces += [_escape(text[pos:a]), word]
            pos = b
        pieces.append(_escape(text[pos:end]))
        plain = text[start:end].strip()
        if plain:
            out.append((plain, "".join(pieces).strip().replace("\n", "<br>")))
        start = next_start
    return out


def _align(shown: str, text: str, start: int) -> list[int] | None:
    """Offsets into the normalized text of each position of a rendered paragraph, or None.

    `shown` is the paragraph as Qt laid it out (white-space runs collapsed, line
    breaks as U+2028); `text` is the paragraph in the normalized text, which
    begins at `start`.  The list has one entry per position, end included.
    """
    out: list[int] = []
    j = 0
    for char in shown:
        while j < len(text) and text[j] != char and text[j].isspace() and not char.isspace():
            j += 1  # white space Qt collapsed away
        if j >= len(text) or not (text[j] == char or (char.isspace() and text[j].isspace())):
            return None
        out.append(start + j)
        j += 1
        if char.isspace():
            while j < len(text) and text[j].isspace():
                j += 1
    if text[j:].strip():
        return None
    out.append(start + len(text))
    return out


def offset_map(qt_document: QTextDocument, text: str) -> dict[int, tuple[int, list[int]]]:
    """For each text block that shows a paragraph of `text`: block number -> (position, offsets)."""
    mapping: dict[int, tuple[int, list[int]]] = {}
    block = qt_document.begin()
    for start, end in paragraph_spans(text):
        probe = block
        while probe.isValid():
            offsets = _align(probe.text(), text[start:end], start)
            if offsets is not None:
                mapping[probe.blockNumber()] = (probe.position(), offsets)
                block = probe.next()
                break
            probe = probe.next()
    return mapping


class ReaderPane(QTextBrowser):
    """Shows one document; its text is selectable and its link opens in the browser."""

    document_shown = Signal(str)  # the document's id, once it is on screen with its highlights
    match_moved = Signal(int, int)  # index of the selected match, number of matches

    def __init__(
        self, highlight: Highlighter, *, carried_by: CarriedBy, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._highlight = highlight
        # Who else carried a document (`Archive.carried_by_count`), asked when a quote is taken:
        # the same count whether the document came from a search hit or the copies window.
        self.carried_by = carried_by
        self._document: Document | None = None
        self._spans: Sequence[Span] = ()
        self._requested: Document | None = None  # waiting for its highlights
        self.source_html = ""  # what we gave Qt; toHtml() is Qt's re-serialization
        self._offsets: dict[int, tuple[int, list[int]]] = {}  # see offset_map
        self.context_actions: list[QAction] = []  # put first in the context menu (e.g. "Add to briefing")
        self.setObjectName("reader")
        self.setAccessibleName("Article reader")
        self.setPlaceholderText(PLACEHOLDER)
        self.setOpenExternalLinks(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.document().setDocumentMargin(18)
        self._apply_style_sheet()
        self._runner = LatestOnlyRunner(parent=self)
        self._runner.succeeded.connect(self._on_highlighted)
        self._runner.failed.connect(self._on_highlight_failed)

    @property
    def current_document(self) -> Document | None:
        return self._document

    def show_highlighted(self, document: Document, query: str) -> None:
        """Show `document` with the words of `query` highlighted (found off the GUI thread)."""
        self._requested = document
        highlight = self._highlight

        def job(progress: Progress, cancel: threading.Event) -> tuple[Document, list[Span]]:
            return document, highlight(document.text, query)

        self._runner.submit(job)

    def show_document(self, document: Document, spans: Sequence[Span] = ()) -> None:
        self._document, self._spans = document, spans
        self._render(document)
        self._scroll_to_first_match()
        self.document_shown.emit(document.id)

    def clear_document(self) -> None:
        self._runner.discard()
        self._requested = None
        self._document, self._spans = None, ()
        self.source_html = ""
        self._offsets = {}
        self.clear()

    def shutdown(self) -> None:
        self._runner.shutdown()

    # -- moving through the matches and passages ---------------------------------------
    @property
    def match_spans(self) -> list[Span]:
        """The highlighted spans of the shown document, in reading order."""
        return sorted(self._spans)

    def qt_position(self, offset: int) -> int | None:
        """The position in the shown document of `Document.text` offset `offset` (the inverse of
        `text_offset`); None when that character is not shown (e.g. the title paragraph)."""
        for block_start, offsets in self._offsets.values():
            if offsets and offsets[0] <= offset <= offsets[-1]:
                return block_start + bisect.bisect_left(offsets, offset)
        return None

    def select_span(self, start: int, end: int) -> bool:
        """Select the characters `Document.text[start:end]` and scroll them into view."""
        first, last = self.qt_position(start), self.qt_position(max(start, end - 1))
        if first is None or last is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(first)
        cursor.setPosition(last + 1, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        return True

    def current_match(self) -> int | None:
        """The index in `match_spans` of the match the cursor is on or just after; None before all."""
        if not self._spans:
            return None
        cursor = self.textCursor()
        offset = self.text_offset(cursor.selectionStart(), end=False)
        if offset is None:
            return None
        starts = [a for a, _ in self.match_spans]
        # A bare cursor (no selection) sits before the match it touches: "next" selects that one.
        find = bisect.bisect_right if cursor.hasSelection() else bisect.bisect_left
        index = find(starts, offset) - 1
        return index if index >= 0 else None

    def go_to_match(self, step: int) -> int | None:
        """Select the next (`step` 1) or previous (-1) match, wrapping around; returns its index."""
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
        if not self._offsets:
            return None
        number = self.document().findBlock(position).blockNumber()
        if number in self._offsets:
            block_start, offsets = self._offsets[number]
            return offsets[max(0, min(position - block_start, len(offsets) - 1))]
        if end:
            before = [n for n in self._offsets if n < number]
            return self._offsets[max(before)][1][-1] if before else None
        after = [n for n in self._offsets if n > number]
        return self._offsets[min(after)][1][0] if after else None

    def selection_span(self) -> tuple[int, int] | None:
        """The selection as a span of `Document.text`, white space trimmed; None without one."""
        cursor = self.textCursor()
        document = self._document
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
        if span is None or self._document is None:
            return None
        try:
            return excerpt_from_span(
                self._document, *span, page=self._document.page_at(span[0]), carried_by=self.carried_by
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

    def closeEvent(self, event: QCloseEvent) -> None:
        # A pane closed on its own (a test, a future detached reader) must not be
        # destroyed with its highlighting thread still running: Qt aborts then.
        self.shutdown()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # e.g. the desktop switched to dark mode
            self._apply_style_sheet()
            if self._document is not None:  # same article, new colours, same place in it
                position = self.verticalScrollBar().value()
                self._render(self._document)
                self.verticalScrollBar().setValue(position)

    def _render(self, document: Document) -> None:
        self.source_html = document_html(document, self._spans)
        self.setHtml(self.source_html)
        self._offsets = offset_map(self.document(), document.text)

    def _on_highlighted(self, result: tuple[Document, list[Span]]) -> None:
        self.show_document(*result)

    def _on_highlight_failed(self, exc: object) -> None:
        log.warning("could not highlight the query in the document: %s", exc)
        if self._requested is not None:  # the article matters more than its highlights
            self.show_document(self._requested)

    def _scroll_to_first_match(self) -> None:
        """Bring the first highlight into view without hiding the title when it is already visible."""
        cursor = QTextCursor(self.document())
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if FIRST_MATCH in fragment.charFormat().anchorNames():
                    cursor.setPosition(fragment.position())
                    self.setTextCursor(cursor)
                    self.ensureCursorVisible()
                    return
                it += 1
            block = block.next()
        self.setTextCursor(cursor)  # position 0: the top

    def _apply_style_sheet(self) -> None:
        # Qt's rich text knows a subset of CSS; colours come from the palette so
        # that light and dark themes both read well.
        muted = muted_color(self.palette()).name()
        self.document().setDefaultStyleSheet(
            "h1 { font-size: x-large; font-weight: 600; margin-bottom: 4px; }"
            f"p.meta {{ color: {muted}; margin-top: 0px; margin-bottom: 2px; }}"
            "p { margin-top: 0px; margin-bottom: 10px; line-height: 135%; }"
        )
