"""`briefer team push`: the personal archive's documents into the team archive.

Copies each document with every text version it had, its tags and its cluster of copies, a batch
at a time, one transaction per batch: a killed push leaves whole batches, and running it again
skips what is there (every insert is `ON CONFLICT DO NOTHING`), so it resumes where it stopped.
A document the team archive already holds (the same file, pushed or imported by someone else)
is not copied again: its personal id becomes an alias of the team's, so briefings that quote the
personal id still find it.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from briefer.core.archive import Archive, DocumentRecord, FileStatus
from briefer.core.progress import Progress, no_progress
from briefer.core.team.catalog import this_machine

Connection = psycopg.Connection[Any]
BATCH = 500


def record_import(
    connection: Connection, machine: str, statuses: list[FileStatus], summary: dict[str, object]
) -> int:
    """The import report of an import made for the team (every file with its status and reason),
    as the team's `import_runs`/`import_files`; returns the run's number."""
    with connection.transaction():
        row = connection.execute(
            "INSERT INTO import_runs (machine, finished, summary) VALUES (%s, now(), %s) RETURNING id",
            (machine, Jsonb(summary)),
        ).fetchone()
        assert row is not None
        run = int(row[0])
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO import_files (run_id, path, status, reason) VALUES (%s, %s, %s, %s)",
                [(run, s.path, s.status, s.reason) for s in statuses],
            )
    return run


@dataclass
class PushSummary:
    copied: int = 0  # documents new to the team archive
    present: int = 0  # documents it held already (by id or by file content)
    versions: int = 0  # text versions sent (new or not)


def push(
    connection: Connection,
    archive: Archive,
    *,
    progress: Progress = no_progress,
    cancel: threading.Event | None = None,
    batch: int = BATCH,
    only: Collection[str] | None = None,
) -> PushSummary:
    summary = PushSummary()
    done = 0
    for records, total in archive.document_records(batch=batch, cancel=cancel, only=only):
        with connection.transaction():
            _push_batch(connection, records, summary)
        done += len(records)
        progress(done, total)
    return summary


def _push_batch(connection: Connection, records: list[DocumentRecord], summary: PushSummary) -> None:
    contents = [r.content_hash for r in records]
    texts = {h: t for r in records for h, t in (*r.versions, (r.document.text_hash, r.document.text))}
    summary.versions += len(texts)
    with connection.cursor() as cursor:
        cursor.executemany(_TEXT, list(texts.items()))
        # Counted from what the inserts returned: another analyst's push may run at the same moment.
        cursor.executemany(_DOCUMENT, [_document_row(r) for r in records], returning=True)
        copied = 0
        while True:
            copied += len(cursor.fetchall())
            if not cursor.nextset():
                break
        summary.copied += copied
        summary.present += len(records) - copied
        team_ids = {str(c): str(i) for c, i in connection.execute(_TEAM_IDS, (contents,))}
        team = {r.document.id: team_ids[r.content_hash] for r in records if r.content_hash in team_ids}
        cursor.executemany(_ALIAS, [(mine, theirs) for mine, theirs in team.items() if mine != theirs])
        placed = [r for r in records if r.document.id in team]
        versions = {
            (team[r.document.id], h) for r in placed for h, _ in (*r.versions, (r.document.text_hash, ""))
        }
        cursor.executemany(_VERSION, sorted(versions))
        cursor.executemany(_TAG, [(team[r.document.id], tag) for r in placed for tag in r.document.tags])
        cursor.executemany(_CLUSTER, [(team[r.document.id], r.cluster, r.cluster) for r in placed])
        files = [(team[r.document.id], f) for r in placed for f in r.files]
        machine = this_machine()
        cursor.executemany(_LOCATION, [(machine, f.path, doc, f.size, f.mtime_ns) for doc, f in files])


def _document_row(record: DocumentRecord) -> tuple[object, ...]:
    doc = record.document
    return (
        doc.id,
        record.content_hash,
        doc.text_hash,
        doc.title,
        doc.source,
        doc.author,
        doc.url,
        doc.published,
        doc.language,
        doc.source_type,
        doc.published_raw,
        doc.format,
        list(doc.pages),
        list(doc.flags),
        doc.parent_id,
    )


_TEXT = "INSERT INTO texts (sha256, body) VALUES (%s, %s) ON CONFLICT DO NOTHING"
_DOCUMENT = """INSERT INTO documents (id, content_sha256, text_sha256, title, source, author, url, published,
    language, source_type, published_raw, format, pages, flags, parent_id)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
    RETURNING id"""
_TEAM_IDS = "SELECT content_sha256, id FROM documents WHERE content_sha256 = ANY(%s)"
_ALIAS = "INSERT INTO document_aliases (alias, doc_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"
_VERSION = "INSERT INTO document_versions (doc_id, text_sha256) VALUES (%s, %s) ON CONFLICT DO NOTHING"
# Where the files are on the machine that sent them (a search hit's path), kept up to date.
_LOCATION = """INSERT INTO locations (machine, path, doc_id, size, mtime_ns) VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (machine, path) DO UPDATE SET doc_id = excluded.doc_id, size = excluded.size,
    mtime_ns = excluded.mtime_ns"""
_TAG = "INSERT INTO tags (doc_id, tag) VALUES (%s, %s) ON CONFLICT DO NOTHING"
# A cluster's id is its representative's personal id: the team's id for it when it was aliased.
_CLUSTER = """INSERT INTO clusters (doc_id, cluster_id)
    VALUES (%s, coalesce((SELECT doc_id FROM document_aliases WHERE alias = %s), %s))
    ON CONFLICT DO NOTHING"""
