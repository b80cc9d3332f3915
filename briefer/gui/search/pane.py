"""The search pane: a debounced query box, a summary line and the list of hits.

Searches run on a `LatestOnlyRunner`: one at a time, off the GUI thread, and
only the newest query's results are shown.  *More Like This* lists documents
like a document (or a passage of one) on the same runner; typing, sorting or
filtering goes back to the query.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QAction,
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import Archive, QueryError, SavedSearch
from briefer.core.briefing.excerpts import CarriedBy, hit_excerpt
from briefer.core.briefing.model import BriefingError, Excerpt
from briefer.core.documents import Document
from briefer.core.progress import Progress
from briefer.core.search import Hit, MatchTerms, SearchResults, Tier
from briefer.core.textnorm import strip_bidi
from briefer.gui import mime
from briefer.gui.elided import wrapped_lines
from briefer.gui.formatting import (
    SEPARATOR,
    TAG_TEXT,
    display_title,
    meta_line,
    muted_color,
    plain_tooltip,
    plural,
    tag_colour,
)
from briefer.gui.search.filters import ALIASES_LABEL, SearchOptions
from briefer.gui.workers import LatestOnlyRunner

Index = QModelIndex | QPersistentModelIndex

RESULT_LIMIT = 100
DEBOUNCE_MS = 250
HINT = 'Type words to search the archive; put a phrase in quotes, e.g. "grain exports".'
FAILED_FILES_ADVICE = (  # the link opens the report on the failed files
    '<a href="import-report:">Archive \u2192 Import Report</a> lists the files that could not be imported, '
    "with their reasons."
)
# The core states which variants were searched; how to search as typed is the window's to say.
ALIASES_ADVICE = (
    f"Switch {ALIASES_LABEL} off (beside ?) or Search \u2192 Use Aliases to search the words only as typed."
)


@dataclass(frozen=True)
class LikeSearch:
    """A *More Like This* search: documents like `doc_id`, or like its passage `span`."""

    doc_id: str
    title: str  # as the window shows it (`display_title`)
    span: tuple[int, int] | None = None

    def describe(self) -> str:
        title = f"\u201c{self.title}\u201d"
        return f"the passage selected in {title}" if self.span else title


if TYPE_CHECKING:
    from briefer.gui.search.cluster_dialog import ClusterDialog


class ResultsModel(QAbstractListModel):
    """The hits of the last search, in rank order; an adapter over `core.search.Hit`.  A hit quoted
    from here (dragged, or added) counts who else carried it with `carried_by`
    (`Archive.carried_by_count`).

    Before the first hit with most of the words, not all (the relaxed tier), a separator row
    says how many there are: it is neither selectable nor draggable, and `ResultsView` skips it.
    """

    HitRole = Qt.ItemDataRole.UserRole + 1
    SeparatorRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, carried_by: CarriedBy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []
        self._carried_by = carried_by
        self._separator_row = -1  # the row before the relaxed tier's first hit; -1 when none
        self._separator = ""

    def set_hits(self, hits: Sequence[Hit], separator: str = "") -> None:
        """Show `hits`; `separator` (when given) goes before the first hit of the relaxed tier."""
        self.beginResetModel()
        self._hits = list(hits)
        first_most = next((row for row, hit in enumerate(self._hits) if hit.match is Tier.MOST), -1)
        self._separator_row = first_most if separator else -1
        self._separator = separator
        self.endResetModel()

    def is_separator(self, row: int) -> bool:
        return row == self._separator_row >= 0

    def first_hit_row(self) -> int:
        """The first row that shows a hit (-1 when there is none)."""
        if not self._hits:
            return -1
        return 1 if self._separator_row == 0 else 0

    def hit(self, row: int) -> Hit:
        """The hit shown on `row` (not the separator's: IndexError)."""
        if self.is_separator(row):
            raise IndexError(f"row {row} is the separator, not a hit")
        return self._hits[row - 1 if 0 <= self._separator_row < row else row]

    def excerpt(self, row: int) -> Excerpt:
        """What quoting the hit of `row` adds (see `excerpt_of`); BriefingError when it has no text."""
        return excerpt_of(self.hit(row), self._carried_by)

    def row_of(self, doc_id: str) -> int:
        """The row showing `doc_id`, or -1."""
        found = next((row for row, hit in enumerate(self._hits) if hit.id == doc_id), -1)
        return found + 1 if 0 <= self._separator_row <= found else found

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits) + (self._separator_row >= 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if self.is_separator(index.row()):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, self.SeparatorRole):
                return self._separator
            return None
        hit = self.hit(index.row())
        doc = hit.document
        if role == Qt.ItemDataRole.DisplayRole:
            return display_title(doc)
        if role == self.HitRole:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(location(doc))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            copies = f" {hit.copies_note()}." if hit.cluster_size > 1 else ""
            tags = f" Tagged {', '.join(strip_bidi(t) for t in doc.tags)}." if doc.tags else ""
            return f"{display_title(doc)}. {meta_line(doc)}.{copies}{tags} {hit.snippet.marked('', '')}"
        return None

    # -- drag source: a hit becomes an excerpt of its best passage (else its lead) --------
    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid() and self.is_separator(index.row()):
            return Qt.ItemFlag.NoItemFlags  # a label between the tiers: never current, selected or dragged
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else flags

    def mimeTypes(self) -> list[str]:
        return [mime.EXCERPTS]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction  # never MoveAction: the view would remove the hit's row

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        excerpts = []
        for index in sorted((i for i in indexes if i.isValid()), key=lambda i: i.row()):
            if self.is_separator(index.row()):
                continue
            try:
                excerpts.append(self.excerpt(index.row()))
            except BriefingError:  # a document without text: nothing to quote
                continue
        return mime.excerpts_to_mime(excerpts)


