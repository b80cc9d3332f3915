"""The archive catalog: every imported document, its text versions and file locations.

SQLite (stdlib), one file in the data directory.  The catalog is the source of
truth; the search index is derived from it and can be rebuilt at any time.

Texts are content-addressed (`texts`, keyed by the SHA-256 of the normalized
text) and never rewritten: a document that changes gets a new text version and
keeps the old ones, so spans captured against an earlier version stay valid.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from briefer.core.documents import ArchiveIdentity, Document, Extracted
from briefer.core.errors import BrieferError
from briefer.core.textnorm import NORMALIZATION_VERSION

log = logging.getLogger(__name__)

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
)
_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS documents_entry_key ON documents(entry_key) WHERE entry_key != '';
CREATE INDEX IF NOT EXISTS documents_parent ON documents(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS locations_container ON locations(container) WHERE container IS NOT NULL;
"""

_SCHEMA = """
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

_DOC_COLUMNS = (
    "id, title, text_hash, author, source, published, published_raw, url, language, format, "
    "source_type, imported_at, updated_at"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_document_id() -> str:
    return "d" + uuid.uuid4().hex[:15]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pack_keys(keys: list[int]) -> bytes:
    """Band keys (31-bit, see clusters.py) packed 4 bytes each."""
    return b"".join(k.to_bytes(4, "little") for k in keys)


def _unpack_keys(packed: bytes) -> list[int]:
    return [int.from_bytes(packed[i : i + 4], "little") for i in range(0, len(packed), 4)]


@dataclass(frozen=True)
class DocumentFacts:
    """What choosing a cluster's representative and naming its outlets need of a document."""

    id: str
    title: str
    source: str
    source_type: str
    published: datetime | None
    imported_at: datetime | None


