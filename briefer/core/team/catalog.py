"""The team archive's catalog: the methods of the personal `Catalog` that the `Archive` facade
reads and writes with, over the PostgreSQL tables of migration 1.

It is what `Archive.catalog` is on a team archive (see `team.archive.open_team_archive`), so the
facade's reading, tagging, clusters, import report and statistics work unchanged.  Importing does
not go through it: files are parsed into this machine's cache and sent (`team push`).

Differences from the SQLite catalog, each forced by the team tables:
- a document's id may be asked by an alias (the personal id of a document pushed by someone else);
  the document read back carries the team's id;
- `push` gives every document a `clusters` row (a lone one its own id): a cluster here is a
  `cluster_id` with two or more documents, as in the personal catalog;
- the import report is the team's `import_files`: each path with the status the latest run that
  met it recorded;
- the search engine on the server reads the documents itself: nothing waits to be indexed here.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg

from briefer.core.archive.catalog import DocumentFacts, Location
from briefer.core.documents import ArchiveIdentity, Document
from briefer.core.team.errors import TeamPermissionDenied
from briefer.core.team.session import TeamSession

T = TypeVar("T")
Connection = psycopg.Connection[Any]

# The id asked for, or the team document it is an alias of.
_RESOLVED = """SELECT asked, coalesce(d.id, a.doc_id) FROM unnest(%s::text[]) AS asked
    LEFT JOIN documents d ON d.id = asked LEFT JOIN document_aliases a ON a.alias = asked"""
# Cluster rows of clusters with two or more documents (a lone document's own row is no cluster).
_CLUSTERED = """(SELECT c.doc_id, c.cluster_id FROM clusters c
    WHERE EXISTS (SELECT FROM clusters o WHERE o.cluster_id = c.cluster_id AND o.doc_id <> c.doc_id))"""
# The same, read whole: one pass over the table rather than a look-up per row.
_ALL_CLUSTERED = """(SELECT doc_id, cluster_id FROM clusters WHERE cluster_id IN
    (SELECT cluster_id FROM clusters GROUP BY cluster_id HAVING count(*) > 1))"""
_KEPT_S = 2  # seconds a derived fact (the clusters, the failed files) is kept before it is read again
# The latest status of each path any import run recorded (the import report).
_LATEST_FILES = """(SELECT DISTINCT ON (f.path) f.path, f.doc_id, f.status, f.reason
    FROM import_files f ORDER BY f.path, f.run_id DESC)"""


class TeamCatalog:
    """The team archive's tables, read and written through one `TeamSession` (a lost connection
    is made again and the statement run again; see `session.py`)."""

    def __init__(self, session: TeamSession) -> None:
        self._session = session
        self._lock = threading.RLock()  # one statement at a time on the connection
        found = self.run(_identity)
        self.identity = ArchiveIdentity(found, session.location.display)

    def run(self, work: Callable[[Connection], T]) -> T:
        with self._lock:
            return self._session.run(work)

    def _rows(self, statement: str, values: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        return self.run(lambda connection: connection.execute(statement, tuple(values)).fetchall())

    def _one(self, statement: str, values: Iterable[object] = ()) -> Any:
        rows = self._rows(statement, values)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self._session.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Each write here is its own transaction on the server: there is nothing to join."""
        yield

    def change_stamp(self) -> tuple[int, int]:
        """Others change the team archive at any moment, and telling when costs a read: what the
        facade derives from it (the clusters, the failed files) is read again every few seconds."""
        return threading.get_ident(), int(time.monotonic() // _KEPT_S)

    def setting(self, key: str) -> str | None:
        """A setting of the team archive (None: the default applies), as an editor last set it."""
        found = self._one("SELECT value FROM settings WHERE key = %s", (key,))
        return None if found is None else str(found)

    # -- documents -----------------------------------------------------------------
    def resolve(self, doc_ids: list[str]) -> dict[str, str]:
        """Each known id (or alias) -> the team's id of its document."""
        if not doc_ids:
            return {}
        return {str(a): str(d) for a, d in self._rows(_RESOLVED, [doc_ids]) if d is not None}

    def document(self, doc_id: str) -> Document | None:
        docs = self.documents([doc_id])
        return docs[0] if docs else None

    def documents(self, doc_ids: list[str]) -> list[Document]:
        """The documents with these ids (or aliases), in the same order; unknown ids left out."""
        team_ids = self.resolve(doc_ids)
        wanted = sorted(set(team_ids.values()))
        if not wanted:
            return []
        rows = self._rows(
            "SELECT d.id, d.title, t.body, d.text_sha256, d.author, d.source, d.published, d.url,"
            " d.language, d.source_type, d.imported_at, d.published_raw, d.format, d.pages, d.flags,"
            " d.parent_id FROM documents d"
            " JOIN texts t ON t.sha256 = d.text_sha256 WHERE d.id = ANY(%s)",
            [wanted],
        )
        tags = self.tags_of(wanted)
        paths = self._paths(wanted)
        found = {}
        for row in rows:
            doc_id = str(row[0])
            found[doc_id] = self._document(row, tags.get(doc_id, ()), paths.get(doc_id, ()))
        return [found[team_ids[i]] for i in doc_ids if team_ids.get(i) in found]

    def _document(self, row: tuple[Any, ...], tags: tuple[str, ...], paths: tuple[str, ...]) -> Document:
        return Document(
            id=str(row[0]),
            title=str(row[1]),
            text=str(row[2]),
            text_hash=str(row[3]),
            author=str(row[4]),
            source=str(row[5]),
            published=row[6],
            url=str(row[7]),
            language=str(row[8]),
            source_type=str(row[9]),
            paths=paths,
            tags=tags,
            imported_at=row[10],
            updated_at=row[10],
            published_raw=str(row[11]),
            format=str(row[12]),
            pages=tuple(row[13]),
            flags=tuple(row[14]),
            parent_id=row[15],
            archive=self.identity,
        )

    def _paths(self, doc_ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        rows = self._rows(
            "SELECT doc_id, path FROM locations WHERE doc_id = ANY(%s) ORDER BY path", [doc_ids]
        )
        for doc_id, path in rows:
            found.setdefault(str(doc_id), []).append(str(path))
        return {k: tuple(v) for k, v in found.items()}

    def paths_of(self, doc_id: str) -> list[str]:
        return list(self._paths([doc_id]).get(doc_id, ()))

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        return {doc.id: doc.text for doc in self.documents(doc_ids)}

    def text_version(self, text_hash: str) -> str | None:
        """A text version by its SHA-256: what verification compares a quote with."""
        found = self._one("SELECT body FROM texts WHERE sha256 = %s", [text_hash])
        return str(found) if found is not None else None

    def all_ids(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT id FROM documents ORDER BY imported_at, id")]

    def document_facts(self, doc_ids: list[str]) -> list[DocumentFacts]:
        rows = self._rows(
            "SELECT id, title, source, source_type, published, imported_at FROM documents WHERE id = ANY(%s)",
            [doc_ids],
        )
        found = {str(r[0]): _facts(r) for r in rows}
        return [found[i] for i in doc_ids if i in found]

    # -- what the search engine holds: a document is indexed when its row is in search_docs ----
    def indexable(self, doc_ids: list[str]) -> tuple[list[Document], dict[str, int]]:
        return self.documents(doc_ids), {}

    def mark_indexed(self, revisions: Mapping[str, int]) -> None:
        pass  # the engine's own rows say it

    def mark_all_unindexed(self) -> None:
        pass  # the engine's `reset` empties its rows

    def unindexed_ids(self) -> list[str]:
        rows = self._rows(
            "SELECT id FROM documents d WHERE NOT EXISTS (SELECT FROM search_docs s WHERE s.doc_id = d.id)"
            " ORDER BY imported_at, id"
        )
        return [str(r[0]) for r in rows]

    def count_unindexed(self) -> int:
        """Documents the search does not find yet: from the counts the engine keeps (every search
        asks, so no scan of the documents against the engine's rows)."""
        found = self._one("SELECT (SELECT count(*) FROM documents) - (SELECT docs FROM search_stats)")
        return max(0, int(found or 0))

    # -- tags ----------------------------------------------------------------------
    def add_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        team_id = self.resolve([doc_id]).get(doc_id, doc_id)
        self._write(
            "INSERT INTO tags (doc_id, tag) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [(team_id, tag) for tag in tags],
        )

    def remove_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        team_id = self.resolve([doc_id]).get(doc_id, doc_id)
        self._write("DELETE FROM tags WHERE doc_id = %s AND tag = %s", [(team_id, tag) for tag in tags])

    def _write(self, statement: str, rows: list[tuple[object, ...]]) -> None:
        def write(connection: Connection) -> None:
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(statement, rows)

        self.run(write)

    def tags_of(self, doc_ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for doc_id, tag in self._rows(
            "SELECT doc_id, tag FROM tags WHERE doc_id = ANY(%s) ORDER BY tag", [doc_ids]
        ):
            found.setdefault(str(doc_id), []).append(str(tag))
        return {k: tuple(v) for k, v in found.items()}

    def all_tags(self) -> dict[str, int]:
        rows = self._rows("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag")
        return {str(tag): int(count) for tag, count in rows}

    # -- clusters ------------------------------------------------------------------
    def cluster_id(self, doc_id: str) -> str | None:
        team_id = self.resolve([doc_id]).get(doc_id)
        found = self._one(f"SELECT cluster_id FROM {_CLUSTERED} c WHERE doc_id = %s", [team_id])
        return str(found) if found is not None else None

    def cluster_member_ids(self, cluster: str) -> list[str]:
        rows = self._rows(
            f"SELECT doc_id FROM {_CLUSTERED} c WHERE cluster_id = %s ORDER BY doc_id", [cluster]
        )
        return [str(r[0]) for r in rows]

    def clusters_of(self, doc_ids: list[str]) -> dict[str, str]:
        """Each of `doc_ids` (an alias too) in a cluster of two or more -> the cluster's id."""
        team_ids = self.resolve(doc_ids)
        rows = self._rows(
            f"SELECT doc_id, cluster_id FROM {_CLUSTERED} c WHERE doc_id = ANY(%s)", [list(team_ids.values())]
        )
        found = {str(d): str(c) for d, c in rows}
        return {asked: found[team_id] for asked, team_id in team_ids.items() if team_id in found}

    def cluster_members(self, clusters: list[str]) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        rows = self._rows(
            f"SELECT cluster_id, doc_id FROM {_CLUSTERED} c WHERE cluster_id = ANY(%s) ORDER BY doc_id",
            [clusters],
        )
        for cluster, doc_id in rows:
            members.setdefault(str(cluster), []).append(str(doc_id))
        return members

    def cluster_map(self) -> dict[str, str]:
        return {str(d): str(c) for d, c in self._rows(f"SELECT doc_id, cluster_id FROM {_ALL_CLUSTERED} c")}

    def count_clusters(self) -> tuple[int, int]:
        row = self._rows(f"SELECT count(DISTINCT cluster_id), count(*) FROM {_ALL_CLUSTERED} c")[0]
        return int(row[0]), int(row[1])

    def titles_and_texts(self, doc_ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """(title, text, text hash) of each document's current version, by id (what signing reads)."""
        rows = self._rows(
            "SELECT d.id, d.title, t.body, d.text_sha256 FROM documents d"
            " JOIN texts t ON t.sha256 = d.text_sha256 WHERE d.id = ANY(%s)",
            [doc_ids],
        )
        return {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows}

    def replace_clusters(
        self, doc_ids: list[str], clusters: Mapping[str, str], settings: Mapping[str, str]
    ) -> None:
        """The clusters of `doc_ids` are now `clusters` (document -> its cluster; the others are
        alone), with the `settings` that made them, in one transaction; documents removed
        meanwhile are left out, those sent meanwhile keep the clusters they came with."""

        def replace(connection: Connection) -> None:
            with connection.transaction():
                connection.cursor().executemany(
                    "INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE"
                    " SET value = excluded.value, set_by = current_user, set_at = now()",
                    list(settings.items()),
                )
                connection.execute("DELETE FROM clusters WHERE doc_id = ANY(%s)", (doc_ids,))
                connection.execute(
                    "INSERT INTO clusters (doc_id, cluster_id) SELECT u.doc_id, u.cluster_id"
                    " FROM unnest(%s::text[], %s::text[]) AS u(doc_id, cluster_id)"
                    " JOIN documents d ON d.id = u.doc_id",
                    (doc_ids, [clusters.get(d, d) for d in doc_ids]),
                )

        self.run(replace)

    def count_signed(self) -> int:
        """Documents whose copies are known: signed here, or clustered where they were imported."""
        found = self._one(
            "SELECT count(*) FROM (SELECT doc_id FROM signatures UNION SELECT doc_id FROM clusters) s"
        )
        return int(found or 0)

    # -- files and removal -----------------------------------------------------------
    def files_on(self, machine: str) -> list[tuple[str, str]]:
        """(path, document id) of every file the team archive knows on `machine`."""
        rows = self._rows("SELECT path, doc_id FROM locations WHERE machine = %s", [machine])
        return [(str(p), str(d)) for p, d in rows]

    def holders(self, doc_ids: list[str]) -> dict[str, set[tuple[str, str]]]:
        """Each document's files, as (machine, path), on every machine."""
        found: dict[str, set[tuple[str, str]]] = {doc_id: set() for doc_id in doc_ids}
        rows = self._rows("SELECT doc_id, machine, path FROM locations WHERE doc_id = ANY(%s)", [doc_ids])
        for doc_id, machine, path in rows:
            found[str(doc_id)].add((str(machine), str(path)))
        return found

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Remove documents (their tags, files, clusters and aliases go with them; their text
        versions stay, for the briefings that quote them).  Only editors may."""

        def delete(connection: Connection) -> None:
            with connection.transaction():
                connection.execute("DELETE FROM documents WHERE id = ANY(%s)", (doc_ids,))

        try:
            self.run(delete)
        except psycopg.errors.InsufficientPrivilege:
            raise TeamPermissionDenied("removing documents needs the editor role", needed="editor") from None

    # -- the import report and statistics ------------------------------------------
    def locations(self) -> dict[str, Location]:
        rows = self._rows(f"SELECT path, doc_id, status, reason FROM {_LATEST_FILES} f")
        return {str(p): Location(str(p), d, None, None, None, str(s), str(r)) for p, d, s, r in rows}

    def failures(self) -> list[Location]:
        failed = [loc for loc in self.locations().values() if loc.status == "failed"]
        return sorted(failed, key=lambda loc: loc.path)

    def count_failed(self) -> int:
        return int(self._one(f"SELECT count(*) FROM {_LATEST_FILES} f WHERE status = 'failed'") or 0)

    def last_import(self) -> tuple[str, str | None, str | None] | None:
        rows = self._rows("SELECT started, finished, summary FROM import_runs ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        started, finished, summary = rows[0]
        line = summary.get("line") if isinstance(summary, dict) else None
        return _iso(started), _iso(finished) if finished else None, str(line) if line else None

    def count_documents(self) -> int:
        return int(self._one("SELECT count(*) FROM documents") or 0)

    def count_kinds(self) -> list[tuple[str, str, str, str, int]]:
        rows = self._rows(
            "SELECT source, source_type, language,"
            " coalesce(to_char(published AT TIME ZONE 'UTC', 'YYYY'), ''), count(*)"
            " FROM documents GROUP BY 1, 2, 3, 4"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]

    def size_bytes(self) -> int:
        """The archive's tables on the server with their indexes, the search engine's left out (its
        own `size_bytes` counts them)."""
        found = self._one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'briefer' AND c.relkind = 'r'"
            " AND left(c.relname, 7) <> 'search_'"
        )
        return int(found or 0)


def this_machine() -> str:
    """The name the team archive knows this machine's files under."""
    return socket.gethostname()


def _facts(row: tuple[Any, ...]) -> DocumentFacts:
    return DocumentFacts(str(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4], row[5])


def _identity(connection: Connection) -> str:
    """The team archive's id: the same for every analyst, whatever location they connect with."""
    row = connection.execute(
        "SELECT md5(current_database() || ' ' || applied_at::text) FROM schema_migrations WHERE version = 1"
    ).fetchone()
    return str(row[0]) if row else "team"


def _iso(value: datetime) -> str:
    """As the personal catalog writes its times (`now_iso`)."""
    return value.astimezone(UTC).isoformat(timespec="seconds")
