"""The implications matrix of an implications section, as a list grouped by actor.

A grid of actors by domains does not fit the briefing pane: its headers and sentences were cut
to a word.  So the matrix reads as the export's narrative does: each actor a heading, under it
one row per domain holding the cell's portion mark, impact, text and likelihood.  Empty cells
and cells that say nothing (boilerplate) look different from those that hold an implication.

Arrows move from cell to cell, Enter (F2, a double-click) opens the cell editor, Delete empties
the cell; the impact, likelihood and portion menus below act on the current cell.  Every change
is one undo command through the briefing model, and the current cell stays current through it:
the model answers rows from its own copy of the actors and domains, so a filled cell changes
one row's data, never the rows.  An excerpt dropped on a written cell is cited by it (as on a
judgment in the outline), and a cell that holds an implication but cites no source is marked.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QResizeEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing.matrix import (
    NO_IMPLICATION,
    CellState,
    CellValues,
    cell_edits,
    cell_state,
    find_cell,
    values_of,
)
from briefer.core.briefing.model import (
    IMPACT_LEVELS,
    LIKELIHOOD_BANDS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    BriefingError,
    MatrixCell,
    Section,
)
from briefer.gui import mime
from briefer.gui.briefing.block_editor import set_combo, tag_combo
from briefer.gui.briefing.cell_editor import IMPACT_NAMES, CellEditor
from briefer.gui.briefing.model import UNSOURCED_COLOUR, BriefingModel, unsourced_text

Index = QModelIndex | QPersistentModelIndex
Slot_ = tuple[str, str]  # (actor id, domain id): a cell's place
IMPACT_COLOURS = {"H": "#c62828", "M": "#b45309", "L": "#2e7d32"}
MUTED = "#7a7a7a"
DOMAIN, IMPLICATION = 0, 1
_ACTOR_ROW = 0  # internal id of an actor row; a cell row's is its actor's row + 1


# -- how a cell reads ---------------------------------------------------------------------------
def cell_words(cell: MatrixCell | None, unsourced: bool = False) -> str:
    """The cell in words (tooltips, screen readers): its state, text and tags (`unsourced`: it
    holds an implication and cites no source)."""
    state = cell_state(cell)
    if cell is None or state is CellState.EMPTY:
        said = f"Empty: the export prints \u201c{NO_IMPLICATION}\u201d"
    elif state is CellState.BOILERPLATE:
        said = f"{cell.text} (says no more than an empty cell)"
    else:
        said = cell.text
    if cell is None:
        return said
    tags = [
        f"impact {IMPACT_NAMES[cell.impact]}" if cell.impact else "",
        cell.likelihood or "",
        f"portion {cell.portion}" if cell.portion else "unmarked",
        f"{len(cell.cites)} citation{'s' if len(cell.cites) != 1 else ''}" if cell.cites else "no citation",
        unsourced_text(1, False).lower() if unsourced else "",
    ]
    return "; ".join([said, *(t for t in tags if t)])


def cell_summary(cell: MatrixCell | None) -> str:
    """One plain line: "(U) [H] More patrols near the Kurils \u2014 likely", or "(empty)"."""
    if cell is None:
        return "(empty)"
    mark = f"({cell.portion}) " if cell.portion else ""
    impact = f"[{cell.impact}] " if cell.impact else ""
    text = cell.text if cell.text.strip() else "(empty)"
    likely = f" \u2014 {cell.likelihood}" if cell.likelihood else ""
    return f"{mark}{impact}{text}{likely}"


def cell_html(cell: MatrixCell | None, unsourced: bool = False) -> str:
    """The cell as the list shows it: an empty or boilerplate cell muted and labelled; an
    `unsourced` one (an implication citing no source) with the orange badge."""
    state = cell_state(cell)
    parts = []
    if cell is not None and cell.portion:
        parts.append(f"<span style='color:{MUTED}'>({escape(cell.portion)})</span>")
    if cell is not None and cell.impact:
        colour = IMPACT_COLOURS[cell.impact]
        parts.append(
            f"<span style='background-color:{colour}; color:#ffffff'><b>&nbsp;{cell.impact}&nbsp;</b></span>"
        )
    if cell is None or state is CellState.EMPTY:
        parts.append(f"<i style='color:{MUTED}'>empty</i>")
    elif state is CellState.BOILERPLATE:
        parts.append(f"<span style='color:{MUTED}'>{_text_html(cell.text)}</span>")
        parts.append(f"<i style='color:{MUTED}'>(no implication)</i>")
    else:
        parts.append(_text_html(cell.text))
    if cell is not None and cell.likelihood:
        parts.append(f"<span style='color:{MUTED}'>\u2014 {escape(cell.likelihood)}</span>")
    if cell is not None and cell.cites:
        count = len(cell.cites)
        parts.append(f"<span style='color:{MUTED}'>\u00b7 {count} citation{'s' if count != 1 else ''}</span>")
    if unsourced:
        parts.append(
            f"<span style='background-color:{UNSOURCED_COLOUR}; color:#ffffff'><b>&nbsp;?&nbsp;</b></span>"
            f"<span style='color:{MUTED}'>&nbsp;no source</span>"  # muted: readable on the selection too
        )
    return " ".join(parts)


def _text_html(text: str) -> str:
    return escape(" ".join(text.split()))


# -- the model ---------------------------------------------------------------------------------
class MatrixModel(QAbstractItemModel):
    """Actors (top-level rows) and, under each, one row per domain: DOMAIN and IMPLICATION columns.

    The actors and domains are copied when the section is shown and compared after each change of
    the briefing's structure: only a change of them resets the rows.
    """

    HtmlRole = Qt.ItemDataRole.UserRole + 1
    StateRole = Qt.ItemDataRole.UserRole + 2  # a cell's CellState value

    def __init__(self, model: BriefingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._section_id: str | None = None
        self._actors: list[tuple[str, str]] = []  # (id, title)
        self._domains: list[tuple[str, str]] = []
        model.structure_changed.connect(self._on_structure_changed)
        model.block_changed.connect(self._on_block_changed)
        model.section_changed.connect(self._on_section_changed)
        model.modelReset.connect(self._on_model_reset)

    # -- which section ----------------------------------------------------------------------
    def set_section(self, section_id: str | None) -> None:
        self.beginResetModel()
        self._section_id = section_id
        self._actors, self._domains = self._shape()
        self.endResetModel()

    @property
    def section(self) -> Section | None:
        node = self._model.node_by_id(self._section_id) if self._section_id else None
        return node if isinstance(node, Section) else None

    def _shape(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        section = self.section
        if section is None:
            return [], []
        return [(a.id, a.title) for a in section.sections], [(d.id, d.title) for d in section.domains]

    # -- cells ---------------------------------------------------------------------------------
    def is_cell(self, index: Index) -> bool:
        return index.isValid() and index.internalId() != _ACTOR_ROW

    def slot(self, index: Index) -> Slot_ | None:
        """(actor id, domain id) of the cell row at `index`; None for an actor row."""
        if not self.is_cell(index):
            return None
        return self._actors[index.internalId() - 1][0], self._domains[index.row()][0]

    def cell_index(self, actor_id: str, domain_id: str, column: int = DOMAIN) -> QModelIndex:
        actors = [a for a, _ in self._actors]
        domains = [d for d, _ in self._domains]
        if actor_id not in actors or domain_id not in domains:
            return QModelIndex()
        return self.createIndex(domains.index(domain_id), column, actors.index(actor_id) + 1)

    def domain_titles(self) -> list[str]:
        return [title for _, title in self._domains]

    def first_cell(self) -> QModelIndex:
        return (
            self.index(0, DOMAIN, self.index(0, DOMAIN)) if self._actors and self._domains else QModelIndex()
        )

    def last_cell(self) -> QModelIndex:
        if not (self._actors and self._domains):
            return QModelIndex()
        return self.index(len(self._domains) - 1, DOMAIN, self.index(len(self._actors) - 1, DOMAIN))

    def cell(self, index: Index) -> MatrixCell | None:
        slot, section = self.slot(index), self.section
        return find_cell(section, *slot) if slot is not None and section is not None else None

    def set_values(self, index: Index, values: CellValues) -> bool:
        """Make the cell at `index` hold `values`, as one undo step (False: nothing to do, or refused)."""
        slot, section = self.slot(index), self.section
        if slot is None or section is None:
            return False
        try:
            todo = cell_edits(self._model.briefing, section.id, *slot, values)
        except BriefingError as exc:
            self._model.refused.emit(str(exc))
            return False
        return bool(todo) and self._model.do_all(todo, "Edit matrix cell")

    def retag(self, index: Index, tag: str, value: str | None) -> bool:
        """Set one tag of the cell at `index` (an empty cell gets the tag and no text yet)."""
        old = values_of(self.cell(index))
        tags = {"impact": old.impact, "likelihood": old.likelihood, "portion": old.portion, tag: value}
        return self.set_values(
            index, CellValues(old.text, tags["impact"], tags["likelihood"], tags["portion"], old.cites)
        )

    def clear(self, index: Index) -> bool:
        """Empty the cell at `index` (one undo step)."""
        return self.set_values(index, CellValues())

    # -- the tree ----------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _ACTOR_ROW)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not self.is_cell(index):
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, DOMAIN, _ACTOR_ROW)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._actors)
        if parent.internalId() == _ACTOR_ROW and parent.column() == DOMAIN:
            return len(self._domains)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 2

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not self.is_cell(index):
            return Qt.ItemFlag.NoItemFlags  # actor headings: arrows step over them
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.cell(index) is not None:
            flags |= Qt.ItemFlag.ItemIsDropEnabled  # evidence dropped on a written cell is cited
        return flags

    # -- evidence dropped on a cell is cited (one undo step: BriefingModel.cite_dropped) -------------
    def mimeTypes(self) -> list[str]:
        return [mime.NODES, mime.EXCERPTS]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return self.cell(parent) is not None and self._model.carries_evidence(data)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        cell = self.cell(parent)
        if cell is None or not self._model.carries_evidence(data):
            return False
        return self._model.cite_dropped(data, cell.id)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Domain", "Implication")[section] if section in (DOMAIN, IMPLICATION) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if not self.is_cell(index):
            return self._actor_data(index.row(), role) if index.column() == DOMAIN else None
        if index.column() == DOMAIN:
            title = self._domains[index.row()][1]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return title
            return escape(title) if role == self.HtmlRole else None
        cell = self.cell(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_summary(cell)
        if role == self.StateRole:
            return cell_state(cell).value
        unsourced = cell is not None and bool(self._model.unsourced(cell))
        if role == self.HtmlRole:
            return cell_html(cell, unsourced)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_words(cell, unsourced)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            actor, domain = self._actors[index.internalId() - 1][1], self._domains[index.row()][1]
            return f"{actor}, {domain}: {cell_words(cell, unsourced)}"
        return None

    def _actor_data(self, row: int, role: int) -> Any:
        actor_id, title = self._actors[row]
        section = self.section
        filled = sum(
            1
            for domain_id, _ in self._domains
            if section is not None and cell_state(find_cell(section, actor_id, domain_id)) is CellState.FILLED
        )
        count = f"{filled} of {len(self._domains)} filled"
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == self.HtmlRole:
            return f"<b>{escape(title)}</b> <span style='color:{MUTED}'>\u00b7 {count}</span>"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{title}: {count}"
        return None

    # -- following the briefing -----------------------------------------------------------------
    @Slot()
    def _on_structure_changed(self) -> None:
        """A cell added or removed changes its row's data; other actors or domains reset the rows."""
        if self.section is None and self._section_id is not None:
            self.set_section(None)
        elif self._shape() != (self._actors, self._domains):
            self.set_section(self._section_id)
        else:
            self._all_changed()

    def _all_changed(self) -> None:
        for row in range(len(self._actors)):
            actor = self.index(row, DOMAIN)
            self.dataChanged.emit(actor, actor)
            if self._domains:
                self.dataChanged.emit(
                    self.index(0, DOMAIN, actor), self.index(len(self._domains) - 1, IMPLICATION, actor)
                )

    @Slot()
    def _on_model_reset(self) -> None:
        self.set_section(None)

    @Slot(str)
    def _on_block_changed(self, block_id: str) -> None:
        section = self.section
        cell = next((b for b in section.blocks if b.id == block_id), None) if section is not None else None
        if not isinstance(cell, MatrixCell):
            return
        index = self.cell_index(cell.actor, cell.domain)
        if index.isValid():
            self.dataChanged.emit(index, index.siblingAtColumn(IMPLICATION))
            actor = index.parent()
            self.dataChanged.emit(actor, actor)

    @Slot(str)
    def _on_section_changed(self, section_id: str) -> None:
        rows = [i for i, (actor_id, _) in enumerate(self._actors) if actor_id == section_id]
        if rows and self._shape() != (self._actors, self._domains):
            self._actors, _ = self._shape()  # a renamed actor: same rows, a new title
            index = self.index(rows[0], DOMAIN)
            self.dataChanged.emit(index, index)


