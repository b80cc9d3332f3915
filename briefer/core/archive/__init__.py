"""The archive: its catalog, its import, its clusters, behind one facade (`Archive`).

The GUI and the CLI talk to the archive only through what this package exports
(tests/core/test_layering.py holds them to it): the facade, and the value types,
errors and pure functions that go with what it returns.  The modules beside the
facade are its internals.

Every name is loaded when first used, not when the package is imported: a module of
the package imports the package first, and the parser workers, which need only
`files` and `limits` from it, must not load the facade (the search engine, Whoosh,
the catalog) nor the importer (every parser) or clusters (numpy) with them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefer.core.archive.catalog import CatalogError
    from briefer.core.archive.clusters import ClusterStats, check_threshold
    from briefer.core.archive.copy_diff import ClusterDiff, ParagraphChange, cluster_diff, word_diff
    from briefer.core.archive.facade import (
        CATALOG_FILE,
        LOCK_FILE,
        SAMPLE_EXCLUDE,
        Archive,
        ArchiveBusy,
        ArchiveMissing,
        ArchiveStats,
        Breakdown,
        Copies,
        DocumentRecord,
        FailedFile,
        FileStatus,
        QueryError,
        TagChange,
    )
    from briefer.core.archive.files import NotRegularFile, TooLarge, read_file
    from briefer.core.archive.import_status import IMPORT, REINDEX, ImportProgress
    from briefer.core.archive.import_summary import FileOutcome, ImportSummary
    from briefer.core.archive.limits import DEFAULT_TIME_LIMIT, ENVIRONMENT, ImportLimits, LimitError
    from briefer.core.archive.removal import RemovalPlan, quoted_documents
    from briefer.core.archive.saved_searches import SavedSearch, SavedSearchError, SavedSearches
    from briefer.core.archive.workers import parse_each

_MODULE_OF = {
    "CatalogError": "catalog",
    "ClusterDiff": "copy_diff",
    "ClusterStats": "clusters",
    "ParagraphChange": "copy_diff",
    "check_threshold": "clusters",
    "cluster_diff": "copy_diff",
    "word_diff": "copy_diff",
    "CATALOG_FILE": "facade",
    "LOCK_FILE": "facade",
    "SAMPLE_EXCLUDE": "facade",
    "Archive": "facade",
    "ArchiveBusy": "facade",
    "ArchiveMissing": "facade",
    "ArchiveStats": "facade",
    "Breakdown": "facade",
    "Copies": "facade",
    "DocumentRecord": "facade",
    "FailedFile": "facade",
    "FileStatus": "facade",
    "QueryError": "facade",
    "TagChange": "facade",
    "NotRegularFile": "files",
    "TooLarge": "files",
    "read_file": "files",
    "IMPORT": "import_status",
    "REINDEX": "import_status",
    "ImportProgress": "import_status",
    "FileOutcome": "importer",
    "ImportSummary": "importer",
    "DEFAULT_TIME_LIMIT": "limits",
    "ENVIRONMENT": "limits",
    "ImportLimits": "limits",
    "LimitError": "limits",
    "RemovalPlan": "removal",
    "quoted_documents": "removal",
    "SavedSearch": "saved_searches",
    "SavedSearchError": "saved_searches",
    "SavedSearches": "saved_searches",
    "parse_each": "workers",
}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


__all__ = [
    "CATALOG_FILE",
    "DEFAULT_TIME_LIMIT",
    "ENVIRONMENT",
    "IMPORT",
    "LOCK_FILE",
    "REINDEX",
    "SAMPLE_EXCLUDE",
    "Archive",
    "ArchiveBusy",
    "ArchiveMissing",
    "ArchiveStats",
    "Breakdown",
    "CatalogError",
    "ClusterDiff",
    "ClusterStats",
    "Copies",
    "DocumentRecord",
    "FailedFile",
    "FileOutcome",
    "FileStatus",
    "ImportLimits",
    "ImportProgress",
    "ImportSummary",
    "LimitError",
    "NotRegularFile",
    "ParagraphChange",
    "QueryError",
    "RemovalPlan",
    "SavedSearch",
    "SavedSearchError",
    "SavedSearches",
    "TagChange",
    "TooLarge",
    "check_threshold",
    "cluster_diff",
    "parse_each",
    "quoted_documents",
    "read_file",
    "word_diff",
]
