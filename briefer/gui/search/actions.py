"""The archive tools of the Search and Document menus: saved searches, More Like This, aliases, tags.

`SearchActions` builds the actions and opens their dialogs; the window wires it
in with `install(menu bar, before)` and puts the actions in its context menus.
What an action works on follows the focus: with the results list focused, the
current (More Like This) or selected (Tag…) results; elsewhere the reader's
selection or document, else the current result.  Archive reads and tag changes
run off the GUI thread, one job at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from briefer.core.archive import Archive, TagChange
from briefer.core.documents import Document
from briefer.core.progress import Progress
from briefer.gui.formatting import display_title, plural
from briefer.gui.job_runner import JobRunner
from briefer.gui.reader.pane import ReaderPane
from briefer.gui.search.pane import SearchPane
from briefer.gui.search.saved_searches_dialog import SavedSearchesDialog, SaveSearchDialog
from briefer.gui.search.tag_dialog import TagDialog, TagPlan

NOTHING_TO_TAG = "Select search results, or open a document, to tag it"
NOTHING_LIKE = "Select a search result, or text in the reader, to find more like it"
NO_QUERY = "Type a query first: Save Search keeps it with its filters and order"
NOT_A_QUERY = "More Like This lists are not saved: Save Search keeps a query with its filters and order"


@dataclass(frozen=True)
class TagTargets:
    """The documents Tag… works on, read again from the archive, and the archive's tags."""

    documents: list[Document]
    archive_tags: dict[str, int]


