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
from typing import TYPE_CHECKING

from briefer.core import paths
from briefer.core.catalog import Catalog
from briefer.core.documents import Document
from briefer.core.index import IndexBusy, IndexResults, QueryError, SearchIndex, match_spans
from briefer.core.limits import DEFAULT_MAX_BYTES, DEFAULT_TIME_LIMIT
from briefer.core.progress import Progress, no_progress, raise_if_cancelled
from briefer.core.query import ALIASES, ALIASES_FILE, AliasTable, SearchRequest, label_key
from briefer.core.saved_searches import SavedSearches
from briefer.core.search import Hit, SearchResults, make_passages, make_snippet

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite3"
INDEX_DIR = "whoosh"
LOCK_FILE = "import.lock"
if TYPE_CHECKING:
    from briefer.core.importer import FileOutcome, Importer, ImportSummary

SAMPLE_EXCLUDE = frozenset({"README.md", "MANIFEST.json"})

SAVED_SEARCHES_FILE = "saved-searches.json"

__all__ = ["Archive", "ArchiveBusy", "ArchiveStats", "QueryError", "SearchRequest", "TagChange"]


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


@dataclass(frozen=True)
class TagChange:
    """Tags added to or removed from a document; `indexed` False when the index was busy
    (another import): `tag:` searches see the change after the next import or reindex."""

    doc_id: str
    tags: tuple[str, ...]
    indexed: bool


