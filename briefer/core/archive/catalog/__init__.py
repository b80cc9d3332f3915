"""The archive catalog: every imported document, its text versions and file locations.

SQLite (stdlib), one file in the data directory.  The catalog is the source of
truth; the search index is derived from it and can be rebuilt at any time.

One module per family of tables, each a class over the shared connections of
`store.CatalogStore`: `documents` (documents, texts and their versions, what the
index holds), `locations` (files and import runs), `tags`, `signatures`
(near-duplicate signatures and clusters); `schema` makes and updates the tables.
`Catalog` is all of them: the one object the archive's modules hold.
"""

from __future__ import annotations

from briefer.core.archive.catalog.documents import DocumentTables, new_document_id
from briefer.core.archive.catalog.locations import Location
from briefer.core.archive.catalog.schema import ARCHIVE_ID_KEY, SCHEMA_VERSION, CatalogError
from briefer.core.archive.catalog.signatures import DocumentFacts, SignatureTables
from briefer.core.archive.catalog.store import now_iso, sha256_hex


class Catalog(DocumentTables, SignatureTables):
    """The SQLite catalog, safe to share between threads (see `store.CatalogStore`)."""


__all__ = [
    "ARCHIVE_ID_KEY",
    "SCHEMA_VERSION",
    "Catalog",
    "CatalogError",
    "DocumentFacts",
    "Location",
    "new_document_id",
    "now_iso",
    "sha256_hex",
]
