"""The archive: catalog, search index and importer behind one object.

Entry points (CLI, GUI, tests) open an `Archive` on a data directory and use
nothing else; it decides nothing about where that directory is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefer.core import paths
from briefer.core.catalog import Catalog
from briefer.core.documents import Document
from briefer.core.importer import FileOutcome, Importer, ImportSummary
from briefer.core.index import QueryError, SearchIndex, match_spans
from briefer.core.progress import Progress, no_progress, raise_if_cancelled
from briefer.core.search import Hit, SearchResults, make_snippet

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite3"
INDEX_DIR = "whoosh"
LOCK_FILE = "import.lock"
SAMPLE_EXCLUDE = frozenset({"README.md", "MANIFEST.json"})

__all__ = ["Archive", "ArchiveBusy", "ArchiveStats", "QueryError"]


class ArchiveBusy(RuntimeError):
    """Another Briefer process is importing into the same archive."""


@dataclass(frozen=True)
class ArchiveStats:
    data_dir: str
    documents: int
    failed: int
    index_bytes: int
    catalog_bytes: int
    last_import: str | None
    last_import_summary: str | None
    unindexed: int

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class Archive:
    """An archive in `data_dir`: the catalog file and the index folder inside it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(data_dir / CATALOG_FILE)
        self.index = SearchIndex(data_dir / INDEX_DIR)
        self.notices: list[str] = []
        if self.index.rebuilt_reason or (self.index.doc_count() == 0 and self.catalog.count_documents()):
            # The index is a cache: queue everything for indexing again.
            self.catalog.mark_all_unindexed()
            self.notices.append(self.index.rebuilt_reason or "the search index was missing and is rebuilt")
        self._importer = Importer(self.catalog, self.index)

    def close(self) -> None:
        self.index.close()
        self.catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- importing ---------------------------------------------------------------
    def import_paths(
        self,
        sources: Sequence[Path],
        *,
        prune: bool = False,
        exclude: frozenset[str] = frozenset(),
        progress: Progress = no_progress,
        cancel: threading.Event | None = None,
        on_outcome: Callable[[FileOutcome], None] | None = None,
    ) -> ImportSummary:
        """Import files and folders; see `Importer.run`.  Raises ArchiveBusy if another import runs."""
        with self._import_lock():
            import_id = self.catalog.start_import()
            summary = self._importer.run(
                sources, prune=prune, exclude=exclude, progress=progress, cancel=cancel, on_outcome=on_outcome
            )
            self.catalog.finish_import(import_id, summary.line())
            return summary

    def import_sample(
        self, *, progress: Progress = no_progress, cancel: threading.Event | None = None
    ) -> ImportSummary:
        """Import the sample archive that ships with Briefer."""
        return self.import_paths(
            [paths.SAMPLE_ARCHIVE], exclude=SAMPLE_EXCLUDE, progress=progress, cancel=cancel
        )

    def remove_sample(self) -> int:
        """Forget every document that came from the sample archive; returns how many."""
        root = str(paths.SAMPLE_ARCHIVE.resolve())
        doomed = {
            loc.doc_id
            for path, loc in self.catalog.locations().items()
            if path.startswith(root + os.sep) and loc.doc_id
        }
        with self._import_lock(), self.index.batch() as batch, self.catalog.transaction():
            for doc_id in doomed:
                self.catalog.delete_document(doc_id)
                batch.delete(doc_id)
            for path in self.catalog.locations():
                if path.startswith(root + os.sep):
                    self.catalog.remove_location(path)
        return len(doomed)

    def has_sample(self) -> bool:
        root = str(paths.SAMPLE_ARCHIVE.resolve()) + os.sep
        return any(path.startswith(root) for path in self.catalog.locations())

    def reindex(self, *, progress: Progress = no_progress, cancel: threading.Event | None = None) -> int:
        """Rebuild the search index from the catalog; returns the number of documents."""
        with self._import_lock():
            ids = self.catalog.all_ids()
            self.catalog.mark_all_unindexed()
            self.index.reset()
            with self.index.batch(bulk=len(ids) >= 5000) as batch:
                for start in range(0, len(ids), 500):
                    raise_if_cancelled(cancel)
                    for doc in self.catalog.documents(ids[start : start + 500]):
                        batch.put(doc, new=True)  # the index was just emptied
                    progress(min(start + 500, len(ids)), len(ids))
            self.catalog.mark_indexed(ids)
            return len(ids)

    @contextlib.contextmanager
    def _import_lock(self) -> Iterator[None]:
        """One importing process per archive: a second one is told so instead of waiting."""
        try:
            import fcntl
        except ImportError:  # Windows: Whoosh's own write lock still protects the index
            yield
            return
        with open(self.data_dir / LOCK_FILE, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ArchiveBusy(
                    "another Briefer is importing into this archive; try again when it is done"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id)

    def is_empty(self) -> bool:
        return self.catalog.count_documents() == 0

    def search(self, query: str, *, limit: int = 20) -> SearchResults:
        """Ranked hits for `query` with snippets; raises QueryError for a malformed query."""
        found = self.index.search(query, limit=limit)
        docs = {d.id: d for d in self.catalog.documents([h.doc_id for h in found.hits])}
        hits = []
        for raw in found.hits:
            doc = docs.get(raw.doc_id)
            if doc is None:  # the index is ahead of a catalog change; skip the ghost
                continue
            spans = match_spans(doc.text, found.terms)
            hits.append(Hit(doc, raw.score, make_snippet(doc.text, spans), len(spans)))
        return SearchResults(query=query, hits=hits, total=found.total, notices=tuple(self._search_notices()))

    def highlight_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Where the words of `query` occur in `text`; [] for an empty or malformed query."""
        try:
            terms = self.index.query_terms(query)
        except QueryError:
            return []
        return match_spans(text, terms)

    def _search_notices(self) -> Iterator[str]:
        failed = self.catalog.count_failed()
        if failed:
            yield f"{failed} file(s) could not be imported; see `briefer stats --failures`"
        waiting = self.catalog.count_unindexed()
        if waiting:
            yield f"{waiting} document(s) are not indexed yet, so results may be incomplete"

    def stats(self) -> ArchiveStats:
        last = self.catalog.last_import()
        return ArchiveStats(
            data_dir=str(self.data_dir),
            documents=self.catalog.count_documents(),
            failed=self.catalog.count_failed(),
            index_bytes=self.index.size_bytes(),
            catalog_bytes=sum(
                f.stat().st_size for f in self.data_dir.glob(CATALOG_FILE + "*") if f.is_file()
            ),
            last_import=(last[1] or last[0]) if last else None,
            last_import_summary=last[2] if last else None,
            unindexed=self.catalog.count_unindexed(),
        )
