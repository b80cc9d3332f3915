"""The catalog's connections: one writer, a reader per thread, and the reads every table shares.

SQLite (stdlib), one file in the data directory.  Each table family (documents,
locations, tags, signatures and clusters) is a class over this store; `Catalog`
puts them together.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from briefer.core.archive.catalog import schema
from briefer.core.archive.catalog.schema import CatalogError
from briefer.core.documents import ArchiveIdentity

log = logging.getLogger(__name__)

CHUNK = 500  # values bound in one `IN (...)`: far below SQLite's limit on parameters


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_Method = TypeVar("_Method", bound=Callable[..., Any])


def writes(method: _Method) -> _Method:
    """Run a writing method inside a transaction: the caller's, or one of its own."""

    @functools.wraps(method)
    def in_transaction(self: CatalogStore, *args: Any, **kwargs: Any) -> Any:
        with self.transaction():
            return method(self, *args, **kwargs)

    return cast(_Method, in_transaction)


class CatalogStore:
    """The SQLite catalog's connections, safe to share between threads.

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
            schema.create_or_update(self._db)
            self.identity = ArchiveIdentity(schema.archive_id(self._db), str(path.parent.resolve()))
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

    def _read_in(self, sql: str, values: Sequence[Any]) -> Iterator[Any]:
        """The rows of `sql` for `values`, read `CHUNK` values at a time: `sql` holds one `{marks}`
        where the chunk's placeholders go, as in `... WHERE id IN ({marks})`."""
        for start in range(0, len(values), CHUNK):
            chunk = list(values[start : start + CHUNK])
            yield from self._read().execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def change_stamp(self) -> tuple[int, int]:
        """A value that changes whenever the catalog changes, cheap to read: counts derived from
        the catalog (e.g. by searches) can be kept until it does.  (SQLite's data_version of this
        thread's connection: it moves on every commit made through another connection.)"""
        version = int(self._read().execute("PRAGMA data_version").fetchone()[0])
        return threading.get_ident(), version

    # -- settings, kept in the meta table ---------------------------------------
    def setting(self, key: str) -> str | None:
        """A value kept in the catalog (e.g. the cluster threshold), or None."""
        row = self._read().execute("SELECT value FROM meta WHERE key=?", ("setting." + key,)).fetchone()
        return str(row[0]) if row else None

    @writes
    def set_setting(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", ("setting." + key, value))
