"""The release gate in the window: a list of findings, *Briefing → Check Briefing…*.

`FindingsList` shows the gate's findings (core/briefing/gate.py), an icon by severity; choosing
an entry (click, Enter) emits `block_chosen` with the block (or section) concerned, which the
window selects in the outline.  The export and send dialogs show the same list.
`ReleaseCheck` owns the *Check Briefing…* action: the quotes are verified against the archive in
the background (as export does), then the findings open in a `FindingsDialog`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import codec
from briefer.core.briefing.gate import BLOCK, Finding, GateResult, run_gate
from briefer.core.briefing.model import excerpts
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.progress import Progress
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.workers import BackgroundTask

BLOCK_ROLE = Qt.ItemDataRole.UserRole  # the finding's block (or section) id, or None
FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


def summary(findings: Iterable[Finding]) -> str:
    """ "1 blocks the release, 3 warnings" ."""
    listed = list(findings)
    blocking = sum(f.severity == BLOCK for f in listed)
    warnings = len(listed) - blocking
    if not listed:
        return "Nothing blocks the release and nothing needs a second look."
    verb = "blocks" if blocking == 1 else "block"
    return f"{blocking} {verb} the release, {warnings} warning{'' if warnings == 1 else 's'}"


class FindingsList(QListWidget):
    """The findings, blocking ones first; an entry with a block selects it when chosen."""

    block_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseFindings")
        self.setAccessibleName("Release findings")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.itemClicked.connect(self._choose)
        self.itemActivated.connect(self._choose)

    MIN_LINES = 10  # a few findings readable at once: a dialog that lists them grows to show them

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        lines = self.fontMetrics().lineSpacing() * self.MIN_LINES + 2 * self.frameWidth()
        return QSize(hint.width(), max(hint.height(), lines))

    def show_findings(self, findings: Iterable[Finding]) -> None:
        self.clear()
        style = self.style()
        icons = {
            BLOCK: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        for found in findings:
            item = QListWidgetItem(icons[found.severity], f"{found.message}  [{found.code}]")
            item.setData(BLOCK_ROLE, found.block)
            item.setData(FINDING_ROLE, found)
            severity = "Blocks the release" if found.severity == BLOCK else "Warning"
            item.setToolTip(f"{severity} ({found.code}): {found.message}")
            self.addItem(item)

    def findings(self) -> list[Finding]:
        return [self.item(row).data(FINDING_ROLE) for row in range(self.count())]

    @Slot(QListWidgetItem)
    def _choose(self, item: QListWidgetItem) -> None:
        block = item.data(BLOCK_ROLE)
        if block:
            self.block_chosen.emit(str(block))


class FindingsDialog(QDialog):
    """The gate's findings for the open briefing, with a one-line verdict; not modal, so the
    analyst can fix a finding in the outline and check again."""

    block_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check Briefing")
        self.setAccessibleName("Check Briefing")
        self.verdict = QLabel()
        self.verdict.setObjectName("releaseVerdict")
        self.verdict.setWordWrap(True)
        self.list = FindingsList()
        self.list.block_chosen.connect(self.block_chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def show_result(self, result: GateResult) -> None:
        self.verdict.setText(summary(result.findings))
        self.list.show_findings(result.findings)


class ReleaseCheck(QObject):
    """*Check Briefing…*: the gate's findings for the open briefing, against the archive."""

    message = Signal(str)  # a one-line outcome for the status bar
    block_chosen = Signal(str)

    def __init__(self, model: BriefingModel, lookups: ArchiveLookups | None, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._lookups = lookups
        self._parent = parent
        self._task: BackgroundTask | None = None
        self.dialog: FindingsDialog | None = None
        self.check_action = QAction("C&heck Briefing\u2026", self)
        self.check_action.setStatusTip(
            "What blocks the briefing's release (unverified quotes, markings, the wrong archive) and "
            "what to look at (unsourced judgments, empty sections, boilerplate cells, ...)"
        )
        self.check_action.triggered.connect(self.check)

    @Slot()
    def check(self) -> None:
        """Verify the quotes in the background, then show the findings (a run already going is kept)."""
        if self._task is not None:
            return
        briefing = codec.from_dict(codec.to_dict(self._model.briefing))  # edits may go on meanwhile
        lookups = self._lookups

        def job(progress: Progress, cancel: threading.Event) -> GateResult:
            verification = None
            if lookups is not None:
                verification = lookups.verify(excerpts(briefing).values(), cancel, archive_check=False)
            return run_gate(briefing, verification)

        self.message.emit("Checking the briefing\u2026")
        task = BackgroundTask(job, parent=self)
        task.succeeded.connect(self._show)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._on_finished)
        self._task = task
        task.start()

    def wait(self) -> None:
        if self._task is not None:
            self._task.wait()

    @Slot(object)
    def _show(self, result: GateResult) -> None:
        if self.dialog is None:
            self.dialog = FindingsDialog(self._parent)
            self.dialog.block_chosen.connect(self.block_chosen)
        self.dialog.show_result(result)
        self.dialog.show()
        self.dialog.raise_()
        self.message.emit(summary(result.findings))

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.message.emit(f"The briefing could not be checked: {exc}")

    @Slot()
    def _on_finished(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None
