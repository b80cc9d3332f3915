"""Archive → Import Report: every file the imports met, with its status and reason.

The rows are what the catalog records per file (`Archive.file_statuses`): the
status the last import that met each file gave it.  They are read off the GUI
thread; *Retry* hands failed files back to the import flow (progress and
Cancel in the status bar), and the report reads itself again when that ends.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import Archive, FileStatus
from briefer.core.textnorm import strip_bidi
from briefer.gui.help_windows import ToolWindow
from briefer.gui.workers import LatestOnlyRunner

STATUSES = ("imported", "updated", "unchanged", "duplicate", "skipped", "failed")
ALL_STATUSES = "Every status"
COLUMNS = ("Status", "File", "Reason")
AnyIndex = QModelIndex | QPersistentModelIndex


class FileStatusModel(QAbstractTableModel):
    """The report's rows: status, path, reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FileStatus] = []

    def set_rows(self, rows: list[FileStatus]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            # Shown without bidirectional controls: a file name cannot reorder the line.
            return strip_bidi((row.status, row.path, row.reason)[index.column()])
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class StatusFilter(QSortFilterProxyModel):
    """Rows of one status (or all), whose path or reason contains the typed text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = ""
        self.text = ""

    def set_filter(self, status: str, text: str) -> None:
        self.beginFilterChange()
        self.status, self.text = status, text.casefold()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, FileStatusModel)
        row = model.rows[source_row]
        if self.status and row.status != self.status:
            return False
        return not self.text or self.text in row.path.casefold() or self.text in row.reason.casefold()


def retry_path(row: FileStatus) -> Path:
    """What to import again for a row: the file, or the container that holds a member."""
    return Path(row.container or row.path)


def folder_of(row: FileStatus) -> Path:
    return retry_path(row).parent


class ImportReport(ToolWindow):
    """The import report window; `retry_requested` carries the files to import again."""

    retry_requested = Signal(list)  # list[Path]

    def __init__(self, archive: Archive, parent: QWidget | None = None) -> None:
        super().__init__("Import Report", parent)
        self._archive = archive
        self._loader = LatestOnlyRunner(parent=self)
        self._loader.succeeded.connect(self._show_rows)
        self._loader.failed.connect(self._show_failure)

        self.model = FileStatusModel(self)
        self.proxy = StatusFilter(self)
        self.proxy.setSourceModel(self.model)
        self.status_choice = QComboBox()
        self.status_choice.setAccessibleName("Show status")
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter by file name or reason")
        self.text_filter.setAccessibleName("Filter files")
        self.text_filter.setClearButtonEnabled(True)
        self.summary = QLabel("Reading the archive\u2026")
        self.summary.setAccessibleName("Report summary")
        self.summary.setWordWrap(True)
        self.table = self._make_table()
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setToolTip("Import the selected failed files again (after fixing them)")
        self.show_button = QPushButton("Show in &Folder")
        self.show_button.setToolTip("Open the folder that holds the selected file")
        self.refresh_button = QPushButton("Re&fresh")
        self.close_button = QPushButton("Close")
        self._lay_out()
        self._fill_status_choice(Counter())

        self.status_choice.currentIndexChanged.connect(self._apply_filter)
        self.text_filter.textChanged.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.retry_button.clicked.connect(self.retry)
        self.show_button.clicked.connect(self.show_in_folder)
        self.refresh_button.clicked.connect(self.reload)
        self.close_button.clicked.connect(self.close)
        self.resize(980, 560)
        self._update_buttons()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setAccessibleName("Imported files")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the file name at the end stays visible
        table.setWordWrap(False)
        rows = table.verticalHeader()
        rows.setVisible(False)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)  # one line of text a row
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)  # as wide as the reasons
        header.setStretchLastSection(False)
        return table

    def _fit_reasons(self) -> None:
        """The reasons as wide as the shown ones need, up to 40% of the table: the rest is the
        paths', whose file names would otherwise be cut beside an empty column."""
        wanted = max(self.table.sizeHintForColumn(2), self.table.horizontalHeader().sectionSizeHint(2))
        self.table.setColumnWidth(2, min(wanted, int(self.table.viewport().width() * 0.4)))

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        filters.addWidget(self.status_choice)
        filters.addWidget(self.text_filter, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    # -- reading ---------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        """Read the files' statuses again, off the GUI thread."""
        archive = self._archive
        self._loader.submit(lambda progress, cancel: archive.file_statuses())

    @Slot(object)
    def _show_rows(self, rows: list[FileStatus]) -> None:
        counts = Counter(row.status for row in rows)
        self.model.set_rows(rows)
        self._fit_reasons()
        self._fill_status_choice(counts)
        described = ", ".join(f"{counts[s]:,} {s}" for s in STATUSES if counts[s])
        self.summary.setText(
            f"{len(rows):,} files: {described}. Each file shows what the last import that met it made of it."
            if rows
            else "No import has recorded any file yet."
        )
        self._apply_filter()

    @Slot(object)
    def _show_failure(self, exc: object) -> None:
        self.summary.setText(f"The report cannot be read: {exc}")

    def _fill_status_choice(self, counts: Counter[str]) -> None:
        chosen = self.status_choice.currentData() or ""
        self.status_choice.blockSignals(True)
        self.status_choice.clear()
        self.status_choice.addItem(ALL_STATUSES, "")
        for status in STATUSES:
            self.status_choice.addItem(f"{status} ({counts[status]:,})", status)
        self.status_choice.setCurrentIndex(max(self.status_choice.findData(chosen), 0))
        self.status_choice.blockSignals(False)

    # -- filtering and acting ---------------------------------------------------------
    def show_status(self, status: str) -> None:
        """Show only the files of `status` ("" for all)."""
        self.status_choice.setCurrentIndex(max(self.status_choice.findData(status), 0))

    @Slot()
    def _apply_filter(self, *_: object) -> None:
        self.proxy.set_filter(self.status_choice.currentData() or "", self.text_filter.text())
        self._update_buttons()

    def shown_rows(self) -> list[FileStatus]:
        return [self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.proxy.rowCount())]

    def selected_rows(self) -> list[FileStatus]:
        rows = self.table.selectionModel().selectedRows()
        return [index.data(Qt.ItemDataRole.UserRole) for index in sorted(rows, key=lambda i: i.row())]

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        selected = self.selected_rows()
        self.retry_button.setEnabled(any(row.status == "failed" for row in selected))
        self.show_button.setEnabled(len(selected) == 1)

    @Slot()
    def retry(self) -> None:
        """Import the selected failed files again (a member: its container)."""
        paths = [retry_path(row) for row in self.selected_rows() if row.status == "failed"]
        if paths:
            self.summary.setText(f"Importing {len(paths):,} file(s) again\u2026")
            self.retry_requested.emit(list(dict.fromkeys(paths)))

    @Slot()
    def show_in_folder(self) -> None:
        selected = self.selected_rows()
        if len(selected) == 1:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder_of(selected[0]))))

    def shutdown(self) -> None:
        self._loader.shutdown()
