"""The implications matrix of an implications section, as an editable grid.

Rows are the section's actor subsections, columns its domains; each cell is a
MatrixCell block.  Typing into an empty cell adds the block; every change is an
undo command pushed through the briefing model.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import edits
from briefer.core.briefing.model import (
    IMPACT_LEVELS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    MatrixCell,
    Section,
)
from briefer.gui import mime
from briefer.gui.briefing.block_editor import set_combo, tag_combo
from briefer.gui.briefing.cites_field import CitesField
from briefer.gui.briefing.model import BriefingModel, unsourced_icon, unsourced_text

Index = QModelIndex | QPersistentModelIndex
IMPACT_NAMES = {"H": "high", "M": "moderate", "L": "low"}


class MatrixModel(QAbstractTableModel):
    def __init__(self, model: BriefingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._section_id: str | None = None
        model.structure_changed.connect(self._reset)
        model.block_changed.connect(self._on_block_changed)
        model.section_changed.connect(self._on_section_changed)
        model.modelReset.connect(self._on_model_reset)

    def set_section(self, section_id: str | None) -> None:
        self.beginResetModel()
        self._section_id = section_id
        self.endResetModel()

    @property
    def section(self) -> Section | None:
        node = self._model.node_by_id(self._section_id) if self._section_id else None
        return node if isinstance(node, Section) else None

    def cell(self, row: int, column: int) -> MatrixCell | None:
        section = self.section
        if section is None or not (0 <= row < len(section.sections) and 0 <= column < len(section.domains)):
            return None
        actor, domain = section.sections[row].id, section.domains[column].id
        return next(
            (
                b
                for b in section.blocks
                if isinstance(b, MatrixCell) and b.actor == actor and b.domain == domain
            ),
            None,
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        section = self.section
        return 0 if parent.isValid() or section is None else len(section.sections)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        section = self.section
        return 0 if parent.isValid() or section is None else len(section.domains)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        owner = self.section
        if owner is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(owner.domains):
            return owner.domains[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(owner.sections):
            return owner.sections[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.cell(index.row(), index.column())
        if role == Qt.ItemDataRole.EditRole:
            return cell.text if cell else ""
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            impact = f"[{cell.impact}] " if cell.impact else ""
            return impact + cell.text
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            tags = [f"impact {IMPACT_NAMES[cell.impact]}" if cell.impact else "", cell.likelihood or ""]
            tags.append(unsourced_text(1, False).lower() if self._model.unsourced(cell) else "")
            return "; ".join([cell.text, *(t for t in tags if t)])
        if role == Qt.ItemDataRole.DecorationRole and self._model.unsourced(cell):
            return unsourced_icon()
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
        if self.cell(index.row(), index.column()) is not None:
            flags |= Qt.ItemFlag.ItemIsDropEnabled  # evidence dropped on a written cell is cited
        return flags

    # -- evidence dropped on a cell is cited (one undo step, see BriefingModel.cite_dropped) --
    def mimeTypes(self) -> list[str]:
        return [mime.NODES, mime.EXCERPTS]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        cell = self.cell(parent.row(), parent.column()) if parent.isValid() else None
        return cell is not None and self._model.carries_evidence(data)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        cell = self.cell(parent.row(), parent.column())
        return cell is not None and self._model.cite_dropped(data, cell.id)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        section = self.section
        if role != Qt.ItemDataRole.EditRole or section is None or not index.isValid():
            return False
        text = str(value).strip()
        cell = self.cell(index.row(), index.column())
        if cell is not None:
            return text != cell.text and self._model.do(edits.EditText(cell.id, text), "Edit matrix cell")
        if not text:
            return False
        actor, domain = section.sections[index.row()].id, section.domains[index.column()].id
        return self._model.do(
            edits.AddBlock(section.id, -1, MatrixCell(actor, domain, text)), "Fill matrix cell"
        )

    def retag(self, index: QModelIndex, tag: str, value: str | None) -> bool:
        """Set a tag of the cell at `index` (an empty cell gets the tag and no text yet)."""
        section = self.section
        if section is None or not index.isValid():
            return False
        cell = self.cell(index.row(), index.column())
        if cell is None:
            actor, domain = section.sections[index.row()].id, section.domains[index.column()].id
            new = MatrixCell(actor, domain, "")
            setattr(new, tag, value)
            return self._model.do(edits.AddBlock(section.id, -1, new), "Fill matrix cell")
        if getattr(cell, tag) == value:
            return False
        return self._model.do(edits.Retag(cell.id, tag, value))

    @Slot()
    def _reset(self) -> None:
        self.beginResetModel()
        if self.section is None:
            self._section_id = None
        self.endResetModel()

    @Slot()
    def _on_model_reset(self) -> None:
        self.set_section(None)

    @Slot(str)
    def _on_block_changed(self, block_id: str) -> None:
        section = self.section
        if section is None:
            return
        for row in range(self.rowCount()):
            for column in range(self.columnCount()):
                cell = self.cell(row, column)
                if cell is not None and cell.id == block_id:
                    index = self.index(row, column)
                    self.dataChanged.emit(index, index)
                    return

    @Slot(str)
    def _on_section_changed(self, section_id: str) -> None:
        section = self.section
        if section is not None and any(s.id == section_id for s in section.sections):
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, self.rowCount() - 1))


class MatrixEditor(QWidget):
    """The grid, and the tags and citations of its current cell."""

    current_cell_changed = Signal()

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Implications matrix editor")
        self.matrix = MatrixModel(model, self)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("matrix")
        self.table.setAccessibleName("Implications matrix")
        self.table.setModel(self.matrix)
        self.table.setWordWrap(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setAccessibleName("Domains")
        self.table.verticalHeader().setAccessibleName("Actors")
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAcceptDrops(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.table.setDragDropOverwriteMode(True)  # a drop is onto a cell, never between cells
        self.table.setDropIndicatorShown(True)
        self.impact = tag_combo(IMPACT_LEVELS, "Impact", IMPACT_NAMES)
        self.likelihood = tag_combo(LIKELIHOOD_TERMS, "Cell likelihood")
        self.portion = tag_combo(PORTIONS, "Cell portion mark")
        self.cites = CitesField(model)
        tags = QFormLayout()
        tags.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        tags.addRow("&Impact", self.impact)
        tags.addRow("&Likelihood", self.likelihood)
        tags.addRow("&Portion", self.portion)
        tags.addRow("Evidence", self.cites)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(tags)
        self.table.selectionModel().currentChanged.connect(self._show_tags)
        self.matrix.modelReset.connect(self._show_tags)
        self.matrix.dataChanged.connect(self._show_tags)
        self.impact.activated.connect(self._impact_chosen)
        self.likelihood.activated.connect(self._likelihood_chosen)
        self.portion.activated.connect(self._portion_chosen)

    def show_section(self, section: Section) -> None:
        self.matrix.set_section(section.id)
        self.caption.setText(
            f"<b>Implications matrix</b> \u2014 {section.title}. "
            "Double-click a cell or start typing to fill it; its tags are below."
        )
        self._show_tags()

    def current_cell(self) -> MatrixCell | None:
        """The written cell the grid's cursor is on (None: none, or an empty cell)."""
        index = self.table.currentIndex()
        return self.matrix.cell(index.row(), index.column()) if index.isValid() else None

    @Slot()
    def _show_tags(self, *_: object) -> None:
        index = self.table.currentIndex()
        cell = self.current_cell()
        for combo in (self.impact, self.likelihood, self.portion):
            combo.setEnabled(index.isValid())
        set_combo(self.impact, cell.impact if cell else None)
        set_combo(self.likelihood, cell.likelihood if cell else None)
        set_combo(self.portion, cell.portion if cell else "U")
        self.cites.show_block(cell.id if cell else None)
        self.cites.setEnabled(cell is not None)
        self.current_cell_changed.emit()

    def _retag(self, tag: str, combo: QComboBox) -> None:
        self.matrix.retag(self.table.currentIndex(), tag, combo.currentData())

    @Slot(int)
    def _impact_chosen(self, _: int) -> None:
        self._retag("impact", self.impact)

    @Slot(int)
    def _likelihood_chosen(self, _: int) -> None:
        self._retag("likelihood", self.likelihood)

    @Slot(int)
    def _portion_chosen(self, _: int) -> None:
        self._retag("portion", self.portion)
