"""The outline of the open briefing as a Qt item model: an adapter over the core Briefing.

Rows under a section are its blocks (matrix cells excepted: the matrix grid
shows those), then its subsections.  The model reads the briefing for views;
everything that would change it (an inline rename, a drop, a paste) becomes a
core edit pushed on the undo stack through `do()`.  Only `apply()` mutates: it
applies the edit once in the core, which reports what changed, and hands each
reported change to the views as one insert, remove, move or data change.  Rows
are answered from the model's own copy of the structure (`OutlineTree`), which
follows those reports, so Qt sees the old rows while a change is announced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPen, QPixmap, QUndoStack

from briefer.core.briefing import clipboard, edits, evidence
from briefer.core.briefing.model import (
    Block,
    Briefing,
    BriefingError,
    BulletList,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    excerpts,
    get_block,
    walk_sections,
)
from briefer.core.briefing.summary import is_draft, untouched
from briefer.core.briefing.verify import ExcerptCheck, Verification, excerpt_key
from briefer.gui import mime
from briefer.gui.briefing.commands import EditCommand
from briefer.gui.briefing.outline_tree import Node, OutlineTree, outline_blocks
from briefer.gui.formatting import plain_tooltip
from briefer.gui.icons import block_icon

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
__all__ = ["BriefingModel", "Node", "outline_blocks"]

SUMMARY_CHARS = 90
KIND_LABELS = {
    "paragraph": "Paragraph",
    "excerpt": "Excerpt",
    "key_judgment": "Key judgment",
    "bullet_list": "Bullet list",
    "matrix_cell": "Matrix cell",
}


def _position(items: Sequence[object], item: object) -> int:
    """Where `item` is in `items`, by identity (dataclass == compares contents)."""
    return next(i for i, x in enumerate(items) if x is item)


def clip(text: str, width: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def block_summary(block: Block) -> str:
    if isinstance(block, Excerpt):
        outlet = block.citation.outlet or block.citation.title or block.doc_id
        return f"\u201c{clip(block.quote, 70)}\u201d \u2014 {outlet}"
    if isinstance(block, BulletList):
        return clip(" \u2022 ".join(block.items)) or "(empty list)"
    if isinstance(block, KeyJudgment) and block.likelihood:
        return f"[{block.likelihood}] {clip(block.text)}"
    return clip(block.text) or f"(empty {KIND_LABELS[block.kind].lower()})"


def block_label(block: Block) -> str:
    mark = f"({block.portion}) " if block.portion else ""
    return mark + block_summary(block)


# -- quote verification in the outline ---------------------------------------------------
# Colour and a glyph, so the state does not rest on colour alone; the words are in the tooltip.
STATUS_LOOK = {
    "ok": ("#2e7d32", "\u2713"),  # check mark
    "moved": ("#b26a00", "\u2195"),  # up-down arrow
    "missing": ("#607d8b", "?"),
    "changed": ("#c62828", "!"),
    "mismatch": ("#c62828", "\u2715"),  # multiplication x
    "unchecked": ("#9e9e9e", ""),  # a ring: not checked yet
}
STATUS_TEXT = {
    "ok": "Quote verified against the archive",
    "moved": "Quote moved in its source: the new position is known (Briefing \u2192 Update Moved Quote "
    "Positions)",
    "missing": "Source no longer in the archive: cited from the briefing's snapshot",
    "changed": "Source changed since the quote was captured: the quote no longer matches it",
    "mismatch": "Quote does not match its source",
}
UNCHECKED_TEXT = "Quote not checked against the archive yet"
_icons: dict[str, QIcon] = {}


def status_icon(status: str) -> QIcon:
    """A small coloured disc with a glyph for a verification status (made once, on first use)."""
    icon = _icons.get(status)
    if icon is None:
        colour, glyph = STATUS_LOOK[status]
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if glyph:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(colour)))
        else:
            painter.setPen(QPen(QColor(colour), 3))
        painter.drawEllipse(3, 3, 26, 26)
        font = QFont()
        font.setPixelSize(20)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QPen(QColor("white")))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
        painter.end()
        icon = _icons[status] = QIcon(pixmap)
    return icon


# -- blocks that should cite a source and cite none ------------------------------------------
UNSOURCED_COLOUR = "#e07000"
CITE_HINT = "drop an excerpt on it, or Briefing \u2192 Cite Evidence\u2026 (Ctrl+Shift+C)"


def unsourced_text(count: int, cells: bool) -> str:
    """ "Cites no source", or for a matrix: "2 matrix cells cite no source"."""
    if not cells:
        return "Cites no source"
    return "1 matrix cell cites no source" if count == 1 else f"{count} matrix cells cite no source"


def paint_badge(painter: QPainter, rect: QRect) -> None:
    """The badge of an unsourced judgment or matrix cell, drawn at its size: an orange tag with a
    white question mark (a shape and colour no verification state uses)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(UNSOURCED_COLOUR)))
    radius = rect.height() / 4
    painter.drawRoundedRect(rect, radius, radius)
    font = QFont(painter.font())
    font.setPixelSize(max(8, round(rect.height() * 0.8)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QPen(QColor("white")))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "?")
    painter.restore()