class SearchActions(QObject):
    message = Signal(str)  # a one-line outcome for the status bar

    def __init__(self, window: QWidget, archive: Archive, search: SearchPane, reader: ReaderPane) -> None:
        super().__init__(window)
        self._window, self._archive, self._search, self._reader = window, archive, search, reader
        self._jobs = JobRunner(expected=(ValueError,), parent=self)
        self.tag_dialog: TagDialog | None = None
        self.save_dialog: SaveSearchDialog | None = None
        self.saved_dialog: SavedSearchesDialog | None = None

        self.tag_action = self._action("&Tag\u2026", "Ctrl+T", "Add or remove tags (searchable with tag:)")
        self.save_search_action = self._action(
            "&Save Search\u2026", "Ctrl+D", "Keep the query with its filters, order and aliases setting"
        )
        self.saved_searches_action = self._action(
            "Saved Searc&hes\u2026", "Ctrl+Shift+F", "Run, rename or delete a saved search"
        )
        self.more_like_action = self._action(
            "&More Like This", "Ctrl+Shift+L", "Documents like the selected result, or the reader's selection"
        )
        self.aliases_action = search.options.aliases_action  # the switch beside "?" is the same action

        self.tag_action.triggered.connect(self.tag)
        self.save_search_action.triggered.connect(self.save_search)
        self.saved_searches_action.triggered.connect(self.show_saved_searches)
        self.more_like_action.triggered.connect(self.more_like_this)
        self._jobs.busy_changed.connect(self._busy)

    def _action(self, text: str, shortcut: str, tip: str) -> QAction:
        action = QAction(text, self._window)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        self._window.addAction(action)  # the shortcut works wherever the focus is
        return action

    def install(self, menu_bar: QMenuBar, before: QMenu) -> None:
        """Add the Search and Document menus before the menu `before`."""
        search = QMenu("&Search", menu_bar)
        search.addActions([self.save_search_action, self.saved_searches_action])
        search.addSeparator()
        search.addAction(self.more_like_action)
        search.addSeparator()
        search.addAction(self.aliases_action)
        document = QMenu("&Document", menu_bar)
        document.addAction(self.tag_action)
        document.addAction(self._search.show_copies_action)
        menu_bar.insertMenu(before.menuAction(), search)
        menu_bar.insertMenu(before.menuAction(), document)

    def shutdown(self) -> None:
        self._jobs.wait()

    @Slot(bool)
    def _busy(self, busy: bool) -> None:
        self.tag_action.setEnabled(not busy)

    def _results_focused(self) -> bool:
        return self._window.focusWidget() is self._search.results

    # -- More Like This -------------------------------------------------------------------
    @Slot()
    def more_like_this(self) -> None:
        """Like the current result when the results have the focus; else like the reader's
        selection, or the document in the reader; else like the current result."""
        hit = self._search.current_hit()
        reading = self._reader.current_document
        if hit is not None and (self._results_focused() or reading is None):
            self._search.more_like(hit.document)
        elif reading is not None:
            self._search.more_like(reading, self._reader.selection_span())
        else:
            self.message.emit(NOTHING_LIKE)

    # -- saved searches -------------------------------------------------------------------
    @Slot()
    def save_search(self) -> SaveSearchDialog | None:
        search = self._search.search_to_save()
        if search is None:
            self.message.emit(NOT_A_QUERY if self._search.listing_like else NO_QUERY)
            return None
        dialog = SaveSearchDialog(search, self._archive.saved_searches, self._window)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(self._forget_save_dialog)
        self.save_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _saved(self, search: object) -> None:
        self.message.emit(f"Saved the search \u201c{getattr(search, 'name', '')}\u201d")

    @Slot()
    def _forget_save_dialog(self) -> None:
        self.save_dialog = None

    @Slot()
    def show_saved_searches(self) -> SavedSearchesDialog:
        dialog = SavedSearchesDialog(self._archive.saved_searches, self._window)
        dialog.run_requested.connect(self._search.run_saved)
        dialog.changed.connect(self.message)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(self._forget_saved_dialog)
        self.saved_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _forget_saved_dialog(self) -> None:
        self.saved_dialog = None

    # -- tags -----------------------------------------------------------------------------
    def tag_target_ids(self) -> list[str]:
        """The selected results when the results have the focus (or several are selected); else
        the document in the reader; else the current result."""
        hits = self._search.selected_hits()
        reading = self._reader.current_document
        if hits and (self._results_focused() or len(hits) > 1 or reading is None):
            return [hit.id for hit in hits]
        return [reading.id] if reading is not None else []

    @Slot()
    def tag(self) -> None:
        """Read the documents to tag and the archive's tags (off the GUI thread), then ask."""
        ids, archive = self.tag_target_ids(), self._archive
        if not ids:
            self.message.emit(NOTHING_TO_TAG)
            return

        def job(progress: Progress, cancel: threading.Event) -> TagTargets:
            docs = [doc for doc in map(archive.document, ids) if doc is not None]
            return TagTargets(docs, archive.tags())

        if not self._jobs.run(job, self._ask_tags, self._failed):
            self.message.emit("Tags are still being saved; try again in a moment")

    def _ask_tags(self, targets: object) -> None:
        assert isinstance(targets, TagTargets)
        if not targets.documents:  # removed meanwhile
            self.message.emit(NOTHING_TO_TAG)
            return
        dialog = TagDialog(targets.documents, targets.archive_tags, self._window)
        dialog.accepted.connect(self._apply_tags)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(self._forget_tag_dialog)
        self.tag_dialog = dialog
        dialog.open()

    @Slot()
    def _forget_tag_dialog(self) -> None:
        self.tag_dialog = None

    @Slot()
    def _apply_tags(self) -> None:
        dialog = self.tag_dialog
        if dialog is None:
            return
        plan, archive = dialog.plan(), self._archive
        titles = {doc.id: display_title(doc) for doc in dialog.documents}
        if not plan:
            self.message.emit("No tags changed")
            return

        def job(progress: Progress, cancel: threading.Event) -> TagReport:
            added = [archive.tag(doc_id, tags) for doc_id, tags in plan.add.items()]
            removed = [archive.untag(doc_id, tags) for doc_id, tags in plan.remove.items()]
            return TagReport(plan, titles, added, removed)

        self._jobs.run(job, self._tagged, self._failed)

    def _tagged(self, report: object) -> None:
        assert isinstance(report, TagReport)
        self.message.emit(report.line())
        self._search.refresh()  # the tag facet and the hits' tags

    def _failed(self, exc: object) -> None:
        self.message.emit(f"Tags not changed: {exc}")


@dataclass(frozen=True)
class TagReport:
    plan: TagPlan
    titles: dict[str, str]  # document id -> title as shown
    added: list[TagChange]
    removed: list[TagChange]

    def line(self) -> str:
        """'Tags of “Title”: added priority; removed draft' (or 'Tags of 3 documents: ...'), and
        whether `tag:` searches see it yet."""
        changed = {c.doc_id for c in self.added + self.removed}
        gained = sorted({t for c in self.added for t in c.tags})
        lost = sorted({t for c in self.removed for t in c.tags})
        what = (
            f"\u201c{self.titles.get(next(iter(changed)), '')}\u201d"
            if len(changed) == 1
            else plural(len(changed), "document")
        )
        parts = [f"added {', '.join(gained)}"] if gained else []
        parts += [f"removed {', '.join(lost)}"] if lost else []
        line = f"Tags of {what}: {'; '.join(parts)}"
        if not all(c.indexed for c in self.added + self.removed):
            line += " (another Briefer is importing: tag: searches see it once that import ends)"
        return line
