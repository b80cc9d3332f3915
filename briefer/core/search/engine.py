"""The search engine's interface: what the archive asks of a full-text engine, and what it gets back.

`briefer.core.archive.Archive` holds its engine as a `SearchEngine`.
`SearchIndex` (Whoosh, index.py) is the desktop's engine; another one (the
team archive's PostgreSQL) plugs in by implementing this protocol and passing
the conformance suite, tests/core/search/test_engine_conformance.py.

An engine indexes `Document`s by id and answers `SearchRequest`s written in
Briefer's query language (query.py: words, phrases, fields, dates, Boolean
operators, aliases) with document ids and scores, the exact number of matches,
facet counts, a spelling suggestion and the `MatchTerms` the query matched.
It keeps no text of its own that anyone reads back: the archive reads the
documents from its catalog and cuts snippets, passages and highlights from
their normalized text (results.py) with `MatchTerms.spans`, so a hit's
highlights, and any copy's, are found without asking the engine again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from briefer.core.documents import Document
from briefer.core.search.analysis import NO_TERMS, MatchTerms
from briefer.core.search.query import AliasExpansion, AliasTable, FacetCounts, SearchRequest
from briefer.core.search.ranking import Factor


class Tier(StrEnum):
    """Which words a hit has: all of the query's words, or most of its free words (the relaxed
    tier, listed after every hit of the first; see `SearchEngine.search`)."""

    ALL = "all"
    MOST = "most"


@dataclass(frozen=True)
class IndexHit:
    doc_id: str
    score: float
    match: Tier = Tier.ALL
    factors: tuple[Factor, ...] = ()  # what the score is made of, when the request asked to explain


@dataclass(frozen=True)
class IndexResults:
    """What an engine found: one page of hits, best first (or in the order asked for), the hits
    with all the words before those with most of them.

    `total` counts the documents of both tiers and `relaxed` those of the second, so all the words
    are in `total - relaxed`; `stories` and `relaxed_stories` count the same with each cluster of
    copies once (a cluster with a copy in the first tier is not in the second)."""

    hits: list[IndexHit]
    total: int  # exact: every matching document, on every page
    terms: MatchTerms = NO_TERMS  # what the query matched: highlights in any text (`MatchTerms.spans`)
    facets: dict[str, FacetCounts] | None = None  # of both tiers
    relaxed: int = 0  # documents in `total` that match most of the free words, not all
    expansions: tuple[AliasExpansion, ...] = ()
    suggestion: str = ""  # the query with misspelled words corrected, when there are some
    stories: int | None = None  # with collapsing: matches counting each cluster of copies once
    relaxed_stories: int | None = None  # with collapsing: the relaxed tier's stories


class WriteBatch(Protocol):
    """Documents added, replaced and deleted together: see `SearchEngine.batch`."""

    def put(self, doc: Document, *, new: bool = False, words: Collection[str] | None = None) -> None:
        """Index `doc`, replacing the document of the same id; `new` promises there is none yet.
        `words` are its `spelling.words_in(doc.title, doc.text)` when already found (by the parser
        worker that read the text): not found again."""

    def delete(self, doc_id: str) -> None:
        """Remove the document `doc_id` (nothing happens when there is none)."""

    def commit_and_continue(self) -> None:
        """Commit what this batch did so far (searches see it from now on) and go on writing."""


class SearchEngine(Protocol):
    """A full-text index of the archive's documents; see the module docstring.

    Searches read one committed state at a time: a search never sees half of
    a batch, and never waits for a writer.  Writers are one at a time across
    processes; a second one raises IndexBusy.  A writer killed mid-batch leaves
    the index usable, holding what was committed before.
    """

    aliases: AliasTable  # the name variants `search` expands a query's words to (kept current by the archive)

    @property
    def rebuilt_reason(self) -> str:
        """Why the index was found unusable when opened and recreated empty; "" when it was fine."""

    def batch(self, *, bulk: bool = False) -> AbstractContextManager[WriteBatch]:
        """A writer: leaving the `with` block commits everything it did, an exception discards it
        (all of it since the last `commit_and_continue`).  `bulk` says many documents follow
        (an engine may spread the work over processes).  Raises IndexBusy while another writes."""

    def reset(self) -> None:
        """Empty the index (before a rebuild from the catalog)."""

    def close(self) -> None: ...

    def doc_count(self) -> int:
        """How many documents the index holds."""

    def size_bytes(self) -> int:
        """The index's size on disk."""

    def search(self, request: SearchRequest, *, clusters: Mapping[str, str] | None = None) -> IndexResults:
        """The page of hits `request` asks for (query, filters, sort, page, facets); raises
        QueryError when the query cannot be read or is too broad.

        The relaxed tier: with `request.relax`, when fewer than `request.limit` results (stories
        when collapsing) have all the words, the documents that have most of the free words
        (`query.most_words_needed`) follow them, each hit marked `Tier.MOST`; every other clause
        (a `+word`, a phrase in quotes, a field or date clause, an explicit AND, the filters) still
        holds, and NOT still excludes.  Each tier is in the order asked for; pages run across both.

        With `clusters` (document id -> cluster id, for documents that have
        copies) and `request.collapse`, each cluster gives one hit, its
        best-ranked matching member, and `stories` counts the matches so.
        """

    def more_like(self, text: str, *, exclude: Collection[str] = (), limit: int = 10) -> IndexResults:
        """Documents about what `text` is about (its most telling words, weighed), best first;
        `exclude` ids are left out."""

    def words(self, prefix: str = "", *, limit: int = 100) -> list[str]:
        """The archive's vocabulary: words as written (lower case, not stemmed) that start with
        `prefix`, in order, at most `limit` of them.  Spelling suggestions come from it."""


__all__ = ["IndexHit", "IndexResults", "SearchEngine", "Tier", "WriteBatch"]
