"""The archive: catalog, search index and importer behind one object.

Entry points (CLI, GUI, tests) open an `Archive` on a data directory and use
nothing else; it decides nothing about where that directory is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.core import paths
from briefer.core.archive import import_status
from briefer.core.archive.catalog import Catalog, DocumentFacts, Location
from briefer.core.archive.import_status import ImportProgress
from briefer.core.archive.limits import ImportLimits
from briefer.core.archive.saved_searches import SavedSearches
from briefer.core.documents import ArchiveIdentity, Document
from briefer.core.errors import BrieferError
from briefer.core.progress import Progress, no_progress, raise_if_cancelled
from briefer.core.search import (
    Hit,
    IndexBusy,
    IndexResults,
    QueryError,
    SearchEngine,
    SearchIndex,
    SearchRequest,
    SearchResults,
)
from briefer.core.search.query import ALIASES, ALIASES_FILE, AliasTable, label_key, language_key

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite3"
INDEX_DIR = "whoosh"
LOCK_FILE = "import.lock"
if TYPE_CHECKING:
    from briefer.core.archive.clusters import Clusters, ClusterStats
    from briefer.core.archive.import_summary import FileOutcome, ImportSummary
    from briefer.core.archive.importer import Importer
    from briefer.core.archive.removal import RemovalPlan

SAMPLE_EXCLUDE = frozenset({"README.md", "MANIFEST.json"})

SAVED_SEARCHES_FILE = "saved-searches.json"

__all__ = [
    "Archive",
    "ArchiveBusy",
    "ArchiveMissing",
    "ArchiveStats",
    "Breakdown",
    "Copies",
    "FailedFile",
    "FileStatus",
    "ImportProgress",
    "QueryError",
    "SearchRequest",
    "TagChange",
]


class ArchiveBusy(BrieferError, RuntimeError):
    """Another Briefer process is importing into the same archive."""


class ArchiveMissing(BrieferError, LookupError):
    """There is no archive in the data folder (opened with `create=False`): nothing was created."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        why = "the folder does not exist" if not data_dir.exists() else f"it holds no {CATALOG_FILE}"
        super().__init__(f"there is no archive in {data_dir} ({why})")


Counts = tuple[tuple[str, int], ...]  # (value, documents); "" is a value that is not known


@dataclass(frozen=True)
class Breakdown:
    """How many documents each outlet, source type, language and year holds: most first (years
    oldest first).  Outlets spelt differently only in case or spaces count as one, under the
    spelling most documents use, as the search's outlet facet does."""

    source: Counts = ()
    type: Counts = ()
    language: Counts = ()
    year: Counts = ()

    @classmethod
    def of(cls, kinds: Iterable[tuple[str, str, str, str, int]]) -> Breakdown:
        """From the catalog's (outlet, type, language, year, documents) combinations."""
        keys: tuple[Callable[[str], str], ...] = (label_key, label_key, language_key, str)  # as the facets
        tallies: list[dict[str, Counter[str]]] = [{} for _ in keys]  # key -> spelling -> documents
        for *values, count in kinds:
            for tally, key, value in zip(tallies, keys, values, strict=True):
                spelling = key(value) if key is language_key else value.strip()  # "en", as the facet
                tally.setdefault(key(value), Counter())[spelling] += count
        source, type_, language, year = (
            [(spellings.most_common(1)[0][0], spellings.total()) for spellings in tally.values()]
            for tally in tallies
        )
        return cls(_most_first(source), _most_first(type_), _most_first(language), tuple(sorted(year)))

    def as_dict(self) -> dict[str, dict[str, int]]:
        """`{"source": {"Reuters": 12, ...}, "type": ..., "language": ..., "year": ...}`, in order."""
        return {facet: dict(getattr(self, facet)) for facet in ("source", "type", "language", "year")}


def _most_first(counts: Iterable[tuple[str, int]]) -> Counts:
    return tuple(sorted(counts, key=lambda c: (-c[1], c[0].casefold())))


@dataclass(frozen=True)
class DocumentRecord:
    """A document with everything it carries, for copying it into another archive (`team push`)."""

    document: Document
    content_hash: str  # SHA-256 of the file's bytes: the same file imported elsewhere has the same
    versions: tuple[tuple[str, str], ...]  # every text version (hash, text), oldest first
    cluster: str  # the id of its cluster of copies (its own id when it has none)
    files: tuple[Location, ...] = ()  # the files that hold it on this machine


