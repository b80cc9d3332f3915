"""Archive → Statistics: what `briefer stats` says, with the documents by outlet, source type,
language and year, in a window, with Copy; and the question Archive → Rebuild Index asks first."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from briefer.core.archive import REINDEX, Archive, ArchiveStats, Breakdown
from briefer.core.textnorm import strip_bidi
from briefer.gui.help_windows import ToolWindow
from briefer.gui.workers import LatestOnlyRunner

REPORT = "Archive \u2192 Import Report"
REBUILD = "Archive \u2192 Rebuild Index"
FACET_HEADINGS = {"source": "outlet", "type": "source type", "language": "language", "year": "year"}
NOT_KNOWN = "(not known)"
MAX_NAME = 48  # a longer outlet pushes its count along, rather than every count off the window


def stats_lines(stats: ArchiveStats) -> list[str]:
    """The archive's figures, one "Name: value" line each (the window's wording of `briefer stats`)."""
    progress = stats.import_progress
    lines = [f"Archive:       {stats.data_dir} (id {stats.archive_id})"]
    if progress is not None:
        lines.append(f"Running:       {progress.describe()}; the figures below are what it has done so far")
    lines += [
        f"Documents:     {stats.documents:,}",
        f"Failed files:  {stats.failed:,}" + (f" ({REPORT} lists them)" if stats.failed else ""),
        f"Index size:    {stats.index_bytes / 1e6:.1f} MB (catalog {stats.catalog_bytes / 1e6:.1f} MB)",
    ]
    if stats.unindexed:
        remedy = "the running import indexes them" if progress else f"{REBUILD} indexes them"
        lines.append(f"Not indexed:   {stats.unindexed:,} ({remedy})")
    lines.append(f"Last import:   {stats.last_import_line()}")
    for run in stats.interrupted:
        again = REBUILD if run.kind == REINDEX else "the same import"
        lines.append(f"Interrupted:   {run.describe()}; run {again} again to finish it")
    if stats.breakdown is not None and stats.documents:
        lines += breakdown_lines(stats.breakdown)
    return lines


def breakdown_lines(breakdown: Breakdown) -> list[str]:
    """The documents by outlet, source type, language and year: a heading, then one line a value,
    the counts of every list in one column."""
    facets = {facet: [(_one_line(v), n) for v, n in getattr(breakdown, facet)] for facet in FACET_HEADINGS}
    values = [count for counts in facets.values() for count in counts]
    width = min(max((len(value) for value, _ in values), default=0), MAX_NAME)
    digits = max((len(f"{n:,}") for _, n in values), default=1)
    lines = []
    for facet, counts in facets.items():
        lines += ["", f"Documents by {FACET_HEADINGS[facet]} ({len(counts):,}):"]
        lines += [f"  {value:<{width}}  {n:>{digits},}" for value, n in counts]
    return lines


def _one_line(value: str) -> str:
    """An outlet as one line that reads in its order: a name cannot break or reorder the list."""
    return strip_bidi(" ".join(value.split())) or NOT_KNOWN


class StatisticsWindow(ToolWindow):
    """The archive's statistics, read off the GUI thread each time the window is shown."""

    def __init__(self, archive: Archive, parent: QWidget | None = None) -> None:
        super().__init__("Archive Statistics", parent)
        self._archive = archive
        self._loader = LatestOnlyRunner(parent=self)
        self._loader.succeeded.connect(self._show_stats)
        self._loader.failed.connect(self._show_failure)
        self.stats: ArchiveStats | None = None
        self.text = QPlainTextEdit("Reading the archive\u2026")
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Archive statistics")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = self.text.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.text.setFont(font)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the statistics to the clipboard")
        self.refresh_button = QPushButton("Re&fresh")
        close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.copy_button.clicked.connect(self.copy)
        self.refresh_button.clicked.connect(self.reload)
        close_button.clicked.connect(self.close)
        self.resize(720, 520)

    @Slot()
    def reload(self) -> None:
        archive = self._archive
        self._loader.submit(lambda progress, cancel: archive.stats(breakdown=True))

    @Slot(object)
    def _show_stats(self, stats: ArchiveStats) -> None:
        self.stats = stats
        self.text.setPlainText("\n".join(stats_lines(stats)))
        self._fit_text()

    def _fit_text(self) -> None:
        """Grow (never shrink) to show every line without scrolling, up to the main window's size."""
        metrics = self.text.fontMetrics()
        lines = self.text.toPlainText().splitlines() or [""]
        frame = 4 * self.text.frameWidth() + 2 * int(self.text.document().documentMargin())
        wanted_w = max(metrics.horizontalAdvance(line) for line in lines) + frame + metrics.averageCharWidth()
        wanted_h = metrics.lineSpacing() * len(lines) + frame
        bound = (self.parentWidget() or self).window().size()
        width = min(self.width() - self.text.width() + wanted_w, max(bound.width(), self.width()))
        height = min(self.height() - self.text.height() + wanted_h, max(bound.height(), self.height()))
        self.resize(max(self.width(), width), max(self.height(), height))

    @Slot(object)
    def _show_failure(self, exc: object) -> None:
        self.text.setPlainText(f"The statistics cannot be read: {exc}")

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    def shutdown(self) -> None:
        self._loader.shutdown()


class ConfirmRebuild:
    """Asks before rebuilding the index.  Tests replace `ask` instead of meeting a modal dialog."""

    @classmethod
    def ask(cls, parent: QWidget | None, documents: int | None) -> bool:
        many = f"all {documents:,} documents" if documents is not None else "every document"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Rebuild the search index",
            f"Rebuild the search index from the catalog? It indexes {many} again, which can take minutes.",
            QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setInformativeText(
            "Searching finds fewer documents until it is done; Cancel in the status bar stops it."
        )
        rebuild = box.addButton("Rebuild", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is rebuild
