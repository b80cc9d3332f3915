"""The outline of the open briefing as a tree view, and what is selected in it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragLeaveEvent, QDropEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from briefer.core.briefing.model import Section
from briefer.gui.briefing.model import BriefingModel, Node, paint_badge
from briefer.gui.icons import BLOCK_ICON_SIZE

Index = QModelIndex | QPersistentModelIndex


class BadgeDelegate(QStyledItemDelegate):
    """Draws the unsourced badge at the right end of a row whose judgment or matrix cells cite
    no source (the words are in the row's tooltip and accessible text)."""

    ROOM = 30  # what the badge and its margins take from the row's text

    @staticmethod
    def badge_rect(option: QStyleOptionViewItem) -> QRect:
        rect = option.rect
        height = max(10, min(rect.height() - 2, 18))
        width = height + height // 3
        return QRect(rect.right() - width - 3, rect.top() + (rect.height() - height) // 2, width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if not index.data(BriefingModel.UnsourcedRole):
            super().paint(painter, option, index)
            return
        badge = self.badge_rect(option)
        panel = QStyleOptionViewItem(option)
        self.initStyleOption(panel, index)
        style = panel.widget.style() if panel.widget is not None else QApplication.style()
        # The row's background (and selection) spans the badge too.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, panel, painter, panel.widget)
        text_option = QStyleOptionViewItem(option)
        text_option.rect = option.rect.adjusted(0, 0, -self.ROOM, 0)
        super().paint(painter, text_option, index)
        paint_badge(painter, badge)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(BriefingModel.UnsourcedRole):
            size.setWidth(size.width() + self.ROOM)
        return size


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
        self.setItemDelegate(BadgeDelegate(self))
        self.setModel(model)

    # The model hears what a drag carries: only evidence is dropped onto (cited by) a block.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.briefing_model.drag_carries(event.mimeData())
        super().dragEnterEvent(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.briefing_model.drag_carries(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        try:
            super().dropEvent(event)
        finally:
            self.briefing_model.drag_carries(None)

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
