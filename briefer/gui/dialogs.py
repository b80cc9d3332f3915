"""Small questions the window asks, each behind an `ask` classmethod that tests replace.

No test ever meets one of these modal dialogs: they monkeypatch `ask`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import RemovalPlan
from briefer.core.briefing.model import walk_sections
from briefer.core.briefing.templates import Template, new_briefing

BRIEFING_FILTER = "Briefings (*.briefing);;All files (*)"


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel wired to the dialog's accept and reject, each with an accessible name."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    for button in buttons.buttons():
        button.setAccessibleName(button.text().replace("&", ""))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def problem_label() -> QLabel:
    """The hidden line a dialog shows a refusal in (rich text, selectable, wrapped)."""
    label = QLabel()
    label.setObjectName("dialogError")
    label.setAccessibleName("Problem")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class Choice(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class UnsavedChanges:
    @classmethod
    def ask(cls, parent: QWidget | None, title: str) -> Choice:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            f"\u201c{title}\u201d has changes that are not saved.",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setInformativeText("Save them before going on?")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return Choice.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return Choice.DISCARD
        return Choice.CANCEL


class RecoverChanges:
    @classmethod
    def ask(cls, parent: QWidget | None, description: str) -> bool | None:
        """True: recover it; False: delete the recovery copy; None (Later, Escape): keep it for next time."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Recover unsaved work?",
            f"Briefer did not close properly last time.\n\n{description}\n\nRecover it?",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText("Delete discards the unsaved work; Later keeps it for the next start.")
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        for button in (recover, delete, later):
            button.setAccessibleName(button.text())
        box.setDefaultButton(recover)
        box.setEscapeButton(later)
        box.exec()
        clicked = box.clickedButton()
        return True if clicked is recover else False if clicked is delete else None


class Removal(enum.Enum):
    ALL = "all"
    KEEP_QUOTED = "keep quoted"
    CANCEL = "cancel"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class RemovalWording:
    """What the removal question says and what its buttons say (empty `keep`: no such choice)."""

    question: str
    details: str
    remove_all: str
    keep: str


def removal_wording(plan: RemovalPlan, noun: str = "sample document") -> RemovalWording:
    total, by_open, by_recent = len(plan.documents), len(plan.quoted_by_open), len(plan.quoted_by_recent)
    lines = []
    if by_open:
        lines.append(f"{by_open:,} {'is' if by_open == 1 else 'are'} quoted by the open briefing.")
    if by_recent:
        more = " more" if by_open else ""
        lines.append(f"{by_recent:,}{more} {'is' if by_recent == 1 else 'are'} quoted by recent briefings.")
    if plan.quoted:
        lines.append(
            "A removed source is cited from the briefing's own copy, marked "
            "\u201csource no longer in archive\u201d, and its quotes can no longer be checked."
        )
    else:
        lines.append("None of them is quoted by the open briefing or by a recent briefing.")
    if plan.unreadable:
        names = ", ".join(p.name for p in plan.unreadable)
        lines.append(
            f"Not counted: {_count(len(plan.unreadable), 'briefing')} that cannot be read ({names})."
        )
    keep = f"Keep quoted ones, remove {plan.unquoted:,}" if plan.quoted and plan.unquoted else ""
    return RemovalWording(f"Remove {_count(total, noun)}?", "\n".join(lines), f"Remove all {total:,}", keep)


