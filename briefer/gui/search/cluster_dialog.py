"""The copies of one story: who carried it, and what each outlet changed.

A small non-modal window (the search pane's "Show Other Copies…"): the
cluster's documents, the representative first, and beside them the difference
between the selected copy and the representative: headline, paragraphs added,
cut or reworded (word by word).  It reads the catalog once when opened.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import Archive, ClusterDiff, cluster_diff, word_diff
from briefer.core.documents import Document
from briefer.gui.formatting import SEPARATOR, format_date, plain_tooltip, plural

ADDED_BACKGROUND = "#c9efc9"
REMOVED_BACKGROUND = "#f6cccc"
IdRole = Qt.ItemDataRole.UserRole + 1


class ClusterDialog(QDialog):
    """The copies of the story of `doc_id`, and the difference of the selected one from the
    representative.  Open it with `show()`: it never blocks the window."""

    open_requested = Signal(str)  # a copy's document id, double-clicked: show it in the reader

    def __init__(self, archive: Archive, doc_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Other Copies")
        self.setModal(False)
        self._members = archive.cluster(doc_id)
        self._outlets = archive.also_carried_by(doc_id)  # what the hit it was opened from says

        self.summary = QLabel(self._summary())
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # it names an outlet
        self.summary.setAccessibleName("Copies summary")
        self.copies = QListWidget()
        self.copies.setAccessibleName("Copies of the story")
        for index, doc in enumerate(self._members):
            item = QListWidgetItem(_member_text(doc, representative=index == 0))
            item.setData(IdRole, doc.id)
            item.setToolTip(plain_tooltip(doc.url or doc.path))
            self.copies.addItem(item)
        self.diff = QTextBrowser()
        self.diff.setAccessibleName("What this copy changed")
        self.diff.setOpenLinks(False)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.copies)
        split.addWidget(self.diff)
        split.setStretchFactor(1, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)

        self.copies.currentRowChanged.connect(self._show_row)
        self.copies.itemActivated.connect(self._open_item)
        start = next((i for i, d in enumerate(self._members) if d.id == doc_id), 0)
        if start == 0 and len(self._members) > 1:
            start = 1  # the representative against itself says nothing: show the first copy
        self.copies.setCurrentRow(start)

    def show_problem(self, text: str) -> None:
        """A copy that could not be read: said in the summary line, the list left as it is."""
        self.summary.setText(text)

    def _summary(self) -> str:
        if len(self._members) < 2:
            return "This document has no near-duplicate copies in the archive."
        first = self._members[0]
        outlets = len(self._outlets)
        carried = f", also carried by {plural(outlets, 'outlet')}" if outlets else ""
        return (
            f"{plural(len(self._members), 'copy', 'copies')} of this story{carried}. "
            f"Citations name the first, from {first.source or 'an unknown source'}: "
            "the earliest published (among equals, a wire service's)."
        )

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(self._members):
            self.diff.clear()
            return
        original, copy = self._members[0], self._members[row]
        if row == 0:
            self.diff.setHtml(
                "<p><i>The representative: the copy citations name. Select another copy to see "
                "what it changed.</i></p>"
            )
            return
        self.diff.setHtml(diff_html(cluster_diff(original, copy), original, copy))

    @Slot(QListWidgetItem)
    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(str(item.data(IdRole)))


def _member_text(doc: Document, *, representative: bool) -> str:
    parts = [doc.source or "unknown source", format_date(doc.published), doc.title or doc.path]
    line = SEPARATOR.join(p for p in parts if p)
    return f"\u2605 {line} (representative)" if representative else line


def diff_html(diff: ClusterDiff, original: Document, copy: Document) -> str:
    """The difference as rich text: the representative's words struck through on red, the copy's
    on green."""
    esc = html.escape
    out = [
        f"<p><b>{esc(copy.source or 'This copy')}</b> against "
        f"<b>{esc(original.source or 'the representative')}</b></p>"
    ]
    if diff.identical:
        out.append("<p>The texts are the same.</p>")
    if diff.headline_changed:
        out.append("<h4>Headline</h4>")
        out.append(f"<p>{_removed(diff.title_before)}<br>{_added(diff.title_after)}</p>")
    for change in diff.changes:
        if change.kind == "added":
            out.append(f"<h4>Added paragraph</h4><p>{_added(change.after)}</p>")
        elif change.kind == "removed":
            out.append(f"<h4>Cut paragraph</h4><p>{_removed(change.before)}</p>")
        else:
            words = "".join(
                _removed(text) if op == "-" else _added(text) if op == "+" else esc(text)
                for op, text in word_diff(change.before, change.after)
            )
            out.append(f"<h4>Reworded paragraph</h4><p>{words}</p>")
    out.append(f"<p><i>{plural(diff.unchanged, 'paragraph')} the same.</i></p>")
    return "".join(out)


def _added(text: str) -> str:
    return f'<span style="background-color:{ADDED_BACKGROUND}; color:#000">{html.escape(text)}</span>'


def _removed(text: str) -> str:
    return (
        f'<span style="background-color:{REMOVED_BACKGROUND}; color:#000; text-decoration:line-through">'
        f"{html.escape(text)}</span>"
    )
