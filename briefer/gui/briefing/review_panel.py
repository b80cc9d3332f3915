"""Reviewers' comments in the window: the *Review Comments* dock beside the outline, and
*Briefing → Import Review Comments…*.

The dock lists the comments and suggestions imported from a reviewed review copy
(core/briefing/reviews.py): author, date, text and the block they were made on; choosing one
selects its block in the outline (`block_chosen`).  Accept, Dismiss and Reply… are undo
commands through the briefing model, like every other edit.  The dock shows itself when the
briefing has reviews.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import codec, reviews
from briefer.core.briefing.model import Briefing, BriefingError, Review, get_block
from briefer.core.progress import Progress
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.workers import BackgroundTask

REVIEW_ROLE = Qt.ItemDataRole.UserRole  # the review's id
DOCX_FILTER = "Word documents (*.docx)"
STATES = {"open": "", "accepted": " \u2714 accepted", "dismissed": " \u2716 dismissed"}


def block_label(model: BriefingModel, review: Review) -> str:
    """ "Paragraph \u201cThe treaty was…\u201d", or why there is none."""
    if review.block_id is None:
        return "not placed on a block"
    try:
        block = get_block(model.briefing, review.block_id)
    except BriefingError:
        return "its block was deleted"
    text = " ".join(str(getattr(block, "text", None) or getattr(block, "quote", "")).split())
    short = text if len(text) <= 40 else text[:39] + "\u2026"
    return f"{block.kind.replace('_', ' ').capitalize()} \u201c{short}\u201d"


def entry_text(model: BriefingModel, review: Review) -> str:
    when = f" \u00b7 {review.date:%Y-%m-%d}" if review.date else ""
    kind = "" if review.kind == "comment" else f"[{review.kind}] "
    replies = "".join(f"\n    \u21b3 {r.author}: {r.text}" for r in review.replies)
    return (
        f"{review.author}{when}{STATES[review.state]}\n{kind}{review.text}\n"
        f"on {block_label(model, review)}{replies}"
    )


class ReviewPanel(QWidget):
    """The imported comments, and the analyst's answers to them."""

    block_chosen = Signal(str)
    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self.setAccessibleName("Review comments")
        self.model = model
        self._task: BackgroundTask | None = None
        self.list = QListWidget()
        self.list.setObjectName("reviewList")
        self.list.setAccessibleName("Review comments")
        self.list.setWordWrap(True)
        self.accept_button = QPushButton("&Accept")
        self.dismiss_button = QPushButton("&Dismiss")
        self.reply_button = QPushButton("&Reply\u2026")
        buttons = QHBoxLayout()
        for button, name in (
            (self.accept_button, "Accept review comment"),
            (self.dismiss_button, "Dismiss review comment"),
            (self.reply_button, "Reply to review comment"),
        ):
            button.setAccessibleName(name)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.import_action = QAction("Import &Review Comments\u2026", self)
        self.import_action.setStatusTip(
            "Bring the comments and tracked changes reviewers made in a review copy into the briefing"
        )
        self.import_action.triggered.connect(self.ask_and_import)
        self.accept_button.clicked.connect(self.accept_current)
        self.dismiss_button.clicked.connect(self.dismiss_current)
        self.reply_button.clicked.connect(self.reply_current)
        self.list.currentItemChanged.connect(self._choose)
        self.list.itemClicked.connect(self._choose)
        model.reviews_changed.connect(self.refresh)
        model.structure_changed.connect(self.refresh)  # a block deleted or restored: its label
        self.refresh()

    # -- the list ------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        current = self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for review in self.model.briefing.reviews:
            item = QListWidgetItem(entry_text(self.model, review))
            item.setData(REVIEW_ROLE, review.id)
            if review.quote and review.kind == "comment":
                item.setToolTip(f"On \u201c{review.quote}\u201d")
            if review.state != "open":
                item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
            if review.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._update_buttons()

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(REVIEW_ROLE))

    def select(self, review_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(REVIEW_ROLE) == review_id:
                self.list.setCurrentRow(row)

    @Slot()
    def _choose(self, *_: object) -> None:
        self._update_buttons()
        review_id = self.current_id()
        if review_id is None:
            return
        review = reviews.review_by_id(self.model.briefing, review_id)
        if review.block_id is not None:
            self.block_chosen.emit(review.block_id)

    def _update_buttons(self) -> None:
        review_id = self.current_id()
        review = None if review_id is None else reviews.review_by_id(self.model.briefing, review_id)
        is_open = review is not None and review.state == "open"
        self.accept_button.setEnabled(is_open)
        self.dismiss_button.setEnabled(is_open)
        self.reply_button.setEnabled(review is not None)

    # -- answers: undo commands ------------------------------------------------------------
    @Slot()
    def accept_current(self) -> None:
        decision = self._decide(reviews.accept)
        if decision is not None and self.model.do(decision.edit, "Accept review comment"):
            self.message.emit(_sentence(decision.note) if decision.note else "Review comment accepted")

    @Slot()
    def dismiss_current(self) -> None:
        if (decision := self._decide(reviews.dismiss)) is not None:
            self.model.do(decision.edit, "Dismiss review comment")

    def _decide(self, answer: Callable[[Briefing, str], reviews.Decision]) -> reviews.Decision | None:
        review_id = self.current_id()
        if review_id is None:
            return None
        try:
            return answer(self.model.briefing, review_id)
        except BriefingError as exc:
            self.message.emit(_sentence(str(exc)))
            return None

    @Slot()
    def reply_current(self) -> None:
        review_id = self.current_id()
        if review_id is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Reply", "Your reply (an analyst comment):")
        if not ok or not text.strip():
            return
        author = self.model.briefing.metadata.author
        self.model.do(
            reviews.reply(self.model.briefing, review_id, text, author).edit, "Reply to review comment"
        )

    # -- importing ---------------------------------------------------------------------------
    @Slot()
    def ask_and_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import review comments", "", DOCX_FILTER)
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        """Read the reviewed copy at `path` in the background (a reviewer's file may be large), then
        add what is new as one undo step; the status bar says how many were placed and how many not."""
        if self._task is not None:
            return
        briefing = codec.from_dict(codec.to_dict(self.model.briefing))  # edits may go on meanwhile

        def job(progress: Progress, cancel: threading.Event) -> list[Review]:
            # Loaded on first use: python-docx is 0.2 s of the window's start (test_start_up_imports).
            from briefer.core.export.review_marks import read_reviews

            return read_reviews(path, briefing)

        self.message.emit(f"Reading review comments from {path.name}\u2026")
        task = BackgroundTask(job, expected=(BriefingError,), parent=self)
        task.succeeded.connect(functools.partial(self._add_found, path))
        task.failed.connect(self._on_failed)
        task.finished.connect(self._on_finished)
        self._task = task
        task.start()

    @property
    def busy(self) -> bool:
        """A reviewed copy is being read."""
        return self._task is not None

    def wait(self) -> None:
        if self._task is not None:
            self._task.wait()

    def _add_found(self, path: Path, found: list[Review]) -> None:
        result = reviews.new_reviews(self.model.briefing, found)  # against the briefing as it is now
        if result.edit is not None and not self.model.do(result.edit, "Import review comments"):
            return
        again = f"; {result.known} already imported" if result.known else ""
        placed, unplaced = len(result.placed), len(result.unplaced)
        self.message.emit(f"Review comments from {path.name}: {placed} placed, {unplaced} not placed{again}")

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.message.emit(f"Review comments not imported: {exc}")

    @Slot()
    def _on_finished(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class ReviewDock(QDockWidget):
    """The panel as a dock beside the outline; shown while the briefing has reviews."""

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__("Review Comments", parent)
        self.setObjectName("reviewDock")
        self.panel = ReviewPanel(model, self)
        self.setWidget(self.panel)
        self._model = model
        model.reviews_changed.connect(self._show_when_reviewed)
        self.setVisible(False)

    @Slot()
    def _show_when_reviewed(self) -> None:
        self.setVisible(bool(self._model.briefing.reviews))
