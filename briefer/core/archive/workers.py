"""A small pool of parser processes, each file under a time limit and a memory limit.

Parsing runs in worker processes so that one hostile file can neither hang,
exhaust nor crash the app, and so that both cores work.  `concurrent.futures`
cannot stop a task that runs too long, so this pool is its own: one pipe per worker, one
file per worker at a time (small ones wait in its pipe behind it), and a deadline per file that
is reset whenever the worker reports progress (a member of an archive done).  A worker that misses
its deadline is killed and replaced; a worker that dies is replaced too.
Within an archive, the member that hung is reported and the rest of the
archive is read again, without it, by a fresh worker.

Each worker's address space is limited (RLIMIT_AS, `--max-memory`): an
allocation past it fails inside the parser.  A failure is blamed on memory when
it is a MemoryError, or when the worker's peak address space crossed 90% of the
limit while it read that file or member (some C libraries report a failed
allocation as a broken file: lxml says "unknown error"); a worker that crashes
is blamed on memory when its peak was above 80% of the limit (PDFium aborts
when an allocation fails): a thread of the worker writes its peak where the
pool reads it, every 50 ms, whatever the pool is busy with.  A worker that grew
past half its limit is replaced after its file, so that each file is judged by
its own peak.

Workers are started with "spawn" (a clean interpreter: safe when the parent
has threads, as the GUI does), ignore Ctrl-C (the parent decides), and on
Linux are killed by the kernel when the thread that started them exits, so a
killed import leaves no parser behind (the pool's own thread, which starts the
replacements, ends when the pool closes).  Create the pool inside the import and
close it before returning.  The workers start once per pool and serve all its files.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TypeVar, cast

from briefer.core.archive.limits import DEFAULT_MAX_MEMORY, ImportLimits, memory_reason
from briefer.core.archive.limits import DEFAULT_TIME_LIMIT as DEFAULT_TIME_LIMIT  # re-exported
from briefer.core.extract import Limits, Part, extract_parts, language
from briefer.core.extract.parts import failed
from briefer.core.processes import die_with_parent, limit_memory, peak_memory
from briefer.core.scripts import words_in

log = logging.getLogger(__name__)

# What a worker runs on each file: `extract_parts` unless a test swaps in a slow one.
# It must be a module-level function, since workers import it by name.
ParseFunction = Callable[..., Iterator[Part]]
# A part's near-duplicate signature, when workers sign what they parse: (minhash, band keys, its
# distinct shingles as the bytes of a sorted uint64 array, their `clusters.shingle_filter`): the
# parent compares and stores it without cutting its text again.
Signed = tuple[bytes, list[int], bytes, bytes]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@dataclass
class Job:
    """One file to parse.  `parts` collects what came back so far."""

    job_id: int
    path: str
    data: bytes
    limits: Limits
    parts: list[Part] = field(default_factory=list)
    signed: dict[str, Signed] = field(default_factory=dict)  # member -> its signature, when signed
    words: dict[str, str] = field(default_factory=dict)  # member -> its `spelling.words_in`, joined by " "
    seen: set[str] = field(default_factory=set)  # members in `parts` (a re-read sends them again)
    current: str = ""  # the member being read, to blame if the worker hangs or dies


@dataclass(frozen=True)
class Finished:
    """A job whose every part is in: the file's parts, including failures."""

    job: Job


