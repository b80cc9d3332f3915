"""The journey test's geometry hook: inert unless BRIEFER_GEOMETRY_FILE is set; then it answers each
request with where the window's parts are on screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint

from briefer.gui import geometry_hook
from briefer.gui.mainwindow import MainWindow


def test_without_the_variable_nothing_is_installed(
    make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(geometry_hook.ENV, raising=False)
    window = make_window()
    assert geometry_hook.install(window) is None
    assert window.findChildren(geometry_hook.GeometryHook) == []


def test_a_request_is_answered_with_the_rows_on_screen(
    qtbot, make_window: Callable[[], MainWindow], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "geometry.json"
    monkeypatch.setenv(geometry_hook.ENV, str(target))
    window = make_window()
    window.session.new()
    window.show()
    qtbot.waitExposed(window)
    assert geometry_hook.install(window) is not None
    request = tmp_path / "geometry.json.request"
    request.write_text("", encoding="utf-8")
    qtbot.waitUntil(lambda: not request.exists(), timeout=5000)
    answer = json.loads(target.read_text(encoding="utf-8"))
    assert answer["title"] == window.windowTitle() and answer["modal"] is None
    x, y, width, height = answer["outline"]["key-judgments"]  # a section row, in screen coordinates
    assert width > 0 and height > 0
    viewport = window.briefing.outline.viewport()
    row = window.briefing.outline.indexAt(viewport.mapFromGlobal(QPoint(x + width // 2, y + height // 2)))
    assert window.briefing.model.node(row) is window.briefing.model.node_by_id("key-judgments")
