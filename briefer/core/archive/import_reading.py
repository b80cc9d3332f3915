"""The reading half of an import run: what the scan meets is settled without reading when its size
and time are as recorded, and otherwise read, hashed and, unless its bytes are known, sent to the
parser workers.  What is ready is handed on in the order the files were read (`importer` writes
it to the catalog and the index)."""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefer.core import extract
from briefer.core.archive import files
from briefer.core.archive.catalog import Catalog, Location, sha256_hex
from briefer.core.archive.files import Met
from briefer.core.archive.import_summary import FileOutcome
from briefer.core.archive.limits import ImportLimits
from briefer.core.archive.workers import Job, ParseFunction, ParsePool, Signed
from briefer.core.extract import Limits, Part
from briefer.core.progress import raise_if_cancelled

SETTLED = {"imported", "updated", "unchanged", "duplicate"}  # a file that needs no new look
HELD_MAX = 400  # parsed files waiting for an earlier one (a slow file, up to the time limit)
# Files handed to the parsers ahead of those the catalog has taken, so that the parsers go on while
# the importing process writes a chunk (they used to idle through each chunk's writing): at most
# this many, and at most this many bytes of them.  100,000 articles: 429-557 -> 598-613 docs/s.
AHEAD_FILES = 256
AHEAD_BYTES = 16 * 2**20


@dataclass
class Work:
    """One file on its way through a run: read and hashed, then decided or parsed."""

    path: Path
    size: int | None  # None for a path not read (a pipe, a link out of the folder)
    mtime_ns: int | None
    loc: Location | None
    kind: str = "extract"  # or "skipped", "failed", "unchanged", "duplicate"
    reason: str = ""
    content_hash: str = ""
    same_doc: str | None = None  # the document a duplicate shares
    parts: list[Part] = field(default_factory=list)
    signed: dict[str, Signed] = field(default_factory=dict)  # member -> signature, from a worker
    words: dict[str, str] = field(default_factory=dict)  # member -> `scripts.words_in`, from a worker
    parsed: bool = False  # its parts are in
    ahead: int = 0  # bytes of it counted in `Reading._ahead_bytes` until it is ready

    @property
    def key(self) -> str:
        return str(self.path)


class ToRead:
    """The files an import will read, in scan order, kept compact: a path's text and two numbers
    in arrays (a 100,000-file import held 19 MB of (path, size, mtime, target) tuples)."""

    def __init__(self) -> None:
        self._keys: list[str | None] = []
        self._sizes = array("q")
        self._mtimes = array("q")
        self._targets: dict[int, Path] = {}  # a followed link's target, by position
        self._next = 0

    def append(self, key: str, size: int, mtime_ns: int, target: Path | None) -> None:
        if target is not None:
            self._targets[len(self._keys)] = target
        self._keys.append(key)
        self._sizes.append(size)
        self._mtimes.append(mtime_ns)

    def __len__(self) -> int:
        return len(self._keys) - self._next

    def pop(self) -> tuple[str, int, int, Path | None]:
        """The next file to read; its path's text is let go."""
        i = self._next
        key = self._keys[i]
        assert key is not None
        self._keys[i] = None
        self._next += 1
        return key, self._sizes[i], self._mtimes[i], self._targets.pop(i, None)


@dataclass(frozen=True)
class RunContext:
    """What both halves of an import run share: the catalog, where every file was when the run
    began (and each container's members), and where each file's outcome is reported."""

    catalog: Catalog
    known: dict[str, Location]
    members: dict[str, list[Location]]
    record: Callable[[FileOutcome], None]

    @classmethod
    def of(cls, catalog: Catalog, record: Callable[[FileOutcome], None]) -> RunContext:
        known = catalog.locations()
        members: dict[str, list[Location]] = {}
        for loc in known.values():
            if loc.container:
                members.setdefault(loc.container, []).append(loc)
        return cls(catalog, known, members, record)

    def unchanged(self, key: str, doc_id: str | None) -> list[FileOutcome]:
        """A file as it was: it, and each of its members as last recorded."""
        outcomes = [FileOutcome(key, "unchanged", doc_id=doc_id)]
        for member in self.members.get(key, ()):
            settled = member.status in SETTLED
            outcomes.append(
                FileOutcome(
                    member.path,
                    "unchanged" if settled else member.status,
                    "" if settled else member.reason,
                    doc_id=member.doc_id,
                    container=key,
                )
            )
        return outcomes


