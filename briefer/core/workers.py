"""A small pool of parser processes, each file under a time limit.

Parsing runs in worker processes so that one hostile file can neither hang nor
crash the app, and so that both cores work.  `concurrent.futures` cannot stop
a task that runs too long, so this pool is its own: one pipe per worker, one
file per worker at a time, and a deadline per file that is reset whenever the
worker reports progress (a member of an archive done).  A worker that misses
its deadline is killed and replaced; a worker that dies is replaced too.
Within an archive, the member that hung is reported and the rest of the
archive is read again, without it, by a fresh worker.

Workers are started with "spawn" (a clean interpreter: safe when the parent
has threads, as the GUI does), ignore Ctrl-C (the parent decides), and on
Linux are killed by the kernel when the thread that started them exits, so a
killed import leaves no parser behind.  Create the pool inside the import and
close it before returning.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from briefer.core.extract import Limits, Part, extract_parts
from briefer.core.extract.parts import failed
from briefer.core.limits import DEFAULT_TIME_LIMIT as DEFAULT_TIME_LIMIT  # re-exported
from briefer.core.processes import die_with_parent

log = logging.getLogger(__name__)

# What a worker runs on each file: `extract_parts` unless a test swaps in a slow one.
# It must be a module-level function, since workers import it by name.
ParseFunction = Callable[..., Iterator[Part]]
# A part's near-duplicate signature, when workers sign what they parse: (minhash, band keys).
Signed = tuple[bytes, list[int]]


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
    seen: set[str] = field(default_factory=set)  # members in `parts` (a re-read sends them again)
    current: str = ""  # the member being read, to blame if the worker hangs or dies


@dataclass(frozen=True)
class Finished:
    """A job whose every part is in: the file's parts, including failures."""

    job: Job


def _worker_main(
    conn: Connection, parent_pid: int, parse: ParseFunction = extract_parts, sign: bool = False
) -> None:
    """A worker: parse each job sent on `conn`, sending back ("begin"|"part"|"end", ...) messages.

    With `sign`, each part read comes with its near-duplicate signature (`clusters.sign`): the
    parent then only matches it, and the signing runs on the workers' cores.
    """
    die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, path, data, limits = message

        def begin(member: str, job_id: int = job_id) -> None:
            conn.send(("begin", job_id, member))

        try:
            for part in parse(data, Path(path), limits=limits, begin=begin):
                conn.send(("part", job_id, (part, _signed(part) if sign else None)))
        except MemoryError:
            conn.send(("part", job_id, (failed("", "out of memory while parsing"), None)))
        except Exception as exc:
            conn.send(("part", job_id, (failed("", f"parser error: {type(exc).__name__}: {exc}"), None)))
        conn.send(("end", job_id, None))


def _signed(part: Part) -> Signed | None:
    """The part's signature; None (the parent signs it then) when there is no text or signing fails."""
    if part.extracted is None:
        return None
    try:
        from briefer.core.clusters import sign  # loads numpy: only in workers asked to sign

        signature = sign(part.extracted.title, part.extracted.text)
    except Exception:  # never let signing cost a file its import
        log.exception("could not sign %s", part.member or "a document")
        return None
    return signature.minhash, signature.keys


class _Worker:
    def __init__(self, context: Any, parse: ParseFunction, sign: bool = False) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child, os.getpid(), parse, sign), name="briefer-parser", daemon=True
        )
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ParsePool:
    """Parse files in `workers` processes, each file (or archive member) within `time_limit` seconds.

    Submit jobs, then iterate `finished()`; every submitted job comes back once.
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        parse: ParseFunction = extract_parts,
        sign: bool = False,
    ) -> None:
        self.size = workers or default_workers()
        self._parse = parse
        self._sign = sign  # workers send each part's near-duplicate signature with it
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[Job] = deque()
        self._done: deque[Finished] = deque()
        self.started = 0  # worker processes started, replacements included
        self.killed = 0

    # -- life ----------------------------------------------------------------------
    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker: politely when idle, by force when busy."""
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
        return len(self._queue) + sum(1 for w in self._workers if w.job is not None) + len(self._done)

    def submit(self, job: Job) -> None:
        self._queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._queue:
            worker = next((w for w in self._workers if w.job is None), None)
            if worker is None and len(self._workers) < self.size:
                worker = _Worker(self._context, self._parse, self._sign)
                self.started += 1
                self._workers.append(worker)
            if worker is None:
                return
            job = self._queue.popleft()
            try:
                worker.conn.send((job.job_id, job.path, job.data, job.limits))
            except (OSError, ValueError):  # it died idle: replace it and try again
                self._replace(worker)
                self._queue.appendleft(job)
                continue
            worker.job = job
            job.current = ""
            worker.deadline = time.monotonic() + self.time_limit

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.remove(worker)

    def finished(self, timeout: float | None = None) -> Iterator[Finished]:
        """Finished jobs: those ready now, after waiting up to `timeout` s for one (None: until one is)."""
        give_up = None if timeout is None else time.monotonic() + timeout
        while not self._done:
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                break
            now = time.monotonic()
            wake = min(w.deadline for w in busy)
            if give_up is not None:
                wake = min(wake, give_up)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], max(0.0, wake - now))
            for worker in busy:
                if worker.conn in ready:
                    self._read(worker)
                elif worker.process.sentinel in ready and worker.job is not None:
                    self._lost(worker, self._crash_reason(worker))
            now = time.monotonic()
            for worker in [w for w in self._workers if w.job is not None and w.deadline <= now]:
                self._lost(worker, f"took longer than {self.time_limit:g} s to parse (time limit)")
                self.killed += 1
            if give_up is not None and time.monotonic() >= give_up:
                break
        while self._done:
            yield self._done.popleft()

    def _read(self, worker: _Worker) -> None:
        assert worker.job is not None
        while worker.job is not None and worker.conn.poll():
            try:
                kind, job_id, payload = worker.conn.recv()
            except (EOFError, OSError):
                self._lost(worker, self._crash_reason(worker))
                return
            job = worker.job
            if job_id != job.job_id:
                continue
            worker.deadline = time.monotonic() + self.time_limit  # progress: the clock starts again
            if kind == "begin":
                job.current = str(payload)
            elif kind == "part" and payload[0].member not in job.seen:
                part, signed = payload
                job.seen.add(part.member)
                job.parts.append(part)
                if signed is not None:
                    job.signed[part.member] = signed
            elif kind == "end":
                worker.job = None
                self._done.append(Finished(job))
                self._dispatch()

    def _crash_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the parser crashed ({name})"
        return f"the parser stopped (exit status {code})"

    def _lost(self, worker: _Worker, reason: str) -> None:
        """The worker hung or died on its job: report the culprit, go on with the rest."""
        job = worker.job
        assert job is not None
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