BLAME_SHARE = 0.9  # a file that failed after its worker's peak crossed this share of the limit
CRASH_BLAME_SHARE = 0.8  # a worker that crashed with its peak above this share of the limit
RETIRE_SHARE = 0.5  # a worker whose peak passed this share of the limit is replaced after its file
# A pool started with fewer workers than it may run (an import's: one) starts the others for the
# first file that is not plain text, or once a plain text has taken this much CPU to parse, or this
# long (a file that hangs): one worker nearly keeps up with plain texts, not with web pages or PDFs
# (100,000 articles, back to back: 532 docs/s with one, 594 with two, but a second worker is 49 MB
# more, past the 300 MB all of an import's processes keep to).  CPU, not time: a busy machine's
# scheduling delays alone were often 50 ms.
SLOW_FILE_CPU_S = 0.05
SLOW_FILE_S = 1.0
# Small files may wait in a busy worker's pipe, this many bytes of them at most (see _can_follow).
FOLLOW_MAX_BYTES = 128 << 10
_MESSAGE_BYTES = 1024  # a job's message beyond its path and data, at most (its limits, pickled)
STARTUP_ALLOWANCE = 60.0  # seconds a new worker may take to start before its first file's limit runs
READY = -1  # the job id of a worker's "ready" message: no job's
SAMPLE_SECONDS = 0.05  # how often a worker with a limit writes down its peak (for a crash's reason)


class _MemoryWatch:
    """A worker's peak address space, to tell a failure that memory caused from another.

    With a limit, a daemon thread writes the peak to `shared` every SAMPLE_SECONDS: the pool
    reads it when the worker dies (a dead process's peak can no longer be asked for).
    """

    def __init__(self, limit: int | None, shared: Any = None) -> None:
        self.limit = limit
        self._at_begin: int | None = None
        self._at_end: int | None = None  # the peak when the last job ended
        if limit and shared is not None:
            threading.Thread(target=self._write_down, args=(shared,), daemon=True).start()

    @staticmethod
    def _write_down(shared: Any) -> None:
        while True:
            shared.value = peak_memory() or 0
            time.sleep(SAMPLE_SECONDS)

    def begin_job(self) -> None:
        """A job begins: its peak so far is the one read as the job before ended (reading it is a
        fifth of a parser's CPU on short texts; only receiving this job's bytes came between)."""
        self._at_begin = self._at_end if self._at_end is not None else peak_memory()

    def begin(self) -> None:
        """A member of a container begins."""
        self._at_begin = peak_memory()

    def to_blame(self, error: BaseException | None = None) -> bool:
        """Whether the failure just met is memory's: a MemoryError, or a peak that crossed
        BLAME_SHARE of the limit since the member began (a peak already past it says nothing)."""
        if _memory_error(error):
            return True
        if not self.limit or self._at_begin is None:
            return False
        peak = peak_memory()
        line = BLAME_SHARE * self.limit
        return peak is not None and self._at_begin < line <= peak

    def retire(self) -> bool:
        peak = self._at_end = peak_memory()
        return bool(self.limit) and peak is not None and peak > RETIRE_SHARE * (self.limit or 0)


def _memory_error(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _worker_main(
    conn: Connection,
    parent_pid: int,
    parse: ParseFunction = extract_parts,
    sign: bool = False,
    max_memory: int | None = None,
    peak: Any = None,
    words: bool = False,
) -> None:
    """A worker: parse each job sent on `conn`, sending back ("begin"|"part"|"end"|"again", ...) messages.

    With `sign`, each part read comes with its near-duplicate signature (`clusters.sign`): the
    parent then only matches it, and the signing runs on the workers' cores.  With `words`, each
    part comes with the words the index keeps for spelling suggestions (`spelling.words_in`),
    found where the text already is.  With `max_memory`,
    the worker's address space is limited to it, and a failure it causes says so.  The "end" of a
    job says whether the worker leaves after it (it grew too much: see RETIRE_SHARE) and the CPU
    seconds the job took, and brings the job's last part; "again" names the member whose error ended
    the reading, and says the same.
    """
    die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory)
    watch = _MemoryWatch(max_memory, peak)
    warms_up = parse is extract_parts
    formats: set[str] = set()  # those whose parsers it has loaded (see _PARSERS)
    prepare = _Prepare(sign, words)
    if sign:
        _warm_up(["briefer.core.archive.clusters"])  # numpy: not its first file's time
    conn.send(("ready", READY, None))  # the time limit of its first file starts now
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            # Nothing to flush or clean up: skip the interpreter's tear-down (a third of a second
            # with the parsers loaded), which the import would wait for.
            os._exit(0)
        job_id, path, data, limits = message
        missing = _formats_of(path) - formats if warms_up else set()
        if missing:
            formats |= missing
            _warm_up(name for format in sorted(missing) for name in _PARSERS[format])
            conn.send(("ready", READY, None))  # this file's time limit starts now
        began, loading = time.process_time(), language.loading_cpu()
        begin = _Begin(conn, job_id, watch)
        culprit, last = _parse_job(
            conn, job_id, parse(data, Path(path), limits=limits, begin=begin), prepare, begin
        )
        retire = watch.retire()
        # The language model's one-time loading is not this file's cost.
        cpu = time.process_time() - began - (language.loading_cpu() - loading)
        if culprit:  # a member stopped the reading: the rest of the file is read again without it
            conn.send(("again", job_id, (culprit, retire, cpu, last)))
        else:
            conn.send(("end", job_id, (retire, cpu, last)))
        if retire:
            return