@dataclass(frozen=True)
class Location:
    """What the catalog last recorded about one file path."""

    path: str
    doc_id: str | None
    size: int | None
    mtime_ns: int | None
    content_hash: str | None
    status: str
    reason: str
    container: str | None = None  # set for a member of an archive, mailbox, feed or e-mail


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _writes(method: _Method) -> _Method:
    """Run a writing method inside a transaction: the caller's, or one of its own."""

    @functools.wraps(method)
    def in_transaction(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        with self.transaction():
            return method(self, *args, **kwargs)

    return cast(_Method, in_transaction)


class CatalogError(BrieferError):
    """The catalog cannot be opened or is not one of ours."""


class Catalog:
    """The SQLite catalog, safe to share between threads.

    Writes go through one connection, one transaction at a time.  Reads made
    inside that transaction, on its thread, see its changes; reads from any
    other thread use a connection of their own and, thanks to WAL, see the last
    commit and never an import's half-written chunk.

    Opening an up-to-date catalog writes nothing (every write there is made only
    when it is missing): it can be read on a full disk (see `_connect`), and
    while another process holds the write lock.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._tx_owner: int | None = None
        self._alone = False  # the one connection holds the catalog to itself (a full disk)
        try:
            self._db = self._connect(path)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._check_version()
            self.identity = ArchiveIdentity(self._archive_id(), str(path.parent.resolve()))
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"cannot open the archive catalog {path}: {exc}") from exc
        self.path = path

    def _connect(self, path: Path) -> sqlite3.Connection:
        """The writing connection, in WAL mode.

        WAL connections share an index of the log in a file beside the catalog (-shm), made and
        grown by whichever connection comes first: on a full disk that fails, and nothing at all
        could be read.  Then this connection keeps that index in its own memory, which SQLite
        allows only to a connection that holds the catalog to itself (exclusive locking mode):
        every read goes through it, and other processes wait until this one closes the catalog.
        """
        db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            name = getattr(exc, "sqlite_errorname", "")
            if not (name.startswith("SQLITE_IOERR_SHM") or name == "SQLITE_FULL"):
                raise
            log.info("%s: no room for its shared-memory file (%s): opened for this process alone", path, name)
        db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA locking_mode=EXCLUSIVE")  # before the first read: no shared memory at all
        db.execute("PRAGMA journal_mode=WAL")
        self._alone = True
        return db

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise CatalogError(
                f"the catalog was written by a newer Briefer (schema {row[0]}); upgrade Briefer to open it"
            )
        self._add_columns()
        if row is not None and int(row[0]) < SCHEMA_VERSION:
            self._db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
        self._reread_messages_known_by_message_id()

    def _archive_id(self) -> str:
        """The archive's id, made now if the catalog has none (two processes opening an older
        catalog at once both read the one that was inserted first)."""
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (ARCHIVE_ID_KEY,)).fetchone()
        if row is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (ARCHIVE_ID_KEY, uuid.uuid4().hex))
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (ARCHIVE_ID_KEY,)).fetchone()
        return str(row[0])

    def _add_columns(self) -> None:
        """Bring a catalog of an older schema up to date: only columns are ever added."""
        for table, column, definition in _ADDED_COLUMNS:
            present = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self._db.executescript(_ADDED_INDEXES)

    def _reread_messages_known_by_message_id(self) -> None:
        """Have the next import read again the e-mails an older Briefer knew by their Message-ID.

        It merged messages that share one into one document (the last read);
        forgetting their files' sizes, times and hashes makes the next import read them again,
        and each message then gets a document of its own (see
        `mail.message_hash`).  A no-op once done: the keys are cleared last.
        """
        by_message_id = "entry_key >= 'message-id:' AND entry_key < 'message-id;'"
        if self._db.execute(f"SELECT 1 FROM documents WHERE {by_message_id} LIMIT 1").fetchone() is None:
            return
        documents = f"SELECT id FROM documents WHERE {by_message_id}"
        containers = f"SELECT container FROM locations WHERE doc_id IN ({documents})"
        self._db.execute(
            "UPDATE locations SET size=NULL, mtime_ns=NULL, content_hash=NULL "
            f"WHERE doc_id IN ({documents}) OR path IN ({containers})"
        )
        self._db.execute(f"UPDATE documents SET entry_key='' WHERE {by_message_id}")

    def close(self) -> None:
        with self._lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen together or not at all; nested calls join the outer one."""
        with self._lock:
            if self._tx_owner == threading.get_ident():
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._tx_owner = threading.get_ident()
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._tx_owner = None

    def _read(self) -> sqlite3.Connection:
        """The connection for a read: the open transaction's on its thread, else this thread's own."""
        if self._tx_owner == threading.get_ident() or self._alone:
            return self._db
        reader: sqlite3.Connection | None = getattr(self._local, "db", None)
        if reader is None:
            reader = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._local.db = reader
            with self._lock:
                self._readers.append(reader)
        return reader

    # -- locations ---------------------------------------------------------------
    def locations(self) -> dict[str, Location]:
        rows = self._read().execute(
            "SELECT path, doc_id, size, mtime_ns, content_hash, status, reason, container FROM locations"
        )
        return {row[0]: Location(*row) for row in rows}

    @_writes
    def set_location(
        self,
        path: str,
        *,
        doc_id: str | None,
        size: int | None,
        mtime_ns: int | None,
        content_hash: str | None,
        status: str,
        reason: str = "",
        container: str | None = None,
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO locations "
            "(path, doc_id, size, mtime_ns, content_hash, status, reason, seen_at, container) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (path, doc_id, size, mtime_ns, content_hash, status, reason, now_iso(), container),
        )

    @_writes
    def touch_location(self, path: str, size: int, mtime_ns: int, status: str) -> None:
        self._db.execute(
            "UPDATE locations SET size=?, mtime_ns=?, status=?, reason='', seen_at=? WHERE path=?",
            (size, mtime_ns, status, now_iso(), path),
        )

    @_writes
    def remove_location(self, path: str) -> None:
        self._db.execute("DELETE FROM locations WHERE path=?", (path,))

    def paths_of(self, doc_id: str) -> list[str]:
        rows = self._read().execute(
            "SELECT path FROM locations WHERE doc_id=? ORDER BY status != 'duplicate', path", (doc_id,)
        )
        return [row[0] for row in rows]

    def failures(self) -> list[Location]:
        rows = self._read().execute(
            "SELECT path, doc_id, size, mtime_ns, content_hash, status, reason FROM locations "
            "WHERE status='failed' ORDER BY path"
        )
        return [Location(*row) for row in rows]

    # -- documents ---------------------------------------------------------------
    def document_by_content(self, content_hash: str) -> str | None:
        query = "SELECT id FROM documents WHERE content_hash=?"
        row = self._read().execute(query, (content_hash,)).fetchone()
        return row[0] if row else None

    def _store_text(self, text: str) -> str:
        text_hash = sha256_hex(text.encode("utf-8", "surrogatepass"))
        self._db.execute(
            "INSERT OR IGNORE INTO texts VALUES (?, ?, ?, ?)",
            (text_hash, text, NORMALIZATION_VERSION, now_iso()),
        )
        return text_hash

    @_writes
    def put_document(
        self,
        doc_id: str | None,
        content_hash: str,
        extracted: Extracted,
        *,
        entry_key: str = "",
        parent_id: str | None = None,
    ) -> str:
        """Insert a new document (doc_id None) or a new version of one; returns its id."""
        text_hash = self._store_text(extracted.text)
        stamp = now_iso()
        values = (
            content_hash,
            text_hash,
            extracted.title,
            extracted.author,
            extracted.source,
            _iso(extracted.published),
            extracted.published_raw,
            extracted.url,
            extracted.language,
            extracted.format,
            extracted.source_type,
            ",".join(map(str, extracted.pages)),
            ",".join(extracted.flags),
            entry_key,
            parent_id,
        )
        if doc_id is None:
            doc_id = new_document_id()
            self._db.execute(
                "INSERT INTO documents (content_hash, text_hash, title, author, source, published, "
                "published_raw, url, language, format, source_type, pages, flags, entry_key, parent_id, "
                "id, imported_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, doc_id, stamp, stamp),
            )
        else:
            self._db.execute(
                "UPDATE documents SET content_hash=?, text_hash=?, title=?, author=?, source=?, "
                "published=?, published_raw=?, url=?, language=?, format=?, source_type=?, pages=?, "
                "flags=?, entry_key=?, parent_id=?, updated_at=?, indexed=0, revision=revision+1 WHERE id=?",
                (*values, stamp, doc_id),
            )
        self._db.execute(
            "INSERT OR IGNORE INTO document_versions VALUES (?, ?, ?)", (doc_id, text_hash, stamp)
        )
        return doc_id

    @_writes
    def delete_document(self, doc_id: str) -> None:
        """Forget a document and its locations; its text versions stay for verification."""
        self._db.execute("DELETE FROM locations WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM tags WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    def mark_indexed(self, revisions: Mapping[str, int]) -> None:
        """The index has committed these documents as of these revisions (see `indexable`).

        A document changed since (a tag added by another process while an import held the index)
        has a newer revision and stays unindexed: whoever indexes next picks it up, nothing that
        read it earlier can mark the change as indexed.
        """
        with self.transaction():
            self._db.executemany(
                "UPDATE documents SET indexed=1 WHERE id=? AND revision=?", revisions.items()
            )

    @_writes
    def mark_all_unindexed(self) -> None:
        self._db.execute("UPDATE documents SET indexed=0")

    def unindexed_ids(self) -> list[str]:
        return [row[0] for row in self._read().execute("SELECT id FROM documents WHERE indexed=0")]

    def revisions(self, doc_ids: list[str]) -> dict[str, int]:
        """The current revision of each document, by id (unknown ids left out)."""
        found: dict[str, int] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(f"SELECT id, revision FROM documents WHERE id IN ({marks})", chunk)
            found.update((str(r[0]), int(r[1])) for r in rows)
        return found

    def indexable(self, doc_ids: list[str]) -> tuple[list[Document], dict[str, int]]:
        """The documents with these ids (as `documents`) and the revisions to mark them indexed with.

        The revisions are read first: a change committed between the two reads gives a document
        newer than its revision, which `mark_indexed` then leaves unindexed (indexed once more
        later), never an older document marked as the newer revision.
        """
        revisions = self.revisions(doc_ids)
        return self.documents(doc_ids), revisions

    def all_ids(self) -> list[str]:
        return [row[0] for row in self._read().execute("SELECT id FROM documents ORDER BY rowid")]

    def document(self, doc_id: str) -> Document | None:
        docs = self.documents([doc_id])
        return docs[0] if docs else None

    def documents(self, doc_ids: list[str]) -> list[Document]:
        """The documents with these ids, in the same order; unknown ids are left out."""
        found: dict[str, Document] = {}
        for chunk_start in range(0, len(doc_ids), 500):
            chunk = doc_ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT d.id, d.title, t.text, d.text_hash, d.author, d.source, d.published, "
                f"d.published_raw, d.url, d.language, d.format, d.source_type, d.imported_at, "
                f"d.updated_at, d.pages, d.parent_id, d.flags FROM documents d "
                f"JOIN texts t ON t.hash = d.text_hash WHERE d.id IN ({marks})",
                chunk,
            )
            tags = self.tags_of(chunk)
            for row in rows:
                doc = self._document_from_row(row)
                found[doc.id] = replace(doc, tags=tags.get(doc.id, ()))
        return [found[i] for i in doc_ids if i in found]

    def _document_from_row(self, row: tuple[object, ...]) -> Document:
        doc_id = str(row[0])
        return Document(
            id=doc_id,
            title=str(row[1]),
            text=str(row[2]),
            text_hash=str(row[3]),
            author=str(row[4]),
            source=str(row[5]),
            published=_from_iso(row[6] if isinstance(row[6], str) else None),
            published_raw=str(row[7]),
            url=str(row[8]),
            language=str(row[9]),
            format=str(row[10]),
            source_type=str(row[11]),
            paths=tuple(self.paths_of(doc_id)),
            imported_at=_from_iso(str(row[12])),
            updated_at=_from_iso(str(row[13])),
            pages=tuple(int(p) for p in str(row[14] or "").split(",") if p),
            parent_id=str(row[15]) if row[15] else None,
            flags=tuple(f for f in str(row[16] or "").split(",") if f),
            archive=self.identity,
        )

    def document_by_key(self, entry_key: str) -> tuple[str, str] | None:
        """(id, content hash) of the document with this entry key (a feed entry's id), if any."""
        row = (
            self._read()
            .execute("SELECT id, content_hash FROM documents WHERE entry_key=? LIMIT 1", (entry_key,))
            .fetchone()
        )
        return (str(row[0]), str(row[1])) if row else None

    def attachments_of(self, doc_id: str) -> list[str]:
        """Ids of the documents that came with `doc_id` (an e-mail's attachments)."""
        rows = self._read().execute("SELECT id FROM documents WHERE parent_id=? ORDER BY rowid", (doc_id,))
        return [str(row[0]) for row in rows]

    def members_of(self, container: str) -> list[Location]:
        """What the catalog recorded about the members of a container file."""
        rows = self._read().execute(
            "SELECT path, doc_id, size, mtime_ns, content_hash, status, reason, container FROM locations "
            "WHERE container=? ORDER BY path",
            (container,),
        )
        return [Location(*row) for row in rows]

    # -- tags ------------------------------------------------------------------------
    @_writes
    def add_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", ((doc_id, t) for t in tags))
        self._db.execute("UPDATE documents SET indexed=0, revision=revision+1 WHERE id=?", (doc_id,))

    @_writes
    def remove_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM tags WHERE doc_id=? AND tag=?", ((doc_id, t) for t in tags))
        self._db.execute("UPDATE documents SET indexed=0, revision=revision+1 WHERE id=?", (doc_id,))

    def tags_of(self, doc_ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT doc_id, tag FROM tags WHERE doc_id IN ({marks}) ORDER BY tag", chunk
            )
            for doc_id, tag in rows:
                found.setdefault(doc_id, []).append(tag)
        return {k: tuple(v) for k, v in found.items()}

    def all_tags(self) -> dict[str, int]:
        rows = self._read().execute("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag")
        return {str(tag): int(count) for tag, count in rows}

    def text_version(self, text_hash: str) -> str | None:
        row = self._read().execute("SELECT text FROM texts WHERE hash=?", (text_hash,)).fetchone()
        return str(row[0]) if row else None

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """The current text of each document (for snippets), by id."""
        found: dict[str, str] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT d.id, t.text FROM documents d JOIN texts t ON t.hash = d.text_hash "
                f"WHERE d.id IN ({marks})",
                chunk,
            )
            found.update((str(r[0]), str(r[1])) for r in rows)
        return found

    # -- statistics --------------------------------------------------------------
    def count_documents(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM documents").fetchone()[0])

    def count_unindexed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM documents WHERE indexed=0").fetchone()[0])

    def count_failed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM locations WHERE status='failed'").fetchone()[0])

    def change_stamp(self) -> tuple[int, int]:
        """A value that changes whenever the catalog changes, cheap to read: counts derived from
        the catalog (e.g. by searches) can be kept until it does.  (SQLite's data_version of this
        thread's connection: it moves on every commit made through another connection.)"""
        version = int(self._read().execute("PRAGMA data_version").fetchone()[0])
        return threading.get_ident(), version

    @_writes
    def start_import(self) -> int:
        cursor = self._db.execute("INSERT INTO imports (started_at) VALUES (?)", (now_iso(),))
        return int(cursor.lastrowid or 0)

    @_writes
    def finish_import(self, import_id: int, summary: str) -> None:
        self._db.execute(
            "UPDATE imports SET finished_at=?, summary=? WHERE id=?", (now_iso(), summary, import_id)
        )

    # -- settings ----------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        """A value kept in the catalog (e.g. the cluster threshold), or None."""
        row = self._read().execute("SELECT value FROM meta WHERE key=?", ("setting." + key,)).fetchone()
        return str(row[0]) if row else None

    @_writes
    def set_setting(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", ("setting." + key, value))

    # -- near-duplicate signatures and clusters (the algorithms are in clusters.py) ---------
    def unsigned_ids(self) -> list[str]:
        """Documents with no signature of their current text (new, changed, or from before clusters)."""
        rows = self._read().execute(
            "SELECT d.id FROM documents d LEFT JOIN signatures s ON s.doc_id = d.id "
            "WHERE s.doc_id IS NULL OR s.text_hash != d.text_hash ORDER BY d.rowid"
        )
        return [str(row[0]) for row in rows]

    def orphaned_cluster_ids(self) -> list[str]:
        """Ids with a signature or a cluster row but no document any more."""
        rows = self._read().execute(
            "SELECT doc_id FROM signatures WHERE doc_id NOT IN (SELECT id FROM documents) "
            "UNION SELECT doc_id FROM clusters WHERE doc_id NOT IN (SELECT id FROM documents)"
        )
        return [str(row[0]) for row in rows]

    def titles_and_texts(self, doc_ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """(title, text, text hash) of each document's current version, by id."""
        found: dict[str, tuple[str, str, str]] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT d.id, d.title, t.text, d.text_hash FROM documents d "
                f"JOIN texts t ON t.hash = d.text_hash WHERE d.id IN ({marks})",
                chunk,
            )
            found.update((str(r[0]), (str(r[1]), str(r[2]), str(r[3]))) for r in rows)
        return found

    @_writes
    def put_signatures(self, rows: list[tuple[str, str, bytes, list[int]]]) -> None:
        """Store (document id, text hash, minhash, band keys) of documents that have none."""
        if not rows:
            return
        first = int(self._db.execute("SELECT coalesce(max(n), 0) + 1 FROM signatures").fetchone()[0])
        self._db.executemany(
            "INSERT INTO signatures (n, doc_id, text_hash, minhash, bands) VALUES (?, ?, ?, ?, ?)",
            ((first + i, d, h, m, _pack_keys(k)) for i, (d, h, m, k) in enumerate(rows)),
        )
        bands = sorted((key, first + i) for i, (_, _, _, keys) in enumerate(rows) for key in keys)
        self._db.executemany("INSERT OR IGNORE INTO signature_bands VALUES (?, ?)", bands)

    @_writes
    def delete_signature(self, doc_id: str) -> None:
        row = self._db.execute("SELECT n, bands FROM signatures WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return
        n, bands = row
        self._db.executemany(
            "DELETE FROM signature_bands WHERE key=? AND n=?", ((k, n) for k in _unpack_keys(bands))
        )
        self._db.execute("DELETE FROM signatures WHERE n=?", (n,))

    def band_neighbours(
        self, keys: list[int], *, limit: int = 256, per_key: int = 64
    ) -> list[tuple[str, str | None, int]]:
        """(id, cluster id or None, band keys shared) of the `limit` documents sharing the most of
        `keys` (at least one), counting at most the `per_key` newest documents of each key: a key
        hundreds of documents share (a big cluster, a form letter) costs no more than a rare one."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        db = self._read()
        found = db.execute(
            f"SELECT n FROM signature_bands WHERE key IN ({marks}) LIMIT ?", [*keys, per_key + 1]
        )
        numbers = [int(r[0]) for r in found]
        if not numbers:  # the usual answer: one quick look
            return []
        if len(numbers) <= per_key:
            shared: dict[int, int] = {}
            for n in numbers:
                shared[n] = shared.get(n, 0) + 1
            best = sorted(shared, key=lambda n: -shared[n])[:limit]
            rows = db.execute(
                f"SELECT s.n, s.doc_id, c.cluster FROM signatures s "
                f"LEFT JOIN clusters c ON c.doc_id = s.doc_id WHERE s.n IN ({','.join('?' * len(best))})",
                best,
            )
            return [(str(r[1]), str(r[2]) if r[2] is not None else None, shared[int(r[0])]) for r in rows]
        per = " UNION ALL ".join(
            "SELECT * FROM (SELECT n FROM signature_bands WHERE key=? ORDER BY n DESC LIMIT ?)" for _ in keys
        )
        rows = db.execute(
            f"SELECT s.doc_id, c.cluster, b.shared FROM "
            f"(SELECT n, count(*) AS shared FROM ({per}) GROUP BY n ORDER BY shared DESC LIMIT ?) b "
            f"JOIN signatures s ON s.n = b.n LEFT JOIN clusters c ON c.doc_id = s.doc_id",
            [*(v for k in keys for v in (k, per_key)), limit],
        )
        return [(str(r[0]), str(r[1]) if r[1] is not None else None, int(r[2])) for r in rows]

    def known_band_keys(self, keys: list[int]) -> set[int]:
        """Those of `keys` some signed document has."""
        found: set[int] = set()
        unique = sorted(set(keys))
        for start in range(0, len(unique), 900):
            chunk = unique[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT DISTINCT key FROM signature_bands WHERE key IN ({marks})", chunk
            )
            found.update(int(r[0]) for r in rows)
        return found

    def minhashes(self, doc_ids: list[str] | None = None) -> dict[str, bytes]:
        """The stored minhash of each document (every signed document when `doc_ids` is None)."""
        if doc_ids is None:
            rows = self._read().execute("SELECT doc_id, minhash FROM signatures")
            return {str(r[0]): bytes(r[1]) for r in rows}
        found: dict[str, bytes] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT doc_id, minhash FROM signatures WHERE doc_id IN ({marks})", chunk
            )
            found.update((str(r[0]), bytes(r[1])) for r in rows)
        return found

    def signature_keys(self) -> list[tuple[str, bytes, list[int]]]:
        """(id, minhash, band keys) of every signed document, in the order they were signed."""
        rows = self._read().execute("SELECT doc_id, minhash, bands FROM signatures ORDER BY n")
        return [(str(r[0]), bytes(r[1]), _unpack_keys(bytes(r[2]))) for r in rows]

    def cluster_id(self, doc_id: str) -> str | None:
        """The cluster (its representative's id) of a document in a cluster of two or more, else None."""
        row = self._read().execute("SELECT cluster FROM clusters WHERE doc_id=?", (doc_id,)).fetchone()
        return str(row[0]) if row else None

    def cluster_member_ids(self, cluster: str) -> list[str]:
        rows = self._read().execute("SELECT doc_id FROM clusters WHERE cluster=? ORDER BY doc_id", (cluster,))
        return [str(row[0]) for row in rows]

    def cluster_map(self) -> dict[str, str]:
        """Document id -> cluster id, for every document in a cluster of two or more."""
        return {str(d): str(c) for d, c in self._read().execute("SELECT doc_id, cluster FROM clusters")}

    @_writes
    def set_cluster(self, cluster: str, members: Iterable[str]) -> None:
        """Make `members` one cluster named `cluster` (a lone document gets no row)."""
        members = list(dict.fromkeys(members))
        self.uncluster(members)
        if len(members) > 1:
            self._db.executemany("INSERT INTO clusters VALUES (?, ?)", ((m, cluster) for m in members))

    @_writes
    def merge_clusters(self, cluster: str, clusters: Iterable[str], documents: Iterable[str]) -> None:
        """Make `clusters` and the lone `documents` one cluster named `cluster` (its representative)."""
        self._db.executemany(
            "UPDATE clusters SET cluster=? WHERE cluster=?", ((cluster, c) for c in clusters)
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO clusters VALUES (?, ?)", ((d, cluster) for d in documents)
        )

    @_writes
    def uncluster(self, doc_ids: Iterable[str]) -> None:
        """Take documents out of their clusters (each becomes a lone document)."""
        self._db.executemany("DELETE FROM clusters WHERE doc_id=?", ((d,) for d in doc_ids))

    @_writes
    def clear_clusters(self) -> None:
        self._db.execute("DELETE FROM clusters")

    def count_clusters(self) -> tuple[int, int]:
        """(clusters of two or more documents, documents in them)."""
        row = self._read().execute("SELECT count(DISTINCT cluster), count(*) FROM clusters").fetchone()
        return int(row[0]), int(row[1])

    def count_signed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM signatures").fetchone()[0])

    def document_facts(self, doc_ids: list[str]) -> list[DocumentFacts]:
        """Outlet, source type and dates of these documents, in the same order; unknown ids left out."""
        found: dict[str, DocumentFacts] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read().execute(
                f"SELECT id, title, source, source_type, published, imported_at FROM documents "
                f"WHERE id IN ({marks})",
                chunk,
            )
            for r in rows:
                found[str(r[0])] = DocumentFacts(
                    str(r[0]), str(r[1]), str(r[2]), str(r[3]), _from_iso(r[4]), _from_iso(r[5])
                )
        return [found[i] for i in doc_ids if i in found]

    def last_import(self) -> tuple[str, str | None, str | None] | None:
        row = (
            self._read()
            .execute("SELECT started_at, finished_at, summary FROM imports ORDER BY id DESC LIMIT 1")
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None
