"""Cite Evidence…: choose the excerpts a key judgment, paragraph, bullet list or matrix cell cites.

The picker lists the briefing's excerpts with their sources and verification state, the
ones the block cites already checked.  Typing filters the list; Down moves into it; Space
(or Ctrl+click, a double-click, a click on the box) checks or unchecks an excerpt; Enter
cites the checked ones (or, when nothing was checked or unchecked, the highlighted one too);
Escape cancels.  What it chose is applied as ONE SetCites: one undo step, and Cancel changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import evidence
from briefer.core.briefing.model import (
    Block,
    BriefingError,
    Excerpt,
    MatrixCell,
    Section,
    excerpts,
    get_block,
    walk_blocks,
)
from briefer.core.textnorm import strip_bidi
from briefer.gui.briefing.model import (
    KIND_LABELS,
    BriefingModel,
    block_summary,
    check_text,
    clip,
    status_icon,
)
from briefer.gui.briefing.outline_view import OutlineView
from briefer.gui.dialogs import ok_cancel_buttons
from briefer.gui.formatting import SEPARATOR, format_date, plain_tooltip

CITE_SHORTCUT = "Ctrl+Shift+C"
ExcerptIdRole = Qt.ItemDataRole.UserRole + 1


def source_line(excerpt: Excerpt) -> str:
    """Outlet · date · “title”: the source of an excerpt in one line (bidi controls removed; the
    title last, where a narrow list cuts it)."""
    c = excerpt.citation
    title = f"\u201c{strip_bidi(c.title)}\u201d" if c.title.strip() else ""
    parts = [strip_bidi(c.outlet) or "[outlet unknown]", format_date(c.published), title]
    page = f", p. {excerpt.page}" if excerpt.page else ""
    return SEPARATOR.join(p for p in parts if p) + page


def excerpt_item(model: BriefingModel, excerpt: Excerpt, where: str = "") -> QListWidgetItem:
    """A list row for an excerpt: its verification icon, the quote, its source (and section)."""
    check = model.check_of(excerpt)
    quote = f"\u201c{clip(strip_bidi(excerpt.quote), 80)}\u201d"
    source = source_line(excerpt) + (f" \u2014 in {where}" if where else "")
    item = QListWidgetItem(
        status_icon(check.status if check is not None else "unchecked"), f"{quote}\n{source}"
    )
    item.setData(ExcerptIdRole, excerpt.id)
    item.setToolTip(plain_tooltip(f"{excerpt.quote}\n\n{source}\n\n{check_text(check)}"))
    item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{quote}, {source}. {check_text(check)}")
    return item


def describe_block(block: Block) -> str:
    """ "Key judgment: We assess …" (what the picker and its window title name)."""
    return f"{KIND_LABELS[block.kind]}: {block_summary(block)}"


class CitePicker(QDialog):
    """The briefing's excerpts, filterable and checkable; `chosen()` is what the block will cite."""

    def __init__(
        self,
        model: BriefingModel,
        target: str,
        cites: Sequence[str],
        parent: QWidget | None = None,
        block_id: str | None = None,
    ) -> None:
        """`target` names what cites (shown on top), `cites` is what it cites now; `block_id` is
        the block, when there is one already (a cell being written in its editor has none)."""
        super().__init__(parent)
        self.setObjectName("citePicker")
        self.setWindowTitle("Cite Evidence")
        self.setAccessibleName("Cite evidence")
        self.block_id = block_id
        self._original: list[str] = list(cites)
        self._toggled = False

        self.target = QLabel(target)
        self.target.setObjectName("citeTarget")
        self.target.setTextFormat(Qt.TextFormat.PlainText)
        self.target.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("citeFilter")
        self.filter.setAccessibleName("Filter excerpts")
        self.filter.setPlaceholderText("Filter: words of the quote, its source or its section")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("citeList")
        self.list.setAccessibleName("Excerpts of this briefing")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.hint = QLabel()
        self.hint.setObjectName("citeHint")
        self.hint.setWordWrap(True)
        self.buttons = ok_cancel_buttons(self)
        self.cite_button = self.buttons.button(self.buttons.StandardButton.Ok)
        self.cite_button.setText("Cite")
        self.cite_button.setAccessibleName("Cite")
        self.cite_button.setDefault(True)  # Enter, from the filter or the list, cites

        layout = QVBoxLayout(self)
        layout.addWidget(self.target)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.resize(720, 460)

        self._fill(model)
        self.filter.textChanged.connect(self._apply_filter)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemDoubleClicked.connect(self._toggle)
        self.filter.installEventFilter(self)
        self.list.installEventFilter(self)
        self.list.viewport().installEventFilter(self)
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def for_block(cls, model: BriefingModel, block_id: str, parent: QWidget | None = None) -> CitePicker:
        """The picker for a block of the briefing (raises BriefingError when it is not there)."""
        block = get_block(model.briefing, block_id)
        return cls(model, describe_block(block), getattr(block, "cites", []), parent, block_id)

    def _fill(self, model: BriefingModel) -> None:
        briefing = model.briefing
        for section, candidate in walk_blocks(briefing):
            if isinstance(candidate, Excerpt):
                item = excerpt_item(model, candidate, section.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = candidate.id in self._original
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._update_hint()

    # -- what was chosen ----------------------------------------------------------------
    def checked_ids(self) -> list[str]:
        return [
            str(item.data(ExcerptIdRole))
            for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def chosen(self) -> list[str]:
        """What the block cites once accepted: what it cited and is still checked (and citations
        of excerpts no longer in the briefing, which the picker does not list), then the newly
        checked excerpts in list order."""
        listed = {str(item.data(ExcerptIdRole)) for item in self._items()}
        checked = self.checked_ids()
        kept = [c for c in self._original if c in checked or c not in listed]
        return kept + [c for c in checked if c not in kept]

    def accept(self) -> None:
        current = self.list.currentItem()
        if not self._toggled and current is not None and not current.isHidden():
            current.setCheckState(Qt.CheckState.Checked)  # Enter on a highlighted excerpt cites it
        super().accept()

    def _items(self) -> list[QListWidgetItem]:
        return [item for row in range(self.list.count()) if (item := self.list.item(row)) is not None]

    # -- filtering and checking --------------------------------------------------------
    @Slot(str)
    def _apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        for item in self._items():
            haystack = f"{item.text()} {item.toolTip()}".casefold()
            item.setHidden(not all(word in haystack for word in words))
        current = self.list.currentItem()
        if current is None or current.isHidden():
            visible = next((item for item in self._items() if not item.isHidden()), None)
            if visible is not None:
                self.list.setCurrentItem(visible)
        self._update_hint()

    @Slot(QListWidgetItem)
    def _toggle(self, item: QListWidgetItem | None) -> None:
        if item is None or item.isHidden():
            return
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    @Slot(QListWidgetItem)
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self._toggled = True
        self._update_hint()

    def _update_hint(self) -> None:
        total = self.list.count()
        if not total:
            self.hint.setText(
                "This briefing has no excerpts yet: drag a passage from the reader onto a section "
                "(or press Ctrl+E), then cite it here."
            )
            self.cite_button.setEnabled(False)
            return
        shown = sum(1 for item in self._items() if not item.isHidden())
        count = len(self.checked_ids())
        filtered = f"{shown} of {total} excerpts shown" if shown != total else f"{total} excerpts"
        self.hint.setText(
            f"{filtered}, {count} checked. Space checks the highlighted excerpt; Enter cites the checked "
            "ones (or the highlighted one); Escape cancels."
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.filter:
                return self._filter_key(event)
            if watched is self.list:
                return self._list_key(event)
        if (
            watched is self.list.viewport()
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._toggle(self.list.itemAt(event.position().toPoint()))  # Ctrl+click checks, as in lists
            return True
        return super().eventFilter(watched, event)

    def _filter_key(self, event: QKeyEvent) -> bool:
        """Up/Down (and page keys) leave the filter for the list."""
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            if event.key() == Qt.Key.Key_Down and self.list.currentItem() is not None:
                return True  # the first Down only enters the list, on its highlighted row
            self.list.keyPressEvent(event)
            return True
        return False

    def _list_key(self, event: QKeyEvent) -> bool:
        """Space checks; typing goes on filtering; Up on the first row returns to the filter."""
        if event.key() == Qt.Key.Key_Space:
            self._toggle(self.list.currentItem())
            return True
        if event.key() == Qt.Key.Key_Up and self._first_visible_is_current():
            self.filter.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if event.key() == Qt.Key.Key_Backspace or _typed(event):
            self.filter.setFocus(Qt.FocusReason.OtherFocusReason)
            self.filter.event(event)
            return True
        return False

    def _first_visible_is_current(self) -> bool:
        first = next((item for item in self._items() if not item.isHidden()), None)
        return first is None or first is self.list.currentItem()


def _typed(event: QKeyEvent) -> bool:
    """A key that types a character (no Ctrl, Alt or Meta held)."""
    held = (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.MetaModifier
    )
    return bool(event.text()) and event.text().isprintable() and not event.modifiers() & held


class CiteEvidence(QObject):
    """Briefing → Cite Evidence… for the selected judgment, paragraph or list, or the matrix's
    current cell; the picker it opens; and applying its choice as one undo step."""

    message = Signal(str)

    def __init__(
        self,
        model: BriefingModel,
        outline: OutlineView,
        current_cell: Callable[[], MatrixCell | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.outline = outline
        self._current_cell = current_cell
        self.picker: CitePicker | None = None
        self.cite_action = QAction("Cite &Evidence\u2026", self)
        self.cite_action.setShortcut(QKeySequence(CITE_SHORTCUT))
        self.cite_action.setStatusTip(
            "Choose the excerpts the selected key judgment, paragraph or matrix cell rests on"
        )
        self.cite_action.triggered.connect(self.cite)
        outline.selectionModel().currentChanged.connect(self.update_enabled)
        model.modelReset.connect(self.update_enabled)
        model.structure_changed.connect(self.update_enabled)
        self.update_enabled()

    def target(self) -> Block | None:
        """The block Cite Evidence… is for: the outline's current block, else the matrix's current
        cell while the outline's current item is its implications section."""
        node = self.outline.current_node()
        if node is not None and evidence.can_cite(node):
            assert not isinstance(node, Section)
            return node
        if isinstance(node, Section):
            cell = self._current_cell()
            if cell is not None and any(b is cell for b in node.blocks):
                return cell
        return None

    @Slot()
    def update_enabled(self, *_: object) -> None:
        self.cite_action.setEnabled(self.target() is not None)

    @Slot()
    def cite(self) -> CitePicker | None:
        block = self.target()
        if block is None:
            self.message.emit("Select a key judgment, paragraph or matrix cell to cite evidence for it")
            return None
        return self.open_picker(block.id)

    def open_picker(self, block_id: str) -> CitePicker | None:
        """Open the picker for block `block_id` (window-modal; the window goes on updating)."""
        if self.picker is not None:
            self.picker.done(QDialog.DialogCode.Rejected)
        try:
            picker = CitePicker.for_block(self.model, block_id, self.outline.window())
        except BriefingError as exc:  # the block went away meanwhile
            self.message.emit(str(exc))
            return None
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.accepted.connect(lambda: self._apply(picker))
        picker.finished.connect(lambda _: self._forget(picker))
        self.picker = picker
        picker.open()
        return picker

    def _apply(self, picker: CitePicker) -> None:
        chosen = picker.chosen()
        if picker.block_id is not None and self.model.set_cites(picker.block_id, chosen, "Cite evidence"):
            known = excerpts(self.model.briefing)
            count = sum(1 for c in chosen if c in known)
            self.message.emit(f"It now cites {count} excerpt{'' if count == 1 else 's'}")

    def _forget(self, picker: CitePicker) -> None:
        if self.picker is picker:
            self.picker = None
