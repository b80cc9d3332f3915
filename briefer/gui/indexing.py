"""The import flow: the sample on first start, "Add your folder…", "Remove the sample".

Every archive change runs as a BackgroundTask, one at a time, and is followed
by a fresh `ArchiveStatus`, read off the GUI thread too, that the window shows
(document count, banner).  Removing the sample is two tasks: counting what it
would take from the briefings (`removal_planned`, for the window to ask), then
removing what the user chose.  The flow decides nothing about layout: it
reports through signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from briefer.core import paths
from briefer.core.archive import SAMPLE_EXCLUDE, Archive, RemovalPlan
from briefer.core.progress import Progress
from briefer.gui.workers import BackgroundTask

if TYPE_CHECKING:  # the importer loads every parser: only the archive's first import needs it
    from briefer.core.archive import ImportSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveStatus:
    """What the window shows about the archive as a whole."""

    documents: int
    has_sample: bool
    sample_available: bool  # the sample archive ships with this installation
    never_imported: bool  # nothing was ever imported: this is the first start
    unindexed: int = 0  # in the catalog but not searchable (an interrupted import, a rebuilt index)
    running: str = ""  # an import or index rebuild running now, e.g. in another Briefer, and how far it is
    sample_documents: int = 0  # documents only the sample holds (the rest are the user's own)

    @property
    def is_first_start(self) -> bool:
        return self.never_imported and self.documents == 0


def sample_available() -> bool:
    """Whether the sample archive folder holds any article (it is optional in a checkout)."""
    root = paths.SAMPLE_ARCHIVE
    return root.is_dir() and any(
        p.is_file() and p.name not in SAMPLE_EXCLUDE and not p.name.startswith(".") for p in root.rglob("*")
    )


def read_status(archive: Archive, *, offers_sample: bool = True) -> ArchiveStatus:
    """Read the archive's status; may take a moment on a big archive, so call it off the GUI thread.
    `offers_sample` False: the bundled sample never goes into this archive (a team's)."""
    stats = archive.stats()
    return ArchiveStatus(
        documents=stats.documents,
        has_sample=archive.has_sample(),
        sample_available=offers_sample and sample_available(),
        never_imported=stats.last_import is None,
        unindexed=stats.unindexed,
        running=stats.import_progress.describe() if stats.import_progress else "",
        sample_documents=len(archive.sample_documents()),
    )


class FolderDialog:
    """Asks which folder to import.  Tests replace `ask` instead of meeting a modal dialog."""

    @classmethod
    def ask(cls, parent: QWidget | None) -> Path | None:
        folder = QFileDialog.getExistingDirectory(
            parent, "Add a folder of articles", str(Path.home()), QFileDialog.Option.ShowDirsOnly
        )
        return Path(folder) if folder else None


def _describe_failure(action: str, exc: object) -> str:
    if isinstance(exc, (RuntimeError, OSError)):  # ArchiveBusy, IndexBusy, a missing folder...
        return f"{action} failed: {exc}"
    return f"{action} failed unexpectedly: {exc}. The details are in the log."


class ImportFlow(QObject):
    """Runs archive changes in the background, one at a time, and reports on the GUI thread."""

    status_changed = Signal(object)  # ArchiveStatus
    started = Signal(str)  # what is running, e.g. "Importing Reports"
    progressed = Signal(int, int)  # done, total (0 = unknown)
    reported = Signal(str)  # a one-line outcome, for the status bar
    files_left_out = Signal(int, int)  # skipped, failed: files an import that ended did not take in
    failed = Signal(str)  # a problem the user must read
    busy_changed = Signal(bool)
    sample_import_started = Signal()
    finished = Signal()  # an import or removal ended, whatever its outcome: search again
    removal_planned = Signal(object)  # RemovalPlan of the sample, once the flow is free again

    def __init__(self, archive: Archive, parent: QObject | None = None, *, personal: bool = True) -> None:
        super().__init__(parent)
        self._archive = archive
        # False for a team archive: the sample is for one analyst, and the server keeps the index.
        self._personal = personal
        self._task: BackgroundTask | None = None
        self._closing = False
        self.status: ArchiveStatus | None = None
        self._label = ""  # the running operation, for its reports
        self._describe: Callable[[Any], str] = str
        self._imports = False  # the running task imports: its summary counts skipped and failed files
        self._plan: RemovalPlan | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    # -- what the window asks for --------------------------------------------------
    def start(self) -> None:
        """Read the archive's status; import the sample on the very first start, finish indexing later."""
        self._read_status(then_continue_start=True)

    def import_sample(self) -> None:
        archive = self._archive  # jobs hold the archive, not the flow

        def job(progress: Progress, cancel: threading.Event) -> ImportSummary:
            return archive.import_sample(progress=progress, cancel=cancel)

        if self._run(
            "Importing the sample", job, lambda summary: f"Sample archive: {summary.line()}", imports=True
        ):
            self.sample_import_started.emit()

    def choose_and_import_folder(self, parent: QWidget | None = None) -> None:
        if self.busy:
            return
        folder = FolderDialog.ask(parent)
        if folder is not None:
            self.import_folder(folder)

    def import_folder(self, folder: Path) -> None:
        self.import_paths([folder])

    def import_paths(self, sources: Sequence[Path]) -> bool:
        """Import files and folders in one background run (one pass, all parse workers busy)."""
        archive = self._archive  # jobs hold the archive, not the flow
        sources = list(sources)
        name = sources[0].name if len(sources) == 1 else f"{len(sources)} dropped items"

        def job(progress: Progress, cancel: threading.Event) -> ImportSummary:
            return archive.import_paths(sources, progress=progress, cancel=cancel)

        return self._run(f"Importing {name}", job, lambda summary: f"{name}: {summary.line()}", imports=True)

    def reindex(self) -> bool:
        """Rebuild the search index in the background; False when another archive task runs."""
        archive = self._archive  # jobs hold the archive, not the flow

        def job(progress: Progress, cancel: threading.Event) -> int:
            return archive.reindex(progress=progress, cancel=cancel)

        return self._run("Indexing the archive", job, lambda count: f"Indexed {count:,} document(s)")

    def plan_sample_removal(self, open_briefing: frozenset[str], recent: Sequence[Path]) -> bool:
        """Count the sample's documents and those that briefings quote (`open_briefing`: the ids the
        open briefing quotes; `recent`: other briefing files), off the GUI thread; `removal_planned`
        follows.  False when another archive task runs."""
        if self.busy or self._closing:
            return False
        archive, files = self._archive, list(recent)  # jobs hold the archive, not the flow

        def job(progress: Progress, cancel: threading.Event) -> RemovalPlan:
            return archive.plan_sample_removal(open_briefing, files)

        self._label, self._plan = "Counting the sample documents", None
        task = self._begin(BackgroundTask(job, parent=self))
        task.succeeded.connect(self._keep_plan)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._end)
        task.finished.connect(self._deliver_plan)  # after _end: the removal may start at once
        task.start()
        return True

    def remove_sample(self, keep: frozenset[str] = frozenset()) -> bool:
        """Remove the sample's documents but those in `keep` (and their sample files); False when
        another archive task runs."""
        archive = self._archive  # jobs hold the archive, not the flow

        def job(progress: Progress, cancel: threading.Event) -> int:
            return archive.remove_sample(keep=keep)

        kept = f"; kept {len(keep)} that briefings quote" if keep else ""
        return self._run(
            "Removing the sample", job, lambda removed: f"Removed {removed} sample document(s){kept}"
        )

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def shutdown(self) -> None:
        """Cancel whatever runs and wait for it: the archive is closed next."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            self._task.wait()

    # -- running -------------------------------------------------------------------
    # Tasks are connected to bound methods, never to closures over `self`: a
    # closure stored in a child task's connection can drop the flow's last
    # reference inside the task's destructor.  The running operation's label
    # and report text therefore live on the flow.

    def _run(
        self,
        label: str,
        job: Callable[[Progress, threading.Event], Any],
        describe: Callable[[Any], str],
        *,
        imports: bool = False,
    ) -> bool:
        """Start `job` unless another archive task runs; `describe` turns its result into a report;
        `imports`: the result is an ImportSummary, whose skipped and failed files are announced."""
        if self.busy or self._closing:
            log.warning("%s: not started, another archive task is running", label)
            return False
        self._label, self._describe, self._imports = label, describe, imports
        task = self._begin(BackgroundTask(job, parent=self))
        task.progressed.connect(self.progressed)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        task.finished.connect(self._after_change)
        self.started.emit(label)
        task.start()
        return True

    def _read_status(self, *, then_continue_start: bool = False) -> None:
        archive = self._archive
        self._label = "Reading the archive"
        offers_sample = self._personal
        task = self._begin(
            BackgroundTask(
                lambda progress, cancel: read_status(archive, offers_sample=offers_sample), parent=self
            )
        )
        task.succeeded.connect(self._set_status)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._end)
        if then_continue_start:  # after _end: the flow is free again, so it may start a task
            task.finished.connect(self._continue_start)
        task.start()

    @Slot()
    def refresh_status(self) -> None:
        """Read the archive's size again (another component changed it, e.g. a feed fetch);
        when a task runs, its end refreshes the status anyway."""
        if not self.busy and not self._closing:
            self._read_status()

    def _begin(self, task: BackgroundTask) -> BackgroundTask:
        self._task = task
        self.busy_changed.emit(True)
        return task

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        report = self._describe(result)
        log.info("%s", report)
        self.reported.emit(report)
        if self._imports:
            counts = cast("ImportSummary", result).counts
            self.files_left_out.emit(counts["skipped"], counts["failed"])

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.failed.emit(_describe_failure(self._label, exc))

    @Slot()
    def _on_cancelled(self) -> None:
        self.reported.emit(f"{self._label}: cancelled")

    @Slot()
    def _end(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None
        self.busy_changed.emit(False)

    @Slot()
    def _after_change(self) -> None:
        """Whatever the outcome, some documents may have changed: refresh the status."""
        self._end()
        self.finished.emit()
        if not self._closing:
            self._read_status()

    @Slot(object)
    def _keep_plan(self, plan: RemovalPlan) -> None:
        self._plan = plan

    @Slot()
    def _deliver_plan(self) -> None:
        plan, self._plan = self._plan, None
        if plan is not None and not self._closing:
            self.removal_planned.emit(plan)

    @Slot(object)
    def _set_status(self, status: ArchiveStatus) -> None:
        self.status = status
        self.status_changed.emit(status)

    @Slot()
    def _continue_start(self) -> None:
        status = self.status
        if status is None:
            return
        if status.is_first_start and status.sample_available:
            self.import_sample()
        elif status.unindexed and not status.running and self._personal:  # the index is a cache:
            self.reindex()  # rebuilt so every document is found (a running import indexes its own)