class RemoveDocuments:
    @classmethod
    def ask(cls, parent: QWidget | None, plan: RemovalPlan) -> Removal:
        wording = removal_wording(plan)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Remove documents",
            wording.question,
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText(wording.details)
        remove_all = box.addButton(wording.remove_all, QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(wording.keep, QMessageBox.ButtonRole.AcceptRole) if wording.keep else None
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        for button in box.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        box.setDefaultButton(keep or cancel)  # the safe answer
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is remove_all:
            return Removal.ALL
        return Removal.KEEP_QUOTED if keep is not None and clicked is keep else Removal.CANCEL


class BriefingFiles:
    @classmethod
    def ask_open(cls, parent: QWidget | None, folder: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, "Open briefing", str(folder), BRIEFING_FILTER)
        return Path(name) if name else None

    @classmethod
    def ask_save(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save briefing as", str(suggested), BRIEFING_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".briefing")


class _ListChooser(QDialog):
    """A list to pick one entry from: Enter or double-click chooses."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, accessible: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.label = QLabel(prompt)
        self.label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(accessible)
        self.list.itemDoubleClicked.connect(self.accept)
        buttons = ok_cancel_buttons(self)
        self._layout = layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(460, 360)

    def add(self, text: str, value: object, tooltip: str = "") -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setToolTip(tooltip)
        self.list.addItem(item)

    def fit_to_entries(self) -> None:
        """Wide enough for the longest entry (up to most of the screen) and tall enough for all of
        them (up to half of it): no horizontal scroll bar; an entry wider than the screen allows
        is elided in the middle, keeping its end (a section's own title), and whole in its tooltip."""
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        metrics = self.list.fontMetrics()
        rows = [self.list.item(row) for row in range(self.list.count())]
        widest = max((metrics.horizontalAdvance(item.text()) for item in rows), default=0)
        frame = 2 * self.list.frameWidth() + self.list.verticalScrollBar().sizeHint().width()
        margins = self._layout.contentsMargins()
        padding = 4 * metrics.averageCharWidth()  # the item's own margins, with room to spare
        screen = (self.parentWidget() or self).screen().availableGeometry()
        width = min(widest + frame + padding + margins.left() + margins.right(), int(screen.width() * 0.9))
        row_height = self.list.sizeHintForRow(0) if rows else metrics.height()
        list_height = min(row_height * len(rows) + 2 * self.list.frameWidth() + 4, screen.height() // 2)
        self.list.setMinimumHeight(list_height)
        self.resize(max(width, 360), self.sizeHint().height())
        too_wide = width - frame - padding - margins.left() - margins.right()
        for item in rows:
            if metrics.horizontalAdvance(item.text()) > too_wide and not item.toolTip():
                item.setToolTip(item.text())

    def chosen(self) -> object:
        if self.exec() != QDialog.DialogCode.Accepted or self.list.currentItem() is None:
            return None
        return self.list.currentItem().data(Qt.ItemDataRole.UserRole)


MATRIX_ENTRY = "Implications matrix, by domain:"


class TemplateChooserDialog(QDialog):
    """The templates by name; the selected one's description and outline beside the list."""

    def __init__(self, parent: QWidget | None, templates: list[Template]) -> None:
        super().__init__(parent)
        self.setWindowTitle("New briefing")
        self.templates = templates
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        for template in templates:
            self.list.addItem(QListWidgetItem(template.name))
        self.list.setMaximumWidth(
            max((self.list.fontMetrics().horizontalAdvance(t.name) for t in templates), default=120)
            + 6 * self.list.fontMetrics().averageCharWidth()
        )
        self.description = QLabel()
        self.description.setObjectName("templateDescription")
        self.description.setAccessibleName("Template description")
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.outline = QTreeWidget()
        self.outline.setObjectName("templateOutline")
        self.outline.setAccessibleName("Template outline")
        self.outline.setHeaderHidden(True)
        self.outline.setRootIsDecorated(False)
        self.outline.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.outline.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a preview: the keys stay on the list
        self.outline.setIndentation(16)

        details = QVBoxLayout()
        details.addWidget(self.description)
        outline_label = QLabel("Sections:")
        details.addWidget(outline_label)
        details.addWidget(self.outline, 1)
        row = QHBoxLayout()
        row.addWidget(self.list)
        row.addLayout(details, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Start the briefing from a template:"))
        layout.addLayout(row, 1)
        layout.addWidget(ok_cancel_buttons(self))
        self.list.currentRowChanged.connect(self._show_template)
        self.list.itemDoubleClicked.connect(self.accept)
        self.list.setCurrentRow(0)
        self.resize(680, 460)

    def current(self) -> Template | None:
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def _show_template(self, row: int) -> None:
        template = self.current()
        self.outline.clear()
        if template is None:
            self.description.clear()
            return
        self.description.setText(template.description or "(no description)")
        parents: dict[int, QTreeWidgetItem] = {}
        for depth, section in walk_sections(new_briefing(template)):
            owner = parents.get(depth - 1)
            item = QTreeWidgetItem([section.title])
            if owner is None:
                self.outline.addTopLevelItem(item)
            else:
                owner.addChild(item)
            if section.domains:  # the implications matrix, with its columns
                matrix = QTreeWidgetItem([MATRIX_ENTRY])
                columns = [QTreeWidgetItem([domain.title]) for domain in section.domains]
                matrix.addChildren(columns)
                for entry in (matrix, *columns):
                    font = entry.font(0)
                    font.setItalic(True)
                    entry.setFont(0, font)
                item.addChild(matrix)
            parents[depth] = item
        self.outline.expandAll()


class TemplateChooser:
    @classmethod
    def ask(cls, parent: QWidget | None, templates: list[Template]) -> Template | None:
        dialog = TemplateChooserDialog(parent, templates)
        return dialog.current() if dialog.exec() == QDialog.DialogCode.Accepted else None


class SectionChooser:
    @classmethod
    def dialog(
        cls, parent: QWidget | None, sections: list[tuple[str, str]], current: str | None
    ) -> _ListChooser:
        """The chooser of a section from (id, path) pairs, `current` preselected, sized to fit them."""
        dialog = _ListChooser(parent, "Add to section", "Add the excerpt to which section?", "Sections")
        for section_id, path in sections:
            dialog.add(path, section_id)
            if section_id == current:
                dialog.list.setCurrentRow(dialog.list.count() - 1)
        if dialog.list.currentRow() < 0:
            dialog.list.setCurrentRow(0)
        dialog.fit_to_entries()
        return dialog

    @classmethod
    def ask(cls, parent: QWidget | None, sections: list[tuple[str, str]], current: str | None) -> str | None:
        """Pick a section from (id, path) pairs; `current` is preselected."""
        chosen = cls.dialog(parent, sections, current).chosen()
        return chosen if isinstance(chosen, str) else None


# -- the open briefing's file changed on disk (see file_changes) ---------------------------------
class DiskChoice(enum.Enum):
    MERGE = "merge"
    RELOAD = "reload"
    LATER = "later"


class ChangedOnDisk:
    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> DiskChoice:
        """Another program saved the file while this window has unsaved changes."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Briefing changed on disk",
            f"\u201c{name}\u201d was changed by another program, and you have changes that are not saved.",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText(
            "Merge brings its changes into yours (you are asked about anything both of you changed). "
            "Reload shows the file as it is now (Undo brings your changes back). "
            "Later leaves both as they are until you save."
        )
        merge = box.addButton("Merge", QMessageBox.ButtonRole.AcceptRole)
        reload = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        for button in (merge, reload, later):
            button.setAccessibleName(button.text())
        box.setDefaultButton(merge)
        box.setEscapeButton(later)
        box.exec()
        clicked = box.clickedButton()
        return (
            DiskChoice.MERGE
            if clicked is merge
            else DiskChoice.RELOAD
            if clicked is reload
            else DiskChoice.LATER
        )


class ConflictChoice(enum.Enum):
    MINE = "mine"
    THEIRS = "theirs"
    COPY = "copy"
    CANCEL = "cancel"


class MergeConflicts:
    @classmethod
    def ask(cls, parent: QWidget | None, name: str, conflicts: list[str]) -> ConflictChoice:
        """Both this window and another program changed the same parts of the briefing."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Changed in both places",
            f"\u201c{name}\u201d was changed by another program, and {len(conflicts)} of the same "
            f"part{'s were' if len(conflicts) != 1 else ' was'} changed here too.",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText(
            "Everything else is merged. For these, keep your version or the file's, or save yours "
            "as a copy and leave the file as it is."
        )
        box.setDetailedText("\n".join(conflicts))
        mine = box.addButton("Keep Mine", QMessageBox.ButtonRole.AcceptRole)
        theirs = box.addButton("Keep the File's", QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton("Save as a Copy\u2026", QMessageBox.ButtonRole.ActionRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        for button in box.buttons():
            button.setAccessibleName(button.text().replace("&", "").replace("\u2026", ""))
        box.setDefaultButton(mine)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is mine:
            return ConflictChoice.MINE
        if clicked is theirs:
            return ConflictChoice.THEIRS
        return ConflictChoice.COPY if clicked is copy else ConflictChoice.CANCEL


class OverwriteChoice(enum.Enum):
    COPY = "copy"
    OVERWRITE = "overwrite"
    CANCEL = "cancel"


class UnmergeableChange:
    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> OverwriteChoice:
        """The file changed since this work began, and the version it began from is not known."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Briefing changed on disk",
            f"\u201c{name}\u201d was changed by another program after this work was last saved, "
            "and the two cannot be merged (the work was recovered after a crash).",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText(
            "Save as a Copy keeps both. Overwrite replaces the file with this briefing: "
            "the other program's changes are lost (the file keeps them in its .bak until the next save)."
        )
        copy = box.addButton("Save as a Copy\u2026", QMessageBox.ButtonRole.AcceptRole)
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        for button in box.buttons():
            button.setAccessibleName(button.text().replace("&", "").replace("\u2026", ""))
        box.setDefaultButton(copy)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is copy:
            return OverwriteChoice.COPY
        return OverwriteChoice.OVERWRITE if clicked is overwrite else OverwriteChoice.CANCEL
