"""One background job at a time for a dialog, with its outcome handed to the method that asked.

The settings and send dialogs run everything that may wait (the keychain can
show an unlock prompt, a mail server can take seconds) as a BackgroundTask.
`JobRunner.run(job, on_success, on_failure)` starts one and, once its thread
has ended, calls back on the GUI thread, so a callback may start the next job.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from briefer.gui.workers import BackgroundTask, Job

Callback = Callable[[object], None]


def _ignore(_: object) -> None:
    pass


class JobRunner(QObject):
    busy_changed = Signal(bool)

    def __init__(self, *, expected: tuple[type[Exception], ...] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._expected = expected
        self._task: BackgroundTask | None = None
        self._on_success: Callback = _ignore
        self._on_failure: Callback = _ignore
        self._outcome: tuple[Callback, object] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def run(self, job: Job, on_success: Callback, on_failure: Callback = _ignore) -> bool:
        """Start `job`; False (and nothing started) while another job runs."""
        if self._task is not None:
            return False
        self._on_success, self._on_failure, self._outcome = on_success, on_failure, None
        # Connected to bound methods, not closures: see ImportFlow on why.
        task = BackgroundTask(job, expected=self._expected, parent=self)
        task.succeeded.connect(self._succeeded)
        task.failed.connect(self._failed)
        task.finished.connect(self._finished)
        self._task = task
        self.busy_changed.emit(True)
        task.start()
        return True

    def wait(self) -> None:
        """Block until the running job has ended (on shutdown)."""
        if self._task is not None:
            self._task.wait()

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._outcome = (self._on_success, result)

    @Slot(object)
    def _failed(self, exc: object) -> None:
        self._outcome = (self._on_failure, exc)

    @Slot()
    def _finished(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None
        outcome, self._outcome = self._outcome, None
        self._on_success = self._on_failure = _ignore
        self.busy_changed.emit(False)
        if outcome is not None:  # last: the callback may start the next job
            callback, value = outcome
            callback(value)