class _Begin:
    """The `begin` callback of a job: tells the parent, and remembers, the member being read."""

    def __init__(self, conn: Connection, job_id: int, watch: _MemoryWatch) -> None:
        self.conn, self.job_id, self.watch = conn, job_id, watch
        self.member = ""
        self.started = False
        watch.begin_job()

    def __call__(self, member: str) -> None:
        first, self.started = not self.started, True
        if first and not member:  # the file itself, at its start: as the job began (no message)
            return
        self.member = member
        self.watch.begin()
        self.conn.send(("begin", self.job_id, member))


# A part as a worker sends it: with its signature and its words (space-separated: one string pickles
# and unpickles faster than a list of them), when the worker was asked for them.
_Sent = tuple[Part, Signed | None, str | None]


@dataclass(frozen=True)
class _Prepare:
    """What a worker computes of each part's text for the importer, besides parsing it."""

    sign: bool
    words: bool

    def __call__(self, part: Part) -> _Sent:
        signed = _signed(part) if self.sign else None
        return part, signed, _words(part) if self.words else None


def _parse_job(
    conn: Connection, job_id: int, parts: Iterator[Part], prepare: _Prepare, begin: _Begin
) -> tuple[str, _Sent | None]:
    """Send each part of a job but the last, which the caller sends with the job's end (one message
    for a file of one part, not two: the pool wakes up once per message); a failure memory caused
    says so (see _MemoryWatch).  Returns the member whose error ended the parsing of its container
    ("" when none did) and the last part.  A part held back and lost with its worker comes again
    when the file is read again without the member that killed it."""
    watch = begin.watch
    held: _Sent | None = None

    def send(part: Part) -> None:
        nonlocal held
        if part.status == "failed" and watch.limit and watch.to_blame():
            part = replace(part, reason=memory_reason(watch.limit))
        if held is not None:
            conn.send(("part", job_id, held))
        held = prepare(part)

    try:
        for part in parts:
            send(part)
    except Exception as exc:  # MemoryError included: the member being read fails, not the worker
        reason = f"parser error: {type(exc).__name__}: {exc}"
        if watch.to_blame(exc):
            reason = memory_reason(watch.limit) if watch.limit else "out of memory while parsing"
        send(failed(begin.member, reason))
        return begin.member, held
    return "", held


# A longer text is signed, and its words found, by the parent: in the worker it would take more than
# the file's time limit (signing a 200 MB text takes 40 s).
SIGN_MAX_CHARS = 20_000_000