# -- the view ----------------------------------------------------------------------------------
class MatrixDelegate(QStyledItemDelegate):
    """Paints the model's HtmlRole, wrapped to the column's width (the row grows to fit it)."""

    MARGIN = 4

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view

    def _document(
        self, option: QStyleOptionViewItem, index: Index, width: int, muted: str | None = None
    ) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(0)
        html = str(index.data(MatrixModel.HtmlRole) or "")
        document.setHtml(html.replace(MUTED, muted) if muted else html)
        document.setTextWidth(max(width - 2 * self.MARGIN, 40))
        return document

    def _width(self, index: Index) -> int:
        header = self._view.header()
        if index.internalId() == _ACTOR_ROW:
            return self._view.viewport().width()
        if index.column() == DOMAIN:
            return header.sectionSize(DOMAIN) - self._view.indentation()
        return header.sectionSize(IMPLICATION)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        document = self._document(option, index, self._width(index))
        return QSize(
            int(document.idealWidth()) + 2 * self.MARGIN, int(document.size().height()) + 2 * self.MARGIN
        )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        heading = index.internalId() == _ACTOR_ROW
        painter.save()
        if heading:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.AlternateBase))
        else:
            style = item.widget.style() if item.widget is not None else self._view.style()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected) and not heading
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = option.palette.color(QPalette.ColorGroup.Active, role)
        # On the selection's colour muted grey is unreadable: the whole row takes the highlighted text's.
        document = self._document(option, index, option.rect.width(), colour.name() if selected else None)
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette(option.palette)
        palette.setColor(QPalette.ColorRole.Text, colour)
        context.palette = palette
        painter.translate(option.rect.left() + self.MARGIN, option.rect.top() + self.MARGIN)
        painter.setClipRect(0, 0, option.rect.width() - self.MARGIN, option.rect.height() - self.MARGIN)
        document.documentLayout().draw(painter, context)
        painter.restore()


