"""The outline's tree as the views last heard of it: the Qt model's own copy of the structure.

Qt asks a model about the old rows while it announces a change (between beginInsertRows()
and endInsertRows(), and the remove and move pairs), but by then the core has already
changed the briefing.  So the model answers from this copy, and brings it up to date one
reported change (`edits.Inserted`, `Removed`, `Moved`) at a time, inside the begin/end pair.

Rows under a section are its blocks (matrix cells excepted: the matrix grid shows those),
then its subsections.  The copy holds the briefing's own node objects; only the lists that
place them are its own.  No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from briefer.core.briefing import edits
from briefer.core.briefing.model import Block, Briefing, MatrixCell, Section

Node = Section | Block


def outline_blocks(section: Section) -> list[Block]:
    """The blocks the outline shows: all but the matrix cells."""
    return [b for b in section.blocks if not isinstance(b, MatrixCell)]


@dataclass
class _Children:
    """One section's (or the top level's) lists, as last announced."""

    blocks: list[Node] = field(default_factory=list)  # matrix cells too: the core's indexes count them
    sections: list[Node] = field(default_factory=list)

    def rows(self) -> list[Node]:
        return [*(b for b in self.blocks if not isinstance(b, MatrixCell)), *self.sections]

    def list_of(self, place: edits.Place) -> list[Node]:
        return self.blocks if place == "blocks" else self.sections


@dataclass(frozen=True)
class RowMove:
    """Where a moved node's row goes, in the terms of QAbstractItemModel.beginMoveRows."""

    source: str | None  # section ids; None: the top level
    row: int
    target: str | None
    target_row: int  # counted before the node leaves (Qt's convention)


class OutlineTree:
    """Parents, rows and children of every outline node, changed only by reported changes."""

    def __init__(self, briefing: Briefing) -> None:
        self.load(briefing)

    def load(self, briefing: Briefing) -> None:
        """Start over from `briefing` (a new briefing replaced the old one)."""
        self._briefing = briefing
        self._children: dict[str | None, _Children] = {None: _Children(sections=list(briefing.sections))}
        self._rows: dict[str | None, list[Node]] = {}
        self._nodes: dict[str, Node] = {}  # outline nodes only: matrix cells have no row
        self._parent: dict[str, str | None] = {}
        self._row: dict[str, int] = {}
        for section in briefing.sections:
            self._adopt(section, None)
        self._renumber(None)

    # -- questions ------------------------------------------------------------------
    def children(self, parent_id: str | None) -> list[Node]:
        """The rows under a section (None: the top level)."""
        return self._rows.get(parent_id, [])

    def node(self, node_id: str) -> Node | None:
        return self._nodes.get(node_id)

    def row(self, node_id: str) -> int:
        return self._row[node_id]

    def parent(self, node_id: str) -> Section | None:
        parent_id = self._parent.get(node_id)
        node = self._nodes.get(parent_id) if parent_id is not None else None
        return node if isinstance(node, Section) else None

    def shows(self, node_id: str) -> bool:
        return node_id in self._nodes

    def section(self, section_id: str | None) -> Section | None:
        node = self._nodes.get(section_id) if section_id is not None else None
        return node if isinstance(node, Section) else None

    # -- rows a reported change touches (asked before it is applied here) --------------------
    def inserted_node(self, change: edits.Inserted) -> Node:
        """The node the core just put at the reported place (read from the briefing itself)."""
        owner = self.section(change.parent_id)
        if owner is None:
            node: Node = self._briefing.sections[change.index]
        elif change.place == "blocks":
            node = owner.blocks[change.index]
        else:
            node = owner.sections[change.index]
        if node.id != change.node_id:
            raise LookupError(f"the briefing holds {node.id!r} where {change.node_id!r} was inserted")
        return node

    def row_at(
        self, parent_id: str | None, place: edits.Place, index: int, leaving: Node | None = None
    ) -> int:
        """The row of position `index` of a `place` list, with `leaving` taken out first."""
        blocks = [b for b in self._children[parent_id].blocks if b is not leaving]
        if place == "sections":
            return sum(1 for b in blocks if not isinstance(b, MatrixCell)) + index
        return sum(1 for b in blocks[:index] if not isinstance(b, MatrixCell))

    def row_move(self, change: edits.Moved) -> RowMove | None:
        """The rows of a move, or None when the outline's order does not change (a matrix cell,
        or a block that only moved past matrix cells)."""
        node = self._nodes.get(change.node_id)
        if node is None:
            return None
        old_row = self._row[node.id]
        new_row = self.row_at(change.to_parent, change.place, change.to_index, leaving=node)
        same_parent = change.from_parent == change.to_parent
        if same_parent and new_row == old_row:
            return None
        target_row = new_row + 1 if same_parent and new_row > old_row else new_row
        return RowMove(change.from_parent, old_row, change.to_parent, target_row)

    # -- following reported changes ------------------------------------------------------
    def insert(self, change: edits.Inserted, node: Node) -> None:
        self._children[change.parent_id].list_of(change.place).insert(change.index, node)
        self._adopt(node, change.parent_id)
        self._renumber(change.parent_id)

    def remove(self, change: edits.Removed) -> None:
        node = self._children[change.parent_id].list_of(change.place).pop(change.index)
        if node.id != change.node_id:
            raise LookupError(f"the outline holds {node.id!r} where {change.node_id!r} was removed")
        self._forget(node)
        self._renumber(change.parent_id)

    def move(self, change: edits.Moved) -> None:
        node = self._children[change.from_parent].list_of(change.place).pop(change.from_index)
        self._children[change.to_parent].list_of(change.place).insert(change.to_index, node)
        if node.id in self._nodes:
            self._parent[node.id] = change.to_parent
        self._renumber(change.from_parent)
        self._renumber(change.to_parent)

    # -- bookkeeping --------------------------------------------------------------------
    def _adopt(self, node: Node, parent_id: str | None) -> None:
        """Record a node that has arrived (a section with everything inside it)."""
        if isinstance(node, MatrixCell):
            return
        self._nodes[node.id] = node
        self._parent[node.id] = parent_id
        if isinstance(node, Section):
            self._children[node.id] = _Children(list(node.blocks), list(node.sections))
            for child in self._children[node.id].rows():
                self._adopt(child, node.id)
            self._renumber(node.id)

    def _forget(self, node: Node) -> None:
        if isinstance(node, Section):
            for child in self._children.pop(node.id).rows():
                self._forget(child)
            self._rows.pop(node.id, None)
        self._nodes.pop(node.id, None)
        self._parent.pop(node.id, None)
        self._row.pop(node.id, None)

    def _renumber(self, parent_id: str | None) -> None:
        rows = self._children[parent_id].rows()
        self._rows[parent_id] = rows
        for row, node in enumerate(rows):
            self._row[node.id] = row
