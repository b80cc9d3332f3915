"""Quote verification for the open briefing, in the background.

`QuoteChecks` verifies the briefing's excerpts against the archive on a worker
thread (never on the GUI thread: every check reads the catalog) and hands the
results to the model, which shows them in the outline and the block editor.
It re-checks when another briefing is opened or recovered, when excerpts are
added, pasted or re-pointed (`UpdateSpan`), and on request (Verify Quotes, or
after an import).  Only the newest run reports.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from briefer.core.briefing.model import excerpts
from briefer.core.briefing.verify import ArchiveLookups, Verification, verify_excerpts
from briefer.core.progress import Progress
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.workers import LatestOnlyRunner

RECHECK_DELAY_MS = 300  # edits come in bursts (a paste of ten excerpts): check once after them


class QuoteChecks(QObject):
    finished = Signal(object, bool)  # the Verification, and whether it was asked for (verify(explicit=True))
    failed = Signal(str)

    def __init__(self, model: BriefingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._lookups: ArchiveLookups | None = None
        self._explicit = False
        self._runner = LatestOnlyRunner(parent=self)
        self._runner.succeeded.connect(self._on_succeeded)
        self._runner.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECHECK_DELAY_MS)
        self._timer.timeout.connect(self._recheck)
        model.modelReset.connect(self._on_reset)
        model.structure_changed.connect(self.schedule)
        model.block_changed.connect(self.schedule)

    @property
    def lookups(self) -> ArchiveLookups | None:
        return self._lookups

    @property
    def busy(self) -> bool:
        return self._runner.busy or self._timer.isActive()

    def use(self, lookups: ArchiveLookups | None) -> None:
        """Check against this archive from now on (None: stop checking), starting with a full run."""
        self._lookups = lookups
        if lookups is None:
            self._runner.discard()
            self._model.set_verification(None)
        else:
            self.verify()

    def verify(self, *, explicit: bool = False) -> bool:
        """Check every excerpt now; False when no archive is attached."""
        if self._lookups is None:
            return False
        self._timer.stop()
        self._explicit = self._explicit or explicit
        lookups = self._lookups
        # Excerpts hold only immutable values: a shallow copy is a safe snapshot for the worker.
        snapshot = [replace(e) for e in excerpts(self._model.briefing).values()]

        def job(progress: Progress, cancel: threading.Event) -> Verification:
            return verify_excerpts(snapshot, lookups.document, lookups.text_version, cancel)

        self._runner.submit(job)
        return True

    @Slot()
    def schedule(self, *_: object) -> None:
        """Check soon if some excerpt has no current result (added, pasted, re-pointed)."""
        if self._lookups is not None and self._model.unchecked():
            self._timer.start()

    def shutdown(self) -> None:
        """Stop, and wait for a running check: the archive may close next."""
        self._timer.stop()
        self._runner.shutdown()

    @Slot()
    def _on_reset(self) -> None:
        if self._lookups is not None:
            self.verify()

    @Slot()
    def _recheck(self) -> None:
        self.verify()

    @Slot(object)
    def _on_succeeded(self, verification: object) -> None:
        assert isinstance(verification, Verification)
        explicit, self._explicit = self._explicit, False
        self._model.set_verification(verification)
        self.finished.emit(verification, explicit)
        if self._model.unchecked():  # excerpts added while the check ran
            self._timer.start()

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self._explicit = False
        self.failed.emit(f"The quotes could not be checked: {exc}")
