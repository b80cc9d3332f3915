"""Run Qt-free core jobs on background threads, reporting back on the GUI thread.

`BackgroundTask` runs one job on its own QThread.  `LatestOnlyRunner` runs a
stream of jobs of one kind (searches, reader highlights) one at a time and
reports only the newest one's outcome, so a slow query can never overwrite the
results of a later one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from briefer.core.errors import log_failure
from briefer.core.progress import Cancelled, Progress

log = logging.getLogger(__name__)

Job = Callable[[Progress, threading.Event], Any]
"""A core operation: called as job(progress, cancel) on the background thread."""


class _Worker(QObject):
    """Lives on the background thread; BackgroundTask is its only user."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, job: Job, cancel: threading.Event, expected: tuple[type[Exception], ...]) -> None:
        super().__init__()
        self._job, self._cancel, self._expected = job, cancel, expected

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(self.progressed.emit, self._cancel)
        except Cancelled:
            self.cancelled.emit()
        except self._expected as exc:  # routine for this job (a query typed half-way): no warning
            log.info("Background job stopped: %s", exc)
            self.failed.emit(exc)
        except Exception as exc:  # nothing may escape a thread's run()
            log_failure(log, "Background job failed", exc)  # a traceback for bugs only
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class BackgroundTask(QObject):
    """Runs one job on its own QThread.

    The task lives on the GUI thread, so its signals are delivered there:
    connect them straight to widgets.  Give it a parent to keep it alive.
    Exactly one of succeeded, failed or cancelled is emitted, then finished.
    """

    progressed = Signal(int, int)  # done, total (0 = unknown)
    succeeded = Signal(object)  # the job's return value
    failed = Signal(object)  # the exception; bugs are logged with their traceback (core.errors)
    cancelled = Signal()
    finished = Signal()  # always last; the thread has ended, deleteLater() is safe

    def __init__(
        self,
        job: Job,
        *,
        expected: tuple[type[Exception], ...] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        # The thread belongs to the application, not to this task: a task deleted while its
        # job runs (its widget went away) must not take a running QThread with it, which
        # aborts the process.  The thread holds its worker and deletes itself once done.
        app = QCoreApplication.instance()
        self._thread = QThread(app if app is not None else self)
        self._worker = _Worker(job, self._cancel, expected)
        self._thread.worker = self._worker  # type: ignore[attr-defined]
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # Signal-to-signal connections into this GUI-thread object are queued.
        self._worker.progressed.connect(self.progressed)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        self._worker.cancelled.connect(self.cancelled)
        # Direct: quit the thread's loop from the thread itself.  Queued (the
        # default, as the QThread object lives on the GUI thread) the quit would
        # wait for the GUI loop, and wait() on the GUI thread would never return.
        self._worker.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.finished.connect(self._thread.deleteLater)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next check.

        An Event rather than a slot: the worker's thread is busy in the job,
        so a queued call would only be delivered after the job had ended.
        """
        self._cancel.set()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the thread has ended (on shutdown, after cancel()); False on a timeout."""
        if not shiboken6.isValid(self._thread):  # ended and deleted itself
            return True
        if timeout_ms is None:
            return self._thread.wait()
        return self._thread.wait(timeout_ms)

    @Slot()
    def _on_thread_finished(self) -> None:
        # QThread.finished is sent just *before* the thread ends; wait for the
        # end so that whoever handles our `finished` may delete us safely.
        self.wait()
        self.finished.emit()


class LatestOnlyRunner(QObject):
    """Runs jobs one at a time; only the newest job's outcome is reported.

    A job submitted while another runs waits, replacing any job already
    waiting; the running one is asked to cancel and its outcome is dropped.
    Jobs never overlap, so a core object that must not be called from two
    threads at once can be used by one runner.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    idle = Signal()  # nothing running or waiting any more

    def __init__(self, *, expected: tuple[type[Exception], ...] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._expected = expected
        self._generation = 0  # bumped by every submit/discard; older results are stale
        self._running: BackgroundTask | None = None
        self._running_generation = 0
        self._waiting: Job | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def submit(self, job: Job) -> None:
        self._generation += 1
        self._waiting = job
        if self._running is None:
            self._start_waiting()
        else:
            self._running.cancel()

    def discard(self) -> None:
        """Forget the waiting job and drop the running one's outcome."""
        self._generation += 1
        self._waiting = None
        if self._running is not None:
            self._running.cancel()

    def shutdown(self) -> None:
        """Stop reporting and block until the running job has ended."""
        self.discard()
        if self._running is not None:
            self._running.wait()

    def _start_waiting(self) -> None:
        job, self._waiting = self._waiting, None
        if job is None:
            self.idle.emit()
            return
        # Bound methods, not lambdas or partials: a closure holding this runner,
        # stored in a connection of its own child, can make the runner's last
        # reference go away inside the child's destructor (a double delete).
        task = BackgroundTask(job, expected=self._expected, parent=self)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._on_finished)
        self._running, self._running_generation = task, self._generation
        task.start()

    @Slot(object)
    def _on_succeeded(self, value: object) -> None:
        if self._running_generation == self._generation:
            self.succeeded.emit(value)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        if self._running_generation == self._generation:
            self.failed.emit(exc)

    @Slot()
    def _on_finished(self) -> None:
        if self._running is not None:
            self._running.deleteLater()
            self._running = None
        self._start_waiting()
