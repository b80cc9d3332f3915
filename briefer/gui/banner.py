"""The banner above the panes: says when the archive holds the sample, or nothing at all.

Once your own documents sit beside the sample, it says how many sample documents
remain and offers to remove them (the window asks first, see `dialogs.RemoveDocuments`),
or to hide the notice until that number changes.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from briefer.gui.indexing import ArchiveStatus


class BannerState(enum.Enum):
    HIDDEN = enum.auto()
    IMPORTING_SAMPLE = enum.auto()
    SAMPLE = enum.auto()  # the archive holds the sample only
    SAMPLE_BESIDE_OWN = enum.auto()  # sample documents remain beside the user's own
    EMPTY = enum.auto()


def banner_state(status: ArchiveStatus) -> BannerState:
    own = status.documents - status.sample_documents
    if status.has_sample and own <= 0:
        return BannerState.SAMPLE
    if status.sample_documents:
        return BannerState.SAMPLE_BESIDE_OWN
    if status.documents == 0:
        return BannerState.EMPTY
    return BannerState.HIDDEN


def _sample_left(status: ArchiveStatus) -> str:
    sample, own = status.sample_documents, status.documents - status.sample_documents
    noun = "sample document remains" if sample == 1 else "sample documents remain"
    return (
        f"<b>{sample:,} {noun}</b> beside your own {own:,}: articles from fictional outlets, written "
        "for trying Briefer. Remove them when you no longer need them."
    )


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
    hidden_by_user = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleBanner")
        self.setAccessibleName("Archive notice")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.state = BannerState.HIDDEN
        self._status: ArchiveStatus | None = None
        self._hidden_at: int | None = None  # the sample count when the user hid the notice

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
        self.hide_notice = self._button("Hide", "Hide this notice", self.hidden_by_user)
        self.hidden_by_user.connect(self._hide_until_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.message, 1)
        for button in (self.add_folder, self.remove_sample, self.import_sample, self.hide_notice):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setVisible(False)

    def _button(self, text: str, accessible_name: str, requested: SignalInstance) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible_name)
        button.clicked.connect(requested.emit)
        return button

    def show_status(self, status: ArchiveStatus) -> None:
        self._status = status
        state = banner_state(status)
        if state is BannerState.SAMPLE_BESIDE_OWN and status.sample_documents == self._hidden_at:
            state = BannerState.HIDDEN
        message = _sample_left(status) if state is BannerState.SAMPLE_BESIDE_OWN else _MESSAGES.get(state, "")
        self._show(state, sample_available=status.sample_available, message=message)

    def show_importing_sample(self) -> None:
        self._show(
            BannerState.IMPORTING_SAMPLE,
            sample_available=True,
            message=_MESSAGES[BannerState.IMPORTING_SAMPLE],
        )

    def _hide_until_changed(self) -> None:
        if self._status is not None:
            self._hidden_at = self._status.sample_documents
            self.show_status(self._status)

    def set_busy(self, busy: bool) -> None:
        """While the archive changes, its actions wait."""
        for button in (self.add_folder, self.remove_sample, self.import_sample):
            button.setEnabled(not busy)

    def _show(self, state: BannerState, *, sample_available: bool, message: str) -> None:
        self.state = state
        self.setVisible(state is not BannerState.HIDDEN)
        self.message.setText(message)
        with_sample = state in (BannerState.SAMPLE, BannerState.SAMPLE_BESIDE_OWN)
        self.add_folder.setVisible(state is not BannerState.SAMPLE_BESIDE_OWN)
        self.remove_sample.setVisible(with_sample)
        self.hide_notice.setVisible(state is BannerState.SAMPLE_BESIDE_OWN)
        self.import_sample.setVisible(state is BannerState.EMPTY and sample_available)
