"""The actions that change the outline: add, delete, move, rename, cut, copy, paste, add excerpts.

Everything they change goes through the model as undo commands.  Keys that text
fields need too (Delete, Ctrl+C...) only act while the outline has the focus.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QWidget

from briefer.core.briefing import edits
from briefer.core.briefing.model import (
    BriefingError,
    Excerpt,
    Section,
    key_judgments_section,
    new_id,
    section_path,
    walk_sections,
)
from briefer.gui import mime
from briefer.gui.briefing.model import BriefingModel, Node, new_block
from briefer.gui.briefing.outline_view import OutlineView
from briefer.gui.dialogs import SectionChooser


class OutlineActions(QObject):
    """Add, delete, move, rename, cut, copy and paste, acting on the outline's selection."""

    message = Signal(str)  # a one-line outcome for the status bar
    block_added = Signal(str)  # a new empty block, selected: its text is to be typed next

    def __init__(self, model: BriefingModel, outline: OutlineView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.outline = outline
        self.last_section: str | None = None  # where excerpts went last (Ctrl+E offers it)
        self._build()
        outline.selectionModel().currentChanged.connect(self._on_current_changed)
        outline.selectionModel().selectionChanged.connect(self.update_enabled)
        model.modelReset.connect(self.update_enabled)
        self.update_enabled()

    def _action(
        self, text: str, shortcut: QKeySequence | str | None = None, *, outline: bool = False
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if outline:  # keys that text fields need too only act while the outline has the focus
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.outline.addAction(action)
        return action

    def _build(self) -> None:
        self.add_section_action = self._action("Add &Section")
        self.add_paragraph_action = self._action("Add &Paragraph", "Ctrl+Shift+P")
        self.add_judgment_action = self._action("Add &Key Judgment", "Ctrl+Shift+K")
        self.add_bullets_action = self._action("Add &Bullet List")
        self.cut_action = self._action("Cu&t", QKeySequence(QKeySequence.StandardKey.Cut), outline=True)
        self.copy_action = self._action("&Copy", QKeySequence(QKeySequence.StandardKey.Copy), outline=True)
        self.paste_action = self._action("&Paste", QKeySequence(QKeySequence.StandardKey.Paste), outline=True)
        self.delete_action = self._action(
            "&Delete", QKeySequence(QKeySequence.StandardKey.Delete), outline=True
        )
        self.move_up_action = self._action("Move &Up", "Alt+Shift+Up", outline=True)
        self.move_down_action = self._action("Move Do&wn", "Alt+Shift+Down", outline=True)
        self.rename_action = self._action("&Rename Section", "F2", outline=True)
        for action, tip in (
            (self.cut_action, "Cut the selected blocks or sections"),
            (self.copy_action, "Copy the selected blocks or sections"),
            (self.paste_action, "Paste blocks or sections after the current item"),
            (self.delete_action, "Delete the selected blocks or sections"),
        ):
            action.setStatusTip(tip)
        self.add_section_action.triggered.connect(self.add_section)
        self.add_paragraph_action.triggered.connect(self.add_paragraph)
        self.add_judgment_action.triggered.connect(self.add_judgment)
        self.add_bullets_action.triggered.connect(self.add_bullets)
        self.cut_action.triggered.connect(self.cut)
        self.copy_action.triggered.connect(self.copy)
        self.paste_action.triggered.connect(self.paste)
        self.delete_action.triggered.connect(self.delete_selected)
        self.move_up_action.triggered.connect(self.move_up)
        self.move_down_action.triggered.connect(self.move_down)
        self.rename_action.triggered.connect(self.rename_current)

    @property
    def edit_actions(self) -> list[QAction]:
        return [self.cut_action, self.copy_action, self.paste_action, self.delete_action]

    @property
    def add_actions(self) -> list[QAction]:
        return [
            self.add_section_action,
            self.add_paragraph_action,
            self.add_judgment_action,
            self.add_bullets_action,
        ]

    @Slot()
    def update_enabled(self, *_: object) -> None:
        """Enable what the selection allows."""
        has = bool(self.outline.selected_nodes())
        for action in (self.cut_action, self.copy_action, self.delete_action):
            action.setEnabled(has)
        current = self.outline.current_node()
        self.move_up_action.setEnabled(current is not None)
        self.move_down_action.setEnabled(current is not None)
        self.rename_action.setEnabled(isinstance(current, Section))

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        node = self.model.node(current)
        if isinstance(node, Section):
            self.last_section = node.id
        self.update_enabled()

    # -- adding -------------------------------------------------------------------------
    def _insertion_point(self) -> tuple[Section | None, int]:
        """Where new blocks go: after the current block, else at the end of the current section's blocks."""
        node = self.outline.current_node()
        if node is None:
            return (self.model.briefing.sections[0] if self.model.briefing.sections else None), -1
        if isinstance(node, Section):
            return node, -1
        section = self.model.parent_section(node.id)
        return section, self.outline.currentIndex().row() + 1

    def _judgment_point(self) -> tuple[Section | None, int]:
        """Where a new key judgment goes: under Key Judgments, after the block selected there, else at
        the section's end (a briefing without that section: where other blocks go)."""
        home = key_judgments_section(self.model.briefing)
        if home is None:
            return self._insertion_point()
        node = self.outline.current_node()
        if node is not None and not isinstance(node, Section) and self.model.parent_section(node.id) is home:
            return home, self.model.index_of(node.id).row() + 1
        return home, -1

    def _add_block(self, kind: str, where: tuple[Section | None, int] | None = None) -> None:
        section, row = where or self._insertion_point()
        if section is None:
            self.message.emit("Add a section first")
            return
        block = new_block(kind)
        if self.model.insert_nodes([block], section, row, f"Add {kind.replace('_', ' ')}"):
            self.outline.select(block.id)
            self.block_added.emit(block.id)

    @Slot()
    def add_paragraph(self) -> None:
        self._add_block("paragraph")

    @Slot()
    def add_judgment(self) -> None:
        self._add_block("key_judgment", self._judgment_point())

    @Slot()
    def add_bullets(self) -> None:
        self._add_block("bullet_list")

    @Slot()
    def add_section(self) -> None:
        """A new section after the current top-level one (or inside the current actor list)."""
        node = self.outline.current_node()
        owner = self.model.parent_section(node.id) if node is not None else None
        anchor = node
        while anchor is not None and not isinstance(anchor, Section):
            anchor = self.model.parent_section(anchor.id)
        if anchor is not None:
            owner = self.model.parent_section(anchor.id)
        row = self.model.index_of(anchor.id).row() + 1 if anchor is not None else -1
        section = Section("New section", id=_free_section_id(self.model))
        if self.model.insert_nodes([section], owner, row, "Add section"):
            self.outline.select(section.id)
            self.rename_current()

    @Slot()
    def rename_current(self) -> None:
        index = self.outline.currentIndex()
        if isinstance(self.model.node(index), Section):
            self.outline.edit(index)

    def add_excerpts(self, excerpts: Sequence[Excerpt], section_id: str) -> bool:
        """Append excerpts to a section as one undo step, and select the first."""
        section = self.model.node_by_id(section_id)
        if not isinstance(section, Section) or not excerpts:
            return False
        if not self.model.insert_nodes(list(excerpts), section, -1, "Add excerpt"):
            return False
        self.last_section = section_id
        added = section.blocks[-len(excerpts)] if len(section.blocks) >= len(excerpts) else None
        if added is not None:
            self.outline.select(added.id)
        self.message.emit(f"Added to \u201c{section.title}\u201d")
        return True

    def section_choices(self) -> list[tuple[str, str]]:
        briefing = self.model.briefing
        return [(s.id, section_path(briefing, s.id)) for _, s in walk_sections(briefing)]

    def choose_section(self, parent: QWidget | None) -> str | None:
        """Ask which section (the current one, else the last used, preselected)."""
        current = self.outline.current_section()
        default = current.id if current is not None else self.last_section
        choices = self.section_choices()
        if not choices:
            self.message.emit("The briefing has no section to add to")
            return None
        return SectionChooser.ask(parent, choices, default)

    # -- removing, moving, the clipboard ---------------------------------------------------------
    @Slot()
    def delete_selected(self) -> None:
        self._delete(self.outline.selected_nodes(), "Delete")

    def _delete(self, nodes: Sequence[Node], text: str) -> None:
        if not nodes:
            return
        stack = self.model.undo_stack
        stack.beginMacro(text)
        for node in nodes:
            edit = edits.RemoveSection(node.id) if isinstance(node, Section) else edits.RemoveBlock(node.id)
            self.model.do(edit)
        stack.endMacro()

    def _move(self, delta: int) -> None:
        node = self.outline.current_node()
        if node is None:
            return
        index = self.outline.currentIndex()
        owner = self.model.parent_section(node.id)
        row = index.row() - 1 if delta < 0 else index.row() + 2
        if row < 0:
            return
        self.model.move_nodes([node.id], owner, row)
        self.outline.select(node.id)

    @Slot()
    def move_up(self) -> None:
        self._move(-1)

    @Slot()
    def move_down(self) -> None:
        self._move(+1)

    @Slot()
    def copy(self) -> None:
        nodes = self.outline.selected_nodes()
        if nodes:
            QGuiApplication.clipboard().setMimeData(mime.nodes_to_mime(self.model.briefing.id, nodes))

    @Slot()
    def cut(self) -> None:
        nodes = self.outline.selected_nodes()
        if nodes:
            self.copy()
            self._delete(nodes, "Cut")

    @Slot()
    def paste(self) -> None:
        self.paste_mime(QGuiApplication.clipboard().mimeData())

    def paste_mime(self, data: object) -> bool:
        """Insert what `data` holds (briefing items or excerpts) after the current item, as copies."""
        if not isinstance(data, QMimeData) or not mime.has_briefing_material(data):
            self.message.emit("Nothing to paste: copy blocks, sections or a reader selection first")
            return False
        try:
            if data.hasFormat(mime.EXCERPTS):
                nodes: list[Node] = list(mime.excerpts_from_mime(data))
            else:
                nodes = list(mime.nodes_from_mime(data).nodes)
        except BriefingError as exc:
            self.message.emit(str(exc))
            return False
        node = self.outline.current_node()
        if isinstance(node, Section) and all(isinstance(n, Section) for n in nodes):
            target, row = self.model.parent_section(node.id), self.outline.currentIndex().row() + 1
        elif isinstance(node, Section):
            target, row = node, -1
        elif node is not None:
            target, row = self.model.parent_section(node.id), self.outline.currentIndex().row() + 1
        else:
            target, row = None, -1
        if target is None and any(not isinstance(n, Section) for n in nodes):
            self.message.emit("Select a section to paste into")
            return False
        return self.model.insert_nodes(nodes, target, row, "Paste")


def _free_section_id(model: BriefingModel) -> str:
    taken = {s.id for _, s in walk_sections(model.briefing)}
    candidate = "section-" + new_id()[:6]
    while candidate in taken:
        candidate = "section-" + new_id()[:6]
    return candidate
