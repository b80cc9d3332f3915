"""Below the outline: the editor of the selected item (a block's editor, or the matrix grid of an
implications section)."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QWidget

from briefer.core.briefing.model import Section
from briefer.gui.briefing.block_editor import BlockEditor
from briefer.gui.briefing.matrix_view import MatrixEditor
from briefer.gui.briefing.model import BriefingModel, Node


class EditorHost(QStackedWidget):
    """Shows the block editor or the matrix editor, whichever fits the selected node."""

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = BlockEditor(model)
        self.matrix = MatrixEditor(model)
        self.addWidget(self.editor)
        self.addWidget(self.matrix)

    def show_node(self, node: Node | None) -> None:
        if isinstance(node, Section) and node.kind == "implications" and node.domains:
            self.matrix.show_section(node)
            self.setCurrentWidget(self.matrix)
        else:
            self.editor.show_node(node.id if node is not None else None)
            self.setCurrentWidget(self.editor)

    def clear(self) -> None:
        """Nothing selected (another briefing was opened)."""
        self.editor.clear()
        self.setCurrentWidget(self.editor)