class Archive:
    """An archive in `data_dir`: the catalog file and the index folder inside it."""

    _aliases: tuple[tuple[int, ...], AliasTable] | None = None  # file stamps, table
    _failed: tuple[tuple[int, int], int] | None = None  # catalog change stamp, failed files

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
        self._importer: Importer | None = None  # made on the first import: it loads every parser

    @property
    def importer(self) -> Importer:
        if self._importer is None:
            from briefer.core.importer import Importer  # lazy: loading every parser takes 150 ms

            self._importer = Importer(self.catalog, self.index)
        return self._importer

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
        time_limit: float = DEFAULT_TIME_LIMIT,
        max_size: int = DEFAULT_MAX_BYTES,
        workers: int | None = None,
    ) -> ImportSummary:
        """Import files and folders; see `Importer.run`.  Raises ArchiveBusy if another import runs.

        Each file is parsed within `time_limit` seconds, files over `max_size`
        bytes are reported and not read, and `workers` parser processes (default:
        one per core, at most two) do the parsing.
        """
        with self._import_lock():
            import_id = self.catalog.start_import()
            summary = self.importer.run(
                sources,
                prune=prune,
                exclude=exclude,
                progress=progress,
                cancel=cancel,
                on_outcome=on_outcome,
                time_limit=time_limit,
                max_size=max_size,
                workers=workers,
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

    def search(self, query: str | SearchRequest, *, limit: int = 20) -> SearchResults:
        """Ranked hits for a query (or a full request) with snippets, passages and, when asked
        for, facets; raises QueryError for a malformed or too broad query."""
        request = query if isinstance(query, SearchRequest) else SearchRequest(query, limit=limit)
        self.index.aliases = self._alias_table()
        return self._results(request.query, self.index.search(request), page=request.page)

    def more_like(
        self, doc_id: str, *, span: tuple[int, int] | None = None, limit: int = 10
    ) -> SearchResults:
        """Documents about what a document, or the passage `span` of it, is about (the document left out)."""
        doc = self.document(doc_id)
        if doc is None:
            raise ValueError(f"there is no document {doc_id!r}")
        if span is not None:
            start, end = span
            if not 0 <= start < end <= len(doc.text):
                raise ValueError(
                    f"the span {start}:{end} is not inside the document ({len(doc.text)} characters)"
                )
            text = doc.text[start:end]
        else:
            text = f"{doc.title}\n\n{doc.text}"
        found = self.index.more_like(text, exclude={doc_id}, limit=limit)
        label = f"like {doc_id}" + (f" {span[0]}:{span[1]}" if span else "")
        return self._results(label, found, page=1)

    def _results(self, query: str, found: IndexResults, *, page: int) -> SearchResults:
        docs = {d.id: d for d in self.catalog.documents([h.doc_id for h in found.hits])}
        hits = []
        for raw in found.hits:
            doc = docs.get(raw.doc_id)
            if doc is None:  # the index is ahead of a catalog change; skip the ghost
                continue
            spans = match_spans(doc.text, found.terms)
            snippet = make_snippet(doc.text, spans, title=doc.title)
            passages = make_passages(doc.text, spans, title=doc.title)
            hits.append(Hit(doc, raw.score, snippet, len(spans), passages))
        notices = []
        if found.any_terms:
            notices.append(f"no document has all the words; showing the {found.total} that have any of them")
        if found.expansions:
            also = "; ".join(e.describe() for e in found.expansions)
            notices.append(f"also searched for variants: {also} (switch aliases off to search as typed)")
        incomplete = list(self._search_notices())
        return SearchResults(
            query=query,
            hits=hits,
            total=found.total,
            notices=tuple(notices + incomplete),
            page=page,
            facets=found.facets,
            suggestion=found.suggestion,
            expansions=found.expansions,
            any_terms=found.any_terms,
            incomplete=bool(incomplete),
        )

    def highlight_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Where the words of `query` occur in `text`; [] for an empty or malformed query."""
        try:
            terms = self.index.query_terms(query)
        except QueryError:
            return []
        return match_spans(text, terms)

    def _search_notices(self) -> Iterator[str]:
        if self.import_running():
            yield "an import is running: results may be incomplete until it finishes"
        failed = self._failed_count()
        if failed:
            yield f"{failed} file(s) could not be imported; see `briefer stats --failures`"
        waiting = self.catalog.count_unindexed()
        if waiting:
            yield f"{waiting} document(s) are not indexed yet, so results may be incomplete"

    def _failed_count(self) -> int:
        """`catalog.count_failed()` (a scan of every file location), kept until the catalog changes."""
        stamp = self.catalog.change_stamp()
        cached = self._failed
        if cached is None or cached[0] != stamp:
            cached = self._failed = (stamp, self.catalog.count_failed())
        return cached[1]

    def import_running(self) -> bool:
        """Whether an import into this archive is running now, in this process or another.

        The import lock is only tested when the catalog records an unfinished
        import (one that runs, or one that was killed), so a search almost never
        holds the lock at the moment an import starts.
        """
        last = self.catalog.last_import()
        if last is None or last[1] is not None:
            return False
        try:
            import fcntl
        except ImportError:  # Windows: trust the catalog
            return True
        with open(self.data_dir / LOCK_FILE, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def _alias_table(self) -> AliasTable:
        """The shipped aliases plus the data folder's aliases.tsv, read again when either changes."""
        files = (ALIASES, self.data_dir / ALIASES_FILE)
        stamp = tuple(f.stat().st_mtime_ns if f.is_file() else 0 for f in files)
        cached = self._aliases
        if cached is None or cached[0] != stamp:
            cached = self._aliases = (stamp, AliasTable.load(*files))
        return cached[1]

    @property
    def saved_searches(self) -> SavedSearches:
        """Named searches, kept in the data folder (saved-searches.json)."""
        return SavedSearches(self.data_dir / SAVED_SEARCHES_FILE)

    # -- tags --------------------------------------------------------------------
    def tag(self, doc_id: str, tags: Sequence[str]) -> TagChange:
        """Add tags to a document (lower case, words joined by '-') and index them at once."""
        return self._change_tags(doc_id, tags, add=True)

    def untag(self, doc_id: str, tags: Sequence[str]) -> TagChange:
        return self._change_tags(doc_id, tags, add=False)

    def tags(self) -> dict[str, int]:
        """Every tag with the number of documents that have it."""
        return self.catalog.all_tags()

    def _change_tags(self, doc_id: str, tags: Sequence[str], *, add: bool) -> TagChange:
        clean = tuple(dict.fromkeys(label_key(t) for t in tags))
        if not tags or not all(clean):
            raise ValueError("a tag needs at least one letter or digit")
        if self.catalog.document(doc_id) is None:
            raise ValueError(f"there is no document {doc_id!r}")
        if add:
            self.catalog.add_tags(doc_id, clean)
        else:
            self.catalog.remove_tags(doc_id, clean)
        try:
            with self.index.batch() as batch:
                for doc in self.catalog.documents([doc_id]):
                    batch.put(doc)
        except IndexBusy:
            log.info("index busy; the tags of %s are indexed by the next import", doc_id)
            return TagChange(doc_id, clean, indexed=False)
        self.catalog.mark_indexed([doc_id])
        return TagChange(doc_id, clean, indexed=True)

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
