"""Import files into the catalog and the index: incremental, resumable, never losing a file.

Every file ends with exactly one status (see `STATUSES`).  The catalog is
committed in chunks, each document marked "not yet indexed" until the index has
committed it too, so a run that is killed resumes where it stopped: the next
run indexes what the catalog holds but the index does not.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefer.core import extract
from briefer.core.catalog import Catalog, Location, sha256_hex
from briefer.core.documents import Document, Extracted
from briefer.core.index import IndexBatch, SearchIndex
from briefer.core.progress import Cancelled, Progress, no_progress, raise_if_cancelled

log = logging.getLogger(__name__)

STATUSES = ("imported", "updated", "unchanged", "duplicate", "skipped", "failed")
_SETTLED = {"imported", "updated", "unchanged", "duplicate"}  # a file that needs no new look

CHUNK = 500  # files per catalog transaction
BULK_THRESHOLD = 5000  # from this many new or changed files on, index with two processes
INDEX_COMMIT_DOCS = 2000  # otherwise commit the index this often, so searches see progress
INDEX_COMMIT_SECONDS = 20.0


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str
    reason: str = ""
    doc_id: str | None = None


@dataclass
class ImportSummary:
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: list[FileOutcome] = field(default_factory=list)
    pruned: int = 0
    indexed: int = 0
    seconds: float = 0.0

    def add(self, outcome: FileOutcome) -> None:
        self.counts[outcome.status] += 1
        self.outcomes.append(outcome)

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        parts = [f"{self.counts[s]} {s}" for s in STATUSES if self.counts[s] or s in ("imported", "failed")]
        if self.pruned:
            parts.append(f"{self.pruned} pruned")
        return f"{', '.join(parts)} in {self.seconds:.1f} s"

    def as_dict(self) -> dict[str, object]:
        return {
            **{s: self.counts[s] for s in STATUSES},
            "pruned": self.pruned,
            "indexed": self.indexed,
            "seconds": round(self.seconds, 3),
        }


def scan(paths: Iterable[Path], exclude: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every file under `paths`, recursively, in a stable order; hidden entries skipped."""
    for root in paths:
        if root.is_file():
            yield root
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and name not in exclude:
                    yield Path(folder, name)


@dataclass
class _Pending:
    """Catalog changes of one chunk, waiting to reach the index."""

    put: list[tuple[Document, bool]] = field(default_factory=list)  # (document, new to the index)
    deleted: list[str] = field(default_factory=list)


