"""The row under the query box: sort order, facet filters, the aliases switch and the query-language help.

The filter lists are filled from the facet counts of the latest results, so
they only offer values that narrow what is listed; a chosen value stays
offered (with no count) while other filters hide it.  A saved search may hold
filters the lists cannot show (a month, a second value of one facet): they
are kept, listed under the lists, and cleared with the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
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
ALIASES_LABEL = "Aliases"  # the switch beside "?"; the results' alias notice names it


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
        # The Aliases switch widens the row: in a narrow pane the sort box shrinks (to "B…" at
        # worst), not the window, whose minimum width stays the sum of the panes' as before.
        chars = 6 * self.sort.fontMetrics().averageCharWidth()
        self.sort.setMinimumWidth(self.sort.minimumSizeHint().width() - chars)
        self.filters_button = QToolButton()
        self.filters_button.setText("Filters")
        self.filters_button.setCheckable(True)
        self.filters_button.setAccessibleName("Show filters")
        self.filters_button.setToolTip("Narrow the results by outlet, source type, year, language or tag")
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setAccessibleName("Search syntax help")
        self.help_button.setToolTip("How to write a query: phrases, fields, dates, OR and NOT")
        # On: a name also finds its variants (DPRK, North Korea); the window's Search menu has it too.
        self.aliases_action = QAction("Use &Aliases", self)
        self.aliases_action.setIconText(ALIASES_LABEL)
        self.aliases_action.setCheckable(True)
        self.aliases_action.setChecked(True)
        self.aliases_action.setToolTip(
            "On: a name also finds its aliases (DPRK finds North Korea). Off: the words only as typed"
        )
        self.aliases_button = QToolButton()
        self.aliases_button.setDefaultAction(self.aliases_action)
        self.aliases_button.setAccessibleName("Search aliases")

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
        self._extra: tuple[tuple[str, str], ...] = ()  # chosen filters no list above can show
        self.extra_label = QLabel()
        self.extra_label.setAccessibleName("Other filters")
        self.extra_label.setWordWrap(True)
        self.extra_label.setTextFormat(Qt.TextFormat.PlainText)
        self.extra_label.setVisible(False)
        grid.addWidget(self.extra_label, len(FILTERS) // 2 + 1, 0, 1, 2)
        self.panel.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sort)
        row.addStretch(1)
        row.addWidget(self.filters_button)
        row.addWidget(self.aliases_button)
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
        self.aliases_action.toggled.connect(self._aliases_toggled)
        self._update_filters_button()

    # -- what the user chose --------------------------------------------------------
    def filters(self) -> tuple[tuple[str, str], ...]:
        chosen = ((facet, combo.currentData()) for facet, combo in self.combos.items())
        return tuple((facet, str(value)) for facet, value in chosen if value is not None) + self._extra

    def sort_order(self) -> str:
        return str(self.sort.currentData())

    def aliases(self) -> bool:
        return self.aliases_action.isChecked()

    def request(self, query: str, limit: int) -> SearchRequest:
        return SearchRequest(
            query,
            limit=limit,
            sort=self.sort_order(),
            filters=self.filters(),
            aliases=self.aliases(),
            facets=True,
        )

    def apply(self, *, sort: str, filters: Sequence[tuple[str, str]], aliases: bool) -> None:
        """Choose a sort order, filters and the aliases switch at once (a saved search), then
        search again once.  A filter no list can show, or a facet's second value, is kept aside."""
        self.blockSignals(True)
        try:
            self.sort.setCurrentIndex(max(self.sort.findData(sort), 0))
            self.aliases_action.setChecked(aliases)
            extra = []
            for combo in self.combos.values():
                combo.setCurrentIndex(0)
            for facet, value in filters:
                listed = self.combos.get(facet)
                if listed is None or listed.currentData() is not None:
                    extra.append((facet, value))
                    continue
                if listed.findData(value) < 0:
                    listed.addItem(value, value)
                listed.setCurrentIndex(listed.findData(value))
            self._set_extra(tuple(extra))
        finally:
            self.blockSignals(False)
        self._filter_chosen()

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
        self._set_extra(())
        self._filter_chosen()

    def _set_extra(self, extra: tuple[tuple[str, str], ...]) -> None:
        self._extra = extra
        shown = ", ".join(f"{facet} = {value}" for facet, value in extra)
        self.extra_label.setText(f"Also filtered by {shown}" if extra else "")
        self.extra_label.setVisible(bool(extra))

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

    @Slot(bool)
    def _aliases_toggled(self, on: bool) -> None:
        self.changed.emit()

    def _update_filters_button(self) -> None:
        active = len(self.filters())
        self.filters_button.setText(f"Filters ({active})" if active else "Filters")
        self.clear_button.setEnabled(active > 0)
