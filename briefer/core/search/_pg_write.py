"""What the PostgreSQL engine stores for a document: its rows, made from Briefer's own analyzer.

Words become tsvector literals written here, never PostgreSQL's parser: the stems are those the
Whoosh index keeps (`analysis.indexed_terms`), so a query matches the same words in both engines
and highlights (`MatchTerms.spans`, cut from the text) fall at the same offsets.  A position is
the word's number among the words kept (stop words and one-letter words are dropped and not
counted, as Whoosh numbers them), so a phrase "new sanctions arms" matches "new sanctions on arms".

PostgreSQL keeps at most 16,383 positions per tsvector and 256 per word: the body is cut into
parts (rows) that stay within both, each overlapping the one before by `OVERLAP` words, so that a
phrase of up to `OVERLAP` words across a cut is whole in one part.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from briefer.core.documents import Document
from briefer.core.search import spelling
from briefer.core.search.analysis import indexed_terms
from briefer.core.search.query import label_key, language_key
from briefer.core.textnorm import word_pieces

PART_POSITIONS = 16_000  # positions in a part (PostgreSQL: at most 16,383)
TERM_POSITIONS = 255  # positions of one word in a part (PostgreSQL keeps 256, drops the rest silently)
OVERLAP = 64  # words a part repeats from the one before: the longest phrase matched across a cut
MAX_LEXEME_BYTES = 2046  # PostgreSQL refuses longer words in a tsvector; such a "word" is no word
MAX_WORD_LIST_BYTES = 1_000_000  # PostgreSQL: a tsvector's words take less than 1 MiB
NAME_WORDS = re.compile(r"\w+(?:\.?\w+)*")  # outlets and authors, as the Whoosh index reads them
URL_WORDS = re.compile(r"[^\W_]+")  # url:state.gov is the phrase "state gov"
NAME_FIELDS = ("source", "author", "url")


def tsvector_literal(positions: dict[str, list[int]]) -> str:
    """`{word: [1-based positions]}` as a tsvector literal."""
    return " ".join(f"{quote_lexeme(word)}:{','.join(map(str, found))}" for word, found in positions.items())


def quote_lexeme(word: str) -> str:
    """A word quoted for a tsvector or tsquery literal."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def usable(term: str) -> bool:
    return len(term.encode("utf-8")) <= MAX_LEXEME_BYTES


def kept_terms(text: str) -> Iterator[str]:
    """The indexed terms of `text` in order, the skipped words left out (a piece at a time)."""
    for piece in word_pieces(text):
        for term in indexed_terms(piece):
            if term is not None and usable(term):
                yield term


@dataclass
class Part:
    start: int  # the global position (0-based) of its first word
    terms: list[str]

    def positions(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for at, term in enumerate(self.terms, start=1):
            found.setdefault(term, []).append(at)
        return found


def body_parts(terms: Iterable[str]) -> list[Part]:
    """The body's terms cut into overlapping parts, each within PostgreSQL's position limits."""
    parts: list[Part] = []
    current = Part(0, [])
    counts: Counter[str] = Counter()
    for term in terms:
        if len(current.terms) >= PART_POSITIONS or counts[term] >= TERM_POSITIONS:
            parts.append(current)
            carried = current.terms[-OVERLAP:]
            current = Part(current.start + len(current.terms) - len(carried), list(carried))
            counts = Counter(carried)
        current.terms.append(term)
        counts[term] += 1
    if current.terms or not parts:
        parts.append(current)
    return parts


@dataclass
class DocumentRows:
    """A document as the engine's tables hold it, with what it adds to the statistics."""

    doc_id: str
    row: tuple[Any, ...]  # search_docs, in COLUMNS order
    parts: list[tuple[str, int, int, str]]  # search_parts: doc_id, part, start, body
    title_terms: Counter[str]
    body_terms: Counter[str]  # every word's occurrences in the whole body (not per part)
    words: set[str] = field(default_factory=set)  # the vocabulary: words as written, lower case

    @property
    def title_length(self) -> int:
        return sum(self.title_terms.values())

    @property
    def body_length(self) -> int:
        return sum(self.body_terms.values())


COLUMNS = (
    "doc_id",
    "title",
    "title_length",
    "body_length",
    "source",
    "author",
    "url",
    "names",
    "words",
    "outlet",
    "language",
    "type",
    "tags",
    "published",
    "day",
)


def document_rows(doc: Document, words: Iterable[str] | None = None) -> DocumentRows:
    """What the database holds of `doc`; `words` are its `spelling.words_in` when already found."""
    if words is None:
        words = spelling.words_in(doc.title, doc.text)
    title = list(kept_terms(doc.title))
    body = list(kept_terms(doc.text))
    title_vector = tsvector_literal(Part(0, title[:PART_POSITIONS]).positions())
    parts = [
        (doc.id, number, part.start, tsvector_literal(part.positions()))
        for number, part in enumerate(body_parts(body))
    ]
    published = doc.published
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # Whoosh reads a naive date as UTC too
    day = published.astimezone(UTC).date().toordinal() if published is not None else None
    row = (
        doc.id,
        title_vector,
        len(title),
        len(body),
        doc.source,
        doc.author,
        doc.url,
        names_vector(doc.source, doc.author, doc.url),
        words_vector({*title, *body}),
        doc.source or None,
        language_key(doc.language) or None,
        label_key(doc.source_type) or None,
        sorted({label_key(t) for t in doc.tags if label_key(t)}),
        published,
        day,
    )
    return DocumentRows(doc.id, row, parts, Counter(title), Counter(body), vocabulary(words))


def words_vector(terms: set[str]) -> str | None:
    """Every word of the title and body once, without positions: what a search looks up first (see
    _pg_query.Atom); None when they are too many for one tsvector (1 MB of words)."""
    if sum(len(t.encode("utf-8")) + 4 for t in terms) > MAX_WORD_LIST_BYTES:
        return None
    return " ".join(quote_lexeme(t) for t in sorted(terms))


def name_words(fieldname: str, value: str) -> list[str]:
    """The words of an outlet, author or web address, as the Whoosh index reads them."""
    pattern = URL_WORDS if fieldname == "url" else NAME_WORDS
    return [w for w in pattern.findall(value.lower()) if usable(w)]


def names_vector(source: str, author: str, url: str) -> str:
    """The outlet's, author's and address's words in one tsvector, each word prefixed with its
    field (`source:harbour`), the fields far apart so that no phrase runs from one into another."""
    positions: dict[str, list[int]] = {}
    for number, (fieldname, value) in enumerate(zip(NAME_FIELDS, (source, author, url), strict=True)):
        base = number * 4000
        for at, word in enumerate(name_words(fieldname, value)[:3000], start=base + 1):
            positions.setdefault(f"{fieldname}:{word}", []).append(at)
    return tsvector_literal({w: p[:TERM_POSITIONS] for w, p in positions.items()})


def vocabulary(words: Iterable[str]) -> set[str]:
    """Those of a document's `spelling.words_in` the database keeps."""
    return {w for w in words if usable(w)}


__all__ = [
    "COLUMNS",
    "NAME_FIELDS",
    "OVERLAP",
    "PART_POSITIONS",
    "DocumentRows",
    "body_parts",
    "document_rows",
    "name_words",
    "quote_lexeme",
    "tsvector_literal",
]
