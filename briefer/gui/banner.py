"""The banner above the panes: says when the archive holds the sample, or nothing at all."""

from __future__ import annotations

import enum

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from briefer.gui.indexing import ArchiveStatus


class BannerState(enum.Enum):
    HIDDEN = enum.auto()
    IMPORTING_SAMPLE = enum.auto()
    SAMPLE = enum.auto()
    EMPTY = enum.auto()


def banner_state(status: ArchiveStatus) -> BannerState:
    if status.has_sample:
        return BannerState.SAMPLE
    if status.documents == 0:
        return BannerState.EMPTY
    return BannerState.HIDDEN


_MESSAGES = {
    BannerState.IMPORTING_SAMPLE: "<b>Importing sample articles</b> so that you can try Briefer right away.",
    BannerState.SAMPLE: "<b>This is sample material</b>: articles from fictional outlets, written for "
    "trying Briefer. Add your own folder, and remove the sample when you no longer need it.",
    BannerState.EMPTY: "<b>The archive is empty.</b> "
    "Add a folder of articles (plain text, Markdown or HTML) to search them.",
}


class SampleBanner(QFrame):
    """A quiet strip with a message and the actions that fit the archive's state."""

    add_folder_requested = Signal()
    remove_sample_requested = Signal()
    import_sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleBanner")
        self.setAccessibleName("Archive notice")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.state = BannerState.HIDDEN

        icon = QLabel()
        icon.setPixmap(QIcon("icons:info.svg").pixmap(QSize(20, 20)))
        icon.setAccessibleName("Information")
        self.message = QLabel()
        self.message.setObjectName("bannerMessage")
        self.message.setAccessibleName("Archive notice message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)

        self.add_folder = self._button("Add your folder…", "Add your folder", self.add_folder_requested)
        self.remove_sample = self._button(
            "Remove the sample", "Remove the sample", self.remove_sample_requested
        )
        self.import_sample = self._button(
            "Import the sample", "Import the sample", self.import_sample_requested
        )

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.message, 1)
        for button in (self.add_folder, self.remove_sample, self.import_sample):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setVisible(False)

    def _button(self, text: str, accessible_name: str, requested: SignalInstance) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible_name)
        button.clicked.connect(requested.emit)
        return button

    def show_status(self, status: ArchiveStatus) -> None:
        self._show(banner_state(status), sample_available=status.sample_available)

    def show_importing_sample(self) -> None:
        self._show(BannerState.IMPORTING_SAMPLE, sample_available=True)

    def set_busy(self, busy: bool) -> None:
        """While the archive changes, its actions wait."""
        for button in (self.add_folder, self.remove_sample, self.import_sample):
            button.setEnabled(not busy)

    def _show(self, state: BannerState, *, sample_available: bool) -> None:
        self.state = state
        self.setVisible(state is not BannerState.HIDDEN)
        self.message.setText(_MESSAGES.get(state, ""))
        self.remove_sample.setVisible(state is BannerState.SAMPLE)
        self.import_sample.setVisible(state is BannerState.EMPTY and sample_available)
