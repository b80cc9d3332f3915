"""The catalog's tables, and how a catalog of an older schema is brought up to date.

Opening an up-to-date catalog writes nothing: every statement here is made only
when what it makes is missing.
"""

from __future__ import annotations

import sqlite3
import uuid

from briefer.core.errors import BrieferError

SCHEMA_VERSION = 4  # 2: pages, parents, entry keys, flags, containers; 3: near-duplicate clusters;
# 4: document revisions (what the index holds of a document is marked by the revision it read)
# Columns added after version 1, with the ALTER TABLE that adds each to an older catalog.
_ADDED_COLUMNS = (
    ("documents", "pages", "TEXT NOT NULL DEFAULT ''"),  # page start offsets, comma-separated
    ("documents", "parent_id", "TEXT"),  # the document this one came with (an e-mail's attachment)
    (
        "documents",
        "entry_key",
        "TEXT NOT NULL DEFAULT ''",
    ),  # feed entry id: identity across files
    ("documents", "flags", "TEXT NOT NULL DEFAULT ''"),  # e.g. "ocr"
    ("locations", "container", "TEXT"),  # for a member ("a.zip/page.html"): the file that holds it
    ("documents", "revision", "INTEGER NOT NULL DEFAULT 0"),  # + 1 on each change the index shows
    # clusters.shingle_filter of the signed text (NULL: signed by an older Briefer, or too long).
    # No new schema version: an older Briefer reads such a catalog as it is and signs without one.
    ("signatures", "shingle_filter", "BLOB"),
)
_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS documents_entry_key ON documents(entry_key) WHERE entry_key != '';
CREATE INDEX IF NOT EXISTS documents_parent ON documents(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS locations_container ON locations(container) WHERE container IS NOT NULL;
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS texts (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    normalization INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL REFERENCES texts(hash),
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    published TEXT,
    published_raw TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    source_type TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
-- `indexed` is 1 when the index holds the document as it is: set only for the `revision` an indexer
-- read, so a change made while it indexed (a tag from another process) leaves it 0 (see mark_indexed).
CREATE INDEX IF NOT EXISTS documents_content ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_unindexed ON documents(indexed) WHERE indexed = 0;
CREATE TABLE IF NOT EXISTS document_versions (
    doc_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, text_hash)
);
CREATE TABLE IF NOT EXISTS locations (
    path TEXT PRIMARY KEY,
    doc_id TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    content_hash TEXT,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS locations_doc ON locations(doc_id);
CREATE TABLE IF NOT EXISTS tags (
    doc_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (doc_id, tag)
);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT
);
-- Near-duplicate clusters (see clusters.py).  One MinHash signature per document, of the text
-- version `text_hash`; an empty minhash marks a text too short to compare.  `bands` packs the
-- document's LSH band keys (so its rows of signature_bands can be found and deleted).
CREATE TABLE IF NOT EXISTS signatures (
    n INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    text_hash TEXT NOT NULL,
    minhash BLOB NOT NULL,
    bands BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS signature_bands (
    key INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (key, n)
) WITHOUT ROWID;
-- Only documents in a cluster of two or more have a row; `cluster` is its representative's id.
CREATE TABLE IF NOT EXISTS clusters (doc_id TEXT PRIMARY KEY, cluster TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clusters_cluster ON clusters(cluster);
"""

# The archive's identity (a random hex id) in the meta table: made when the catalog is created, or
# when a catalog from before identities is first opened; a copy of the data folder keeps it.
ARCHIVE_ID_KEY = "archive_id"


class CatalogError(BrieferError):
    """The catalog cannot be opened or is not one of ours."""


def create_or_update(db: sqlite3.Connection) -> None:
    """Make the tables a new catalog lacks, and bring an older one up to this schema."""
    db.executescript(SCHEMA)
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif int(row[0]) > SCHEMA_VERSION:
        raise CatalogError(
            f"the catalog was written by a newer Briefer (schema {row[0]}); upgrade Briefer to open it"
        )
    _add_columns(db)
    if row is not None and int(row[0]) < SCHEMA_VERSION:
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
    _reread_messages_known_by_message_id(db)


def archive_id(db: sqlite3.Connection) -> str:
    """The archive's id, made now if the catalog has none (two processes opening an older
    catalog at once both read the one that was inserted first)."""
    row = db.execute("SELECT value FROM meta WHERE key=?", (ARCHIVE_ID_KEY,)).fetchone()
    if row is None:
        db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (ARCHIVE_ID_KEY, uuid.uuid4().hex))
        row = db.execute("SELECT value FROM meta WHERE key=?", (ARCHIVE_ID_KEY,)).fetchone()
    return str(row[0])


def _add_columns(db: sqlite3.Connection) -> None:
    """Bring a catalog of an older schema up to date: only columns are ever added."""
    for table, column, definition in _ADDED_COLUMNS:
        present = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
    db.executescript(_ADDED_INDEXES)


def _reread_messages_known_by_message_id(db: sqlite3.Connection) -> None:
    """Have the next import read again the e-mails an older Briefer knew by their Message-ID.

    It merged messages that share one into one document (the last read);
    forgetting their files' sizes, times and hashes makes the next import read them again,
    and each message then gets a document of its own (see
    `mail.message_hash`).  A no-op once done: the keys are cleared last.
    """
    by_message_id = "entry_key >= 'message-id:' AND entry_key < 'message-id;'"
    if db.execute(f"SELECT 1 FROM documents WHERE {by_message_id} LIMIT 1").fetchone() is None:
        return
    documents = f"SELECT id FROM documents WHERE {by_message_id}"
    containers = f"SELECT container FROM locations WHERE doc_id IN ({documents})"
    db.execute(
        "UPDATE locations SET size=NULL, mtime_ns=NULL, content_hash=NULL "
        f"WHERE doc_id IN ({documents}) OR path IN ({containers})"
    )
    db.execute(f"UPDATE documents SET entry_key='' WHERE {by_message_id}")
