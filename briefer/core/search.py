"""Search results as the user sees them: hits with metadata and highlighted snippets.

Snippets are cut from the catalog's normalized text, so every highlight is a
span of the same text that excerpts cite.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from briefer.core.documents import Document

SNIPPET_CHARS = 240
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002])[\"'\u201d\u2019)]*\s+|\n\n")


@dataclass(frozen=True)
class Snippet:
    """A short piece of a document's text around the best matches.

    `start` is where the piece begins in the document's normalized text;
    `highlights` are spans relative to `text`.
    """

    text: str
    start: int
    highlights: tuple[tuple[int, int], ...] = ()
    leading_ellipsis: bool = False
    trailing_ellipsis: bool = False

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The snippet with each highlight wrapped in `before` and `after`."""
        return self._render(lambda s: s, before, after)

    def html(self) -> str:
        return self._render(html.escape, "<b>", "</b>")

    def _render(self, escape: Any, before: str, after: str) -> str:
        out, pos = [], 0
        for start, end in self.highlights:
            out += [escape(self.text[pos:start]), before, escape(self.text[start:end]), after]
            pos = end
        out.append(escape(self.text[pos:]))
        # Paragraph breaks read as spaces in a one-line snippet.
        return (
            ("\u2026 " if self.leading_ellipsis else "")
            + "".join(out).replace("\n\n", " ")
            + (" \u2026" if self.trailing_ellipsis else "")
        )


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float
    snippet: Snippet
    matches: int  # occurrences of the query terms in the document

    @property
    def id(self) -> str:
        return self.document.id

    def as_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "id": doc.id,
            "path": doc.path,
            "title": doc.title,
            "source": doc.source,
            "author": doc.author,
            "published": doc.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if doc.published
            else None,
            "url": doc.url,
            "language": doc.language,
            "score": round(self.score, 4),
            "snippet": self.snippet.marked("", "").strip(),
            "snippet_marked": self.snippet.marked(),
            "snippet_start": self.snippet.start,
            "highlights": [list(span) for span in self.snippet.highlights],
            "matches": self.matches,
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[Hit]
    total: int
    notices: tuple[str, ...] = ()


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [s for s in spans if s[1] > s[0]]


def make_snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> Snippet:
    """The best sentence(s) of `text` for the matches at `spans`, at most about `width` chars."""
    if not spans:
        return _window(text, 0, min(len(text), width), [])
    sentences = _sentences(text)
    best = max(sentences, key=lambda s: _sentence_score(text, s, spans))
    start, end = best
    if end - start > width:  # a long sentence: centre on its first match
        first = next((a for a, _ in spans if a >= start), start)
        start = max(start, first - width // 3)
        end = min(end, start + width)
    else:  # room to spare: add the following sentences while they fit
        for s_start, s_end in sentences:
            if s_start >= end and s_end - start <= width:
                end = s_end
            elif s_start >= end:
                break
    return _window(text, start, end, spans)


def _sentence_score(text: str, sentence: tuple[int, int], spans: list[tuple[int, int]]) -> tuple[int, int]:
    """More distinct query words first, then more matches."""
    inside = [(a, b) for a, b in spans if a >= sentence[0] and b <= sentence[1]]
    return len({text[a:b].lower() for a, b in inside}), len(inside)


def _window(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    # Never cut inside a word.
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    piece = text[start:end]
    stripped = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    start += stripped
    highlights = tuple((a - start, b - start) for a, b in spans if a >= start and b <= start + len(piece))
    return Snippet(
        text=piece,
        start=start,
        highlights=highlights,
        leading_ellipsis=start > 0,
        trailing_ellipsis=start + len(piece) < len(text),
    )