def _signed(part: Part) -> Signed | None:
    """The part's signature and shingles (`clusters.shingles`; 8 bytes each, about one a word); None
    (the parent signs it then) when there is no text, the text is so long that signing it would use
    up the time limit (a 200 MB text takes 40 s), or signing fails."""
    if part.extracted is None or len(part.extracted.text) > SIGN_MAX_CHARS:
        return None
    try:
        from briefer.core.archive.clusters import sign  # loads numpy: only in workers asked to sign

        signature = sign(part.extracted.title, part.extracted.text)
        shingles = signature.words().tobytes()
        shingle_filter = signature.filter()
    except Exception:  # never let signing cost a file its import
        log.exception("could not sign %s", part.member or "a document")
        return None
    return signature.minhash, signature.keys, shingles, shingle_filter


def _words(part: Part) -> str | None:
    """The part's `scripts.words_in`, joined by spaces; None (the parent finds them then) when it
    has no text or one longer than SIGN_MAX_CHARS."""
    if part.extracted is None or len(part.extracted.text) > SIGN_MAX_CHARS:
        return None
    return " ".join(words_in(part.extracted.title, part.extracted.text))


class _Worker:
    def __init__(
        self,
        context: Any,
        parse: ParseFunction,
        sign: bool = False,
        max_memory: int | None = None,
        words: bool = False,
    ) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.peak = _shared_peak(context)  # the worker's peak address space, as it wrote it
        self.process = context.Process(
            target=_worker_main,
            args=(child, os.getpid(), parse, sign, max_memory, self.peak, words),
            name="briefer-parser",
            daemon=True,
        )
        self.process.start()
        child.close()
        # Its jobs in the order sent: the first is being parsed, the others (small files) wait in
        # its pipe so that it goes on without waiting for the pool (see _can_follow).
        self.jobs: deque[Job] = deque()
        self.waiting_bytes = 0  # the messages of the jobs waiting in its pipe (see _message_bytes)
        self.sealed = False  # a job could not be sent to it: it is leaving, it gets no more
        self.deadline = 0.0
        # "ready" messages to come: one when it has started, one each time it loads the parsers of
        # formats it had not met (see _PARSERS); the time limit of its file runs from the last one.
        self.loading = 1
        self.formats: set[str] = set()  # those whose parsers it loads or has loaded
        self.up = False  # it has started: its job is sent to it (not before, see _dispatch)
        self.clock = 0.0  # when its file's time began (see _start_clock)

    @property
    def job(self) -> Job | None:
        """The job it is parsing (None: idle)."""
        return self.jobs[0] if self.jobs else None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ParsePool:
    """Parse files in `workers` processes, each file (or archive member) within `time_limit` seconds,
    each worker within `max_memory` bytes of address space.

    Submit jobs, then iterate `finished()`; every submitted job comes back once.  A thread of the
    pool (its pump) reads what the workers send, keeps the time limits and hands an idle worker its
    next job, so that the workers go on parsing while the caller is busy with what came back (an
    import writes its catalog and index meanwhile: the workers used to wait for it).
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        max_memory: int | None = DEFAULT_MAX_MEMORY,
        parse: ParseFunction = extract_parts,
        sign: bool = False,
        words: bool = False,
        start_with: int | None = None,
    ) -> None:
        self.size = workers or default_workers()
        # Workers it runs (default: all): started with fewer, it runs all from the first file that
        # is not plain text or is slow to parse (see SLOW_FILE_CPU_S).
        self._allowed = min(self.size, start_with or self.size)
        self._parse = parse
        self._sign = sign  # workers send each part's near-duplicate signature with it
        self._words = words  # and the words the index keeps for spelling suggestions
        self.time_limit = time_limit
        self.max_memory = max_memory  # each worker's address space (None: unlimited)
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[Job] = deque()
        self._done: deque[Finished] = deque()
        self.started = 0  # worker processes started, replacements included
        self.killed = 0
        self.followed = 0  # files sent to a busy worker, to wait in its pipe (see _can_follow)
        self.submitted = 0  # jobs submitted (a job read again after a member failed counts once)
        # The pump and the caller share the state above under this lock; `_changed` tells the
        # caller that a job finished or that the pump stopped.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake_read, self._wake_write = os.pipe()  # wakes the pump: a worker got a job, or close
        self._pump: threading.Thread | None = None
        self._closing = False
        self._failure: BaseException | None = None  # what stopped the pump, raised to the caller

    # -- life ----------------------------------------------------------------------
    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pump, then every worker: politely when idle, by force when busy."""
        with self._lock:
            self._closing = True
        self._wake()
        if self._pump is not None:
            self._pump.join()
            self._pump = None
        if self._wake_read >= 0:
            os.close(self._wake_read)
            os.close(self._wake_write)
            self._wake_read = self._wake_write = -1
        if self._workers:
            log.debug(
                "parsed %d files in %d worker processes (%d killed at the time limit)",
                self.submitted, self.started, self.killed,
            )  # fmt: skip
        for worker in self._workers:
            if worker.job is None:
                with contextlib.suppress(OSError, ValueError):
                    worker.conn.send(None)
        for worker in self._workers:
            if worker.job is None:
                worker.process.join(timeout=2)
            worker.kill()
        self._workers.clear()

    # -- work ----------------------------------------------------------------------
    @property
    def outstanding(self) -> int:
        """Jobs submitted and not yet handed back by `finished()`."""
        with self._lock:
            return len(self._queue) + self._parsing() + len(self._done)

    def _parsing(self) -> int:
        return sum(len(w.jobs) for w in self._workers)

    def submit(self, job: Job) -> None:
        self._raise_failure()
        with self._lock:
            self.submitted += 1
            self._queue.append(job)
            if self._allowed < self.size and _formats_of(job.path):
                self._allowed = self.size  # a file that is not plain text: all workers, at once
            busy = self._busy()
            self._dispatch()
            # The pump watches the busy workers: woken when one more is, not for a file that only
            # waits in the queue or in a busy worker's pipe (a wake-up per file was a fifth of its work).
            wake = self._busy() != busy
            if self._pump is None:
                self._pump = threading.Thread(target=self._run_pump, name="briefer-parse-pump", daemon=True)
                self._pump.start()
        if wake:
            self._wake()

    def _busy(self) -> list[_Worker]:
        return [w for w in self._workers if w.job is not None]

    def _widen_if_slow(self) -> None:
        """Run all `size` workers if a file has been parsing for SLOW_FILE_S."""
        if self._slow_since() <= time.monotonic():
            self._widen()

    def _widen(self) -> None:
        """Run all `size` workers from now on."""
        if self._allowed < self.size:
            self._allowed = self.size
            self._dispatch()

    def _slow_since(self) -> float:
        """When a file being parsed becomes slow; infinity when none is, or all workers run."""
        if self._allowed == self.size:
            return math.inf
        return min((w.clock + SLOW_FILE_S for w in self._workers if w.job is not None), default=math.inf)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"!")

    def _dispatch(self) -> None:
        while self._queue:
            worker = next((w for w in self._workers if w.job is None), None)
            if worker is None and len(self._workers) < self._allowed:
                worker = _Worker(self._context, self._parse, self._sign, self.max_memory, self._words)
                self.started += 1
                self._workers.append(worker)
            if worker is None:
                worker = next((w for w in self._workers if self._can_follow(w, self._queue[0])), None)
                if worker is None:
                    return
                self._send_behind(worker, self._queue.popleft())
                continue
            job = self._queue.popleft()
            worker.jobs.append(job)
            job.current = ""
            # A worker's start (a new interpreter, the parsers' imports) is not its file's time: it
            # says "ready" when the file's time begins.
            missing = _formats_of(job.path) - worker.formats if self._parse is extract_parts else set()
            if missing:
                worker.formats |= missing
                worker.loading += 1
            self._start_clock(worker)
            # A starting worker gets its file once it says it is up: sent now, the file would hold
            # the caller (and the start of the next worker) until the worker could read it.
            if worker.up:
                self._send(worker)

    def _can_follow(self, worker: _Worker, job: Job) -> bool:
        """Whether `job` may wait in the pipe of `worker`, behind the file it is parsing.

        Handing a worker its next file only once the pool has read the end of the last one left
        it idle for the round trip: on 2 busy cores, the pool's thread waits for a core and for the
        GIL, and one worker parsing plain texts waited half its time (100,000 articles).  Only small
        files wait, FOLLOW_MAX_BYTES of them at most: they fit in the socket's buffer (208 KB), so
        sending them never blocks the pool (the worker reads a whole job before it writes), and
        few wait behind a slow file.  A file whose parsers the worker has not loaded is sent
        when a worker is free (its time limit starts when the worker says it has loaded them).
        Each waiting file's time limit starts when the pool reads the end of the one before.
        """
        if not worker.up or worker.sealed or not worker.jobs:
            return False
        return worker.waiting_bytes + _message_bytes(job) <= FOLLOW_MAX_BYTES and not (
            self._parse is extract_parts and _formats_of(job.path) - worker.formats
        )

    def _send_behind(self, worker: _Worker, job: Job) -> None:
        job.current = ""
        if self._post(worker, job):
            worker.jobs.append(job)
            worker.waiting_bytes += _message_bytes(job)
            self.followed += 1
        else:  # the worker is leaving (or died): the pump learns which when it reads its pipe
            worker.sealed = True
            self._queue.appendleft(job)

    def _send(self, worker: _Worker) -> bool:
        """Send the worker its job; False when it died idle (it is replaced, the job queued again)."""
        job = worker.job
        assert job is not None
        if not self._post(worker, job):
            worker.jobs.clear()
            self._replace(worker)
            self._queue.appendleft(job)
            return False
        return True

    @staticmethod
    def _post(worker: _Worker, job: Job) -> bool:
        try:
            worker.conn.send((job.job_id, job.path, job.data, job.limits))
        except (OSError, ValueError):
            return False
        return True

    def _take_back(self, worker: _Worker) -> None:
        """Queue again, first and in order, the jobs waiting in the pipe of a worker that leaves."""
        waiting = list(worker.jobs)[1:]
        worker.jobs.clear()
        worker.waiting_bytes = 0
        self._queue.extendleft(reversed(waiting))

    def _start_clock(self, worker: _Worker) -> None:
        """Its file's time limit starts now, with time to load what it is still loading."""
        worker.clock = time.monotonic() + (STARTUP_ALLOWANCE if worker.loading else 0)
        worker.deadline = worker.clock + self.time_limit

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.remove(worker)

    def finished(self, timeout: float | None = None) -> Iterator[Finished]:
        """Finished jobs: those ready now, after waiting up to `timeout` s for one (None: until one is)."""
        give_up = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._done and self._failure is None and (self._queue or self._parsing()):
                left = None if give_up is None else give_up - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            done = list(self._done)
            self._done.clear()
        self._raise_failure()
        yield from done

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise RuntimeError("the parser pool stopped") from self._failure

    # -- the pump ------------------------------------------------------------------------
    def _run_pump(self) -> None:
        """Wait for the busy workers' messages, their deaths and their deadlines, and serve them,
        until the pool closes."""
        try:
            while True:
                with self._lock:
                    if self._closing:
                        return
                    busy = self._busy()
                    deadline = min([w.deadline for w in busy] + [self._slow_since()], default=None)
                    if deadline == math.inf:
                        deadline = None
                    watched: list[Any] = [self._wake_read]
                    watched += [w.conn for w in busy] + [w.process.sentinel for w in busy]
                ready = wait(watched, None if deadline is None else max(0.0, deadline - time.monotonic()))
                with self._lock:
                    if self._closing:
                        return
                    if self._wake_read in ready:
                        os.read(self._wake_read, 4096)
                    self._serve(busy, ready)
                    self._widen_if_slow()
                    self._changed.notify_all()
        except BaseException as exc:  # never leave the caller waiting for a pump that is gone
            log.exception("the parser pool stopped")
            with self._lock:
                self._failure = exc
                self._changed.notify_all()

    def _serve(self, busy: list[_Worker], ready: list[Any]) -> None:
        for worker in busy:
            if worker.job is None or worker not in self._workers:  # served meanwhile
                continue
            if worker.conn in ready:
                self._read(worker)
            elif worker.process.sentinel in ready:
                self._lost(worker, self._crash_reason(worker))
        now = time.monotonic()
        for worker in [w for w in self._workers if w.job is not None and w.deadline <= now]:
            self._lost(worker, f"took longer than {self.time_limit:g} s to parse (time limit)")
            self.killed += 1

    def _read(self, worker: _Worker) -> None:
        assert worker.job is not None
        while worker.job is not None and worker.conn.poll():
            try:
                kind, job_id, payload = worker.conn.recv()
            except (EOFError, OSError):
                self._lost(worker, self._crash_reason(worker))
                return
            job = worker.job
            if kind == "ready":
                worker.loading -= 1
                self._start_clock(worker)
                if not worker.up:
                    worker.up = True
                    if not self._send(worker):
                        self._dispatch()
                        return
                continue
            if job_id != job.job_id:
                continue
            worker.deadline = time.monotonic() + self.time_limit  # progress: the clock starts again
            if kind == "begin":
                job.current = str(payload)
            elif kind == "part":
                _take_part(job, payload)
            elif kind in ("end", "again"):
                leaves, cpu, last = payload[-3:]
                if last is not None:
                    _take_part(job, last)
                if cpu > SLOW_FILE_CPU_S:  # all workers from now on, started by the dispatch below
                    self._allowed = self.size
                if leaves:  # the worker grew too much: a fresh one takes its place
                    self._take_back(worker)
                    self._replace(worker)
                else:
                    worker.jobs.popleft()
                    if worker.jobs:  # it has begun the file that waited in its pipe
                        worker.waiting_bytes -= _message_bytes(worker.jobs[0])
                        self._start_clock(worker)
                if kind == "again":  # read the rest again without the member that failed the reading
                    job.limits = replace(job.limits, skip=job.limits.skip | {payload[0]})
                    self._queue.appendleft(job)
                else:
                    self._done.append(Finished(job))
                self._dispatch()

    def _crash_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=1)
        return _crash_reason(worker.process.exitcode, _peak_of(worker.peak), self.max_memory)

    def _lost(self, worker: _Worker, reason: str) -> None:
        """The worker hung or died on its job: report the culprit, go on with the rest."""
        job = worker.job
        assert job is not None
        self._take_back(worker)
        self._replace(worker)
        culprit = job.current
        if culprit not in job.seen:
            job.seen.add(culprit)
            job.parts.append(failed(culprit, reason))
        if culprit:
            # A member of an archive: read the archive again without the culprit (parts
            # already in come again and are dropped as seen).
            job.limits = replace(job.limits, skip=job.limits.skip | {culprit})
            self._queue.appendleft(job)
        else:
            self._done.append(Finished(job))
        self._dispatch()


