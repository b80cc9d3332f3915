"""The outline of the open briefing as a tree view, and what is selected in it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from briefer.core.briefing.model import Section
from briefer.gui.briefing.model import BriefingModel, Node
from briefer.gui.icons import BLOCK_ICON_SIZE


class OutlineView(QTreeView):
    """The outline; drags within it are moves done by the model as undo commands."""

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.briefing_model = model
        self.setObjectName("outline")
        self.setAccessibleName("Briefing outline")
        self.setHeaderHidden(True)
        self.header().setAccessibleName("Outline header")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)  # F2 renames a section
        self.setWordWrap(False)
        self.setUniformRowHeights(True)
        self.setIconSize(BLOCK_ICON_SIZE)  # a block's kind and its badge, side by side
        self.setExpandsOnDoubleClick(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setModel(model)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        # Copy only, whatever the platform proposes: a drag that ends as MoveAction
        # makes QAbstractItemView remove the source rows behind the undo stack.
        indexes = [i for i in self.selectedIndexes() if i.flags() & Qt.ItemFlag.ItemIsDragEnabled]
        model = self.model()
        if not indexes or model is None:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)

    # -- what is selected ---------------------------------------------------------------
    def current_node(self) -> Node | None:
        return self.briefing_model.node(self.currentIndex())

    def current_section(self) -> Section | None:
        """The current section, or the section of the current block."""
        node = self.current_node()
        if node is None or isinstance(node, Section):
            return node
        return self.briefing_model.parent_section(node.id)

    def selected_nodes(self) -> list[Node]:
        return self.briefing_model.topmost(self.selectionModel().selectedRows())

    def select(self, node_id: str) -> None:
        index = self.briefing_model.index_of(node_id)
        if index.isValid():
            self.setCurrentIndex(index)
            self.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(index)
