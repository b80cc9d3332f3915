"""The files the catalog knows (`locations`) and the import runs that read them (`imports`)."""

from __future__ import annotations

from dataclasses import dataclass

from briefer.core.archive.catalog.store import CatalogStore, now_iso, writes

_LOCATION_COLUMNS = "path, doc_id, size, mtime_ns, content_hash, status, reason, container"


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


class LocationTables(CatalogStore):
    """Where each document's files are, what became of each file an import met, and the runs."""

    def locations(self) -> dict[str, Location]:
        rows = self._read().execute(f"SELECT {_LOCATION_COLUMNS} FROM locations")
        return {row[0]: Location(*row) for row in rows}

    @writes
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

    @writes
    def touch_location(self, path: str, size: int, mtime_ns: int, status: str) -> None:
        self._db.execute(
            "UPDATE locations SET size=?, mtime_ns=?, status=?, reason='', seen_at=? WHERE path=?",
            (size, mtime_ns, status, now_iso(), path),
        )

    @writes
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

    def members_of(self, container: str) -> list[Location]:
        """What the catalog recorded about the members of a container file."""
        rows = self._read().execute(
            f"SELECT {_LOCATION_COLUMNS} FROM locations WHERE container=? ORDER BY path", (container,)
        )
        return [Location(*row) for row in rows]

    def count_failed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM locations WHERE status='failed'").fetchone()[0])

    # -- import runs ---------------------------------------------------------------
    @writes
    def start_import(self) -> int:
        cursor = self._db.execute("INSERT INTO imports (started_at) VALUES (?)", (now_iso(),))
        return int(cursor.lastrowid or 0)

    @writes
    def finish_import(self, import_id: int, summary: str) -> None:
        self._db.execute(
            "UPDATE imports SET finished_at=?, summary=? WHERE id=?", (now_iso(), summary, import_id)
        )

    def last_import(self) -> tuple[str, str | None, str | None] | None:
        row = (
            self._read()
            .execute("SELECT started_at, finished_at, summary FROM imports ORDER BY id DESC LIMIT 1")
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None