class MatrixView(QTreeView):
    """The grouped list: arrows move from cell to cell, Enter/F2/double-click ask to edit, Delete to empty."""

    edit_requested = Signal(QModelIndex)
    clear_requested = Signal(QModelIndex)

    def __init__(self, matrix: MatrixModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrix")
        self.setAccessibleName("Implications matrix")
        self.setModel(matrix)
        self._matrix = matrix
        self.setItemDelegate(MatrixDelegate(self))
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(12)
        self.setUniformRowHeights(False)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAllColumnsShowFocus(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHeaderHidden(True)  # the headings and the domains say what the rows are
        self.header().setAccessibleName("Matrix header")
        self.header().setStretchLastSection(True)
        self.header().setSectionsMovable(False)
        self.header().sectionResized.connect(self._relayout)
        matrix.modelReset.connect(self._lay_out_rows)
        self.setAcceptDrops(True)  # excerpts dropped on a cell are cited
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDragDropOverwriteMode(True)  # onto a cell, never between rows
        self.setDropIndicatorShown(True)

    @Slot()
    def _lay_out_rows(self) -> None:
        self.expandAll()
        for row in range(self._matrix.rowCount()):
            self.setFirstColumnSpanned(row, QModelIndex(), True)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The domain column as wide as its titles, within 35% of the width but never narrower than
        its longest word: titles wrap between words, and the implications get the rest."""
        titles = self._matrix.domain_titles()
        words = [word for title in titles for word in title.replace("/", "/ ").split()]
        advance = self.fontMetrics().horizontalAdvance
        padding = self.indentation() + 4 * MatrixDelegate.MARGIN
        longest_word = max((advance(w) for w in words), default=60) + padding
        longest_title = max((advance(t) for t in titles), default=60) + padding
        width = self.viewport().width()
        self.header().resizeSection(DOMAIN, max(min(longest_title, int(width * 0.35)), longest_word))

    @Slot()
    def _relayout(self) -> None:
        self.scheduleDelayedItemsLayout()  # rows take the height of their wrapped text

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()
        self._relayout()

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        move = QAbstractItemView.CursorAction
        if action in (move.MoveLeft, move.MoveRight):
            return self.currentIndex()  # one cell per row: nothing beside it
        if action == move.MoveHome:
            return self._matrix.first_cell()
        if action == move.MoveEnd:
            return self._matrix.last_cell()
        return super().moveCursor(action, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if (
            plain
            and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2)
            and self._matrix.is_cell(index)
        ):
            self.edit_requested.emit(index.siblingAtColumn(DOMAIN))
        elif plain and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._matrix.is_cell(index):
            self.clear_requested.emit(index.siblingAtColumn(DOMAIN))
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if self._matrix.is_cell(index):
            self.setCurrentIndex(index.siblingAtColumn(DOMAIN))
            self.edit_requested.emit(index.siblingAtColumn(DOMAIN))
        else:
            super().mouseDoubleClickEvent(event)


class MatrixEditor(QWidget):
    """The grouped list of cells, the tags of the current cell, and its editor."""

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Implications matrix editor")
        self._model = model
        self.matrix = MatrixModel(model, self)
        self._current: dict[str, Slot_] = {}  # the current cell of each matrix shown, by section id
        self.cell_editor: CellEditor | None = None  # the open cell editor
        self.caption = QLabel("<b>Implications matrix</b> \u00b7 Enter edits, Delete empties")
        self.caption.setWordWrap(True)
        self.table = MatrixView(self.matrix)
        self.impact = tag_combo(IMPACT_LEVELS, "Impact", IMPACT_NAMES)
        self.likelihood = tag_combo(LIKELIHOOD_TERMS, "Cell likelihood", LIKELIHOOD_BANDS)
        self.portion = tag_combo(PORTIONS, "Cell portion mark")
        self.edit_button = QPushButton("Edit &Cell\u2026")
        self.edit_button.setAccessibleName("Edit the current cell")
        for combo in (self.impact, self.likelihood, self.portion):
            # Narrow panes shrink the choices, not the window: its minimum width stays the panes'.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(3)
        self._lay_out()
        self.table.selectionModel().currentChanged.connect(self._on_current_changed)
        self.matrix.modelAboutToBeReset.connect(self._remember_current)
        self.matrix.modelReset.connect(self._restore_current)
        self.matrix.dataChanged.connect(self._show_tags)
        self.table.edit_requested.connect(self.edit_cell)
        self.table.clear_requested.connect(self._clear)
        self.edit_button.clicked.connect(self._edit_current)
        self.impact.activated.connect(self._impact_chosen)
        self.likelihood.activated.connect(self._likelihood_chosen)
        self.portion.activated.connect(self._portion_chosen)
        self._show_tags()

    def _lay_out(self) -> None:
        tags = QGridLayout()
        tags.setContentsMargins(0, 0, 0, 0)
        for column, (label, combo) in enumerate((("&Impact", self.impact), ("&Portion", self.portion))):
            caption = QLabel(label)
            caption.setBuddy(combo)
            tags.addWidget(caption, 0, 2 * column)
            tags.addWidget(combo, 0, 2 * column + 1)
        caption = QLabel("&Likelihood")
        caption.setBuddy(self.likelihood)
        tags.addWidget(caption, 1, 0)
        tags.addWidget(self.likelihood, 1, 1, 1, 2)
        tags.addWidget(self.edit_button, 1, 3)
        tags.setColumnStretch(1, 1)
        tags.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(tags)

    def show_section(self, section: Section) -> None:
        self.matrix.set_section(section.id)

    # -- the current cell ---------------------------------------------------------------------
    def current_index(self) -> QModelIndex:
        index = self.table.currentIndex()
        return index.siblingAtColumn(DOMAIN) if self.matrix.is_cell(index) else QModelIndex()

    def current_cell(self) -> MatrixCell | None:
        return self.matrix.cell(self.current_index())

    def select_cell(self, actor_id: str, domain_id: str) -> None:
        index = self.matrix.cell_index(actor_id, domain_id)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    @Slot()
    def _remember_current(self) -> None:
        slot, section = self.matrix.slot(self.table.currentIndex()), self.matrix.section
        if slot is not None and section is not None:
            self._current[section.id] = slot

    @Slot()
    def _restore_current(self) -> None:
        section = self.matrix.section
        slot = self._current.get(section.id) if section is not None else None
        index = self.matrix.cell_index(*slot) if slot is not None else QModelIndex()
        index = index if index.isValid() else self.matrix.first_cell()
        if index.isValid():
            self.table.setCurrentIndex(index)
        self._show_tags()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._remember_current()
        self._show_tags()

    @Slot()
    def _show_tags(self, *_: object) -> None:
        index = self.current_index()
        cell = self.matrix.cell(index)
        for widget in (self.impact, self.likelihood, self.portion, self.edit_button):
            widget.setEnabled(index.isValid())
        set_combo(self.impact, cell.impact if cell else None)
        set_combo(self.likelihood, cell.likelihood if cell else None)
        set_combo(self.portion, cell.portion if cell else "U")

    # -- editing --------------------------------------------------------------------------------
    def _retag(self, tag: str, combo: QComboBox) -> None:
        index = self.current_index()
        if index.isValid():
            self.matrix.retag(index, tag, combo.currentData())
        self._show_tags()  # a refused choice shows the cell's value again

    @Slot(int)
    def _impact_chosen(self, _: int) -> None:
        self._retag("impact", self.impact)

    @Slot(int)
    def _likelihood_chosen(self, _: int) -> None:
        self._retag("likelihood", self.likelihood)

    @Slot(int)
    def _portion_chosen(self, _: int) -> None:
        self._retag("portion", self.portion)

    @Slot(QModelIndex)
    def _clear(self, index: QModelIndex) -> None:
        self.matrix.clear(index)

    @Slot()
    def _edit_current(self) -> None:
        self.edit_cell(self.current_index())

    @Slot(QModelIndex)
    def edit_cell(self, index: QModelIndex) -> CellEditor | None:
        """Open the cell editor on the cell at `index` (window-modal; it applies its changes on OK)."""
        slot, section = self.matrix.slot(index), self.matrix.section
        if slot is None or section is None:
            return None
        editor = CellEditor(self._model, section.id, *slot, parent=self)
        editor.finished.connect(self._editor_closed)
        self.cell_editor = editor
        editor.open()
        return editor

    @Slot()
    def _editor_closed(self) -> None:
        editor, self.cell_editor = self.cell_editor, None
        if editor is not None:
            editor.deleteLater()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