def unsourced_icon() -> QIcon:
    """The badge as an icon (labels, lists)."""
    icon = _icons.get("unsourced")
    if icon is None:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint_badge(painter, QRect(1, 3, 30, 26))
        painter.end()
        icon = _icons["unsourced"] = QIcon(pixmap)
    return icon


def check_text(check: ExcerptCheck | None) -> str:
    """One line saying what verification found (for tooltips, the editor, screen readers)."""
    if check is None:
        return UNCHECKED_TEXT
    return STATUS_TEXT[check.status] + (f" ({check.detail})" if check.detail else "")


class BriefingModel(QAbstractItemModel):
    """Sections and blocks of one Briefing (replaced with `set_briefing`)."""

    NodeIdRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2
    UnsourcedRole = Qt.ItemDataRole.UserRole + 3  # how many judgments/cells the row marks as unsourced

    block_changed = Signal(str)  # a block's content or tags changed (editors refresh)
    section_changed = Signal(str)  # a section's title changed
    structure_changed = Signal()  # blocks or sections were added, removed or moved
    metadata_changed = Signal(str)  # the field
    refused = Signal(str)  # an edit the core refused; nothing changed
    verification_changed = Signal()  # new quote verification results (set_verification)
    cited = Signal(str)  # a one-line outcome of citing evidence by a drop
    reviews_changed = Signal()  # reviewers' comments were imported, answered, or the briefing replaced

    def __init__(self, briefing: Briefing, undo_stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._briefing = briefing
        self._undo_stack = undo_stack
        self._tree = OutlineTree(briefing)
        self._verification: Verification | None = None
        self._editing: dict[str, str] = {}  # section id -> "Min Park is editing" (team briefings)
        self._drops_cite = True  # see drag_carries
        self._unsourced = self._sourcing()  # the badges the views show, to announce only changes

    @property
    def briefing(self) -> Briefing:
        return self._briefing

    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    def set_briefing(self, briefing: Briefing) -> None:
        self.beginResetModel()
        self._briefing = briefing
        self._verification = None  # it was about the other briefing's quotes
        self._editing = {}  # so were the notices of who edits which section
        self._tree.load(briefing)
        self._unsourced = self._sourcing()
        self.endResetModel()
        self.structure_changed.emit()
        self.metadata_changed.emit("")
        self.reviews_changed.emit()

    # -- who else edits which section (a team briefing's leases) -----------------------------
    def editing_notice(self, section_id: str) -> str:
        return self._editing.get(section_id, "")

    def set_editing(self, notices: dict[str, str]) -> None:
        """Show `notices` ("Min Park is editing") beside their sections; a notice, never a lock."""
        changed = set(notices.items()) ^ set(self._editing.items())
        self._editing = dict(notices)
        for section_id in {key for key, _ in changed}:
            index = self.index_of(section_id)
            if index.isValid():
                self.dataChanged.emit(index, index)

    # -- quote verification ---------------------------------------------------------------
    @property
    def verification(self) -> Verification | None:
        return self._verification

    def set_verification(self, verification: Verification | None) -> None:
        """Show new verification results on the excerpts' rows (they are computed elsewhere)."""
        self._verification = verification
        for _, section in walk_sections(self._briefing):
            for block in outline_blocks(section):
                if isinstance(block, Excerpt):
                    index = self.index_of(block.id)
                    self.dataChanged.emit(index, index)
        self.verification_changed.emit()

    def check_of(self, excerpt: Excerpt) -> ExcerptCheck | None:
        """The excerpt's verification, or None when it has not been checked as it is now."""
        check = self._verification.get(excerpt.id) if self._verification is not None else None
        return check if check is not None and check.key == excerpt_key(excerpt) else None

    def unchecked(self) -> list[Excerpt]:
        """Excerpts without a current check (new, pasted, or changed since the last one)."""
        return [
            block
            for _, section in walk_sections(self._briefing)
            for block in section.blocks
            if isinstance(block, Excerpt) and self.check_of(block) is None
        ]

    # -- the tree ------------------------------------------------------------------
    def outline_children(self, section: Section | None) -> list[Node]:
        return self._tree.children(section.id if section is not None else None)

    def node(self, index: Index) -> Node | None:
        """The section or block at `index`; None for the root (the briefing itself)."""
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        return node

    def node_by_id(self, node_id: str) -> Node | None:
        return self._tree.node(node_id)

    def parent_section(self, node_id: str) -> Section | None:
        return self._tree.parent(node_id)

    def index_of(self, node_id: str | None, column: int = 0) -> QModelIndex:
        node = self._tree.node(node_id) if node_id else None
        if node is None:
            return QModelIndex()
        return self.createIndex(self._tree.row(node.id), column, node)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        owner = self.node(parent)
        if owner is not None and not isinstance(owner, Section):
            return QModelIndex()
        return self.createIndex(row, column, self.outline_children(owner)[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        section = self._tree.parent(node.id) if node is not None else None
        if section is None:
            return QModelIndex()
        return self.createIndex(self._tree.row(section.id), 0, section)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.column() > 0:
            return 0
        owner = self.node(parent)
        if owner is not None and not isinstance(owner, Section):
            return 0
        return len(self.outline_children(owner))

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        if isinstance(node, Section):
            notice = self.editing_notice(node.id)
            if role == Qt.ItemDataRole.DisplayRole and notice:
                return f"{node.title}  \u2014 {notice}"
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                return node.title
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole:
                unsourced = self.unsourced(node)
                badge = f"{unsourced_text(unsourced, True)}: select the section to open its matrix"
                return (
                    plain_tooltip("\n\n".join(filter(None, [node.guidance, badge if unsourced else ""])))
                    or None
                )
            if role == Qt.ItemDataRole.AccessibleTextRole:
                unsourced = self.unsourced(node)
                return (
                    f"Section {node.title}"
                    + (f". {unsourced_text(unsourced, True)}" if unsourced else "")
                    + (f". {notice}" if notice else "")
                )
        else:
            if role == Qt.ItemDataRole.DisplayRole:
                return block_label(node)
            if role == Qt.ItemDataRole.ToolTipRole:
                badge = f"\n\n{unsourced_text(1, False)}: {CITE_HINT}" if self.unsourced(node) else ""
                return plain_tooltip(self._tooltip(node) + badge)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return (
                    f"{self._kind_label(node)}: {block_label(node)}"
                    + (f". {check_text(self.check_of(node))}" if isinstance(node, Excerpt) else "")
                    + (f". {unsourced_text(1, False)}" if self.unsourced(node) else "")
                )
            if role == Qt.ItemDataRole.DecorationRole:
                return self._decoration(node)
        if role == self.NodeIdRole:
            return node.id
        if role == self.KindRole:
            return node.kind
        if role == self.UnsourcedRole:
            return self.unsourced(node)
        return None

    def _decoration(self, block: Block) -> QIcon:
        """The block's kind as an icon; an excerpt's carries its verification state as a badge."""
        if isinstance(block, Excerpt):
            check = self.check_of(block)
            status = check.status if check is not None else "unchecked"
            return block_icon(block.kind, status_icon(status), status)
        return block_icon(block.kind)

    def unsourced(self, node: Node) -> int:
        """How many key judgments or matrix cells `node` stands for that cite no source: 1 for
        such a judgment, a section's count of such cells (its matrix), else 0."""
        if isinstance(node, Section):
            if not any(isinstance(b, MatrixCell) for b in node.blocks):
                return 0  # most sections: no need to gather the excerpts
            return len(evidence.unsourced_cells(node, excerpts(self._briefing)))
        if not isinstance(node, KeyJudgment | MatrixCell):
            return 0
        return int(evidence.cites_no_source(node, excerpts(self._briefing)))

    def _tooltip(self, block: Block) -> str:
        if isinstance(block, Excerpt):
            c = block.citation
            page = f", p. {block.page}" if block.page else ""
            return f"{block.quote}\n\n{c.outlet} \u00b7 {c.title}{page}\n\n{check_text(self.check_of(block))}"
        if isinstance(block, BulletList):
            return "\n".join(f"\u2022 {item}" for item in block.items)
        if isinstance(block, Paragraph) and is_draft(block):
            state = "not edited since" if untouched(block) else "edited since: re-drafting keeps it"
            return f"{block.text}\n\nDrafted by Briefer from the citations ({state})"
        return block.text

    @staticmethod
    def _kind_label(block: Block) -> str:
        if isinstance(block, Paragraph) and is_draft(block):
            return "Drafted paragraph"
        return KIND_LABELS[block.kind]

    def flags(self, index: Index) -> Qt.ItemFlag:
        node = self.node(index)
        if node is None:
            return Qt.ItemFlag.ItemIsDropEnabled  # sections may be dropped at the top level
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        if isinstance(node, Section):
            flags |= Qt.ItemFlag.ItemIsDropEnabled | Qt.ItemFlag.ItemIsEditable
        elif self._drops_cite and evidence.can_cite(node):
            flags |= Qt.ItemFlag.ItemIsDropEnabled  # evidence dropped on it is cited
        return flags

    def drag_carries(self, data: QMimeData | None) -> None:
        """What a drag over the outline carries (None: the drag is over).

        A row that can cite takes drops only while the drag carries evidence: Qt then places
        anything else above or below the row by the half it is over, as before citing existed,
        instead of refusing it in the middle of the row.
        """
        self._drops_cite = data is None or self.carries_evidence(data)

    # -- requests: become commands ---------------------------------------------------
    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self.node(index)
        if role != Qt.ItemDataRole.EditRole or not isinstance(node, Section):
            return False
        title = " ".join(str(value).split())
        if not title or title == node.title:
            return False
        return self.do(edits.RenameSection(node.id, title), "Rename section")

    def do(self, edit: edits.Edit, text: str = "") -> bool:
        """Apply `edit` and push it on the undo stack; False (and `refused`) when the core refuses it."""
        try:
            inverse = self.apply(edit)
        except BriefingError as exc:
            log.info("edit refused: %s", exc)
            self.refused.emit(str(exc))
            return False
        self._undo_stack.push(EditCommand(self, edit, inverse, text or describe(edit)))
        return True

    def do_all(self, edit_list: Sequence[edits.Edit], text: str) -> bool:
        """Apply `edit_list` as ONE undo step named `text`, all or none; on a refusal `refused`
        says why (False)."""
        refusal = self.apply_all(edit_list, text)
        if refusal is not None:
            self.refused.emit(str(refusal))
        return refusal is None

    def apply_all(self, edit_list: Sequence[edits.Edit], text: str) -> BriefingError | None:
        """Apply `edit_list` as ONE undo step named `text`, all or none, and return the core's
        refusal (None when applied), for a dialog that words it next to its fields.

        Each edit is applied once.  When the core refuses one, those already
        applied are undone again and nothing reaches the undo stack.  An empty
        list does nothing.
        """
        done: list[tuple[edits.Edit, edits.Edit]] = []
        try:
            for edit in edit_list:
                done.append((edit, self.apply(edit)))
        except BriefingError as exc:
            for _, inverse in reversed(done):
                self.apply(inverse)
            log.info("edits refused: %s", exc)
            return exc
        if not done:
            return None
        # Inside a macro Qt merges a command only with the macro's previous child, so
        # merge_key (consecutive edits of one field) never reaches across the macro's edge.
        self._undo_stack.beginMacro(text)
        try:
            for edit, inverse in done:
                self._undo_stack.push(EditCommand(self, edit, inverse, describe(edit)))
        finally:
            self._undo_stack.endMacro()
        return None

    def mimeTypes(self) -> list[str]:
        return [mime.NODES, mime.EXCERPTS]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return mime.nodes_to_mime(self._briefing.id, self.topmost(indexes))

    def topmost(self, indexes: Iterable[Index]) -> list[Node]:
        """The nodes at `indexes` in outline order, without those inside another chosen section."""
        chosen = {n.id: n for n in (self.node(i) for i in indexes if i.column() == 0) if n is not None}
        order = {node_id: i for i, node_id in enumerate(self._outline_order())}
        out = []
        for node_id in sorted(chosen, key=lambda i: order.get(i, 0)):
            ancestor = self._tree.parent(node_id)
            while ancestor is not None and ancestor.id not in chosen:
                ancestor = self._tree.parent(ancestor.id)
            if ancestor is None:
                out.append(chosen[node_id])
        return out

    def _outline_order(self) -> list[str]:
        ids: list[str] = []

        def visit(section: Section | None) -> None:
            for child in self.outline_children(section):
                ids.append(child.id)
                if isinstance(child, Section):
                    visit(child)

        visit(None)
        return ids

    # Drags out of this model only ever *copy*: when a drag ends as MoveAction,
    # QAbstractItemView removes the source rows itself, behind the undo stack's
    # back.  A move is done by dropMimeData, as commands, and reported as a copy.
    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        target = self.node(parent)
        if target is not None and not isinstance(target, Section):
            return evidence.can_cite(target) and self.carries_evidence(data)
        if data.hasFormat(mime.EXCERPTS):
            return target is not None
        if not data.hasFormat(mime.NODES):
            return False
        try:
            payload = mime.nodes_from_mime(data)
        except BriefingError:
            return False
        if target is None and any(not isinstance(n, Section) for n in payload.nodes):
            return False  # blocks live in sections
        if payload.briefing_id == self._briefing.id and target is not None:
            return not any(self._contains(n.id, target.id) for n in payload.nodes if isinstance(n, Section))
        return True

    def _contains(self, section_id: str, node_id: str) -> bool:
        """Whether `node_id` is `section_id` or inside it."""
        current: str | None = node_id
        while current is not None:
            if current == section_id:
                return True
            parent = self._tree.parent(current)
            current = parent.id if parent is not None else None
        return False

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self.node(parent)
        if target is not None and not isinstance(target, Section):
            return self.cite_dropped(data, target.id)
        try:
            if data.hasFormat(mime.EXCERPTS):
                assert target is not None
                return self.insert_nodes(list(mime.excerpts_from_mime(data)), target, row, "Add excerpt")
            payload = mime.nodes_from_mime(data)
        except BriefingError as exc:
            self.refused.emit(str(exc))
            return False
        if payload.briefing_id == self._briefing.id:
            present = [n for n in payload.nodes if self.node_by_id(n.id) is not None]
            if len(present) == len(payload.nodes):
                return self.move_nodes([n.id for n in present], target, row)
        return self.insert_nodes(payload.nodes, target, row, "Paste")

    # -- citing evidence -----------------------------------------------------------------
    def carries_evidence(self, data: QMimeData) -> bool:
        """Whether `data` holds excerpts only: new ones (from the reader or the results) or
        excerpts of a briefing (dragged in the outline)."""
        if data.hasFormat(mime.EXCERPTS):
            return True
        if not data.hasFormat(mime.NODES):
            return False
        try:
            payload = mime.nodes_from_mime(data)
        except BriefingError:
            return False
        return bool(payload.nodes) and all(isinstance(n, Excerpt) for n in payload.nodes)

    def cite_dropped(self, data: QMimeData, block_id: str) -> bool:
        """Make block `block_id` cite the excerpts `data` carries, as ONE undo step.

        Excerpts of this briefing are cited as they are; new material (a reader selection, a
        result's passage, excerpts of another briefing) first becomes excerpts of the briefing,
        placed where `evidence.evidence_place` says, as a drop onto a section would add them.
        """
        try:
            dropped = (
                list(mime.excerpts_from_mime(data))
                if data.hasFormat(mime.EXCERPTS)
                else self._dragged_excerpts(data)
            )
        except BriefingError as exc:
            self.refused.emit(str(exc))
            return False
        present = [e for e in dropped if self.node_by_id(e.id) is e]
        new = [_copy_excerpt(self._briefing, e) for e in dropped if not any(e is p for p in present)]
        try:
            edit_list = evidence.cite_edits(self._briefing, block_id, [e.id for e in present], new)
        except BriefingError as exc:
            self.refused.emit(str(exc))
            return False
        if not edit_list:
            self.cited.emit("It cites that already: nothing changed")
            return False
        if not self.do_all(edit_list, "Cite evidence"):
            return False
        self.cited.emit(self._cited_message(len(dropped), edit_list))
        return True

    def _cited_message(self, count: int, edit_list: Sequence[edits.Edit]) -> str:
        added = [e for e in edit_list if isinstance(e, edits.AddBlock)]
        where = self.node_by_id(added[0].section_id) if added else None
        placed = f"; quoted in \u201c{where.title}\u201d" if isinstance(where, Section) else ""
        return f"Cited {count} excerpt{'' if count == 1 else 's'}{placed}"

    def _dragged_excerpts(self, data: QMimeData) -> list[Excerpt]:
        """The excerpts a NODES drag carries: this briefing's own objects when they are in it."""
        payload = mime.nodes_from_mime(data)
        out: list[Excerpt] = []
        for node in payload.nodes:
            own = self.node_by_id(node.id) if payload.briefing_id == self._briefing.id else None
            found = own if isinstance(own, Excerpt) else node
            if not isinstance(found, Excerpt):
                raise BriefingError("only excerpts can be cited")
            out.append(found)
        return out

    def set_cites(self, block_id: str, cites: Sequence[str], text: str) -> bool:
        """Replace what block `block_id` cites (the picker's choice, a removal): one undo step."""
        try:
            block = get_block(self._briefing, block_id)
        except BriefingError:
            return False
        if not evidence.can_cite(block) or list(getattr(block, "cites", ())) == list(cites):
            return False
        return self.do(edits.SetCites(block_id, tuple(cites)), text)

    # -- placing nodes -----------------------------------------------------------------
    def _block_index(self, section: Section, row: int, moving: Block | None = None) -> int:
        """The index in section.blocks for outline row `row` (-1 or past the blocks: at the end)."""
        blocks = [b for b in section.blocks if b is not moving]
        visible = [b for b in blocks if not isinstance(b, MatrixCell)]
        if 0 <= row < len(visible):
            return _position(blocks, visible[row])
        return len(blocks)

    def _section_index(self, owner: Section | None, row: int) -> int:
        if owner is None:
            return len(self._briefing.sections) if row < 0 else row
        if row < 0:
            return len(owner.sections)
        return max(0, row - len(outline_blocks(owner)))

    def insert_nodes(self, nodes: Sequence[Node], target: Section | None, row: int, text: str) -> bool:
        """Insert copies of `nodes` at outline `row` of `target` (-1: at its end), as one undo step."""
        block_row = row if target is not None and 0 <= row <= len(outline_blocks(target)) else -1
        section_index = self._section_index(target, row)
        done = False
        self._undo_stack.beginMacro(text)
        for node in nodes:
            copy = clipboard.copy_for(self._briefing, node)
            if isinstance(copy, Section):
                parent_id = target.id if target is not None else None
                done |= self.do(edits.AddSection(parent_id, section_index, copy))
                section_index += 1
            elif target is not None:
                index = self._block_index(target, block_row)
                done |= self.do(edits.AddBlock(target.id, index, copy))
                if block_row >= 0:
                    block_row += 1
        self._undo_stack.endMacro()
        return done

    def move_nodes(self, node_ids: Sequence[str], target: Section | None, row: int) -> bool:
        """Move nodes of this briefing to outline `row` of `target`, in order, as one undo step."""
        block_row = row if target is not None and 0 <= row <= len(outline_blocks(target)) else -1
        section_row = self._section_index(target, row)
        done = False
        self._undo_stack.beginMacro("Move")
        for node_id in node_ids:
            node = self.node_by_id(node_id)
            origin = self._tree.parent(node_id)
            if isinstance(node, Section):
                siblings = origin.sections if origin is not None else self._briefing.sections
                old = _position(siblings, node)
                if origin is target and old < section_row:
                    section_row -= 1
                parent_id = target.id if target is not None else None
                done |= self.do(edits.MoveSection(node_id, parent_id, section_row))
                section_row += 1
            elif node is not None and target is not None:
                assert origin is not None
                if block_row >= 0 and origin is target and self._tree.row(node_id) < block_row:
                    block_row -= 1
                index = self._block_index(target, block_row, moving=node)
                done |= self.do(edits.MoveBlock(node_id, target.id, index))
                if block_row >= 0:
                    block_row += 1
        self._undo_stack.endMacro()
        return done

    # -- the only mutator: called by do() and by undo commands ---------------------------
    def apply(self, edit: edits.Edit) -> edits.Edit:
        """Apply a core edit once, then tell the views what it changed; returns the inverse edit.

        A refused edit raises BriefingError with the briefing (and the views) as they were.
        """
        applied = edits.perform(self._briefing, edit)
        for change in applied.changes:
            self._announce(change)
        if any(isinstance(c, edits.Inserted | edits.Removed | edits.Moved) for c in applied.changes):
            self.structure_changed.emit()
        if any(_sourcing_may_change(c) for c in applied.changes):
            self._refresh_sourcing()
        return applied.inverse

    def _sourcing(self) -> dict[str, int]:
        """The badge count of every row that may carry one: key judgments, and sections (matrices)."""
        by_id = excerpts(self._briefing)
        counts: dict[str, int] = {}
        for _, section in walk_sections(self._briefing):
            counts[section.id] = len(evidence.unsourced_cells(section, by_id))
            for block in section.blocks:
                if isinstance(block, KeyJudgment):
                    counts[block.id] = int(evidence.cites_no_source(block, by_id))
        return counts

    def _refresh_sourcing(self) -> None:
        """Rows whose unsourced badge changed (a citation, or a cited excerpt, came or went);
        rows just inserted show theirs already."""
        before, self._unsourced = self._unsourced, self._sourcing()
        for node_id, count in self._unsourced.items():
            if node_id in before and before[node_id] != count:
                index = self.index_of(node_id)
                self.dataChanged.emit(index, index)

    def _announce(self, change: edits.Change) -> None:
        """One reported change: one row insert, remove or move, or one data change."""
        match change:
            case edits.Inserted():
                self._insert_row(change)
            case edits.Removed():
                self._remove_row(change)
            case edits.Moved():
                self._move_row(change)
            case edits.Changed():
                self._changed(change)
            case edits.MetadataChanged():
                self.metadata_changed.emit(change.field)
            case edits.ReviewsChanged():
                self.reviews_changed.emit()

    def _index_of_section(self, section_id: str | None) -> QModelIndex:
        return self.index_of(section_id) if section_id is not None else QModelIndex()

    def _insert_row(self, change: edits.Inserted) -> None:
        node = self._tree.inserted_node(change)
        if isinstance(node, MatrixCell):  # not in the outline: the matrix grid follows structure_changed
            self._tree.insert(change, node)
            return
        row = self._tree.row_at(change.parent_id, change.place, change.index)
        self.beginInsertRows(self._index_of_section(change.parent_id), row, row)
        self._tree.insert(change, node)
        self.endInsertRows()

    def _remove_row(self, change: edits.Removed) -> None:
        if not self._tree.shows(change.node_id):  # a matrix cell
            self._tree.remove(change)
            return
        row = self._tree.row(change.node_id)
        self.beginRemoveRows(self._index_of_section(change.parent_id), row, row)
        self._tree.remove(change)
        self.endRemoveRows()

    def _move_row(self, change: edits.Moved) -> None:
        rows = self._tree.row_move(change)
        if rows is None:  # the outline's order is the same (a matrix cell, or past matrix cells)
            self._tree.move(change)
            return
        source, target = self._index_of_section(rows.source), self._index_of_section(rows.target)
        if not self.beginMoveRows(source, rows.row, rows.row, target, rows.target_row):
            raise RuntimeError(f"Qt refused to move row {rows.row}")  # pragma: no cover - row_move's rule
        self._tree.move(change)
        self.endMoveRows()

    def _changed(self, change: edits.Changed) -> None:
        """A block's row (label, tooltip) and its editor, or a section's title, show the new values."""
        index = self.index_of(change.node_id)
        if index.isValid():
            self.dataChanged.emit(index, index)
        if isinstance(self._tree.node(change.node_id), Section):
            self.section_changed.emit(change.node_id)
        else:
            self.block_changed.emit(change.node_id)


def _copy_excerpt(briefing: Briefing, excerpt: Excerpt) -> Excerpt:
    copy = clipboard.copy_for(briefing, excerpt)
    assert isinstance(copy, Excerpt)
    return copy


def _sourcing_may_change(change: edits.Change) -> bool:
    if isinstance(change, edits.Changed):
        return "cites" in change.fields
    return isinstance(change, edits.Inserted | edits.Removed)


def describe(edit: edits.Edit) -> str:
    """The undo menu's text for an edit."""
    match edit:
        case edits.AddBlock():
            return f"Add {KIND_LABELS[edit.block.kind].lower()}"
        case edits.RemoveBlock():
            return "Delete block"
        case edits.MoveBlock() | edits.MoveSection():
            return "Move"
        case edits.EditText():
            return "Typing"
        case edits.Retag():
            return f"Set {edit.tag}"
        case edits.SetCites():
            return "Set citations"
        case edits.AddSection():
            return "Add section"
        case edits.RemoveSection():
            return "Delete section"
        case edits.RenameSection():
            return "Rename section"
        case edits.SetMetadata():
            return f"Set {edit.field.replace('_', ' ')}"
        case edits.SetCitation():
            return "Edit citation"
        case edits.UpdateSpan():
            return "Update quote position"
        case edits.AddReviews() | edits.RemoveReviews():
            return "Import review comments"
        case edits.SetReview():
            return f"Mark review comment {edit.review.state}"
    return "Edit"


def new_block(kind: str) -> Block:
    """An empty block of `kind`, as the Add actions create it."""
    if kind == "key_judgment":
        return KeyJudgment("")
    if kind == "bullet_list":
        return BulletList([])
    return Paragraph("")
