"""What the reader shows: a document as blocks of HTML, and where each block's characters come from.

Preparing the blocks is Qt-free and runs on a worker thread (a 20 MB text takes
a moment); the reader then shows them a few at a time.  Each block is one
paragraph of the normalized text (a very long paragraph is cut into several,
shown without a gap between them: only the source's paragraph breaks show as
one), its characters escaped (document text is always plain text in the window)
and the query's words highlighted.  A paragraph that reads as a heading (what a
source's heading becomes in the normalized text) is styled as one; styling
never adds or removes a character, so every offset stays the text's.  `OffsetMap` turns positions in the shown
blocks back into offsets of `Document.text`, so that a selection quotes
exactly the characters it covers.
"""

from __future__ import annotations

import bisect
import html
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from briefer.core.briefing.excerpts import paragraph_spans
from briefer.core.documents import Document
from briefer.core.progress import raise_if_cancelled
from briefer.core.textnorm import BIDI_CONTROLS, strip_bidi
from briefer.gui.formatting import display_title, meta_line

Span = tuple[int, int]

# The look of a search engine's "find" highlight: legible on light and dark palettes alike.
HIGHLIGHT_BACKGROUND = "#ffd54f"
HIGHLIGHT_STYLE = f"background-color:{HIGHLIGHT_BACKGROUND}; color:#000000;"
FIRST_MATCH = "first-match"

# What a heading of the source looks like once normalized: a short paragraph of its own that
# begins with a letter or digit (not a lower-case one) and ends without a sentence's punctuation.
HEADING_MAX_CHARS = 90
HEADING_MAX_WORDS = 12
_SENTENCE_END = re.compile("[.,;:\u2026\u3002\uff0c\uff1b\uff1a]['\"\u2019\u201d)\\]]*$")

# Qt lays a block out all at once: a longer paragraph is shown as several blocks, cut at a space.
MAX_BLOCK_CHARS = 4_000
_CANCEL_CHECK_EVERY = 512  # paragraphs between two looks at the cancel flag

