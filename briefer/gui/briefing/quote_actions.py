"""The briefing's quotes against the archive: Verify Quotes, Update Moved Quote Positions and
Draft Source Summary, with the background checks behind them.

Once given the archive (`use_archive`), every quote is checked in the background; only
quotes that newly fail are announced.  What the actions change is an undoable edit.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction

from briefer.core.briefing import edits
from briefer.core.briefing.model import BriefingError, excerpts
from briefer.core.briefing.summary import redraft
from briefer.core.briefing.verify import ArchiveLookups, ClusterOf, Verification
from briefer.core.progress import Progress
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.briefing.outline_view import OutlineView
from briefer.gui.briefing.quote_checks import QuoteChecks
from briefer.gui.workers import BackgroundTask


class QuoteActions(QObject):
    """Verify, update moved positions, draft the source summary; selects what it reports on."""

    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, model: BriefingModel, outline: OutlineView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.outline = outline
        self.checks = QuoteChecks(model, self)
        self._draft_task: BackgroundTask | None = None
        self._failing: set[str] = set()  # excerpts known not to match: only news is announced

        self.verify_quotes_action = QAction("&Verify Quotes", self)
        self.verify_quotes_action.setStatusTip("Check every quote against the archive (done on open too)")
        self.update_spans_action = QAction("Update &Moved Quote Positions", self)
        self.update_spans_action.setStatusTip(
            "Record where quotes that moved in their source now are (the quotes do not change)"
        )
        self.draft_summary_action = QAction("&Draft Source Summary", self)
        self.draft_summary_action.setStatusTip(
            "Draft the Source Summary from the citations; an edited summary is kept, never overwritten"
        )
        self.verify_quotes_action.triggered.connect(self.verify_quotes)
        self.update_spans_action.triggered.connect(self.update_moved_quotes)
        self.draft_summary_action.triggered.connect(self.draft_source_summary)

        self.checks.finished.connect(self._on_checked)
        self.checks.failed.connect(self.message)
        model.verification_changed.connect(self.update_enabled)
        model.modelReset.connect(self._on_reset)
        outline.selectionModel().selectionChanged.connect(self.update_enabled)
        self.update_enabled()

    @property
    def actions(self) -> list[QAction]:
        """Verify Quotes, Update Moved Quote Positions, Draft Source Summary (for the Briefing menu)."""
        return [self.verify_quotes_action, self.update_spans_action, self.draft_summary_action]

    @Slot()
    def update_enabled(self, *_: object) -> None:
        self.update_spans_action.setEnabled(bool(self._moved_edits()))

    @Slot()
    def _on_reset(self) -> None:
        self._failing = set()
        self.update_enabled()

    # -- the archive ------------------------------------------------------------------
    def use_archive(self, lookups: ArchiveLookups | None) -> None:
        """Verify quotes and draft the source summary against this archive (checks every quote now)."""
        self.checks.use(lookups)

    @Slot()
    def verify_quotes(self) -> bool:
        """Check every quote again (Verify Quotes; also after an import); False without an archive."""
        if not self.checks.verify(explicit=True):
            self.message.emit("Quotes cannot be checked: no archive is open")
            return False
        self.message.emit("Checking the quotes against the archive\u2026")
        return True

    @Slot()
    def recheck_quotes(self) -> bool:
        """Check every quote again quietly (after an import): the outline follows, the selection
        stays, and only quotes that newly fail are announced."""
        return self.checks.verify()

    def shutdown(self) -> None:
        """Wait for background checks: the archive closes next."""
        self.checks.shutdown()
        if self._draft_task is not None:
            self._draft_task.wait()

    # -- quote verification -------------------------------------------------------------------
    def _moved_edits(self) -> list[edits.UpdateSpan]:
        """Span updates for the moved quotes whose check is current."""
        out = []
        for excerpt in excerpts(self.model.briefing).values():
            check = self.model.check_of(excerpt)
            edit = check.span_edit() if check is not None else None
            if edit is not None:
                out.append(edit)
        return out

    @Slot()
    def update_moved_quotes(self) -> bool:
        """Point every moved quote at its new place, as one undo step."""
        moves = self._moved_edits()
        if not moves:
            self.message.emit("No quote has moved in its source")
            return False
        if self.model.do_all(moves, "Update quote positions"):
            self.message.emit(f"Updated the position of {len(moves)} quote(s)")
            return True
        return False

    @Slot(object, bool)
    def _on_checked(self, verification: Verification, explicit: bool) -> None:
        self.update_enabled()
        failing = {c.excerpt_id for c in verification.failures}
        news, self._failing = failing - self._failing, failing
        if not explicit:
            if news:
                count = len(news)
                self.message.emit(
                    f"{count} quote{'s' if count != 1 else ''} no longer match"
                    f"{'es' if count == 1 else ''} {'its' if count == 1 else 'their'} source: "
                    "see the marked excerpts in the outline"
                )
            return
        self.message.emit(f"Quotes checked: {verification.summary()}")
        first = next(iter(verification.failures or verification.of("moved", "missing")), None)
        if first is not None:
            self.outline.select(first.excerpt_id)

    # -- the source summary ------------------------------------------------------------------------
    @Slot()
    def draft_source_summary(self) -> None:
        """Draft the Source Summary from the citations (an edit: undoable).  Which sources are gone
        and which are syndicated copies is asked of the archive in the background."""
        if self._draft_task is not None:
            return
        lookups = self.checks.lookups
        if lookups is None:
            self._apply_draft(None, None)
            return
        cited = [e.doc_id for e in excerpts(self.model.briefing).values()]

        def job(progress: Progress, cancel: threading.Event) -> tuple[set[str], ClusterOf | None]:
            return lookups.missing(cited), lookups.clusters(cited)

        task = BackgroundTask(job, parent=self)
        task.succeeded.connect(self._on_draft_lookups)
        task.failed.connect(self._on_draft_failed)
        task.finished.connect(self._on_draft_finished)
        self._draft_task = task
        task.start()

    @Slot(object)
    def _on_draft_lookups(self, found: tuple[set[str], ClusterOf | None]) -> None:
        self._apply_draft(*found)

    @Slot(object)
    def _on_draft_failed(self, exc: object) -> None:
        self.message.emit(f"The source summary could not be drafted: {exc}")

    @Slot()
    def _on_draft_finished(self) -> None:
        if self._draft_task is not None:
            self._draft_task.deleteLater()
            self._draft_task = None

    def _apply_draft(self, missing: set[str] | None, cluster_of: ClusterOf | None) -> None:
        if missing is None:  # no archive: the last check knows which sources are gone
            verification = self.model.verification
            missing = {c.doc_id for c in verification.of("missing")} if verification is not None else set()
        try:
            result = redraft(self.model.briefing, cluster_of=cluster_of, missing=missing)
        except BriefingError as exc:
            self.message.emit(str(exc))
            return
        if result.edits and not self.model.do_all(result.edits, "Draft source summary"):
            return
        self.outline.select(result.block_id)
        self.message.emit(result.message)