@dataclass(frozen=True)
class ArchiveStats:
    data_dir: str
    archive_id: str
    documents: int
    failed: int
    index_bytes: int
    catalog_bytes: int
    last_import: str | None
    last_import_summary: str | None
    unindexed: int
    import_progress: ImportProgress | None = None  # the import or index rebuild running now
    interrupted: tuple[ImportProgress, ...] = ()  # the last import or rebuild, if its process was killed
    breakdown: Breakdown | None = None  # documents by outlet, type, language, year, when asked for

    def as_dict(self) -> dict[str, object]:
        record = dict(self.__dict__)
        record["import_progress"] = self.import_progress.as_dict() if self.import_progress else None
        record["interrupted"] = [run.as_dict() for run in self.interrupted]
        record["breakdown"] = self.breakdown.as_dict() if self.breakdown else None
        return record

    def last_import_line(self) -> str:
        """When the last import ran and what it did: "never", "TIME (SUMMARY)", "TIME (running)"."""
        if self.last_import is None:
            return "never"
        if self.last_import_summary:
            return f"{self.last_import} ({self.last_import_summary})"
        progress = self.import_progress
        if progress is not None and progress.kind == import_status.IMPORT:  # no summary yet
            return f"{self.last_import} (running)"
        return self.last_import


@dataclass(frozen=True)
class FailedFile:
    """A file an import could not read, and why (the import report's failures)."""

    path: str
    reason: str


@dataclass(frozen=True)
class FileStatus:
    """What the last import that met a file made of it (one of the importer's STATUSES), and why;
    `container` is the archive, mailbox or feed file that holds a member."""

    path: str
    status: str
    reason: str = ""
    container: str = ""


@dataclass(frozen=True)
class Copies:
    """A document's story as the catalog's clusters of near-duplicate copies hold it: the one
    answer to "who else carried this?" (`Archive.copies`), computed from the perspective of the
    document asked about, whichever front end asks."""

    doc_id: str
    cluster: str = ""  # the cluster's id, its representative's document id; "" without copies
    documents: int = 1  # the story's documents in the catalog, this one included
    outlets: tuple[str, ...] = ()  # the other outlets that carried it, earliest first (its own left out)


@dataclass(frozen=True)
class _ClusterMap:
    """The catalog's clusters as search reads them: document id -> cluster id, and the members of
    each cluster (documents with copies only)."""

    of: dict[str, str]
    members: dict[str, list[str]]

    @classmethod
    def read(cls, catalog: Catalog) -> _ClusterMap:
        of = catalog.cluster_map()
        members: dict[str, list[str]] = {}
        for doc_id, cluster in of.items():
            members.setdefault(cluster, []).append(doc_id)
        return cls(of, members)


@dataclass(frozen=True)
class TagChange:
    """Tags added to or removed from a document; `indexed` False when the index was busy (another
    Briefer importing): `tag:` searches see the change once that import finishes (it indexes what
    waits when it lets go of the index), at the latest after the next import or reindex."""

    doc_id: str
    tags: tuple[str, ...]
    indexed: bool