_LINKABLE_SCHEMES = frozenset({"http", "https"})
# Characters Qt's HTML import would turn into a block break, or cannot hold: shown as a line
# break and U+FFFD, one for one, so that positions in a block stay positions in the text.
_LINE_BREAKS = re.compile("[\r\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Piece:
    """One block of the reader: the characters `text[start:end]` of the document, as HTML."""

    start: int
    end: int
    html: str
    style: str = ""  # the block's class: "" a paragraph, HEADING, or CONTINUED (its paragraph goes on)


HEADING = "heading"
CONTINUED = "continued"


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to be shown: its heading and meta lines, then its body block by block."""

    document: Document
    spans: tuple[Span, ...]  # the highlighted words, in reading order
    header: str  # HTML: the heading, the meta lines, the link, a rule
    title: Piece | None  # the opening paragraph when it is the title: shown once, as the heading
    pieces: tuple[Piece, ...]  # the body

    def html(self, pieces: Sequence[Piece] | None = None) -> str:
        """The header and `pieces` (all of them by default) as one HTML text."""
        body = self.pieces if pieces is None else pieces
        return "\n".join([self.header, *body_html(body)])


def body_html(pieces: Sequence[Piece]) -> Iterator[str]:
    return (f'<p class="{p.style}">{p.html}</p>' if p.style else f"<p>{p.html}</p>" for p in pieces)


def looks_like_heading(paragraph: str) -> bool:
    """Whether a paragraph of the normalized text reads as a heading of the source."""
    if len(paragraph) > HEADING_MAX_CHARS or len(paragraph.split()) > HEADING_MAX_WORDS:
        return False
    first = paragraph[:1]
    return first.isalnum() and not first.islower() and not _SENTENCE_END.search(paragraph)


def document_html(document: Document, spans: Sequence[Span]) -> str:
    """The document as HTML: title, meta line, link, then its paragraphs with `spans` highlighted."""
    return prepare_document(document, spans).html()


def prepare_document(
    document: Document, spans: Sequence[Span], cancel: threading.Event | None = None
) -> PreparedDocument:
    """The blocks that show `document` with `spans` highlighted (raises Cancelled once `cancel` is set)."""
    text = document.text
    marks = _Highlights(text, sorted(spans))
    pieces: list[Piece] = []
    paragraphs = paragraph_spans(text)
    for number, (start, end) in enumerate(paragraphs):
        if number % _CANCEL_CHECK_EVERY == 0:
            raise_if_cancelled(cancel)
        blocks = list(_blocks(text, start, end, marks.spans))
        heading = len(blocks) == 1 and number + 1 < len(paragraphs) and looks_like_heading(text[start:end])
        for a, b in blocks:
            style = HEADING if heading else CONTINUED if b < end else ""
            pieces.append(Piece(a, b, marks.html(a, b), style))
    title_text = document.title or document.path
    # Extracted text often opens with the title itself: show it once, as the heading.
    opens_with_title = bool(pieces) and text[pieces[0].start : pieces[0].end] == title_text.strip()
    title = pieces.pop(0) if opens_with_title else None
    # The heading is metadata: no bidirectional control may reorder it (textnorm.strip_bidi).
    parts = [f"<h1>{strip_bidi(title.html) if title else _escape(display_title(document))}</h1>"]
    meta = meta_line(document, long=True)
    if meta:
        parts.append(f'<p class="meta">{_escape(meta)}</p>')
    if document.url:
        parts.append(f'<p class="meta">{_link(strip_bidi(document.url))}</p>')
    parts.append("<hr>")
    return PreparedDocument(document, tuple(marks.shown), "\n".join(parts), title, tuple(pieces))


class _Highlights:
    """Writes pieces of the text as HTML with the spans that fall inside them highlighted."""

    def __init__(self, text: str, spans: list[Span]) -> None:
        self.text, self.spans = text, spans
        self.shown: list[Span] = []  # the spans actually highlighted
        self._next = 0

    def html(self, start: int, end: int) -> str:
        """`text[start:end]` as HTML; pieces must be asked for in reading order."""
        spans, text = self.spans, self.text
        out, pos = [], start
        while self._next < len(spans) and spans[self._next][1] <= end:
            a, b = spans[self._next]
            self._next += 1
            if a < pos or a >= b:  # overlapping, empty or before this piece: skip rather than garble
                continue
            word = f'<span style="{HIGHLIGHT_STYLE}">{_escape(text[a:b])}</span>'
            if not self.shown:  # a named anchor (no href: not a link) at the first match
                word = f'<a name="{FIRST_MATCH}">{word}</a>'
            self.shown.append((a, b))
            out += [_escape(text[pos:a]), word]
            pos = b
        out.append(_escape(text[pos:end]))
        return "".join(out)


def _blocks(text: str, start: int, end: int, spans: list[Span]) -> Iterator[Span]:
    """The paragraph `text[start:end]` cut into blocks of at most MAX_BLOCK_CHARS.

    A cut falls on a space (the space belongs to no block, like the blank line
    between paragraphs) and never inside a highlighted word.
    """
    while end - start > MAX_BLOCK_CHARS:
        limit = start + MAX_BLOCK_CHARS
        cut = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
        if cut < 0:  # one endless word: cut anywhere, but not inside a highlight
            cut = limit
            inside = bisect.bisect_right(spans, (cut, len(text))) - 1
            if inside >= 0 and spans[inside][0] < cut < spans[inside][1] and spans[inside][0] > start:
                cut = spans[inside][0]
            yield start, cut
            start = cut
        else:
            yield start, cut
            start = cut + 1
    yield start, end


def shown_text(text: str) -> str:
    """`text` as Qt shows it in one block (line breaks as U+2028), character for character."""
    return _SURROGATE.sub("\ufffd", _LINE_BREAKS.sub("\u2028", text)).replace("\n", "\u2028")


def _escape(text: str) -> str:
    shown = _SURROGATE.sub("\ufffd", _LINE_BREAKS.sub("\n", text))
    return html.escape(shown, quote=False).replace("\n", "<br>")


def _link(url: str) -> str:
    if urlsplit(url).scheme.lower() not in _LINKABLE_SCHEMES:  # no file: or javascript: links
        return _escape(url)
    return f'<a href="{html.escape(url, quote=True)}">{_escape(url)}</a>'


# -- from positions on screen to offsets in the text ----------------------------------------
@dataclass(frozen=True)
class _MappedBlock:
    position: int  # Qt's position of the block's first character
    start: int  # offset in the text of that character
    end: int  # offset in the text just after the block's last character
    units: list[int] | None  # the text offset of each position in the block, end included; None: one to one

    @property
    def length(self) -> int:
        return len(self.units) - 1 if self.units is not None else self.end - self.start

    def offset_at(self, position: int) -> int:
        index = max(0, min(position - self.position, self.length))
        return self.units[index] if self.units is not None else self.start + index

    def position_of(self, offset: int) -> int:
        if self.units is None:
            return self.position + offset - self.start
        return self.position + bisect.bisect_left(self.units, offset)


class OffsetMap:
    """Which characters of the text each shown block holds, block by block in reading order.

    Positions count UTF-16 units, as Qt does; offsets count characters, as
    Python does.  A block whose text is not the piece it should show (it should
    not happen) is left out: a selection touching it snaps to its neighbours,
    so a quote is always exactly characters of the text.
    """

    def __init__(self) -> None:
        self._blocks: list[_MappedBlock] = []
        self._positions: list[int] = []
        self._starts: list[int] = []
        self.unmapped = 0  # blocks left out

    def __bool__(self) -> bool:
        return bool(self._blocks)

    def add(self, position: int, shown: str, piece: Piece, text: str) -> bool:
        """Map the block at `position`, which Qt shows as `shown`, to `piece`; False when it is not."""
        original = text[piece.start : piece.end]
        if shown == shown_text(original):
            units = _per_unit(shown, None, piece.start) if _ASTRAL.search(shown) else None
        else:
            offsets = _align(shown, original, piece.start)
            if offsets is None:
                self.unmapped += 1
                return False
            units = _per_unit(shown, offsets, piece.start)
        if self._blocks and (position <= self._positions[-1] or piece.start < self._blocks[-1].end):
            self.unmapped += 1
            return False  # out of order: never guess
        self._blocks.append(_MappedBlock(position, piece.start, piece.end, units))
        self._positions.append(position)
        self._starts.append(piece.start)
        return True

    def text_offset(self, position: int, *, end: bool) -> int | None:
        """The text offset at `position`.  A position outside every mapped block (the meta
        lines) snaps to the nearest one: forward for a selection's start, backward for its end."""
        index = bisect.bisect_right(self._positions, position) - 1
        if index >= 0 and position <= self._blocks[index].position + self._blocks[index].length:
            return self._blocks[index].offset_at(position)
        if end:
            return self._blocks[index].end if index >= 0 else None
        return self._blocks[index + 1].start if index + 1 < len(self._blocks) else None

    def qt_position(self, offset: int) -> int | None:
        """The position showing text offset `offset`; None when no mapped block holds it."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0 or offset > self._blocks[index].end:
            return None
        return self._blocks[index].position_of(offset)


def _per_unit(shown: str, offsets: list[int] | None, start: int) -> list[int]:
    """Per-character offsets (one per character of `shown`, end included; None: one to one)
    stretched to one per UTF-16 unit: a character beyond U+FFFF takes two positions in Qt."""
    if offsets is None:
        offsets = list(range(start, start + len(shown) + 1))
    units: list[int] = []
    for char, offset in zip(shown, offsets, strict=False):
        units.append(offset)
        if char > "\uffff":
            units.append(offset)
    units.append(offsets[-1])
    return units


def _align(shown: str, text: str, start: int) -> list[int] | None:
    """Offsets into the text of each character of a block Qt laid out differently, or None.

    `shown` is the block as Qt laid it out (white-space runs collapsed, line
    breaks as U+2028, bidirectional controls stripped from the heading); `text`
    is the piece it shows, which begins at `start`.
    The list has one entry per character, end included.
    """
    out: list[int] = []
    j = 0
    for char in shown:
        while j < len(text) and text[j] != char and _left_out(text[j], char):
            j += 1
        if j >= len(text) or not (text[j] == char or (char.isspace() and text[j].isspace())):
            return None
        out.append(start + j)
        j += 1
        if char.isspace():
            while j < len(text) and text[j].isspace():
                j += 1
    if strip_bidi(text[j:]).strip():
        return None
    out.append(start + len(text))
    return out


def _left_out(char: str, shown: str) -> bool:
    """Whether `char` of the text may be missing where Qt shows `shown`."""
    if BIDI_CONTROLS.match(char):
        return True  # stripped from the heading
    return char.isspace() and not shown.isspace()  # white space Qt collapsed away
