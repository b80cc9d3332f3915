"""The search engine: its query language, its results, and the index behind them.

Only this package imports Whoosh.  Everything outside it (the archive's facade,
the CLI, the window) uses the names exported here; the modules inside are its
internals.
"""

from briefer.core.search.errors import (
    ForeignIndexFolder,
    IndexBusy,
    QueryError,
    QueryLimit,
    QueryTooBroad,
    QueryTooLong,
)
from briefer.core.search.query import FACETS, SORTS, FacetCounts, SearchRequest
from briefer.core.search.results import Hit, Passage, SearchResults, Snippet, make_passages, make_snippet
from briefer.core.search.saved_searches import SavedSearch, SavedSearchError, SavedSearches

__all__ = [
    "FACETS",
    "SORTS",
    "FacetCounts",
    "ForeignIndexFolder",
    "Hit",
    "IndexBusy",
    "Passage",
    "QueryError",
    "QueryLimit",
    "QueryTooBroad",
    "QueryTooLong",
    "SavedSearch",
    "SavedSearchError",
    "SavedSearches",
    "SearchRequest",
    "SearchResults",
    "Snippet",
    "make_passages",
    "make_snippet",
]
