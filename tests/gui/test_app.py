"""The composition root: startup failures, the excepthook, and a whole run of main()."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from briefer.core.archive import Archive
from briefer.gui import app as gui_app
from briefer.gui.app import ErrorReporter, main
from briefer.gui.mainwindow import MainWindow


@pytest.fixture
def dialogs(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(gui_app, "show_error_dialog", lambda title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def restore_app_style(qapp):
    yield
    qapp.setStyleSheet("")  # main() styles the shared test QApplication


def test_an_archive_that_cannot_be_opened_is_explained(qapp, tmp_path, settings, dialogs, restore_app_style):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the archive folder should be", encoding="utf-8")
    hook = sys.excepthook

    status = main(not_a_folder, log_dir=tmp_path / "logs", settings=settings)

    assert status == 1
    [(title, text)] = dialogs
    assert title == "Briefer cannot open the archive"
    assert str(not_a_folder) in text and str(tmp_path / "logs" / "briefer.log") in text
    assert "cannot open the archive" in (tmp_path / "logs" / "briefer.log").read_text(encoding="utf-8")
    assert sys.excepthook is hook  # restored


def test_main_runs_the_window_and_closes_the_archive(
    qapp, tmp_path, settings, filled_template, dialogs, monkeypatch, restore_app_style
):
    data_dir = filled_template.copy_to(tmp_path / "data")
    closed: list[Path] = []
    real_close = Archive.close

    def recording_close(self: Archive) -> None:
        closed.append(self.data_dir)
        real_close(self)

    monkeypatch.setattr(Archive, "close", recording_close)

    def close_when_started() -> None:
        [window] = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        if window.flow.status is None or window.flow.busy:
            QTimer.singleShot(20, close_when_started)
            return
        assert window.status.documents.text() == "3 documents"
        window.close()

    QTimer.singleShot(0, close_when_started)
    status = main(data_dir, log_dir=tmp_path / "logs", settings=settings)

    assert status == 0
    assert closed == [data_dir]
    assert dialogs == []
    assert settings.value("window/geometry") is not None  # the layout was saved
    assert not qapp.windowIcon().isNull()


def test_the_excepthook_logs_and_shows_one_dialog(tmp_path, caplog):
    shown: list[tuple[str, str]] = []
    log_file = tmp_path / "briefer.log"
    reporter: ErrorReporter

    def show(title: str, text: str) -> None:
        shown.append((title, text))
        try:  # an error while the dialog is open must not open a second one
            raise RuntimeError("while showing")
        except RuntimeError as again:
            reporter(RuntimeError, again, again.__traceback__)

    reporter = ErrorReporter(log_file, show=show)
    try:
        raise ValueError("boom")
    except ValueError as exc:
        with caplog.at_level(logging.CRITICAL):
            reporter(ValueError, exc, exc.__traceback__)

    [(title, text)] = shown
    assert title == "Unexpected error"
    assert "ValueError: boom" in text and str(log_file) in text
    assert [r.exc_info[1].args[0] for r in caplog.records if r.exc_info] == ["boom", "while showing"]


def test_styled_widgets_follow_a_palette_change(qapp, qtbot, make_window, restore_app_style):
    """The desktop turning dark while Briefer runs: stylesheet-styled panes must follow."""
    from PySide6.QtGui import QColor, QPalette

    from briefer.gui.app import create_application

    original = qapp.palette()
    create_application()
    window = make_window()
    window.show()
    dark = QPalette(original)
    for role, color in ((QPalette.ColorRole.Base, "#1f1f1f"), (QPalette.ColorRole.Text, "#e6e6e6")):
        dark.setColor(role, QColor(color))
    try:
        qapp.setPalette(dark)
        qtbot.waitUntil(
            lambda: window.search.results.palette().color(QPalette.ColorRole.Base) == QColor("#1f1f1f")
        )
        assert window.reader.palette().color(QPalette.ColorRole.Base) == QColor("#1f1f1f")
    finally:
        qapp.setPalette(original)


def test_the_briefing_heading_link_follows_a_dark_palette(make_window, filled_archive, qtbot):
    from PySide6.QtGui import QColor, QPalette

    window = make_window()
    palette = window.briefing.palette()
    palette.setColor(QPalette.ColorRole.Link, QColor("#8ab4f8"))
    window.briefing.setPalette(palette)
    qtbot.waitUntil(lambda: "#8ab4f8" in window.briefing.heading.text())