class Importer:
    """Imports files into `catalog` and `index`; one run at a time."""

    def __init__(self, catalog: Catalog, index: SearchIndex) -> None:
        self._catalog = catalog
        self._index = index

    def run(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        exclude: frozenset[str] = frozenset(),
        progress: Progress = no_progress,
        cancel: threading.Event | None = None,
        on_outcome: Callable[[FileOutcome], None] | None = None,
    ) -> ImportSummary:
        started = time.perf_counter()
        summary = ImportSummary()
        roots = [p.resolve() for p in paths]
        for root in roots:
            if not root.exists():
                raise FileNotFoundError(f"no such file or folder: {root}")

        def record(outcome: FileOutcome) -> None:
            summary.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)

        files = list(scan(roots, exclude))
        known = self._catalog.locations()
        todo = self._settle_unchanged(files, known, record)
        progress(len(files) - len(todo), len(files))
        pending_ids = self._catalog.unindexed_ids()
        bulk = len(todo) + len(pending_ids) >= BULK_THRESHOLD
        cancelled = False
        with self._index.batch(bulk=bulk) as batch:
            self._index_pending(batch, pending_ids)
            uncommitted = list(pending_ids)
            last_commit = time.monotonic()
            done = len(files) - len(todo)
            try:
                for start in range(0, len(todo), CHUNK):
                    raise_if_cancelled(cancel)
                    chunk = todo[start : start + CHUNK]
                    uncommitted += self._import_chunk(chunk, known, record, batch, cancel)
                    done += len(chunk)
                    progress(done, len(files))
                    if not bulk and (
                        len(uncommitted) >= INDEX_COMMIT_DOCS
                        or time.monotonic() - last_commit > INDEX_COMMIT_SECONDS
                    ):
                        # Commit what we have so that searches see it, and go on.
                        batch.commit_and_continue()
                        self._catalog.mark_indexed(uncommitted)
                        summary.indexed += len(uncommitted)
                        uncommitted, last_commit = [], time.monotonic()
                if prune:
                    summary.pruned = self._prune(roots, {str(f) for f in files}, batch)
            except Cancelled:
                cancelled = True  # keep what the catalog already holds searchable
        self._catalog.mark_indexed(uncommitted)
        summary.indexed += len(uncommitted)
        summary.seconds = time.perf_counter() - started
        if cancelled:
            raise Cancelled
        return summary

    def _settle_unchanged(
        self, files: list[Path], known: dict[str, Location], record: Callable[[FileOutcome], None]
    ) -> list[tuple[Path, os.stat_result]]:
        """Report files whose size and mtime are as recorded; return the rest with their stat."""
        todo = []
        for path in files:
            key = str(path)
            try:
                stat = path.stat()
            except OSError as exc:
                record(FileOutcome(key, "failed", f"cannot read: {exc.strerror or exc}"))
                continue
            loc = known.get(key)
            if loc is not None and loc.size == stat.st_size and loc.mtime_ns == stat.st_mtime_ns:
                if loc.status in _SETTLED:
                    record(FileOutcome(key, "unchanged", doc_id=loc.doc_id))
                    continue
                if loc.status == "skipped":
                    record(FileOutcome(key, "skipped", loc.reason))
                    continue
            todo.append((path, stat))
        return todo

    def _index_pending(self, batch: IndexBatch, doc_ids: list[str]) -> None:
        """Index documents the catalog holds but the index may not (an interrupted run)."""
        for start in range(0, len(doc_ids), CHUNK):
            for doc in self._catalog.documents(doc_ids[start : start + CHUNK]):
                batch.put(doc)

    def _import_chunk(
        self,
        chunk: list[tuple[Path, os.stat_result]],
        known: dict[str, Location],
        record: Callable[[FileOutcome], None],
        batch: IndexBatch,
        cancel: threading.Event | None,
    ) -> list[str]:
        """Import one chunk in one catalog transaction; returns the ids sent to the index."""
        changes = _Pending()
        outcomes = []
        with self._catalog.transaction():
            for path, stat in chunk:
                raise_if_cancelled(cancel)
                outcomes.append(self._import_file(path, stat, known.get(str(path)), changes))
        for outcome in outcomes:  # reported once the catalog holds them
            record(outcome)
        for doc_id in changes.deleted:
            batch.delete(doc_id)
        for doc, new in changes.put:
            batch.put(doc, new=new)
        return [doc.id for doc, _ in changes.put]

    def _import_file(
        self, path: Path, stat: os.stat_result, loc: Location | None, changes: _Pending
    ) -> FileOutcome:
        key = str(path)
        size, mtime = stat.st_size, stat.st_mtime_ns
        if not extract.supports(path):
            reason = f"unsupported format {path.suffix or '(no suffix)'}"
            self._catalog.set_location(
                key,
                doc_id=None,
                content_hash=None,
                status="skipped",
                reason=reason,
                size=size,
                mtime_ns=mtime,
            )
            return FileOutcome(key, "skipped", reason)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return self._failed(key, loc, f"cannot read: {exc.strerror or exc}", (size, mtime))
        content_hash = sha256_hex(data)
        old_doc = loc.doc_id if loc is not None else None
        if old_doc and loc is not None and loc.content_hash == content_hash:
            self._catalog.touch_location(key, stat.st_size, stat.st_mtime_ns, "unchanged")
            return FileOutcome(key, "unchanged", doc_id=old_doc)
        same = self._catalog.document_by_content(content_hash)
        if same is not None:
            self._catalog.set_location(
                key, doc_id=same, content_hash=content_hash, status="duplicate", size=size, mtime_ns=mtime
            )
            self._detach(old_doc, same, changes)
            return FileOutcome(key, "duplicate", doc_id=same)
        try:
            extracted = extract.extract_bytes(data, path)
        except extract.ExtractionError as exc:
            return self._failed(key, loc, str(exc), (size, mtime))
        shared = old_doc is not None and len(self._catalog.paths_of(old_doc)) > 1
        target = None if shared else old_doc  # other files still hold the old content
        if shared:
            self._catalog.remove_location(key)
        doc_id = self._catalog.put_document(target, content_hash, extracted)
        status = "updated" if target else "imported"
        self._catalog.set_location(
            key, doc_id=doc_id, size=size, mtime_ns=mtime, content_hash=content_hash, status=status
        )
        changes.put.append((_document(doc_id, key, extracted), target is None))
        return FileOutcome(key, status, doc_id=doc_id)

    def _failed(self, key: str, loc: Location | None, reason: str, where: tuple[int, int]) -> FileOutcome:
        """Record a failure; a document already imported from this file stays as it was."""
        self._catalog.set_location(
            key,
            doc_id=loc.doc_id if loc else None,
            content_hash=loc.content_hash if loc else None,
            size=where[0],
            mtime_ns=where[1],
            status="failed",
            reason=reason,
        )
        log.info("import failed: %s: %s", key, reason)
        return FileOutcome(key, "failed", reason)

    def _detach(self, old_doc: str | None, new_doc: str, changes: _Pending) -> None:
        """A file now duplicates another document: drop its old document if nothing else holds it."""
        if old_doc and old_doc != new_doc and not self._catalog.paths_of(old_doc):
            self._catalog.delete_document(old_doc)
            changes.deleted.append(old_doc)

    def _prune(self, roots: list[Path], seen: set[str], batch: IndexBatch) -> int:
        """Forget files under `roots` that are gone; delete documents no file holds any more."""
        pruned = 0
        with self._catalog.transaction():
            for key, loc in self._catalog.locations().items():
                if key in seen or not any(_is_within(key, r) for r in roots) or os.path.exists(key):
                    continue
                self._catalog.remove_location(key)
                pruned += 1
                if loc.doc_id and not self._catalog.paths_of(loc.doc_id):
                    self._catalog.delete_document(loc.doc_id)
                    batch.delete(loc.doc_id)
        return pruned


def _is_within(path: str, root: Path) -> bool:
    return path == str(root) or path.startswith(str(root) + os.sep)


def _document(doc_id: str, path: str, extracted: Extracted) -> Document:
    return Document(
        id=doc_id,
        title=extracted.title,
        text=extracted.text,
        text_hash="",
        author=extracted.author,
        source=extracted.source,
        published=extracted.published,
        url=extracted.url,
        language=extracted.language,
        format=extracted.format,
        paths=(path,),
    )
