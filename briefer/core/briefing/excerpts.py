"""Excerpts made from archive documents, and checking them against the archive later.

An excerpt holds the exact characters of the document's normalized text
(`Document.text[start:end]`), the SHA-256 of those characters, and a snapshot
of the document's citation metadata, so the briefing stays citable when the
archive changes or loses the document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from briefer.core.briefing.model import Briefing, BriefingError, Citation, Excerpt
from briefer.core.documents import Document

# Characters a person types differently from how articles print them.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


class SpanError(BriefingError):
    """A character span that does not fit the document."""


class QuoteNotFound(BriefingError):
    """A quote that does not occur in the document's text."""


def sha256_text(text: str) -> str:
    # surrogatepass: a lone surrogate must hash, not crash, even though it cannot be printed.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# Document id -> how many other outlets carried the same story (`Archive.also_carried_by`).
CarriedBy = Callable[[str], int]


def citation_of(
    document: Document, *, captured_at: datetime | None = None, carried_by: CarriedBy | None = None
) -> Citation:
    """A snapshot of what the archive knows about the document, for citing it later."""
    return Citation(
        doc_id=document.id,
        title=document.title,
        author=document.author,
        outlet=document.source,
        published=document.published,
        published_raw=document.published_raw,
        url=document.url,
        source_type=document.source_type,
        language=document.language,
        text_hash=document.text_hash,
        captured_at=captured_at or datetime.now(UTC).replace(microsecond=0),
        also_carried_by=carried_by(document.id) if carried_by is not None else 0,
        archive=document.archive,
    )


def excerpt_from_span(
    document: Document,
    start: int,
    end: int,
    *,
    page: int | None = None,
    comment: str = "",
    portion: str | None = "U",
    carried_by: CarriedBy | None = None,
) -> Excerpt:
    size = len(document.text)
    if not 0 <= start < end <= size:
        raise SpanError(
            f"span {start}:{end} is outside document {document.id} ({document.title!r}), "
            f"whose text has {size} characters (valid spans: 0 <= START < END <= {size})"
        )
    quote = document.text[start:end]
    if not quote.strip():
        raise SpanError(f"span {start}:{end} of document {document.id} holds only white space")
    return Excerpt(
        quote=quote,
        doc_id=document.id,
        start=start,
        end=end,
        quote_sha256=sha256_text(quote),
        citation=citation_of(document, carried_by=carried_by),
        page=page,
        comment=comment,
        portion=portion,
    )


def excerpt_from_quote(
    document: Document,
    quote: str,
    *,
    page: int | None = None,
    comment: str = "",
    portion: str | None = "U",
    carried_by: CarriedBy | None = None,
) -> Excerpt:
    """An excerpt of the first place the quote occurs; the stored quote is the document's own text."""
    try:
        start, end = find_quote(document.text, quote)
    except QuoteNotFound as exc:
        raise QuoteNotFound(
            f"{exc}: document {document.id} ({document.title!r}) does not contain \u201c{_clip(quote)}\u201d"
        ) from None
    return excerpt_from_span(
        document, start, end, page=page, comment=comment, portion=portion, carried_by=carried_by
    )


def _clip(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def find_quote(text: str, quote: str) -> tuple[int, int]:
    """Where `quote` occurs in `text`: exactly, or else ignoring white-space runs and curly quotes."""
    if not quote.strip():
        raise QuoteNotFound("the quote is empty")
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    folded_text, positions = _fold(text)
    folded_quote, _ = _fold(quote.strip())
    at = folded_text.find(folded_quote)
    if at < 0:
        raise QuoteNotFound("quote not found")
    return positions[at], positions[at + len(folded_quote) - 1] + 1


def _fold(text: str) -> tuple[str, list[int]]:
    """Text with white-space runs as one space and curly quotes folded, and where each char came from."""
    out: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text.translate(_FOLD)):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            char = " "
        out.append(char)
        positions.append(index)
    return "".join(out), positions


# -- checking excerpts against the archive -----------------------------------
@dataclass(frozen=True)
class SourceCheck:
    doc_id: str
    status: str  # ok | moved | changed | missing | mismatch
    detail: str = ""

    @property
    def missing(self) -> bool:
        return self.status == "missing"


Lookup = Callable[[str], Document | None]
TextVersion = Callable[[str], str | None]


def check_sources(
    briefing: Briefing, lookup: Lookup, text_version: TextVersion | None = None
) -> dict[str, SourceCheck]:
    """The state of every quoted source in the archive, by document id (worst excerpt wins).

    Per-excerpt results, with new spans and differences: `verify.verify_briefing`.
    """
    from briefer.core.briefing.verify import verify_briefing  # verify builds on this module

    return verify_briefing(briefing, lookup, text_version).by_source()


# -- the lead paragraph of a document -------------------------------------------
LEAD_MIN_CHARS = 40  # shorter paragraphs are datelines, bylines or captions, not the lead


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every paragraph of a normalized text, without surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start <= len(text):
        end = text.find("\n\n", start)
        end = len(text) if end < 0 else end
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = end + 2
    return spans


def lead_paragraph_span(document: Document) -> tuple[int, int]:
    """The span of the document's lead: its first real paragraph after the title.

    A paragraph that repeats the title is skipped, and so are short ones
    (datelines, bylines) when a longer paragraph follows.
    """
    spans = paragraph_spans(document.text)
    if not spans:
        raise SpanError(f"document {document.id} ({document.title!r}) has no text to quote")
    title = " ".join(document.title.split()).casefold()
    body = [(a, b) for a, b in spans if " ".join(document.text[a:b].split()).casefold() != title] or spans
    return next(((a, b) for a, b in body if b - a >= LEAD_MIN_CHARS), body[0])


def lead_excerpt(document: Document, *, carried_by: CarriedBy | None = None) -> Excerpt:
    """An excerpt of the document's lead paragraph (what dragging a search result quotes)."""
    start, end = lead_paragraph_span(document)
    return excerpt_from_span(document, start, end, page=document.page_at(start), carried_by=carried_by)


def passage_excerpt(
    document: Document, start: int, end: int, *, carried_by: CarriedBy | None = None
) -> Excerpt:
    """An excerpt of a passage hit (a span of the document's text), with the page it is on."""
    return excerpt_from_span(document, start, end, page=document.page_at(start), carried_by=carried_by)


def hit_excerpt(
    document: Document, passages: Sequence[tuple[int, int]], *, carried_by: CarriedBy | None = None
) -> Excerpt:
    """What dragging a search result quotes: its best passage, else the document's lead paragraph."""
    for start, end in passages:
        try:
            return passage_excerpt(document, start, end, carried_by=carried_by)
        except SpanError:  # a passage of another text version: try the next, then the lead
            continue
    return lead_excerpt(document, carried_by=carried_by)
