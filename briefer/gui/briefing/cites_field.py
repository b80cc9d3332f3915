"""The citations of one block in its editor: each cited excerpt's source and verification state
(as the outline shows it), Remove Citation, and Cite Evidence… (the picker).

Removing is one undo step (a SetCites through the model); the list follows the model when
the block, the excerpts or their verification change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import evidence
from briefer.core.briefing.model import Block, BriefingError, excerpts, get_block
from briefer.gui.briefing.cite_picker import CITE_SHORTCUT, ExcerptIdRole, excerpt_item
from briefer.gui.briefing.model import CITE_HINT, BriefingModel, unsourced_icon, unsourced_text

VISIBLE_ROWS = 3


class CitesField(QWidget):
    """What one block cites; `cite_requested(block_id)` asks for the picker."""

    cite_requested = Signal(str)

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("citesField")
        self.setAccessibleName("Citations")
        self._model = model
        self._block_id: str | None = None
        self.list = QListWidget()
        self.list.setObjectName("citesList")
        self.list.setAccessibleName("Cited excerpts")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.installEventFilter(self)
        self.empty = QLabel()
        self.empty.setObjectName("citesEmpty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        # Clipped rather than widening the narrow editor pane (the words are in its tooltip too).
        self.empty.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.badge = QLabel()
        self.badge.setPixmap(unsourced_icon().pixmap(16, 16))
        self.badge.setToolTip("Cites no source")
        self.cite_button = QPushButton("Cite E&vidence\u2026")
        self.cite_button.setObjectName("citeEvidenceButton")
        self.cite_button.setAccessibleName("Cite evidence")
        self.cite_button.setToolTip(f"Choose the excerpts this block rests on ({CITE_SHORTCUT})")
        self.remove_button = QPushButton("Re&move")
        self.remove_button.setObjectName("removeCitationButton")
        self.remove_button.setAccessibleName("Remove citation")
        self.remove_button.setToolTip(
            "Remove the selected citation (Delete); the excerpt stays in the briefing"
        )

        # One row under the list: what is missing (short; the hint is in its tooltip) and the buttons,
        # so the field stays low in the narrow editor pane.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.badge)
        row.addWidget(self.empty, 1)
        row.addWidget(self.cite_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addLayout(row)

        self.cite_button.clicked.connect(self._cite_clicked)
        self.remove_button.clicked.connect(self.remove_current)
        self.list.currentItemChanged.connect(self._update_buttons)
        model.block_changed.connect(self._on_block_changed)
        model.structure_changed.connect(self.refresh)
        model.verification_changed.connect(self.refresh)
        model.modelReset.connect(self.refresh)
        self.refresh()

    @property
    def block_id(self) -> str | None:
        return self._block_id

    def show_block(self, block_id: str | None) -> None:
        """Show what block `block_id` cites (None, or a block that cannot cite: nothing)."""
        self._block_id = block_id
        self.refresh()

    def cited_ids(self) -> list[str]:
        return [
            str(item.data(ExcerptIdRole)) for row in range(self.list.count()) if (item := self.list.item(row))
        ]

    @Slot()
    def refresh(self, *_: object) -> None:
        block = self._block()
        current = self.list.currentItem()
        keep = str(current.data(ExcerptIdRole)) if current is not None else None
        self.list.clear()
        cites = list(getattr(block, "cites", [])) if block is not None else []
        by_id = excerpts(self._model.briefing)
        for excerpt_id in cites:
            excerpt = by_id.get(excerpt_id)
            self.list.addItem(excerpt_item(self._model, excerpt) if excerpt else self._gone_item(excerpt_id))
        rows = max(1, min(len(cites), VISIBLE_ROWS))
        self.list.setFixedHeight(
            rows * (self.list.sizeHintForRow(0) if cites else 20) + 2 * self.list.frameWidth()
        )
        self.list.setVisible(bool(cites))
        unsourced = block is not None and evidence.cites_no_source(block, by_id)
        self.badge.setVisible(unsourced)
        self.empty.setVisible(not cites or unsourced)
        self.empty.setText(unsourced_text(1, False) if unsourced else "No citations")
        hint = f"{unsourced_text(1, False)}: {CITE_HINT}." if unsourced else f"To cite evidence, {CITE_HINT}."
        self.empty.setToolTip(hint)
        self.empty.setAccessibleDescription(hint)
        self.remove_button.setVisible(bool(cites))
        if cites:
            self.list.setCurrentRow(cites.index(keep) if keep in cites else 0)
        self._update_buttons()

    def _gone_item(self, excerpt_id: str) -> QListWidgetItem:
        item = QListWidgetItem(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            f"Excerpt {excerpt_id} is no longer in the briefing",
        )
        item.setData(ExcerptIdRole, excerpt_id)
        item.setToolTip("The cited excerpt was deleted: this citation names no source. Remove it.")
        return item

    def _block(self) -> Block | None:
        if self._block_id is None:
            return None
        try:
            block = get_block(self._model.briefing, self._block_id)
        except BriefingError:
            return None
        return block if evidence.can_cite(block) else None

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        has_block = self._block() is not None
        self.cite_button.setEnabled(has_block)
        self.remove_button.setEnabled(has_block and self.list.currentItem() is not None)

    @Slot(str)
    def _on_block_changed(self, block_id: str) -> None:
        if block_id == self._block_id:
            self.refresh()

    @Slot()
    def _cite_clicked(self) -> None:
        if self._block_id is not None and self._block() is not None:
            self.cite_requested.emit(self._block_id)

    @Slot()
    def remove_current(self) -> bool:
        """Stop citing the selected excerpt: one undo step."""
        item = self.list.currentItem()
        if item is None or self._block_id is None:
            return False
        try:
            edit = evidence.uncite_edit(self._model.briefing, self._block_id, str(item.data(ExcerptIdRole)))
        except BriefingError as exc:
            self._model.refused.emit(str(exc))
            return False
        return self._model.do(edit, "Remove citation")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and (event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace)
        ):
            self.remove_current()
            return True
        return super().eventFilter(watched, event)