# What parsing a format loads, imported before a file's clock starts (on a busy machine these imports
# alone took seconds, and a 2 s limit cut off healthy pages), before a worker's first file of that
# format only: a worker that reads text files loads neither (trafilatura alone is 30 MB of a worker's
# memory), one that reads PDFs loads no markup parser.
_PARSERS = {
    "pdf": ("pypdfium2",),
    "markup": ("lxml.html", "charset_normalizer", "trafilatura"),
}
_PLAIN_TEXT = (".txt", ".text", ".md", ".markdown")
_ANY_MEMBER = (".zip", ".eml", ".mbox")  # containers whose members (attachments) can be of any format


def _take_part(job: Job, sent: _Sent) -> None:
    part, signed, words = sent
    if part.member in job.seen:  # read again after a member failed: it came before
        return
    job.seen.add(part.member)
    job.parts.append(part)
    if signed is not None:
        job.signed[part.member] = signed
    if words is not None:
        job.words[part.member] = words


def _message_bytes(job: Job) -> int:
    return len(job.data) + len(job.path.encode("utf-8", "surrogatepass")) + _MESSAGE_BYTES


def _formats_of(path: str) -> set[str]:
    """The formats (keys of _PARSERS) whose parsers reading this file may need."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".pdf":
        return {"pdf"}
    if suffix in _PLAIN_TEXT:
        return set()
    return set(_PARSERS) if suffix in _ANY_MEMBER else {"markup"}


def _warm_up(names: Iterable[str]) -> None:
    """Import these modules, so that their time is not a file's."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional parser fails later, on the file that needs it
            log.debug("could not load %s ahead of parsing", name, exc_info=True)


