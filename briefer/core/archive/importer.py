"""Import files into the catalog and the index: incremental, resumable, never losing a file.

Every file ends with exactly one status (see `STATUSES`), and so does every
member of a container (an archive, a mailbox, a feed, an e-mail's attachments),
reported as `container/member`.  The catalog is committed in chunks, each
document marked "not yet indexed" until the index has committed it too, so a
run that is killed resumes where it stopped: the next run indexes what the
catalog holds but the index does not, and imports the files it never reached.

What is read at all is decided by `files.scan` (regular files only; links
followed only inside the folders imported), and every read is bounded by the
size limit (`files.read_file`); the paths not read get their status too.

Every file is parsed in worker processes (`workers.ParsePool`) under a time and
a memory limit, plain text too (a parser is only as linear as its last regex:
Markdown once took 41 s on 100 KB, in the window's own process), so a hostile
file costs its own status and nothing else, and both cores are used.

A run's reading and parsing is `import_reading.Reading`; here, its writing (`_Writing`).
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefer.core.archive import files
from briefer.core.archive.catalog import Catalog, Location, sha256_hex
from briefer.core.archive.clusters import Clusters
from briefer.core.archive.files import scan
from briefer.core.archive.import_reading import SETTLED, Reading, RunContext, ToRead, Work
from briefer.core.archive.import_summary import FileOutcome, ImportSummary, PackedTexts
from briefer.core.archive.limits import ImportLimits
from briefer.core.archive.workers import ParseFunction, Signed
from briefer.core.documents import Document, Extracted
from briefer.core.extract import Part, extract_parts
from briefer.core.processes import release_free_memory
from briefer.core.progress import Cancelled, Progress, no_progress, raise_if_cancelled
from briefer.core.search import IndexBusy, SearchEngine, WriteBatch

log = logging.getLogger(__name__)


CHUNK = 500  # files per catalog transaction
BULK_THRESHOLD = 5000  # from this many new or changed files on, index with two processes
INDEX_COMMIT_DOCS = 2000  # otherwise commit the index this often, so searches see progress
INDEX_COMMIT_SECONDS = 20.0
FLUSH_SECONDS = 2.0  # write parsed files to the catalog at least this often


@dataclass
class _Pending:
    """Catalog changes of one chunk, waiting to reach the index."""

    put: list[tuple[Document, bool]] = field(default_factory=list)  # (document, new to the index)
    deleted: list[str] = field(default_factory=list)
    signed: dict[str, Signed] = field(default_factory=dict)  # document id -> signature a worker made
    words: dict[str, str] = field(default_factory=dict)  # document id -> its words, from a worker


class _PackedRevisions:
    """Document id -> revision put in the index and not yet committed, packed: a bulk import
    commits its index once, at its end, and a dict of 100,000 ids held 10 MB until then."""

    def __init__(self, revisions: Mapping[str, int] | None = None) -> None:
        self._ids = PackedTexts()
        self._revisions = array("q")
        if revisions:
            self.update(revisions)

    def update(self, revisions: Mapping[str, int]) -> None:
        for doc_id, revision in revisions.items():
            self._ids.append(doc_id)
            self._revisions.append(revision)

    def __len__(self) -> int:
        return len(self._revisions)

    def items(self) -> Iterator[tuple[str, int]]:
        return zip(self._ids.texts(), self._revisions, strict=True)


class Importer:
    """Imports files into `catalog` and `index`; one run at a time."""

    def __init__(
        self, catalog: Catalog, index: SearchEngine, *, parse: ParseFunction = extract_parts
    ) -> None:
        self._catalog = catalog
        self._index = index
        self._parse = parse  # what parser workers run on a file (tests swap in hanging ones)
        self._clusters = Clusters(catalog)

    def run(
        self,
        paths: Sequence[Path],
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
        """Import `paths` (files and folders); with `prune`, forget what is gone, but for `keep`.

        `limits` (default: `ImportLimits.configured()`, with `time_limit` and
        `max_size` when given) bound what each file may cost: a file is parsed
        within its time and memory limits (a member of an archive within as
        many seconds), files over the size limit are not read, and a container's
        members are bounded in number and in bytes unpacked; a file that hits a
        limit is reported with it and the import goes on.  `workers` parser
        processes (default: up to two, one per core) start only if a file needs one.
        """
        chosen = (limits or ImportLimits.configured()).but(time_limit=time_limit, max_size=max_size)
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

        context = RunContext.of(self._catalog, record)
        ready: list[Work] = []  # read and parsed, for the catalog
        reading = Reading(
            context,
            chosen,
            ready,
            workers=workers,
            parse=self._parse,
            sign=self._clusters.threshold > 0,
        )
        todo, seen, total, not_read = reading.sort_out(scan(roots, exclude), keep_seen=prune)
        done = total - len(todo) - not_read
        progress(done, total)
        pending_ids = self._catalog.unindexed_ids()
        bulk = len(todo) + len(pending_ids) >= BULK_THRESHOLD
        cancelled = False
        with self._index.batch(bulk=bulk) as batch:
            writing = _Writing(
                context, self._clusters, ready, batch,
                uncommitted=_PackedRevisions(self._index_pending(batch, pending_ids)),
                bulk=bulk, progress=progress, done=done, total=total,
            )  # fmt: skip
            try:
                # Band rows of the run's signatures are written in a few large sorted steps (see there)
                with self._clusters.deferring_bands():
                    try:
                        _read_and_write(todo, reading, writing, cancel, summary)
                    finally:
                        reading.close()
                    if prune:
                        summary.pruned = self._prune(roots, seen, batch, keep)
            except Cancelled:
                cancelled = True  # keep what the catalog already holds searchable
        self._catalog.mark_indexed(writing.uncommitted)
        summary.indexed += len(writing.uncommitted)
        if not cancelled:
            # Documents changed while this run held the index (tags added by another Briefer, which
            # found the index busy and left them to us): the index is free now, index them.
            summary.indexed += index_waiting(self._catalog, self._index)
            # Documents this run did not sign: an archive from before clusters, a killed run.
            self._clusters.sync(cancel=cancel)
        summary.seconds = time.perf_counter() - started
        if cancelled:
            raise Cancelled
        return summary

    def _index_pending(self, batch: WriteBatch, doc_ids: list[str]) -> dict[str, int]:
        """Index documents the catalog holds but the index may not (an interrupted run, a tag that
        found the index busy); returns their revisions, to mark them indexed once committed."""
        revisions: dict[str, int] = {}
        for start in range(0, len(doc_ids), CHUNK):
            docs, read = self._catalog.indexable(doc_ids[start : start + CHUNK])
            for doc in docs:
                batch.put(doc)
            revisions.update(read)
        return revisions

    def prune_plan(self, paths: Sequence[Path]) -> frozenset[str]:
        """The documents `run(paths, prune=True)` would delete: every file that held them is gone."""
        roots = [p.resolve() for p in paths]
        gone = {key: loc for key, loc in self._catalog.locations().items() if _gone(key, loc, roots, set())}
        holders = {loc.doc_id for loc in gone.values() if loc.doc_id}
        return frozenset(d for d in holders if set(self._catalog.paths_of(d)) <= gone.keys())

    def _prune(
        self, roots: list[Path], seen: set[str], batch: WriteBatch, keep: frozenset[str] = frozenset()
    ) -> int:
        """Forget files under `roots` that are gone; delete documents no file holds any more.

        A member goes with its container; members missing from a container that
        is still there stay (a feed drops old entries, yet they were published).
        Documents in `keep` (quoted by a briefing, say) stay, with their locations, for a later
        prune to ask about again.
        """
        pruned = 0
        with self._catalog.transaction():
            for key, loc in self._catalog.locations().items():
                if not _gone(key, loc, roots, seen) or loc.doc_id in keep:
                    continue
                self._catalog.remove_location(key)
                pruned += 1
                if loc.doc_id and not self._catalog.paths_of(loc.doc_id):
                    self._catalog.delete_document(loc.doc_id)
                    self._clusters.remove([loc.doc_id])
                    batch.delete(loc.doc_id)
        return pruned


def _read_and_write(
    todo: ToRead, reading: Reading, writing: _Writing, cancel: threading.Event | None, summary: ImportSummary
) -> None:
    """Read every file of `todo`, writing what is ready as it comes, then the rest once parsed."""
    while todo:  # each file's entry let go once it is read
        key, size, mtime_ns, target = todo.pop()
        raise_if_cancelled(cancel)
        reading.add(Path(key), size, mtime_ns, target)
        reading.collect(cancel, block=False)
        writing.flush_ready(summary)
    while reading.parsing:
        reading.collect(cancel, block=True)
        writing.flush_ready(summary)
    writing.flush_all(summary)


class _Writing:
    """The writing half of an import run: what `Reading` made ready, written to the catalog a chunk
    (one transaction) at a time, then handed to the index, committed as the run's size asks."""

    def __init__(
        self,
        context: RunContext,
        clusters: Clusters,
        ready: list[Work],
        batch: WriteBatch,
        *,
        uncommitted: _PackedRevisions,
        bulk: bool,
        progress: Progress,
        done: int,
        total: int,
    ) -> None:
        self._context = context
        self._catalog, self._known, self._record = context.catalog, context.known, context.record
        self._clusters = clusters
        self._ready = ready
        self._batch = batch
        self.uncommitted = uncommitted  # put in the index, not yet committed
        self._bulk = bulk  # the index is committed once, at the end
        self._progress = progress
        self._done = done
        self._total = total
        self._last_flush = time.monotonic()
        self._last_commit = time.monotonic()

    def flush_ready(self, summary: ImportSummary) -> None:
        """Write the chunks that are full, and a smaller one when the last was FLUSH_SECONDS ago."""
        while len(self._ready) >= CHUNK or (
            bool(self._ready) and time.monotonic() - self._last_flush > FLUSH_SECONDS
        ):
            self.flush(summary)

    def flush_all(self, summary: ImportSummary) -> None:
        while self._ready:
            self.flush(summary)

    def flush(self, summary: ImportSummary) -> None:
        """Write up to one chunk of what is ready in one catalog transaction, then hand its documents
        to the index. One worker batch can finish several files at once; the chunk stays CHUNK files
        so that a transaction's size (and the progress steps others see) does not depend on it."""
        self._last_flush = time.monotonic()
        if not self._ready:
            return
        ready = self._ready[:CHUNK]
        del self._ready[:CHUNK]  # the list `Reading` adds to
        changes = _Pending()
        outcomes: list[FileOutcome] = []
        with self._catalog.transaction():
            for work in ready:
                outcomes += self._apply(work, changes)
            # Near-duplicates are found as documents arrive, committed with them.
            self._clusters.add([doc for doc, new in changes.put if new], new=True, signed=changes.signed)
            self._clusters.add([doc for doc, new in changes.put if not new], signed=changes.signed)
            self._clusters.remove(changes.deleted)
            # What the index gets of each document, read in the same transaction: its revision (so
            # a tag another process adds from now on is not marked indexed with it) and its tags
            # (an updated document keeps them; a new one has none).
            put_ids = [doc.id for doc, _ in changes.put]
            revisions = self._catalog.revisions(put_ids)
            tags = self._catalog.tags_of(put_ids)
        for outcome in outcomes:  # reported once the catalog holds them
            self._record(outcome)
        batch = self._batch
        for doc_id in changes.deleted:
            batch.delete(doc_id)
        for doc, new in changes.put:
            if doc.id in revisions:  # not deleted again in the same chunk
                kept = tags.get(doc.id, ())
                # Copied only when the tags differ (an updated document keeps its own): most have none.
                words = changes.words.get(doc.id)
                batch.put(
                    doc if doc.tags == kept else replace(doc, tags=kept),
                    new=new,
                    words=words.split() if words is not None else None,
                )
        self.uncommitted.update(revisions)
        release_free_memory()  # the chunk's texts
        self._done += len(ready)
        self._progress(self._done, self._total)
        if not self._bulk and (
            len(self.uncommitted) >= INDEX_COMMIT_DOCS
            or time.monotonic() - self._last_commit > INDEX_COMMIT_SECONDS
        ):
            # Commit what we have so that searches see it, and go on.
            batch.commit_and_continue()
            self._catalog.mark_indexed(self.uncommitted)
            summary.indexed += len(self.uncommitted)
            self.uncommitted, self._last_commit = _PackedRevisions(), time.monotonic()

    def _apply(self, work: Work, changes: _Pending) -> list[FileOutcome]:
        key, loc = work.key, work.loc
        where = (work.size, work.mtime_ns)
        if work.kind == "skipped":
            self._catalog.set_location(
                key, doc_id=None, content_hash=None, status="skipped", reason=work.reason,
                size=work.size, mtime_ns=work.mtime_ns,
            )  # fmt: skip
            return [FileOutcome(key, "skipped", work.reason)]
        if work.kind == "failed":
            return [self._failed(key, loc, work.reason, where)]
        if work.kind == "unchanged":
            assert loc is not None and work.size is not None and work.mtime_ns is not None  # it was read
            self._catalog.touch_location(key, work.size, work.mtime_ns, "unchanged")
            return self._context.unchanged(key, loc.doc_id)
        if work.kind == "duplicate":
            assert work.same_doc is not None
            return [self._duplicate(key, loc, work.content_hash, work.same_doc, where, changes)]
        return self._apply_parts(work, changes)

    def _apply_parts(self, work: Work, changes: _Pending) -> list[FileOutcome]:
        key, loc = work.key, work.loc
        where: tuple[int | None, int | None] = (work.size, work.mtime_ns)
        own = next((p for p in work.parts if p.member == ""), None)
        outcomes: list[FileOutcome] = []
        doc_of: dict[str, str] = {}
        if own is None or own.status == "":
            same = self._catalog.document_by_content(work.content_hash) if own is not None else None
            if same is not None:  # the same bytes met earlier in this run
                return [self._duplicate(key, loc, work.content_hash, same, where, changes)]
        if own is None:  # a container that is no document itself: an archive, a mailbox, a feed
            readable = any(p.extracted is not None for p in work.parts)
            status = "updated" if loc is not None and loc.status in SETTLED else "imported"
            reason = "" if readable else "nothing readable inside (see its members)"
            self._catalog.set_location(
                key, doc_id=None, content_hash=work.content_hash, status=status if readable else "skipped",
                reason=reason, size=work.size, mtime_ns=work.mtime_ns,
            )  # fmt: skip
            outcomes.append(FileOutcome(key, status if readable else "skipped", reason))
        elif own.status == "skipped":
            outcomes.append(self._skipped(key, own.reason, where))
        elif own.status == "failed" or own.extracted is None:
            outcomes.append(self._failed(key, loc, own.reason or "could not read", where))
        else:
            outcome = self._put(key, loc, work.content_hash, own, where, None, None, changes)
            outcomes.append(outcome)
            if outcome.doc_id:
                doc_of[""] = outcome.doc_id
                self._keep_signature(work, own, outcome, changes)
        for part in work.parts:
            if not part.member:
                continue
            member_key = f"{key}/{part.member}"
            member_loc = self._known.get(member_key)
            if part.status == "failed" or (part.status == "" and part.extracted is None):
                outcomes.append(
                    self._failed(member_key, member_loc, part.reason, (None, None), container=key)
                )
            elif part.status == "skipped":
                outcomes.append(self._skipped(member_key, part.reason, (None, None), container=key))
            else:
                assert part.extracted is not None
                parent = doc_of.get(part.parent) if part.parent is not None else None
                digest = part.content_hash or sha256_hex(part.extracted.text.encode("utf-8", "replace"))
                outcome = self._put(member_key, member_loc, digest, part, (None, None), parent, key, changes)
                outcomes.append(outcome)
                if outcome.doc_id:
                    doc_of[part.member] = outcome.doc_id
                    self._keep_signature(work, part, outcome, changes)
        return outcomes

    @staticmethod
    def _keep_signature(work: Work, part: Part, outcome: FileOutcome, changes: _Pending) -> None:
        """The signature and words a worker found of a part that became a new document version."""
        if not outcome.doc_id or outcome.status not in ("imported", "updated"):
            return
        signed = work.signed.get(part.member)
        if signed is not None:
            changes.signed[outcome.doc_id] = signed
        words = work.words.get(part.member)
        if words is not None:
            changes.words[outcome.doc_id] = words

    def _put(
        self,
        key: str,
        loc: Location | None,
        content_hash: str,
        part: Part,
        where: tuple[int | None, int | None],
        parent_id: str | None,
        container: str | None,
        changes: _Pending,
    ) -> FileOutcome:
        """Store the document of a file or member: new, a new version, unchanged, or a duplicate.

        `content_hash` is the file's (or member's) and tells a changed file; the document is known by
        the part's own hash when it has one (an e-mail's is of what it says, whatever file holds it).
        """
        extracted = part.extracted
        assert extracted is not None
        size, mtime = where
        old_doc = loc.doc_id if loc is not None else None
        doc_hash = part.content_hash or content_hash

        def located(doc_id: str, status: str) -> FileOutcome:
            self._catalog.set_location(
                key, doc_id=doc_id, size=size, mtime_ns=mtime, content_hash=content_hash,
                status=status, container=container,
            )  # fmt: skip
            return FileOutcome(key, status, doc_id=doc_id, container=container or "")

        if old_doc and loc is not None and loc.content_hash == content_hash and loc.status in SETTLED:
            return located(old_doc, "unchanged")
        if part.key:  # the same feed entry or message, met before
            found = self._catalog.document_by_key(part.key)
            if found is not None:
                doc_id, its_hash = found
                if its_hash == doc_hash:
                    outcome = located(doc_id, "unchanged" if old_doc == doc_id else "duplicate")
                    self._detach(old_doc, doc_id, changes)
                    return outcome
                self._catalog.put_document(
                    doc_id, doc_hash, extracted, entry_key=part.key, parent_id=parent_id
                )
                changes.put.append((_document(doc_id, key, extracted, parent_id), False))
                outcome = located(doc_id, "updated")
                self._detach(old_doc, doc_id, changes)
                return outcome
        same = self._catalog.document_by_content(doc_hash)
        if same is not None:
            outcome = located(same, "unchanged" if old_doc == same else "duplicate")
            self._detach(old_doc, same, changes)
            return outcome
        shared = old_doc is not None and len(self._catalog.paths_of(old_doc)) > 1
        target = None if shared else old_doc  # other files still hold the old content
        if shared:
            self._catalog.remove_location(key)
        doc_id = self._catalog.put_document(
            target, doc_hash, extracted, entry_key=part.key, parent_id=parent_id
        )
        changes.put.append((_document(doc_id, key, extracted, parent_id), target is None))
        return located(doc_id, "updated" if target else "imported")

    def _duplicate(
        self,
        key: str,
        loc: Location | None,
        content_hash: str,
        same: str,
        where: tuple[int | None, int | None],
        changes: _Pending,
    ) -> FileOutcome:
        self._catalog.set_location(
            key, doc_id=same, content_hash=content_hash, status="duplicate", size=where[0], mtime_ns=where[1]
        )
        self._detach(loc.doc_id if loc else None, same, changes)
        return FileOutcome(key, "duplicate", doc_id=same)

    def _skipped(
        self, key: str, reason: str, where: tuple[int | None, int | None], container: str | None = None
    ) -> FileOutcome:
        self._catalog.set_location(
            key, doc_id=None, content_hash=None, status="skipped", reason=reason,
            size=where[0], mtime_ns=where[1], container=container,
        )  # fmt: skip
        return FileOutcome(key, "skipped", reason, container=container or "")

    def _failed(
        self,
        key: str,
        loc: Location | None,
        reason: str,
        where: tuple[int | None, int | None],
        container: str | None = None,
    ) -> FileOutcome:
        """Record a failure; a document already imported from this file stays as it was."""
        self._catalog.set_location(
            key,
            doc_id=loc.doc_id if loc else None,
            content_hash=loc.content_hash if loc else None,
            size=where[0],
            mtime_ns=where[1],
            status="failed",
            reason=reason,
            container=container,
        )
        log.info("import failed: %s: %s", key, reason)
        return FileOutcome(key, "failed", reason, container=container or "")

    def _detach(self, old_doc: str | None, new_doc: str, changes: _Pending) -> None:
        """A file now duplicates another document: drop its old document if nothing else holds it."""
        if old_doc and old_doc != new_doc and not self._catalog.paths_of(old_doc):
            self._catalog.delete_document(old_doc)
            changes.deleted.append(old_doc)


