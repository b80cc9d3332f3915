"""*Search → Save Search…* and *Search → Saved Searches…*.

Both work on the archive's saved searches (`Archive.saved_searches`), the file
`briefer saved` and `briefer search --saved` use, read again each time a
dialog opens or changes it, so a search saved on the command line shows here
and one saved here runs there.  Writing that small file is quick: it is done on
the GUI thread, as the command line does it.
"""

from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import SavedSearch, SavedSearchError, SavedSearches
from briefer.gui.dialogs import problem_label
from briefer.gui.search.filters import SORT_LABELS

NameRole = Qt.ItemDataRole.UserRole + 1


def describe(search: SavedSearch) -> str:
    """What a saved search does beside its query: filters, sort order, aliases off."""
    parts = [f"{facet} = {value}" for facet, value in search.filters]
    if search.sort != "relevance":
        parts.append(SORT_LABELS.get(search.sort, search.sort).lower())
    if not search.aliases:
        parts.append("aliases off")
    return ", ".join(parts)


class SaveSearchDialog(QDialog):
    """Name the current search and save it; a name in use is refused unless the user replaces it."""

    saved = Signal(object)  # the SavedSearch as stored

    def __init__(self, search: SavedSearch, store: SavedSearches, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search, self.store = search, store
        self.setWindowTitle("Save Search")
        self.setAccessibleName("Save search")
        query = QLabel(search.query)
        query.setTextFormat(Qt.TextFormat.PlainText)
        query.setWordWrap(True)
        query.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        options = QLabel(describe(search) or "no filters, best match first")
        options.setTextFormat(Qt.TextFormat.PlainText)
        options.setWordWrap(True)
        self.name = QLineEdit(search.name or search.query[:60])
        self.name.setAccessibleName("Name of the saved search")
        self.name.selectAll()
        self.name.setFocus()
        self.problem = problem_label()

        form = QFormLayout()
        form.addRow("Query:", query)
        form.addRow("Options:", options)
        form.addRow("&Name:", self.name)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        self.save_button = save  # the default button: Enter in the name field saves
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("Saved searches are listed under Search \u2192 Saved Searches\u2026")
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.replacing = False  # the name is in use, and Save offers to replace it
        self.name.textChanged.connect(self._check_name)
        self._check_name()

    def _taken(self, name: str) -> SavedSearch | None:
        try:
            return next((s for s in self.store.all() if s.name == name), None)
        except SavedSearchError:
            return None  # the save says what is wrong with the file

    @Slot()
    def _check_name(self) -> None:
        """Say at once when the name is in use; the Save button then offers to replace."""
        name = self.name.text().strip()
        taken = self._taken(name) if name else None
        self.replacing = taken is not None
        self.save_button.setText("&Replace" if taken else "&Save")
        self.save_button.setAccessibleName("Replace" if taken else "Save")
        if taken is None:
            self.problem.hide()
            return
        what = html.escape(taken.query + (f" ({describe(taken)})" if describe(taken) else ""))
        self.problem.setText(
            f"A search named \u201c{html.escape(name)}\u201d is already saved: <i>{what}</i>. "
            "Replace it, or type another name."
        )
        self.problem.show()

    def accept(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.problem.setText("Type a name for the search.")
            self.problem.show()
            self.name.setFocus()
            return
        search = dataclasses.replace(self.search, name=name)
        try:
            stored = self.store.save(search, replace=self.replacing)
        except SavedSearchError as exc:  # taken meanwhile (the command line), or an unreadable file
            self._check_name()  # a name taken meanwhile: now offered to replace
            if not self.replacing:
                self.problem.setText(f"Not saved: {html.escape(str(exc))}.")
                self.problem.show()
            return
        self.saved.emit(stored)
        super().accept()


class ConfirmDelete:
    @classmethod
    def ask(cls, parent: QWidget | None, search: SavedSearch) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete Saved Search",
            f"Delete the saved search \u201c{search.name}\u201d?",
            QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setInformativeText(f"It searches for: {search.query}")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setAccessibleName("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is delete


class SavedSearchesDialog(QDialog):
    """The saved searches: Run (Enter, double-click), Rename (F2, or edit the name), Delete (asks)."""

    run_requested = Signal(object)  # the SavedSearch to run
    changed = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, store: SavedSearches, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Saved Searches")
        self.setAccessibleName("Saved searches")
        self.list = QTreeWidget()
        self.list.setAccessibleName("Saved searches")
        self.list.setColumnCount(3)
        self.list.setHeaderLabels(["Name", "Query", "Filters and order"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        header = self.list.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.empty = QLabel(
            "No saved searches yet. Search, then choose Search \u2192 Save Search\u2026 to keep the query "
            "with its filters and order."
        )
        self.empty.setObjectName("dialogHint")
        self.empty.setWordWrap(True)
        self.problem = problem_label()

        self.run_button = QPushButton("&Run")
        self.rename_button = QPushButton("Re&name")
        self.delete_button = QPushButton("&Delete\u2026")
        for button in (self.run_button, self.rename_button, self.delete_button):
            button.setAccessibleName(button.text().replace("&", "").removesuffix("\u2026"))
            button.setAutoDefault(False)  # Enter runs, even after a click on Delete…
        column = QVBoxLayout()
        column.addWidget(self.run_button)
        column.addWidget(self.rename_button)
        column.addWidget(self.delete_button)
        column.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(column)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.problem)
        layout.addWidget(close)
        self.run_button.setDefault(True)  # once in the dialog: Enter runs the selected search
        self.resize(720, 380)

        self.run_button.clicked.connect(self.run_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemDoubleClicked.connect(self._activated)  # Enter: the default button, Run
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._update_buttons)
        self.reload()

    # -- the list ----------------------------------------------------------------------
    def reload(self, current: str | None = None) -> None:
        """Read the saved searches again (the command line may have changed them)."""
        current = current if current is not None else self.selected_name()
        try:
            searches = self.store.all()
        except SavedSearchError as exc:
            searches = []
            self._say(str(exc))
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for search in searches:
                item = QTreeWidgetItem([search.name, search.query, describe(search)])
                item.setData(0, NameRole, search.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(1, search.query)
                self.list.addTopLevelItem(item)
                if search.name == current:
                    self.list.setCurrentItem(item)
        finally:
            self.list.blockSignals(False)
        first = self.list.topLevelItem(0)
        if self.list.currentItem() is None and first is not None:
            self.list.setCurrentItem(first)
        self.list.resizeColumnToContents(0)
        self.list.setColumnWidth(0, min(self.list.columnWidth(0) + 16, 220))
        self.list.setColumnWidth(1, 260)
        self.empty.setVisible(not searches)
        self._update_buttons()

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(0, NameRole)) if item is not None else None

    def _selected(self) -> SavedSearch | None:
        name = self.selected_name()
        if name is None:
            return None
        try:
            return self.store.get(name)
        except SavedSearchError as exc:  # deleted meanwhile (the command line)
            self._say(str(exc))
            self.reload()
            return None

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        chosen = self.list.currentItem() is not None
        for button in (self.run_button, self.rename_button, self.delete_button):
            button.setEnabled(chosen)

    def _say(self, problem: str) -> None:
        self.problem.setText(html.escape(problem[:1].upper() + problem[1:]) + ".")
        self.problem.show()

    # -- run, rename, delete ---------------------------------------------------------------
    @Slot()
    def run_selected(self) -> None:
        search = self._selected()
        if search is not None:
            self.run_requested.emit(search)
            self.accept()

    @Slot(QTreeWidgetItem, int)
    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        self.run_selected()

    @Slot()
    def rename_selected(self) -> None:
        """Edit the name in place; the new name is kept when the edit ends (see `rename`)."""
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item, 0)

    @Slot(QTreeWidgetItem, int)
    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            self.rename(str(item.data(0, NameRole)), item.text(0))

    def rename(self, old: str, new: str) -> bool:
        """Give the saved search `old` the name `new`; a name in use is refused (and the old kept).
        The row is updated in place: this runs while its editor commits."""
        if new.strip() == old:
            self._show_name(old, old)
            return False
        try:
            renamed = self.store.rename(old, new)
        except SavedSearchError as exc:
            self._say(f"not renamed: {exc}")
            self._show_name(old, old)
            return False
        self.problem.hide()
        self._show_name(old, renamed.name)
        self.changed.emit(f"Renamed the saved search \u201c{old}\u201d to \u201c{renamed.name}\u201d")
        return True

    def _show_name(self, old: str, name: str) -> None:
        items = (self.list.topLevelItem(row) for row in range(self.list.topLevelItemCount()))
        item = next((i for i in items if i is not None and i.data(0, NameRole) == old), None)
        if item is None:
            return
        self.list.blockSignals(True)  # no itemChanged for what the dialog itself writes
        try:
            item.setText(0, name)
            item.setData(0, NameRole, name)
        finally:
            self.list.blockSignals(False)

    @Slot()
    def delete_selected(self) -> None:
        search = self._selected()
        if search is None or not ConfirmDelete.ask(self, search):
            return
        try:
            self.store.delete(search.name)
        except SavedSearchError as exc:
            self._say(str(exc))
        else:
            self.problem.hide()
            self.changed.emit(f"Deleted the saved search \u201c{search.name}\u201d")
        self.reload()
