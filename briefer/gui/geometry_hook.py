"""A test-only hook: where the window's parts are on screen, for tests that drive it with X input.

Inert in normal use: nothing is installed unless the environment variable
BRIEFER_GEOMETRY_FILE names a file.  Then the window looks every 100 ms for a
request (that file's name + ".request"); on finding one it writes the file
(JSON, screen coordinates, written whole then renamed) and deletes the request.
The journey test (tests/gui/test_journey_xvfb.py) uses it to know where a
result row, a reader match, an outline row or the matrix is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QRect, QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from briefer.core.atomic_write import write_text

if TYPE_CHECKING:
    from briefer.gui.mainwindow import MainWindow

ENV = "BRIEFER_GEOMETRY_FILE"
POLL_MS = 100

Rect = list[int]


def install(window: MainWindow) -> QObject | None:
    """Start answering geometry requests for `window` when BRIEFER_GEOMETRY_FILE is set."""
    target = os.environ.get(ENV)
    return GeometryHook(window, Path(target)) if target else None


class GeometryHook(QObject):
    def __init__(self, window: MainWindow, target: Path) -> None:
        super().__init__(window)
        self._window = window
        self._target = target
        self._request = target.with_name(target.name + ".request")
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._answer)
        self._timer.start(POLL_MS)

    def _answer(self) -> None:
        if not self._request.exists():
            return
        write_text(self._target, json.dumps(describe(self._window)), durable=False)  # whole or not at all
        self._request.unlink(missing_ok=True)


def describe(window: MainWindow) -> dict[str, Any]:
    """The screen rectangles ([x, y, width, height]) of what a journey clicks or drags onto."""
    focus = QApplication.focusWidget()
    modal = QApplication.activeModalWidget()
    matrix = window.briefing.matrix.table
    return {
        "title": window.windowTitle(),
        "window": _global_rect(window, window.rect()),
        "focus": type(focus).__name__ if focus is not None else None,
        "modal": modal.windowTitle() if modal is not None else None,
        "results": _row_rects(window.search.results),
        "reader": _global_rect(window.reader.viewport(), window.reader.viewport().rect()),
        "reader_matches": _match_points(window),
        "outline": _outline_rects(window),
        "matrix_current": _global_rect(matrix.viewport(), matrix.visualRect(matrix.currentIndex()))
        if matrix.isVisible() and matrix.currentIndex().isValid()
        else None,
    }


def _global_rect(widget: QWidget, rect: QRect) -> Rect:
    top_left = widget.mapToGlobal(rect.topLeft())
    return [top_left.x(), top_left.y(), rect.width(), rect.height()]


def _row_rects(view: QAbstractItemView) -> list[Rect]:
    model = view.model()
    rects = (view.visualRect(model.index(row, 0)) for row in range(model.rowCount()))
    return [_global_rect(view.viewport(), rect) for rect in rects if not rect.isEmpty()]


def _outline_rects(window: MainWindow) -> dict[str, Rect]:
    """Each shown outline row by its node's id."""
    outline, model = window.briefing.outline, window.briefing.model
    found: dict[str, Rect] = {}

    def visit(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            node = model.node(index)
            rect = outline.visualRect(index)
            if node is not None and not rect.isEmpty():
                found[str(getattr(node, "id", ""))] = _global_rect(outline.viewport(), rect)
            visit(index)

    visit(QModelIndex())
    return found


def _match_points(window: MainWindow) -> list[dict[str, list[int]]]:
    """The screen points at the start and end of each highlighted match in the reader."""
    reader = window.reader
    points = []
    for start, end in reader.match_spans:
        first, after = reader.qt_position(start), reader.qt_position(end - 1)
        if first is None or after is None:
            continue
        points.append({"start": _cursor_point(window, first), "end": _cursor_point(window, after + 1)})
    return points


def _cursor_point(window: MainWindow, position: int) -> list[int]:
    reader = window.reader
    cursor = QTextCursor(reader.document())
    cursor.setPosition(position)
    centre = reader.viewport().mapToGlobal(reader.cursorRect(cursor).center())
    return [centre.x(), centre.y()]
