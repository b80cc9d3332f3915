"""The search engine: its query language, its results, and the index behind them.

Only this package imports Whoosh.  Everything outside it (the archive's facade,
the CLI, the window) uses the names exported here; the modules inside are its
internals.  `SearchEngine` (engine.py) is the interface the archive holds;
`SearchIndex` (index.py, over Whoosh) implements it, and any other engine must
pass tests/core/search/test_engine_conformance.py.  A search returns the
`MatchTerms` it matched, so highlights in any text need no second query.
`PostgresIndex` (postgres.py) is the team archive's engine; it is loaded on first use, so that
the desktop never imports psycopg.
"""

from typing import TYPE_CHECKING, Any

from briefer.core.search.analysis import MatchTerms, Span
from briefer.core.search.engine import IndexHit, IndexResults, SearchEngine, Tier, WriteBatch
from briefer.core.search.errors import (
    ForeignIndexFolder,
    IndexBusy,
    IndexWriterDied,
    QueryError,
    QueryLimit,
    QueryTooBroad,
    QueryTooLong,
)
from briefer.core.search.index import SearchIndex
from briefer.core.search.query import FACETS, SORTS, AliasTable, FacetCounts, SearchRequest
from briefer.core.search.ranking import Factor
from briefer.core.search.results import Hit, Passage, SearchResults, Snippet, make_passages, make_snippet

if TYPE_CHECKING:
    from briefer.core.search.postgres import PostgresIndex


def __getattr__(name: str) -> Any:
    if name == "PostgresIndex":
        from briefer.core.search.postgres import PostgresIndex

        return PostgresIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FACETS",
    "SORTS",
    "AliasTable",
    "FacetCounts",
    "Factor",
    "ForeignIndexFolder",
    "Hit",
    "IndexBusy",
    "IndexHit",
    "IndexResults",
    "IndexWriterDied",
    "MatchTerms",
    "Passage",
    "PostgresIndex",
    "QueryError",
    "QueryLimit",
    "QueryTooBroad",
    "QueryTooLong",
    "SearchEngine",
    "SearchIndex",
    "SearchRequest",
    "SearchResults",
    "Snippet",
    "Span",
    "Tier",
    "WriteBatch",
    "make_passages",
    "make_snippet",
]
