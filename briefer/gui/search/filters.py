"""The row under the query box: sort order, facet filters, and the query-language help.

The filter lists are filled from the facet counts of the latest results, so
they only offer values that narrow what is listed; a chosen value stays
offered (with no count) while other filters hide it.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core import paths
from briefer.core.search import SearchRequest

SORT_LABELS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}
# The facets a user filters by in the window, with how an empty choice reads.
FILTERS = {
    "source": "Any outlet",
    "type": "Any source type",
    "year": "Any year",
    "language": "Any language",
    "tag": "Any tag",
}
MAX_VALUES = 60  # a long tail of outlets is better searched with source:


def query_help_html() -> str:
    path = paths.RESOURCES / "help" / "query-syntax.html"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return "<p>The query-language help is missing from this installation (resources/help).</p>"


class QueryHelp(QFrame):
    """A small window with the query language, shown next to the help button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setWindowTitle("Search syntax")
        self.setAccessibleName("Search syntax")
        browser = QTextBrowser()
        browser.setAccessibleName("Search syntax help")
        browser.setHtml(query_help_html())
        browser.setOpenExternalLinks(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(browser)
        self.resize(560, 520)


class SearchOptions(QWidget):
    """Sort, filters and help; `changed` means: search again with `request(query)`."""

    changed = Signal()
    suggestion_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Search options")
        self._help: QueryHelp | None = None

        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort results")
        self.sort.setToolTip("Order of the results")
        self.sort.view().setAccessibleName("Sort orders")
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sort.setMinimumContentsLength(6)
        for value, label in SORT_LABELS.items():
            self.sort.addItem(label, value)
        self.filters_button = QToolButton()
        self.filters_button.setText("Filters")
        self.filters_button.setCheckable(True)
        self.filters_button.setAccessibleName("Show filters")
        self.filters_button.setToolTip("Narrow the results by outlet, source type, year, language or tag")
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setAccessibleName("Search syntax help")
        self.help_button.setToolTip("How to write a query: phrases, fields, dates, OR and NOT")

        self.combos: dict[str, QComboBox] = {}
        self.panel = QWidget()
        self.panel.setAccessibleName("Filters")
        grid = QGridLayout(self.panel)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        for position, (facet, empty) in enumerate(FILTERS.items()):
            combo = QComboBox()
            combo.setAccessibleName(f"Filter by {facet}")
            combo.view().setAccessibleName(f"Values of {facet}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.addItem(empty, None)
            combo.activated.connect(self._filter_chosen)
            self.combos[facet] = combo
            grid.addWidget(combo, position // 2, position % 2)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear filters")
        self.clear_button.setAccessibleName("Clear filters")
        grid.addWidget(self.clear_button, len(FILTERS) // 2, len(FILTERS) % 2)
        self.panel.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sort)
        row.addStretch(1)
        row.addWidget(self.filters_button)
        row.addWidget(self.help_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.panel)

        self.sort.activated.connect(self._sort_chosen)
        self.filters_button.toggled.connect(self.panel.setVisible)
        self.help_button.clicked.connect(self.show_help)
        self.clear_button.clicked.connect(self.clear_filters)
        self._update_filters_button()

    # -- what the user chose --------------------------------------------------------
    def filters(self) -> tuple[tuple[str, str], ...]:
        chosen = ((facet, combo.currentData()) for facet, combo in self.combos.items())
        return tuple((facet, str(value)) for facet, value in chosen if value is not None)

    def sort_order(self) -> str:
        return str(self.sort.currentData())

    def request(self, query: str, limit: int) -> SearchRequest:
        return SearchRequest(query, limit=limit, sort=self.sort_order(), filters=self.filters(), facets=True)

    def set_filter(self, facet: str, value: str | None) -> None:
        """Choose a filter value (as a click on the list would) and search again."""
        combo = self.combos[facet]
        if value is not None and combo.findData(value) < 0:
            combo.addItem(value, value)
        combo.setCurrentIndex(max(combo.findData(value), 0))
        self._filter_chosen()

    def set_sort(self, order: str) -> None:
        self.sort.setCurrentIndex(max(self.sort.findData(order), 0))
        self._sort_chosen()

    @Slot()
    def clear_filters(self) -> None:
        if not self.filters():
            return
        for combo in self.combos.values():
            combo.setCurrentIndex(0)
        self._filter_chosen()

    # -- what the results offer -------------------------------------------------------
    def show_facets(self, facets: Mapping[str, Mapping[str, int]] | None) -> None:
        for facet, combo in self.combos.items():
            counts = (facets or {}).get(facet, {})
            chosen = combo.currentData()
            combo.blockSignals(True)
            try:
                while combo.count() > 1:
                    combo.removeItem(1)
                for value, count in list(counts.items())[:MAX_VALUES]:
                    combo.addItem(f"{value} ({count:,})", value)
                if chosen is not None and combo.findData(chosen) < 0:
                    combo.addItem(str(chosen), chosen)
                combo.setCurrentIndex(max(combo.findData(chosen), 0))
                combo.setEnabled(combo.count() > 1)
            finally:
                combo.blockSignals(False)

    @Slot()
    def show_help(self) -> QueryHelp:
        if self._help is None:
            self._help = QueryHelp(self)
        corner = self.help_button.mapToGlobal(QPoint(0, self.help_button.height()))
        self._help.move(corner)
        self._help.show()
        return self._help

    # -- reacting -------------------------------------------------------------------
    @Slot()
    def _filter_chosen(self, *_: object) -> None:
        self._update_filters_button()
        self.changed.emit()

    @Slot()
    def _sort_chosen(self, *_: object) -> None:
        self.changed.emit()

    def _update_filters_button(self) -> None:
        active = len(self.filters())
        self.filters_button.setText(f"Filters ({active})" if active else "Filters")
        self.clear_button.setEnabled(active > 0)