class Archive:
    """An archive in `data_dir`: the catalog file and the index folder inside it."""

    _aliases: tuple[tuple[int, ...], AliasTable] | None = None  # file stamps, table
    _failed: tuple[tuple[int, int], int] | None = None  # catalog change stamp, failed files
    _clusters_read: tuple[tuple[int, int], _ClusterMap] | None = None  # catalog change stamp, clusters

    def __init__(self, data_dir: Path, *, create: bool = True) -> None:
        """Open the archive in `data_dir`, creating it when `create`; otherwise a folder without an
        archive raises ArchiveMissing and is left as it was."""
        self.data_dir = data_dir
        if not create and not (data_dir / CATALOG_FILE).is_file():
            raise ArchiveMissing(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(data_dir / CATALOG_FILE)
        self.index: SearchEngine = SearchIndex(data_dir / INDEX_DIR, texts=self._texts)
        self._start()

    def _start(self) -> None:
        """What every archive does once its catalog and index are open (a team archive's too)."""
        self.notices: list[str] = []  # the index was found missing or damaged: it needs filling
        if self.index.rebuilt_reason or self._index_lost():
            # The index is a cache: queue everything for indexing again.
            self.catalog.mark_all_unindexed()
            self.notices.append(self.index.rebuilt_reason or "the search index was missing and is rebuilt")
        self._importer: Importer | None = None  # made on the first import: it loads every parser
        self._clusters: Clusters | None = None  # made when first needed: it loads numpy
        self._importing = False  # this process holds the import lock (flock does not tell)

    def _index_lost(self) -> bool:
        """An empty index beside a catalog with documents: lost, unless a running import (or rebuild)
        has not committed its first documents to it yet."""
        if self.index.doc_count() or not self.catalog.count_documents():
            return False
        return self.import_progress() is None

    @property
    def identity(self) -> ArchiveIdentity:
        """This archive's id and folder: what a briefing records of the archive it quotes."""
        return self.catalog.identity

    @property
    def importer(self) -> Importer:
        if self._importer is None:
            from briefer.core.archive.importer import Importer  # lazy: loading every parser takes 150 ms

            self._importer = Importer(self.catalog, self.index)
        return self._importer

    @property
    def clusters(self) -> Clusters:
        """Near-duplicate signatures and clusters (see `core.clusters`)."""
        if self._clusters is None:
            from briefer.core.archive.clusters import Clusters

            self._clusters = Clusters(self.catalog)
        return self._clusters

    def close(self) -> None:
        self.index.close()
        self.catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- importing ---------------------------------------------------------------
    def prune_plan(self, sources: Sequence[Path], *, quoted_by: Iterable[Path] = ()) -> RemovalPlan:
        """What `import_paths(sources, prune=True)` would delete (documents whose files are all gone),
        and which of them the briefing files `quoted_by` quote (read only when some would go)."""
        from briefer.core.archive.removal import RemovalPlan, quoted_in_files

        doomed = self.importer.prune_plan(sources)
        if not doomed:
            return RemovalPlan.of(())
        quoted, unreadable = quoted_in_files(quoted_by)
        return RemovalPlan.of(doomed, recent=quoted, unreadable=unreadable)

    def import_paths(
        self,
        sources: Sequence[Path],
        *,
        prune: bool = False,
        keep: frozenset[str] = frozenset(),
        exclude: frozenset[str] = frozenset(),
        progress: Progress = no_progress,
        cancel: threading.Event | None = None,
        on_outcome: Callable[[FileOutcome], None] | None = None,
        limits: ImportLimits | None = None,
        time_limit: float | None = None,
        max_size: int | None = None,
        workers: int | None = None,
    ) -> ImportSummary:
        """Import files and folders; see `Importer.run`.  Raises ArchiveBusy if another import runs.
        With `prune`, documents whose files are gone are deleted, except those in `keep`
        (`prune_plan` says which would go, so that a front end can ask first).

        Each file is parsed within the time and memory `limits` (default: the configured ones,
        with `time_limit` seconds and `max_size` bytes when given), and `workers` parser
        processes (default: one per core, at most two) do the parsing.
        """
        with self._import_lock(), self._recorded(import_status.IMPORT, progress) as recorded:
            import_id = self.catalog.start_import()
            summary = self.importer.run(
                sources,
                prune=prune,
                keep=keep,
                exclude=exclude,
                progress=recorded,
                cancel=cancel,
                on_outcome=on_outcome,
                limits=limits,
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

    def remove_sample(self, *, keep: Collection[str] = frozenset()) -> int:
        """Forget the sample archive's files and the documents only they hold; returns how many
        documents went.  Documents in `keep` (those a briefing quotes, say) stay, with their sample
        files, so they still count as sample; a document one of your own files also holds stays too."""
        doomed = self.sample_documents() - frozenset(keep)
        with self._import_lock(), self.index.batch() as batch, self.catalog.transaction():
            for doc_id in doomed:
                self.catalog.delete_document(doc_id)
                batch.delete(doc_id)
            self.clusters.remove(doomed)
            for path, loc in self._sample_locations().items():
                if loc.doc_id not in keep:
                    self.catalog.remove_location(path)
        return len(doomed)

    def sample_documents(self) -> frozenset[str]:
        """The documents only sample files hold: what removing the sample removes (at most)."""
        sample = self._sample_locations()
        candidates = {loc.doc_id for loc in sample.values() if loc.doc_id}
        return frozenset(d for d in candidates if set(self.catalog.paths_of(d)) <= sample.keys())

    def plan_sample_removal(self, open_briefing: Iterable[str], recent: Iterable[Path]) -> RemovalPlan:
        """What removing the sample would take: its documents, and those of them the open briefing
        (`open_briefing`: the ids it quotes) and the `recent` briefing files quote, for a front end
        to ask about before `remove_sample`."""
        from briefer.core.archive.removal import RemovalPlan, quoted_in_files

        quoted, unreadable = quoted_in_files(recent)
        return RemovalPlan.of(
            self.sample_documents(), open_briefing=open_briefing, recent=quoted, unreadable=unreadable
        )

    def has_sample(self) -> bool:
        return bool(self._sample_locations())

    def _sample_locations(self) -> dict[str, Location]:
        root = str(paths.SAMPLE_ARCHIVE.resolve()) + os.sep
        return {path: loc for path, loc in self.catalog.locations().items() if path.startswith(root)}

    def reindex(self, *, progress: Progress = no_progress, cancel: threading.Event | None = None) -> int:
        """Rebuild the search index from the catalog, and sign the documents that have no
        near-duplicate signature yet (an archive from before clusters); returns the number of documents."""
        from briefer.core.archive.importer import index_waiting

        with self._import_lock(), self._recorded(import_status.REINDEX, progress) as recorded:
            ids = self.catalog.all_ids()
            self.catalog.mark_all_unindexed()
            self.index.reset()
            self._index_new(ids, new=True, progress=recorded, cancel=cancel)  # the index was just emptied
            index_waiting(self.catalog, self.index)  # tags another Briefer added while this ran
            self.clusters.sync(cancel=cancel)
            return len(ids)

    def _index_new(
        self,
        ids: list[str],
        *,
        new: bool,
        progress: Progress = no_progress,
        cancel: threading.Event | None = None,
    ) -> None:
        """Index documents, 500 at a time; `new` promises the index holds none of them (emptied)."""
        revisions: dict[str, int] = {}
        with self.index.batch(bulk=len(ids) >= 5000) as batch:
            for start in range(0, len(ids), 500):
                raise_if_cancelled(cancel)
                docs, read = self.catalog.indexable(ids[start : start + 500])
                for doc in docs:
                    batch.put(doc, new=new)
                revisions.update(read)
                progress(min(start + 500, len(ids)), len(ids))
        self.catalog.mark_indexed(revisions)

    def document_records(
        self,
        *,
        batch: int = 500,
        cancel: threading.Event | None = None,
        only: Collection[str] | None = None,
    ) -> Iterator[tuple[list[DocumentRecord], int]]:
        """Every document (or those of `only`) with its text versions and cluster, `batch` at a
        time, each batch with the number of documents there are in all (for progress)."""
        ids = self.catalog.all_ids()
        if only is not None:
            ids = [i for i in ids if i in only]
        clusters = self._cluster_map()
        files: dict[str, list[Location]] = {}
        for location in self.catalog.locations().values():
            if location.doc_id and location.size is not None and location.mtime_ns is not None:
                files.setdefault(location.doc_id, []).append(location)
        for start in range(0, len(ids), batch):
            raise_if_cancelled(cancel)
            chunk = ids[start : start + batch]
            extra = self.catalog.content_and_versions(chunk)
            records = [
                DocumentRecord(
                    doc,
                    extra[doc.id][0],
                    tuple(extra[doc.id][1]),
                    clusters.of.get(doc.id, doc.id),
                    tuple(files.get(doc.id, ())),
                )
                for doc in self.catalog.documents(chunk)
                if doc.id in extra
            ]
            yield records, len(ids)

    # -- near-duplicate clusters ----------------------------------------------------
    def cluster_of(self, doc_id: str) -> str:
        """The id of the cluster of copies `doc_id` belongs to: its representative's document id.
        A document without copies (or unknown) is its own cluster: its own id."""
        return self.catalog.cluster_id(doc_id) or doc_id

    def cluster(self, doc_id: str) -> list[Document]:
        """The documents of `doc_id`'s cluster, the representative first, then by publication
        (see `clusters.precedence`); just the document when it has no copies."""
        from briefer.core.archive.clusters import precedence

        cluster = self.catalog.cluster_id(doc_id)
        if cluster is None:
            doc = self.document(doc_id)
            return [doc] if doc is not None else []
        members = self.catalog.cluster_member_ids(cluster)
        ordered = [f.id for f in sorted(self.catalog.document_facts(members), key=precedence)]
        if cluster in ordered:  # the stored representative leads, whatever changed since
            ordered.remove(cluster)
            ordered.insert(0, cluster)
        return self.catalog.documents(ordered)

    def copies(self, doc_id: str) -> Copies:
        """Who else carried document `doc_id`'s story (see `Copies`)."""
        return self.copies_of([doc_id])[doc_id]

    def copies_of(self, doc_ids: Sequence[str]) -> dict[str, Copies]:
        """`copies` of each document, read from the catalog's clusters at once (a page of hits).

        The one source of "also carried by N": search hits receive it when results are built,
        `briefer cluster` and the copies window show it, every quote's citation counts it."""
        ids = list(dict.fromkeys(doc_ids))
        cluster_of = self.catalog.clusters_of(ids)
        members = self.catalog.cluster_members(sorted(set(cluster_of.values())))
        facts = {f.id: f for f in self.catalog.document_facts([m for ms in members.values() for m in ms])}
        found = {}
        for doc_id in ids:
            cluster = cluster_of.get(doc_id)
            if cluster is None:
                found[doc_id] = Copies(doc_id)
                continue
            known = [facts[m] for m in members.get(cluster, ()) if m in facts]  # members still in the catalog
            found[doc_id] = Copies(doc_id, cluster, len(known) or 1, _other_outlets(doc_id, known))
        return found

    def also_carried_by(self, doc_id: str) -> tuple[str, ...]:
        """The other outlets that carried document `doc_id`'s story, earliest first (`copies`)."""
        return self.copies(doc_id).outlets

    def carried_by_count(self, doc_id: str) -> int:
        """`len(also_carried_by(doc_id))`: the lookup every excerpt takes (`citation_of(carried_by=...)`),
        whether it is quoted from the command line, a search hit, the reader or the copies window."""
        return len(self.also_carried_by(doc_id))

    def recluster(
        self, threshold: float, *, progress: Progress = no_progress, cancel: threading.Event | None = None
    ) -> ClusterStats:
        """Keep `threshold` as the archive's near-duplicate threshold (0.5 to 1; 0 switches clustering
        off) and cluster every document again with it.  Raises ValueError for another value and
        ArchiveBusy while an import runs."""
        from briefer.core.archive.clusters import check_threshold

        check_threshold(threshold)
        with self._import_lock():
            return self.clusters.recluster(threshold, progress=progress, cancel=cancel)

    def cluster_stats(self) -> ClusterStats:
        return self.clusters.stats()

    def largest_clusters(self, limit: int = 20) -> list[tuple[str, int]]:
        """(cluster id, number of documents) of the biggest clusters, biggest first."""
        members = self._cluster_map().members
        ranked = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
        return [(cluster, len(ids)) for cluster, ids in ranked[:limit]]

    def _cluster_map(self) -> _ClusterMap:
        """The clusters, read again when the catalog changed."""
        stamp = self.catalog.change_stamp()
        cached = self._clusters_read
        if cached is None or cached[0] != stamp:
            cached = self._clusters_read = (stamp, _ClusterMap.read(self.catalog))
        return cached[1]

    @contextlib.contextmanager
    def _import_lock(self) -> Iterator[None]:
        """One importing process per archive: a second one is told so instead of waiting."""
        try:
            import fcntl
        except ImportError:  # Windows: Whoosh's own write lock still protects the index
            yield
            return
        if self._importing:  # a feed fetch while this window imports, say: not "another Briefer"
            raise ArchiveBusy(
                "an import into this archive is already running here; try again when it is done"
            )
        with open(self.data_dir / LOCK_FILE, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ArchiveBusy(
                    "another Briefer is importing into this archive; try again when it is done"
                ) from exc
            self._importing = True
            try:
                yield
            finally:
                self._importing = False
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _recorded(self, kind: str, progress: Progress) -> Iterator[Progress]:
        """`progress`, also written to the status file other processes read (see `import_status`);
        the file goes when the run ends, while this process still holds the import lock."""
        status = import_status.StatusFile(self.data_dir, kind)
        status.write(0, 0)

        def report(done: int, total: int) -> None:
            status.write(done, total)
            progress(done, total)

        try:
            yield report
        finally:
            status.remove()

    def recorded_runs(self) -> list[ImportProgress]:
        """The import and index rebuild recorded in the data folder: running (in this process or
        another) or interrupted (`running` False: its process was killed before the end).

        The import lock is only tested when a status file exists, so a reader almost never holds
        the lock at the moment an import starts.
        """
        runs = []
        for kind in import_status.KINDS:
            recorded = import_status.read_status(self.data_dir, kind)
            if recorded is not None:
                running = import_status.process_exists(recorded.pid) and self._import_lock_held()
                runs.append(replace(recorded, running=running))
        return runs

    def import_progress(self) -> ImportProgress | None:
        """The import or index rebuild running now, here or in another process, and how far it is."""
        return next((run for run in self.recorded_runs() if run.running), None)

    def _import_lock_held(self) -> bool:
        """Whether some process (this one included) holds the import lock now."""
        try:
            import fcntl
        except ImportError:  # Windows: trust the status file and its pid
            return True
        path = self.data_dir / LOCK_FILE
        if not path.exists():
            return False  # never locked
        try:
            with open(path, "rb") as handle:  # read-only: a reader may not write in the data folder
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
                return False
        except OSError:  # unreadable: trust the status file and its pid
            return True

    # -- reading -----------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id)

    def _texts(self, doc_ids: list[str]) -> list[str]:
        """The texts of documents, in order ("" for one that is gone): the ranking's feedback reads them."""
        found = self.catalog.texts(doc_ids)
        return [found.get(doc_id, "") for doc_id in doc_ids]

    def is_empty(self) -> bool:
        return self.catalog.count_documents() == 0

    def search(self, query: str | SearchRequest, *, limit: int = 20) -> SearchResults:
        """Ranked hits for a query (or a full request) with snippets, passages and, when asked
        for, facets; raises QueryError for a malformed or too broad query."""
        request = query if isinstance(query, SearchRequest) else SearchRequest(query, limit=limit)
        self.index.aliases = self._alias_table()
        clusters = self._cluster_map()
        found = self.index.search(request, clusters=clusters.of)
        return self._results(request.query, found, page=request.page, limit=request.limit)

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
        clusters = self._cluster_map()
        cluster = clusters.of.get(doc_id)
        copies = set(clusters.members.get(cluster, ())) if cluster else set()
        found = self.index.more_like(text, exclude={doc_id} | copies, limit=limit)  # not its own story
        label = f"like {doc_id}" + (f" {span[0]}:{span[1]}" if span else "")
        return self._results(label, found, page=1, limit=limit)

    def _results(
        self,
        query: str,
        found: IndexResults,
        *,
        page: int,
        limit: int,
    ) -> SearchResults:
        copies = self.copies_of([h.doc_id for h in found.hits])  # read once, passed on to the hits
        wanted = [h.doc_id for h in found.hits]
        # A copy shown for its cluster brings the representative along (what citations name).
        wanted += [c.cluster for c in copies.values() if c.cluster not in ("", c.doc_id)]
        docs = {d.id: d for d in self.catalog.documents(list(dict.fromkeys(wanted)))}
        hits = []
        for raw in found.hits:
            doc = docs.get(raw.doc_id)
            if doc is None:  # the index is ahead of a catalog change; skip the ghost
                continue
            hit = Hit.found(doc, raw.score, found.terms, raw.match)
            if raw.factors:
                hit = replace(hit, factors=raw.factors)
            story = copies[doc.id]
            if story.cluster:
                hit = replace(
                    hit,
                    cluster=story.cluster,
                    cluster_size=story.documents,
                    also_carried_by=story.outlets,
                    representative=docs.get(story.cluster) if story.cluster != doc.id else None,
                )
            hits.append(hit)
        notices = []
        if found.expansions:
            also = "; ".join(e.describe() for e in found.expansions)
            # The fact only: how to search as typed depends on the front end (CLI: --no-aliases).
            notices.append(f"also searched for variants: {also}")
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
            relaxed=found.relaxed,
            relaxed_stories=found.relaxed_stories,
            incomplete=bool(incomplete),
            failed_files=self._failed_count(),
            stories=found.stories,
            limit=limit,
            terms=found.terms,
        )

    def _search_notices(self) -> Iterator[str]:
        progress = self.import_progress()
        if progress is not None:
            yield f"{progress.describe()}; results so far may be incomplete"
        failed = self._failed_count()
        if failed:
            yield f"{failed} file(s) could not be imported"  # the fact: front ends say where they are listed
        waiting = self.catalog.count_unindexed() if progress is None else 0  # the run indexes them
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
        """Whether an import (or index rebuild) into this archive runs now, here or in another process."""
        return self.import_progress() is not None

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
                # Read while holding the index, so no older copy of the document can reach it after
                # this one; marked indexed with the revision read (a newer change stays waiting).
                docs, revisions = self.catalog.indexable([doc_id])
                for doc in docs:
                    batch.put(doc)
        except IndexBusy:
            # Another Briefer is importing (or rebuilding): the document stays unindexed, and that
            # run indexes it when it lets go of the index (`importer.index_waiting`).
            log.info("index busy; the tags of %s are indexed when the running import finishes", doc_id)
            return TagChange(doc_id, clean, indexed=False)
        self.catalog.mark_indexed(revisions)
        return TagChange(doc_id, clean, indexed=True)

    # -- the import report ------------------------------------------------------------
    def failed_files(self) -> list[FailedFile]:
        """Every file an import could not read, with its reason, by path."""
        return [FailedFile(f.path, f.reason) for f in self.catalog.failures()]

    def file_statuses(self) -> list[FileStatus]:
        """Every file (and container member) the catalog knows, with the status the last import that
        met it recorded, by path: the window's import report.  Files an import never reached (a
        folder it could not read) are only in that import's own report (`ImportSummary.report`)."""
        return [
            FileStatus(loc.path, loc.status, loc.reason, loc.container or "")
            for loc in sorted(self.catalog.locations().values(), key=lambda loc: loc.path)
        ]

    @property
    def where(self) -> str:
        """Where the archive is, for a person: its data folder (a team archive: its server)."""
        return str(self.data_dir)

    def _catalog_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.data_dir.glob(CATALOG_FILE + "*") if f.is_file())

    def unindexed_count(self) -> int:
        """Documents in the catalog that searches do not find yet (an interrupted import, a
        rebuilt index): `reindex` indexes them."""
        return self.catalog.count_unindexed()

    def stats(self, *, breakdown: bool = False) -> ArchiveStats:
        """The archive's figures; `breakdown` adds the documents by outlet, type, language and year
        (one more pass over the catalog)."""
        last = self.catalog.last_import()
        runs = self.recorded_runs()
        return ArchiveStats(
            data_dir=self.where,
            archive_id=self.identity.id,
            documents=self.catalog.count_documents(),
            failed=self.catalog.count_failed(),
            index_bytes=self.index.size_bytes(),
            catalog_bytes=self._catalog_bytes(),
            last_import=(last[1] or last[0]) if last else None,
            last_import_summary=last[2] if last else None,
            unindexed=self.catalog.count_unindexed(),
            import_progress=next((run for run in runs if run.running), None),
            interrupted=tuple(run for run in runs if not run.running),
            breakdown=Breakdown.of(self.catalog.count_kinds()) if breakdown else None,
        )


def _other_outlets(doc_id: str, members: list[DocumentFacts]) -> tuple[str, ...]:
    """The outlets of a cluster's members other than `doc_id`'s own, each once, earliest first."""
    from briefer.core.archive.clusters import precedence

    own = next((m.source.strip().casefold() for m in members if m.id == doc_id), "")
    outlets: dict[str, str] = {}
    for member in sorted(members, key=precedence):
        name = member.source.strip()
        if member.id != doc_id and name and name.casefold() != own:
            outlets.setdefault(name.casefold(), name)
    return tuple(outlets.values())