def _shared_peak(context: Any) -> Any:
    """A shared integer for a worker's peak, or None where none can be made: it is backed by a file,
    which a full disk refuses (parsing goes on; a crash is then not blamed on memory by its peak)."""
    try:
        return context.Value("q", 0, lock=False)
    except OSError:
        return None


def _peak_of(shared: Any) -> int:
    return 0 if shared is None else int(shared.value)


def _crash_reason(code: int | None, peak: int, max_memory: int | None) -> str:
    """Why a worker died: its memory, when it was last seen near its limit, else the signal."""
    if code and max_memory and peak > CRASH_BLAME_SHARE * max_memory:
        return memory_reason(max_memory)
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the parser crashed ({name})"
    return f"the parser stopped (exit status {code})"


def parse_each(
    files: Iterable[tuple[Path, bytes]], limits: ImportLimits | None = None
) -> Iterator[tuple[Path, list[Part]]]:
    """The parts of each file, in the order given, each parsed in a worker within `limits` (default:
    the configured ones), as an import parses it: `briefer extract` shows what an import would get."""
    limits = limits or ImportLimits.configured()
    with ParsePool(workers=1, time_limit=limits.time_limit, max_memory=limits.max_memory) as pool:
        for number, (path, data) in enumerate(files):
            pool.submit(Job(number, str(path), data, Limits.of(limits)))
            for finished in pool.finished():
                yield path, finished.job.parts


