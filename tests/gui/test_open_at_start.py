"""The start: `briefer FILE.briefing` opens that briefing (what a file manager's "Open with" runs), and the
recovery question never deletes recovered work unless asked to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from briefer import cli
from briefer.core import paths
from briefer.core.briefing import storage, templates
from briefer.gui import app as gui_app
from briefer.gui.dialogs import RecoverChanges
from briefer.gui.mainwindow import MainWindow


@pytest.fixture
def treaty(tmp_path: Path) -> Path:
    path = tmp_path / "treaty.briefing"
    storage.save(templates.new_briefing(templates.load("spot"), title="Treaty talks"), path)
    return path


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["{file}"], True),
        (["--data-dir", "{data}", "{file}"], True),
        (["-v", "--data-dir", "{data}", "{file}"], True),
        (["--data-dir", "{data}"], False),
    ],
)
def test_the_command_line_names_the_briefing_to_open(
    argv: list[str], named: bool, treaty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(gui_app, "main", lambda **kwargs: started.append(kwargs) or 0)  # no window here
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(tmp_path / "data"))
    args = [a.format(file=treaty, data=tmp_path / "data") for a in argv]

    assert cli.main(args) == 0

    [kwargs] = started
    assert kwargs["briefing"] == (treaty if named else None)
    assert kwargs["data_dir"] == tmp_path / "data"


def test_a_command_naming_a_briefing_is_still_that_command(treaty: Path, tmp_path: Path, capsys: Any) -> None:
    assert cli.main(["--data-dir", str(tmp_path / "data"), "brief", "show", str(treaty)]) == 0
    assert "Treaty talks" in capsys.readouterr().out


def test_the_window_starts_on_the_named_briefing(
    qapp: Any, tmp_path: Path, settings: QSettings, treaty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gui_app, "show_error_dialog", lambda title, text: pytest.fail(text))
    (tmp_path / "no-sample").mkdir()
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", tmp_path / "no-sample")  # the first start imports nothing
    seen: list[tuple[Path | None, str]] = []
    windows: list[MainWindow] = []

    def look_then_close() -> None:
        [window] = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if window.flow.status is None or window.flow.busy:
            QTimer.singleShot(20, look_then_close)
            return
        seen.append((window.session.path, window.windowTitle()))
        windows.append(window)
        window.close()

    QTimer.singleShot(0, look_then_close)
    status = gui_app.main(tmp_path / "data", briefing=treaty, log_dir=tmp_path / "logs", settings=settings)
    qapp.setStyleSheet("")  # main() styles the shared test QApplication

    assert status == 0
    assert seen == [(treaty, "Treaty talks (treaty.briefing)[*] \u2014 Briefer")]
    # Destroyed by main() on this thread, not left to a garbage collection on some worker thread.
    assert not shiboken6.isValid(windows[0])


@pytest.mark.parametrize(("key", "answer"), [("Escape", None), ("Return", True)])
def test_escape_on_the_recovery_question_keeps_the_copy_for_later(qtbot: Any, key: str, answer: Any) -> None:
    """Escape (or closing the question) must not delete recovered work: it means Later."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press)
            return
        buttons = {b.text() for b in box.buttons()}
        assert buttons == {"Recover", "Delete", "Later"}
        qtbot.keyClick(box, getattr(Qt.Key, f"Key_{key}"))

    QTimer.singleShot(0, press)
    assert RecoverChanges.ask(None, "\u201cTreaty talks\u201d, autosaved 2024-05-01 10:00.") is answer
