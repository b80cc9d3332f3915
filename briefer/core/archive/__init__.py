"""The archive: its catalog, its import, its clusters, behind one facade (`Archive`).

The GUI and the CLI talk to the archive only through what this package exports;
the modules beside the facade are its internals.
"""

from briefer.core.archive.facade import (
    CATALOG_FILE,
    LOCK_FILE,
    SAMPLE_EXCLUDE,
    Archive,
    ArchiveBusy,
    ArchiveMissing,
    ArchiveStats,
    QueryError,
    TagChange,
)

__all__ = [
    "CATALOG_FILE",
    "LOCK_FILE",
    "SAMPLE_EXCLUDE",
    "Archive",
    "ArchiveBusy",
    "ArchiveMissing",
    "ArchiveStats",
    "QueryError",
    "TagChange",
]