class Reading:
    """The files one import run reads and parses; what is ready goes to `ready`, in reading order."""

    def __init__(
        self,
        context: RunContext,
        limits: ImportLimits,
        ready: list[Work],
        *,
        workers: int | None,
        parse: ParseFunction,
        sign: bool,
    ) -> None:
        self._context = context
        self._catalog, self._known, self._record = context.catalog, context.known, context.record
        self._import_limits = limits  # the parsers' time and memory
        self._limits = Limits.of(limits)  # each file's
        self._ready = ready
        self._workers = workers
        self._parse = parse
        self._sign = sign  # workers sign what they parse (clustering is on): the importer only matches
        self._pool: ParsePool | None = None
        self._jobs: dict[int, Work] = {}
        self._ahead_bytes = 0  # of the files sent to the parsers and not yet ready
        self._parsing: deque[Work] = deque()  # sent to the parsers, in the order the files were read
        self._job_ids = 0

    @property
    def parsing(self) -> bool:
        """Whether files sent to the parsers have not come back yet."""
        return bool(self._jobs)

    # -- deciding without parsing -------------------------------------------------------
    def _too_large(self, size: int) -> str:
        limit = self._limits.max_bytes
        return (
            f"too large: {size / files.MB:.1f} MB, over the {limit / files.MB:.0f} MB size limit"
            if size > limit
            else ""
        )

    def _changed_reason(self, exc: files.NotRegularFile | files.TooLarge) -> str:
        """Why a file the scan passed was not read after all: it changed since."""
        if isinstance(exc, files.TooLarge):
            return f"too large: grew past the {exc.limit / files.MB:.0f} MB size limit while being read"
        return str(exc)

    def sort_out(self, found: Iterable[Met], *, keep_seen: bool) -> tuple[ToRead, set[str], int, int]:
        """Settle what the scan finds, a path at a time (a list of 100,000 paths, a Path object
        each, was 39 MB of the importing process's peak): the files to read; every path met, with
        `keep_seen` (for pruning); how many files the run counts; how many of them are not read."""
        todo = ToRead()
        seen: set[str] = set()
        total = not_read = 0
        for met in found:
            if keep_seen:
                seen.add(str(met.path))
            if not met.readable:
                self.not_read(met)
                not_read += 1
                total += not met.report_only  # counted as they reach the catalog
                continue
            total += 1
            wanted = self.settle(met)
            if wanted is not None:
                todo.append(*wanted)
        return todo, seen, total, not_read

    def settle(self, met: Met) -> tuple[str, int, int, Path | None] | None:
        """Report a file whose size and mtime are as recorded; otherwise return it as its path's
        text, size, mtime (not its whole stat: a 20,000-file import kept 19 MB of stat results)
        and a followed link's target, to be read."""
        path = met.path
        key = str(path)
        try:
            stat = path.stat()
        except OSError as exc:
            self._record(FileOutcome(key, "failed", f"cannot read: {exc.strerror or exc}"))
            return None
        loc = self._known.get(key)
        if loc is not None and loc.size == stat.st_size and loc.mtime_ns == stat.st_mtime_ns:
            if loc.status in SETTLED:
                for outcome in self._context.unchanged(key, loc.doc_id):
                    self._record(outcome)
                return None
            if loc.status == "skipped":
                # Asked again, cheaply: the format may be supported now, or the size limit raised.
                reason = self._skip_reason(path, stat.st_size)
                if reason:
                    self._record(FileOutcome(key, "skipped", reason))
                    return None
        return key, stat.st_size, stat.st_mtime_ns, met.target

    def not_read(self, met: Met) -> None:
        """A path the scan would not read: with its status, in the catalog too unless the scan
        says it cannot go there (a folder: the catalog holds files; a name not in UTF-8)."""
        if met.report_only:
            self._record(FileOutcome(str(met.path), met.status, met.reason))
        else:
            work = Work(met.path, None, None, self._known.get(str(met.path)), met.status, met.reason)
            self._ready.append(work)

    def _skip_reason(self, path: Path, size: int) -> str:
        if not extract.supports(path):
            return extract.unsupported_reason(path)
        return self._too_large(size)

    # -- reading and parsing ------------------------------------------------------------
    def add(self, path: Path, size: int, mtime_ns: int, target: Path | None = None) -> None:
        """Read the file at `path` (or the `target` of a link the scan follows), then decide or parse."""
        key = str(path)
        work = Work(path, size, mtime_ns, self._known.get(key))
        reason = self._skip_reason(path, size)
        if reason:
            work.kind, work.reason = "skipped", reason
            self._ready.append(work)
            return
        try:
            data = files.read_file(target or path, self._limits.max_bytes)
        except (files.NotRegularFile, files.TooLarge) as exc:
            work.kind, work.reason = "skipped", self._changed_reason(exc)
            self._ready.append(work)
            return
        except OSError as exc:
            work.kind, work.reason = "failed", f"cannot read: {exc.strerror or exc}"
            self._ready.append(work)
            return
        work.content_hash = sha256_hex(data)
        loc = work.loc
        if loc is not None and loc.content_hash == work.content_hash and loc.status in SETTLED:
            work.kind = "unchanged"  # touched, not read: same bytes as last time
            self._ready.append(work)
            return
        same = self._catalog.document_by_content(work.content_hash)
        if same is not None:
            work.kind, work.same_doc = "duplicate", same
            self._ready.append(work)
            return
        if self._pool is None:
            self._pool = ParsePool(
                workers=self._workers,
                time_limit=self._import_limits.time_limit,
                max_memory=self._import_limits.max_memory,
                parse=self._parse,
                sign=self._sign,
                words=True,  # and find the words the index keeps for spelling suggestions
                # One parser keeps up with plain texts: the others start when a file is slow to parse
                # (see ParsePool).  Asked for a number of workers, that many at once.
                start_with=None if self._workers else 1,
            )
        self._job_ids += 1
        job = Job(self._job_ids, key, data, self._limits)
        self._jobs[job.job_id] = work
        self._parsing.append(work)
        self._pool.submit(job)
        work.ahead = len(data)
        self._ahead_bytes += work.ahead
        while (
            self._pool.outstanding >= max(AHEAD_FILES, 2 * self._pool.size + 2)
            or self._ahead_bytes > AHEAD_BYTES
            or len(self._parsing) > HELD_MAX
        ):
            self._take(self._pool.finished(timeout=None))

    def _take(self, finished: Iterable[Any]) -> None:
        """Parsed files, handed on in the order they were read: of two copies met in one run, the
        first read is the document (and the other its duplicate), whichever worker was faster."""
        for item in finished:
            work = self._jobs.pop(item.job.job_id)
            work.parts = item.job.parts
            work.signed = item.job.signed
            work.words = item.job.words
            work.parsed = True
        while self._parsing and self._parsing[0].parsed:
            work = self._parsing.popleft()
            self._ahead_bytes -= work.ahead  # counted until here: held behind a slow file too
            self._ready.append(work)

    def collect(self, cancel: threading.Event | None, *, block: bool) -> None:
        """Take what the parsers finished (waiting up to half a second for some, with `block`)."""
        if self._pool is not None and self._jobs:
            self._take(self._pool.finished(timeout=0.5 if block else 0.0))
        raise_if_cancelled(cancel)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