class WorkerFailed(Exception):
    """A function run by `run_limited` went past a limit, or its process crashed."""


_Result = TypeVar("_Result")


def run_limited(function: Callable[..., _Result], *args: Any, limits: ImportLimits | None = None) -> _Result:
    """`function(*args)` run in a worker process within the time and memory `limits` (default: the
    configured ones), for a reader of untrusted files outside an import (`briefer verify` reading a
    .docx).  Returns its result or raises its exception; WorkerFailed says which limit it hit."""
    limits = limits or ImportLimits.configured()
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    peak = _shared_peak(context)
    process = context.Process(
        target=_run_one, args=(sender, os.getpid(), function, args, limits.max_memory, peak), daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.time_limit):
            raise WorkerFailed(f"took longer than {limits.time_limit:g} s (time limit)")
        try:
            succeeded, value = receiver.recv()
        except (EOFError, OSError):
            process.join(timeout=5)
            raise WorkerFailed(_crash_reason(process.exitcode, _peak_of(peak), limits.max_memory)) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        receiver.close()
    if succeeded:
        return cast(_Result, value)
    raise value


def _run_one(
    conn: Connection,
    parent_pid: int,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    max_memory: int,
    peak: Any,
) -> None:
    die_with_parent()
    if os.getppid() != parent_pid:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory)
    watch = _MemoryWatch(max_memory, peak)
    watch.begin()
    try:
        outcome: tuple[bool, Any] = (True, function(*args))
    except Exception as exc:
        blamed = watch.to_blame(exc)
        outcome = (False, WorkerFailed(memory_reason(max_memory)) if blamed else exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # a result or an exception that cannot be pickled
        conn.send((False, WorkerFailed(f"{type(exc).__name__}: {exc}")))