def location(document: Document) -> str:
    """Where a result's document is: its address, else its file (the result's tooltip)."""
    return strip_bidi(document.url or document.path)


def excerpt_of(hit: Hit, carried_by: CarriedBy) -> Excerpt:
    """What dragging or adding a hit quotes: its best passage, else its lead paragraph; from the
    story's representative when the passage is in it (see `Hit.quotable`), with "also carried by"
    counted for the document cited."""
    document, spans = hit.quotable()
    return hit_excerpt(document, spans, carried_by=carried_by)


def hit_meta_line(hit: Hit) -> str:
    """Outlet, date, author, source type, how often the query's words occur, and who else carried it."""
    kind = hit.document.source_type.replace("-", " ") if hit.document.source_type else ""
    matches = plural(hit.matches, "match", "matches") if hit.matches else ""
    parts = (meta_line(hit.document), kind, matches, hit.copies_note())
    return SEPARATOR.join(p for p in parts if p)


class HitDelegate(QStyledItemDelegate):
    """Paints a hit as a title, a meta line (outlet, date, author) and a snippet with bold matches.

    A long title wraps to a second line; one longer still is elided in the middle of that line,
    keeping its end in view (near-identical titles, such as a government's readouts, differ at
    their end), and its tooltip shows it whole.
    """

    PADDING = 8
    GAP = 2
    TITLE_LINES = 2
    SNIPPET_LINES = 3

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        hit = index.data(ResultsModel.HitRole)
        separator = index.data(ResultsModel.SeparatorRole)
        if isinstance(separator, str):
            self._paint_separator(painter, option, separator)
            return
        if not isinstance(hit, Hit):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the item background, selection and focus only: the text is ours
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        text = opt.palette.color(
            group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = text if selected else muted_color(opt.palette)
        rect = opt.rect.adjusted(self.PADDING + 2, self.PADDING, -self.PADDING, -self.PADDING)

        painter.save()
        title_font, meta_font = _fonts(opt.font)
        y = rect.top()
        for title_line in self._title(hit, title_font, rect.width())[0]:
            y = _draw_line(painter, title_font, text, rect, y, title_line)
        chips = _draw_tags(painter, meta_font, rect, y + self.GAP, hit.document.tags)
        meta_rect = rect.adjusted(chips, 0, 0, 0)
        y = _draw_line(painter, meta_font, muted, meta_rect, y + self.GAP, hit_meta_line(hit))
        snippet, height = self._snippet(hit, opt.font, rect.width())
        painter.translate(rect.left(), y + self.GAP)
        painter.setClipRect(QRect(0, 0, rect.width(), height))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, text)
        snippet.documentLayout().draw(painter, context)
        painter.restore()

        if not selected:  # a hairline between hits
            line = QColor(opt.palette.color(QPalette.ColorRole.Mid))
            line.setAlpha(90)
            painter.setPen(line)
            painter.drawLine(opt.rect.bottomLeft(), opt.rect.bottomRight())

    def _paint_separator(self, painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        """ "12 more match most of your words", muted, over a rule: where the relaxed tier starts."""
        _, meta_font = _fonts(option.font)
        rect = option.rect.adjusted(self.PADDING + 2, self.PADDING, -self.PADDING, -self.GAP)
        painter.save()
        _draw_line(painter, meta_font, muted_color(option.palette), rect, rect.top(), text)
        rule = QColor(option.palette.color(QPalette.ColorRole.Mid))
        painter.setPen(rule)
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hit = index.data(ResultsModel.HitRole)
        if isinstance(index.data(ResultsModel.SeparatorRole), str):
            _, meta_font = _fonts(option.font)
            height = self.PADDING + QFontMetrics(meta_font).height() + self.GAP + 1
            return QSize(self._available_width(option), height)
        if not isinstance(hit, Hit):
            return super().sizeHint(option, index)
        width = self._available_width(option)
        title_font, meta_font = _fonts(option.font)
        _, snippet_height = self._snippet(hit, option.font, width)
        title_lines = len(self._title(hit, title_font, width)[0])
        height = (
            2 * self.PADDING
            + QFontMetrics(title_font).height() * max(1, title_lines)
            + self.GAP
            + QFontMetrics(meta_font).height()
            + self.GAP
            + snippet_height
        )
        return QSize(width, height)

    def helpEvent(
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        """A title cut short shows whole in the tooltip, above where the document is."""
        hit = index.data(ResultsModel.HitRole)
        if event.type() == QEvent.Type.ToolTip and isinstance(hit, Hit):
            title_font, _ = _fonts(option.font)
            if self._title(hit, title_font, self._available_width(option))[1]:
                tip = f"{display_title(hit.document)}\n{location(hit.document)}"
                QToolTip.showText(event.globalPos(), plain_tooltip(tip), view)
                return True
        return super().helpEvent(event, view, option, index)

    def _title(self, hit: Hit, font: QFont, width: int) -> tuple[list[str], bool]:
        """The title's lines at `width`, and whether it was cut."""
        title = display_title(hit.document)
        return wrapped_lines(title, font, width, self.TITLE_LINES, Qt.TextElideMode.ElideMiddle)

    def _available_width(self, option: QStyleOptionViewItem) -> int:
        # A list view asks for size hints before it knows the item rect: use its viewport.
        view = option.widget
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else option.rect.width()
        return max(120, width - 2 * self.PADDING - 2)

    def _snippet(self, hit: Hit, font: QFont, width: int) -> tuple[QTextDocument, int]:
        """The snippet laid out at `width`, and the height of its first SNIPPET_LINES lines."""
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        doc.setHtml(hit.snippet.html())
        doc.setTextWidth(width)
        doc.documentLayout().documentSize()  # lays the text out; until then it has no lines
        layout = doc.firstBlock().layout()
        lines = min(layout.lineCount(), self.SNIPPET_LINES)
        if lines == 0:
            return doc, 0
        last = layout.lineAt(lines - 1)
        return doc, int(last.y() + last.height() + 0.5)


def _fonts(base: QFont) -> tuple[QFont, QFont]:
    title = QFont(base)
    title.setBold(True)
    title.setPointSizeF(base.pointSizeF() * 1.08)
    meta = QFont(base)
    meta.setPointSizeF(base.pointSizeF() * 0.9)
    return title, meta


MAX_CHIPS = 3  # tags drawn on a result's meta line; "+2" says how many more it has


def _draw_tags(painter: QPainter, font: QFont, rect: QRect, y: int, tags: tuple[str, ...]) -> int:
    """Draw the tags as coloured chips at the start of the line at `y`; returns the width used."""
    if not tags:
        return 0
    metrics = QFontMetrics(font)
    painter.setFont(font)
    x, pad = rect.left(), max(3, metrics.averageCharWidth() // 2)
    shown = [*tags[:MAX_CHIPS], *([f"+{len(tags) - MAX_CHIPS}"] if len(tags) > MAX_CHIPS else [])]
    for n, tag in enumerate(shown):
        label = strip_bidi(tag)
        chip = QRect(x, y, metrics.horizontalAdvance(label) + 2 * pad, metrics.height())
        if chip.right() > rect.right() - 4 * pad:  # a narrow list: the meta line keeps some room
            break
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tag_colour(tag) if n < MAX_CHIPS else QColor(220, 220, 220))
        painter.drawRoundedRect(chip, 3, 3)
        painter.setPen(TAG_TEXT)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
        x = chip.right() + 1 + pad
    return x - rect.left()


def _draw_line(painter: QPainter, font: QFont, color: QColor, rect: QRect, y: int, text: str) -> int:
    """Draw one elided line of text at `y`; returns the y below it."""
    metrics = QFontMetrics(font)
    painter.setFont(font)
    painter.setPen(color)
    line = QRect(rect.left(), y, rect.width(), metrics.height())
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
    return line.bottom() + 1


class QueryBox(QLineEdit):
    """The query line edit; Down moves on to the results, as in a browser's address bar."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class ResultsView(QListView):
    """The hits; Enter opens the current one on every platform (macOS's list views would edit).
    The keyboard steps over a row that is no hit (the relaxed tier's separator)."""

    _BACKWARD = frozenset({
        QAbstractItemView.CursorAction.MoveUp,
        QAbstractItemView.CursorAction.MovePrevious,
        QAbstractItemView.CursorAction.MovePageUp,
        QAbstractItemView.CursorAction.MoveLeft,
        QAbstractItemView.CursorAction.MoveEnd,
    })  # fmt: skip

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        target = super().moveCursor(cursorAction, modifiers)
        if not target.isValid() or target.flags() & Qt.ItemFlag.ItemIsSelectable:
            return target
        step = -1 if cursorAction in self._BACKWARD else 1
        for row in (target.row() + step, target.row() - step):  # past it, else back where it came from
            beside = target.siblingAtRow(row)
            if beside.isValid() and beside.flags() & Qt.ItemFlag.ItemIsSelectable:
                return beside
        return self.currentIndex()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class SearchPane(QWidget):
    """Query box, summary (count, notices, query problems) and results."""

    hit_selected = Signal(object, str)  # the current Hit and the query that found it
    hit_activated = Signal(object, str)  # Enter or double-click on a hit: read it
    selection_cleared = Signal()  # no hit is current (no results, empty query)
    import_report_requested = Signal(str)  # the notice's link: the import report on these files

    def __init__(self, archive: Archive, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._archive = archive
        self._results_query = ""  # the query whose results are listed
        self._results_sort = ""  # their order
        self._requested_sort = ""  # the order of the newest search (the one whose results will show)
        self._results_terms: MatchTerms = MatchTerms()  # what it matched: marks it in a copy's text too
        self._shown: tuple[str, str] | None = None  # (doc id, query) last sent to the reader
        self._like: LikeSearch | None = None  # the More Like This search listed (or running), if any

        self.query = QueryBox()
        self.query.setPlaceholderText("Search the archive")
        self.query.setAccessibleName("Search query")
        self.query.setClearButtonEnabled(True)
        self.query.addAction(QIcon("icons:search.svg"), QLineEdit.ActionPosition.LeadingPosition)

        self.summary = QLabel(HINT)
        self.summary.setObjectName("searchSummary")
        self.summary.setAccessibleName("Search summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.summary.linkActivated.connect(self._on_summary_link)
        self.options = SearchOptions()
        self.options.changed.connect(self.search_now)

        self.model = ResultsModel(archive.carried_by_count, self)
        self.results = ResultsView()
        self.results.setObjectName("results")
        self.results.setAccessibleName("Search results")
        self.results.setModel(self.model)
        self.results.setItemDelegate(HitDelegate(self.results))
        # Several results can be selected (Shift/Ctrl+click) to tag them at once; the current one is read.
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)  # re-wrap snippets on resize
        self.results.setUniformItemSizes(False)
        self.results.setDragEnabled(True)  # a hit dragged onto the briefing quotes its lead paragraph
        self.results.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.results.setDefaultDropAction(Qt.DropAction.CopyAction)

        # "Show Other Copies…": the window puts it in the results' context menu.
        self.show_copies_action = QAction("Show Other Copies\u2026", self)
        self.show_copies_action.setToolTip("The other outlets' copies of this story, and what each changed")
        self.show_copies_action.setEnabled(False)
        self.show_copies_action.triggered.connect(self.show_copies)
        self.results.addAction(self.show_copies_action)
        self._copies_dialog: ClusterDialog | None = None

        self._runner = LatestOnlyRunner(expected=(QueryError,), parent=self)
        self._runner.succeeded.connect(self._show_results)
        self._runner.failed.connect(self._show_problem)
        # A copy opened from the copies window is read from the catalog and marked off the GUI thread.
        self._copy_runner = LatestOnlyRunner(parent=self)
        self._copy_runner.succeeded.connect(self._show_copy)
        self._copy_runner.failed.connect(self._copy_failed)

        # Search after a pause in typing, not on every keystroke; Enter searches at once.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search_now)
        self.query.textChanged.connect(self._on_text_changed)
        self.query.returnPressed.connect(self.search_now)
        self.query.down_pressed.connect(self.focus_results)
        self.results.selectionModel().currentChanged.connect(self._on_current_changed)
        self.results.activated.connect(self._on_activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.query)
        layout.addWidget(self.options)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

    # -- commands from the window ----------------------------------------------------
    def focus_query(self) -> None:
        self.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query.selectAll()

    def focus_results(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.results.currentIndex().isValid():
            self.results.setCurrentIndex(self.model.index(self.model.first_hit_row()))

    @Slot()
    def search_now(self) -> None:
        self._debounce.stop()
        self._like = None
        query = self.query.text().strip()
        if not query:
            self._runner.discard()
            self._show_idle()
            return
        archive = self._archive
        try:
            request = self.options.request(query, RESULT_LIMIT)
        except QueryError as exc:
            self._show_problem(exc)
            return

        def job(progress: Progress, cancel: threading.Event) -> SearchResults:
            return archive.search(request)

        self._requested_sort = request.sort
        self._runner.submit(job)

    def refresh(self) -> None:
        """Search again (the archive changed); the current hit stays current if it is still found."""
        if self._like is not None:
            self._run_like(self._like)
        elif self.query.text().strip():
            self.search_now()

    def more_like(self, document: Document, span: tuple[int, int] | None = None) -> None:
        """List the documents like `document`, or like its passage `span` (More Like This)."""
        self._debounce.stop()
        self._run_like(LikeSearch(document.id, display_title(document), span))

    def _run_like(self, like: LikeSearch) -> None:
        self._like, archive = like, self._archive

        def job(progress: Progress, cancel: threading.Event) -> SearchResults:
            return archive.more_like(like.doc_id, span=like.span, limit=RESULT_LIMIT)

        self._runner.submit(job)

    def run_saved(self, saved: SavedSearch) -> None:
        """Put a saved search's query, filters, sort and aliases setting in place, and run it."""
        self._debounce.stop()
        self.query.blockSignals(True)  # no second search after the pause in "typing"
        self.query.setText(saved.query)
        self.query.blockSignals(False)
        self.options.apply(sort=saved.sort, filters=saved.filters, aliases=saved.aliases)  # searches

    @property
    def listing_like(self) -> bool:
        """Whether More Like This results are listed (or coming), rather than a query's."""
        return self._like is not None

    def search_to_save(self, name: str = "") -> SavedSearch | None:
        """The query in the box with its filters, sort and aliases setting, as a saved search named
        `name`; None when there is no query (nothing typed, or More Like This results listed)."""
        query = self.query.text().strip()
        if not query or self._like is not None:
            return None
        options = self.options
        return SavedSearch(name, query, options.filters(), options.sort_order(), options.aliases())

    def current_hit(self) -> Hit | None:
        index = self.results.currentIndex()
        return self.model.hit(index.row()) if self._is_hit(index) else None

    def _is_hit(self, index: QModelIndex) -> bool:
        return index.isValid() and not self.model.is_separator(index.row())

    def selected_hits(self) -> list[Hit]:
        """The selected results in list order (the current one alone when none is selected)."""
        rows = sorted(index.row() for index in self.results.selectionModel().selectedRows())
        if not rows and self._is_hit(self.results.currentIndex()):
            rows = [self.results.currentIndex().row()]
        return [self.model.hit(row) for row in rows if not self.model.is_separator(row)]

    @Slot()
    def show_copies(self) -> None:
        """Open the copies of the current hit's story in a small window beside this one (non-modal)."""
        hit = self.current_hit()
        if hit is None or hit.cluster_size < 2:
            return
        from briefer.gui.search.cluster_dialog import ClusterDialog

        if self._copies_dialog is not None:
            self._copies_dialog.close()
        dialog = ClusterDialog(self._archive, hit.id, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._forget_copies_dialog)
        dialog.open_requested.connect(self._read_copy)
        self._copies_dialog = dialog
        dialog.show()

    @Slot()
    def _forget_copies_dialog(self) -> None:
        self._copies_dialog = None

    @Slot(str)
    def _read_copy(self, doc_id: str) -> None:
        """A copy double-clicked in the copies window: the reader shows it, marked with what the
        listed results' query matched (no new query: `MatchTerms` find it in any text)."""
        archive, query, terms = self._archive, self._results_query, self._results_terms

        def job(progress: Progress, cancel: threading.Event) -> tuple[Hit, str] | None:
            doc = archive.document(doc_id)
            return None if doc is None else (Hit.found(doc, 0.0, terms), query)

        self._copy_runner.submit(job)

    @Slot(object)
    def _show_copy(self, found: tuple[Hit, str] | None) -> None:
        if found is None:  # the copy left the archive meanwhile
            return
        hit, query = found
        self._shown = (hit.id, query)
        self.hit_selected.emit(hit, query)

    @Slot(object)
    def _copy_failed(self, exc: object) -> None:
        if self._copies_dialog is not None:  # said where the analyst asked for the copy
            self._copies_dialog.show_problem(f"This copy cannot be shown: {exc}")

    def shutdown(self) -> None:
        self._debounce.stop()
        self._runner.shutdown()
        self._copy_runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Never destroyed with its search thread running: Qt aborts then.
        self.shutdown()
        super().closeEvent(event)

    @property
    def searching(self) -> bool:
        return self._runner.busy or self._debounce.isActive()

    @Slot(str)
    def _on_text_changed(self, text: str) -> None:
        self._debounce.start()  # restarts: the search waits for a pause in typing

    # -- showing outcomes ---------------------------------------------------------
    def _show_idle(self) -> None:
        self._like = None
        self._results_query, self._results_terms = "", MatchTerms()
        self.model.set_hits([])
        self.summary.setText(html.escape(HINT))
        self._clear_selection()

    def _show_results(self, results: SearchResults) -> None:
        previous = self._shown[0] if self._shown else None
        self._results_query, self._results_terms = results.query, results.terms
        self.model.set_hits(results.hits, results.most_words_note() if results.relaxed else "")
        if self._like is None:  # the lists keep offering the query's values: choosing one goes back
            self.options.show_facets(results.facets)
        self.summary.setText(self._summary_html(results))
        if not results.hits:
            self._clear_selection()
            return
        row = self.model.row_of(previous) if previous else -1
        self.results.setCurrentIndex(self.model.index(row if row >= 0 else self.model.first_hit_row()))
        resorted, self._results_sort = self._results_sort != self._requested_sort, self._requested_sort
        if resorted:  # another order: its first results are what the reader wants to see
            self.results.scrollToTop()
        else:
            self.results.scrollTo(self.results.currentIndex())

    def _show_problem(self, exc: object) -> None:
        self._results_query, self._results_terms = "", MatchTerms()
        self.model.set_hits([])
        if isinstance(exc, QueryError):
            text = f"<b>Cannot search:</b> {html.escape(str(exc))}"
        else:
            text = f"<b>The search failed:</b> {html.escape(str(exc))}. The details are in the log."
        self.summary.setText(text)
        self._clear_selection()

    def _summary_html(self, results: SearchResults) -> str:
        if self._like is not None:
            return self._like_summary_html(results, self._like)
        shown = len(results.hits)
        if shown == 0:
            line = f"No results for \u201c{html.escape(results.query)}\u201d"
        elif results.counted > shown:
            line = f"About {results.total:,} results, the best {shown} shown"
        else:
            line = plural(results.total, "result")
        if shown and results.relaxed:  # the separator row names the others
            line += f", {results.total - results.relaxed:,} with all your words"
        if shown and results.stories is not None and results.stories < results.total:
            # Copies of one story are one hit: say how many stories the results are.
            line = line.replace(" results", f" results in {plural(results.stories, 'story', 'stories')}", 1)
        if self.options.filters():
            line += " (filtered)"
        suggestion = ""
        if results.suggestion:
            link = "suggest:" + urllib.parse.quote(results.suggestion)
            corrected = html.escape(results.suggestion)
            suggestion = f'<br>Did you mean <a href="{link}"><b><i>{corrected}</i></b></a>?'
        return line + suggestion + self._notices_html(results)

    def _like_summary_html(self, results: SearchResults, like: LikeSearch) -> str:
        shown = len(results.hits)
        if shown == 0:
            line = f"No documents like {html.escape(like.describe())}"
        else:
            count = plural(results.total, "document")
            best = f", the best {shown} shown" if results.total > shown else ""
            line = f"More like {html.escape(like.describe())}: {count}{best}"
        query = self.query.text().strip()
        if query:
            line += f' \u00b7 <a href="back:">Back to \u201c{html.escape(query)}\u201d</a>'
        return line + self._notices_html(results)

    def _notices_html(self, results: SearchResults) -> str:
        notices = "".join(f"<br>\u26a0 {html.escape(n)}" for n in results.notices)
        if results.expansions:  # the core names the variants; the switch is the window's to name
            notices += f"<br>\u26a0 {html.escape(ALIASES_ADVICE)}"
        if results.failed_files:  # the core says how many; where to find them is the window's to say
            notices += f"<br>\u26a0 {FAILED_FILES_ADVICE}"
        if results.incomplete and not results.notices:
            notices += "<br>\u26a0 Results may be incomplete: the archive is still being indexed."
        return notices

    @Slot(str)
    def _on_summary_link(self, link: str) -> None:
        if link.startswith("suggest:"):
            self.use_suggestion(urllib.parse.unquote(link.removeprefix("suggest:")))
        elif link == "back:":
            self.search_now()
        elif link == "import-report:":
            self.import_report_requested.emit("failed")

    def use_suggestion(self, query: str) -> None:
        """Search for the "did you mean" query (the link under the query box)."""
        self.query.setText(query)
        self.search_now()

    # -- selection ---------------------------------------------------------------
    def _clear_selection(self) -> None:
        self.show_copies_action.setEnabled(False)
        if self._shown is not None:
            self._shown = None
            self.selection_cleared.emit()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not self._is_hit(current):
            return
        hit = self.model.hit(current.row())
        self.show_copies_action.setEnabled(hit.cluster_size > 1)
        key = (hit.id, self._results_query)
        if key != self._shown:  # a refresh that keeps the same hit must not reload the reader
            self._shown = key
            self.hit_selected.emit(hit, self._results_query)

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        if self._is_hit(index):
            self.hit_activated.emit(self.model.hit(index.row()), self._results_query)