def index_waiting(catalog: Catalog, index: SearchEngine, *, rounds: int = 3) -> int:
    """Index the documents the catalog marks unindexed, if the index can be written; returns how many.

    Run by whoever held the index for long (an import, a rebuild) once it let go: a tag added meanwhile
    by another process waited for the index, gave up, and left its document unindexed for us.  Why
    nothing is missed: such a tag was in the catalog before it gave up, so before we let go, so the
    first round reads it; a tag that lands during a round finds the index free after it (or waits,
    gives up, and is read by the next round: a few, then the next import), and `mark_indexed` with
    the revisions read never marks a change made after the read.  Busy: left to the next import.
    """
    done = 0
    for _ in range(rounds):
        doc_ids = catalog.unindexed_ids()
        if not doc_ids:
            break
        revisions: dict[str, int] = {}
        try:
            with index.batch() as batch:
                for start in range(0, len(doc_ids), CHUNK):
                    docs, read = catalog.indexable(doc_ids[start : start + CHUNK])
                    for doc in docs:  # read while holding the index: no older copy can follow it there
                        batch.put(doc)
                    revisions.update(read)
        except IndexBusy:
            log.info("index busy; %d waiting document(s) are left to the next import", len(doc_ids))
            break
        catalog.mark_indexed(revisions)
        done += len(revisions)
    return done


def _gone(key: str, loc: Location, roots: list[Path], seen: set[str]) -> bool:
    """A location under `roots` whose file (or container) no longer exists."""
    where = loc.container or key
    return where not in seen and any(files.is_within(where, r) for r in roots) and files.known_gone(where)


def _document(doc_id: str, path: str, extracted: Extracted, parent_id: str | None = None) -> Document:
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
        source_type=extracted.source_type,
        paths=(path,),
        pages=extracted.pages,
        parent_id=parent_id,
        flags=extracted.flags,
    )
