"""*Document → Tag…*: tick the archive's tags for the selected documents, or add a new one.

Each of the archive's tags is listed with how many documents have it, ticked
when every document being tagged has it, half-ticked when only some do (a
half-ticked tag left as it is changes nothing).  The dialog only says what
should change (`TagPlan`); the window applies it off the GUI thread, and
Cancel changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core.documents import Document
from briefer.gui.dialogs import ok_cancel_buttons, problem_label
from briefer.gui.formatting import display_title, plural, tag_colour

TagRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class TagPlan:
    """What applying the dialog does: the tags to add to and remove from each document."""

    add: dict[str, tuple[str, ...]]  # document id -> tags it gains
    remove: dict[str, tuple[str, ...]]  # document id -> tags it loses

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def plan_tags(documents: Sequence[Document], ticked: Mapping[str, Qt.CheckState]) -> TagPlan:
    """The changes that give every document the `Checked` tags and none of the `Unchecked` ones;
    a `PartiallyChecked` tag stays as it is on each document."""
    add: dict[str, tuple[str, ...]] = {}
    remove: dict[str, tuple[str, ...]] = {}
    for doc in documents:
        has = {tag.casefold() for tag in doc.tags}
        gains = [t for t, s in ticked.items() if s == Qt.CheckState.Checked and t.casefold() not in has]
        loses = [t for t in doc.tags if ticked.get(t) == Qt.CheckState.Unchecked]
        if gains:
            add[doc.id] = tuple(gains)
        if loses:
            remove[doc.id] = tuple(loses)
    return TagPlan(add, remove)


class TagDialog(QDialog):
    """The tags of `documents`, to tick and untick; `plan()` says what OK asks for."""

    def __init__(
        self, documents: Sequence[Document], archive_tags: Mapping[str, int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.documents = list(documents)
        what = (
            f"\u201c{display_title(documents[0])}\u201d"
            if len(documents) == 1
            else plural(len(documents), "selected document")
        )
        self.setWindowTitle("Tag Documents")
        self.setAccessibleName("Tag documents")
        heading = QLabel(f"Tags of {what}:")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)

        self.list = QListWidget()
        self.list.setAccessibleName("Tags")
        self.list.setToolTip("Ticked: every document has the tag; half-ticked: some have it")
        self.placeholder = QLabel("The archive has no tags yet: type one below.")
        self.placeholder.setObjectName("dialogHint")
        for tag, count in sorted(archive_tags.items(), key=lambda item: item[0].casefold()):
            self._add_item(tag, count)
        for tag in sorted({t for d in self.documents for t in d.tags} - set(archive_tags)):
            self._add_item(tag, 0)  # tagged meanwhile (another Briefer): still shown, still removable
        self.placeholder.setVisible(self.list.count() == 0)
        self.mixed_hint = QLabel(
            "A half-ticked tag is on some of the documents only; it stays so unless you tick or untick it."
        )
        self.mixed_hint.setObjectName("dialogHint")
        self.mixed_hint.setWordWrap(True)
        mixed = Qt.CheckState.PartiallyChecked in self.tag_states().values()
        self.mixed_hint.setVisible(mixed)

        self.new_tag = QLineEdit()
        self.new_tag.setPlaceholderText("New tag, e.g. priority")
        self.new_tag.setAccessibleName("New tag")
        self.add_button = QPushButton("&Add Tag")
        self.add_button.setAccessibleName("Add tag")
        self.add_button.setAutoDefault(False)
        self.problem = problem_label()

        row = QHBoxLayout()
        row.addWidget(self.new_tag, 1)
        row.addWidget(self.add_button)
        self.buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.mixed_hint)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(420, 380)

        self.add_button.clicked.connect(self.add_new_tag)
        self.new_tag.textChanged.connect(self.problem.hide)

    def _add_item(self, tag: str, count: int) -> QListWidgetItem:
        having = sum(1 for doc in self.documents if tag in doc.tags)
        item = QListWidgetItem(f"{tag} ({count:,})" if count else tag)
        item.setData(TagRole, tag)
        item.setData(Qt.ItemDataRole.DecorationRole, tag_colour(tag))  # as the results show it
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if 0 < having < len(self.documents):
            flags |= Qt.ItemFlag.ItemIsUserTristate  # back to "as it is" after a click or two
            item.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            item.setCheckState(Qt.CheckState.Checked if having else Qt.CheckState.Unchecked)
        item.setFlags(flags)
        self.list.addItem(item)
        return item

    def tag_states(self) -> dict[str, Qt.CheckState]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return {str(item.data(TagRole)): item.checkState() for item in items}

    def plan(self) -> TagPlan:
        return plan_tags(self.documents, self.tag_states())

    @Slot()
    def add_new_tag(self) -> None:
        """Tick the typed tag: an existing one (in any case) is ticked, a new one is listed ticked."""
        text = " ".join(self.new_tag.text().split())
        if not any(c.isalnum() for c in text):
            self.problem.setText("A tag needs at least one letter or digit.")
            self.problem.show()
            return
        existing = self.list.findItems("*", Qt.MatchFlag.MatchWildcard)
        item = next((i for i in existing if str(i.data(TagRole)).casefold() == text.casefold()), None)
        if item is None:
            item = self._add_item(text, 0)
        item.setCheckState(Qt.CheckState.Checked)
        self.list.setCurrentItem(item)
        self.list.scrollToItem(item)
        self.placeholder.hide()
        self.new_tag.clear()

    def accept(self) -> None:
        """OK, or Enter: a tag typed in the field is added first; Enter in the field only adds it."""
        if self.new_tag.text().strip():
            typing = self.new_tag.hasFocus()
            self.add_new_tag()
            if typing or self.problem.isVisible():
                return
        super().accept()
