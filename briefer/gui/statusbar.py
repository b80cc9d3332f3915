"""The status bar: the archive's size, and the progress of an import with its Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from briefer.gui.formatting import plural

MESSAGE_MS = 15_000  # how long an outcome ("12 imported…") stays


class ArchiveStatusBar(QStatusBar):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status bar")
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
        self.documents = QLabel()
        self.documents.setAccessibleName("Archive size")

        for widget in (self.task_label, self.progress, self.cancel):
            self.addPermanentWidget(widget)
            widget.setVisible(False)
        self.addPermanentWidget(self.documents)

    def show_documents(self, count: int) -> None:
        self.documents.setText(plural(count, "document"))

    def start_progress(self, label: str) -> None:
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
        self.showMessage(message, MESSAGE_MS)
