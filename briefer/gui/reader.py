"""The reader pane: one document with its metadata, the query's words highlighted.

The highlights are spans of the document's normalized text, found by the core
off the GUI thread (a long document takes a moment); the HTML is built here
with every piece of text escaped.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QTextBrowser, QWidget

from briefer.core.documents import Document
from briefer.core.progress import Progress
from briefer.gui.formatting import meta_line, muted_color
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
    title_html = paragraphs.pop(0)[1] if opens_with_title else _escape(title)
    parts = [f"<h1>{title_html}</h1>"]
    meta = meta_line(document, long=True)
    if meta:
        parts.append(f'<p class="meta">{_escape(meta)}</p>')
    if document.url:
        parts.append(f'<p class="meta">{_link(document.url)}</p>')
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


class ReaderPane(QTextBrowser):
    """Shows one document; its text is selectable and its link opens in the browser."""

    document_shown = Signal(str)  # the document's id, once it is on screen with its highlights

    def __init__(self, highlight: Highlighter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._highlight = highlight
        self._document: Document | None = None
        self._spans: Sequence[Span] = ()
        self._requested: Document | None = None  # waiting for its highlights
        self.source_html = ""  # what we gave Qt; toHtml() is Qt's re-serialization
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
        self.clear()

    def shutdown(self) -> None:
        self._runner.shutdown()

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
