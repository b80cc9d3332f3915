"""The search engine: its query language, its results, and the index behind them.

Only this package imports Whoosh.  Everything outside it (the archive's facade,
the CLI, the window) uses the names exported here; the modules inside are its
internals.
"""

from briefer.core.search._whoosh_open import ForeignIndexFolder, IndexBusy
from briefer.core.search.query import (
    FACETS,
    SORTS,
    FacetCounts,
    QueryError,
    QueryTooBroad,
    QueryTooLong,
    SearchRequest,
)
from briefer.core.search.results import Hit, Passage, SearchResults, Snippet, make_passages, make_snippet

__all__ = [
    "FACETS",
    "SORTS",
    "FacetCounts",
    "ForeignIndexFolder",
    "Hit",
    "IndexBusy",
    "Passage",
    "QueryError",
    "QueryTooBroad",
    "QueryTooLong",
    "SearchRequest",
    "SearchResults",
    "Snippet",
    "make_passages",
    "make_snippet",
]
