"""The status bar: the archive's size, the progress of an import with its Cancel button, and a
one-line message.

After an import that skipped or failed files, a link says how many ("568 skipped, 3 failed")
and opens Archive \u2192 Import Report on them; it stays until the next archive task starts.

A message replaces the one before and goes after a while.  A note on the briefing ('Added to
"NATO"', "Saved …") goes sooner, and at once when the briefing changes again: it described the
briefing as it was, and must not be read as the outcome of the next edit (a drop that has no
note of its own).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from briefer.gui.formatting import plural

MESSAGE_MS = 15_000  # how long an outcome ("12 imported…") stays
NOTE_MS = 6_000  # how long a note on the briefing stays, unless the briefing changes first


REPORT_MENU = "Archive \u2192 Import Report"


class LinkLabel(QLabel):
    """A label holding a link, drawn in the palette's link colour also after the palette changes
    (QLabel keeps the colour it laid its text out with)."""

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        changed = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() in changed and self.text():
            text = self.text()
            self.clear()
            self.setText(text)


class ArchiveStatusBar(QStatusBar):
    cancel_requested = Signal()
    report_requested = Signal(str)  # the status whose files to show in the import report

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status bar")
        self.message_ms = MESSAGE_MS
        self.note_ms = NOTE_MS
        self._note = ""  # the note on the briefing shown now, if any
        self.task_label = QLabel()
        self.task_label.setAccessibleName("Running task")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setAccessibleName("Cancel the import")
        self.cancel.setToolTip("Stop the import; what is already imported stays searchable")
        self.cancel.clicked.connect(self.cancel_requested.emit)
        self.left_out = LinkLabel()  # a link: it reads as a way somewhere
        self.left_out.setAccessibleName("Files left out by the last import")
        self.left_out.setTextFormat(Qt.TextFormat.RichText)
        self.left_out.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.left_out.linkActivated.connect(self._open_report)
        self._left_out_status = ""
        self.documents = QLabel()
        self.documents.setAccessibleName("Archive size")
        self.archive = QLabel()  # which archive the window shows: personal, or a team's
        self.archive.setAccessibleName("Open archive")

        for widget in (self.task_label, self.progress, self.cancel, self.left_out):
            self.addPermanentWidget(widget)
            widget.setVisible(False)
        self.addPermanentWidget(self.archive)
        self.addPermanentWidget(self.documents)

    def show_archive(self, text: str) -> None:
        self.archive.setText(text)

    def show_documents(self, count: int) -> None:
        self.documents.setText(plural(count, "document"))

    def show_left_out(self, skipped: int, failed: int) -> None:
        """Name the files the import that ended skipped or failed, as a way to the import report."""
        counts = [f"{n:,} {what}" for n, what in ((skipped, "skipped"), (failed, "failed")) if n]
        self._left_out_status = "failed" if failed else "skipped"
        self.left_out.setText(f'<a href="report">{", ".join(counts)} \u2014 Import Report</a>')
        self.left_out.setToolTip(f"Open {REPORT_MENU} on the {self._left_out_status} files and why")
        self.left_out.setVisible(bool(counts))

    def _open_report(self, _link: str = "") -> None:
        self.report_requested.emit(self._left_out_status)

    def start_progress(self, label: str) -> None:
        self.left_out.setVisible(False)  # the next import has its own outcome
        self.task_label.setText(label + "…")
        self.progress.setRange(0, 0)  # busy until the first report gives a total
        self.cancel.setEnabled(True)
        for widget in (self.task_label, self.progress, self.cancel):
            widget.setVisible(True)

    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done:,} / {total:,}")

    def stop_progress(self) -> None:
        for widget in (self.task_label, self.progress, self.cancel):
            widget.setVisible(False)

    def cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.task_label.setText("Cancelling…")

    def report(self, message: str) -> None:
        """An outcome of the archive or the network (an import, a fetch): stays `message_ms`."""
        self._note = ""
        self.showMessage(message, self.message_ms)

    def note(self, message: str) -> None:
        """An outcome on the briefing: stays `note_ms`, or until the briefing changes."""
        self._note = message
        self.showMessage(message, self.note_ms)

    def briefing_changed(self, *_: object) -> None:
        """The briefing changed (an edit, an undo, another briefing): a note on it is stale."""
        if self._note and self.currentMessage() == self._note:
            self.clearMessage()
        self._note = ""
