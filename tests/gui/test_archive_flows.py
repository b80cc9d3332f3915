"""First start, the sample banner, "Remove the sample", "Add your folder…" and Cancel, end to end."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from briefer.core.archive import Archive
from briefer.gui.banner import BannerState
from briefer.gui.dialogs import Removal, RemoveDocuments
from briefer.gui.indexing import FolderDialog
from briefer.gui.mainwindow import MainWindow
from tests.gui.conftest import real_sample, status_read


def started_window(make_window, qtbot) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds
    return window


def wait_for_documents(window: MainWindow, qtbot, count: int, timeout: int = 5000) -> None:
    def settled() -> bool:
        status = window.flow.status
        return status_read(window) and status is not None and status.documents == count

    qtbot.waitUntil(settled, timeout=timeout)


def test_first_start_imports_the_sample_off_the_gui_thread(
    make_window, archive, fake_sample, qtbot, monkeypatch
):
    gate = threading.Event()
    import_threads: list[threading.Thread] = []
    real_import = Archive.import_sample

    def gated_import(self, **kwargs):
        import_threads.append(threading.current_thread())
        gate.wait(timeout=10)  # hold the import until the test has seen the GUI carry on
        return real_import(self, **kwargs)

    monkeypatch.setattr(Archive, "import_sample", gated_import)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    window = make_window()
    window.show()
    try:
        window.start()
        qtbot.waitUntil(lambda: len(import_threads) == 1)
        assert import_threads[0] is not threading.main_thread()
        assert window.banner.isVisible() and window.banner.state is BannerState.IMPORTING_SAMPLE
        assert window.status.progress.isVisible() and window.status.cancel.isVisible()
        seen = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= seen + 5)  # the event loop runs while the import waits
    finally:
        gate.set()
        timer.stop()
    wait_for_documents(window, qtbot, 2)
    assert window.banner.state is BannerState.SAMPLE
    assert window.banner.remove_sample.isVisible() and window.banner.add_folder.isVisible()
    assert window.status.documents.text() == "2 documents"
    assert not window.status.progress.isVisible()
    assert "Sample archive" in window.status.currentMessage()


def test_first_start_with_the_real_sample(make_window, archive, qtbot, monkeypatch):
    real_sample(monkeypatch)
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.flow.busy)
    qtbot.waitUntil(lambda: window.flow.status is not None and window.flow.status.has_sample, timeout=120_000)
    assert window.banner.state is BannerState.SAMPLE
    qtbot.keyClicks(window.search.query, "vostochny")
    qtbot.waitUntil(lambda: window.search.model.rowCount() > 0)


def test_the_banner_returns_while_the_sample_is_there(make_window, archive, fake_sample, articles_dir, qtbot):
    archive.import_sample()
    archive.import_paths([articles_dir])
    window = started_window(make_window, qtbot)
    assert window.banner.isVisible() and window.banner.state is BannerState.SAMPLE_BESIDE_OWN
    assert "2 sample documents remain" in window.banner.message.text()
    assert window.status.documents.text() == "5 documents"
    assert not window.flow.busy  # not imported a second time


def test_remove_the_sample_empties_the_archive(make_window, archive, fake_sample, qtbot, monkeypatch):
    archive.import_sample()
    asked: list[object] = []
    monkeypatch.setattr(
        RemoveDocuments, "ask", classmethod(lambda cls, p, plan: asked.append(plan) or Removal.ALL)
    )
    window = started_window(make_window, qtbot)
    qtbot.keyClicks(window.search.query, "sample")
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 2)

    qtbot.mouseClick(window.banner.remove_sample, Qt.MouseButton.LeftButton)
    wait_for_documents(window, qtbot, 0)
    assert len(asked) == 1  # asked first (tests/gui/test_sample_removal_gui.py: what it says)
    assert archive.is_empty() and not archive.has_sample()
    assert window.banner.state is BannerState.EMPTY
    assert window.banner.import_sample.isVisible()  # it can come back
    assert window.status.documents.text() == "0 documents"
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 0)  # the results were refreshed


def test_an_emptied_archive_does_not_import_the_sample_again(make_window, archive, fake_sample, qtbot):
    archive.import_sample()
    archive.remove_sample()
    window = started_window(make_window, qtbot)
    assert window.banner.state is BannerState.EMPTY
    assert window.status.documents.text() == "0 documents"


def test_add_your_folder_imports_the_chosen_folder(
    make_window, archive, fake_sample, articles_dir, qtbot, monkeypatch
):
    archive.import_sample()
    asked: list[object] = []

    def ask(cls, parent):
        asked.append(parent)
        return articles_dir

    monkeypatch.setattr(FolderDialog, "ask", classmethod(ask))
    window = started_window(make_window, qtbot)
    qtbot.mouseClick(window.banner.add_folder, Qt.MouseButton.LeftButton)
    wait_for_documents(window, qtbot, 5)
    assert asked == [window]
    assert "articles: 3 imported" in window.status.currentMessage()
    qtbot.keyClicks(window.search.query, "grain")
    qtbot.waitUntil(lambda: window.search.model.rowCount() >= 1)


def test_ctrl_o_asks_for_a_folder_and_a_cancelled_dialog_changes_nothing(
    make_window, filled_archive, qtbot, monkeypatch
):
    asked: list[object] = []
    monkeypatch.setattr(FolderDialog, "ask", classmethod(lambda cls, parent: asked.append(parent)))
    window = started_window(make_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.search.query, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == [window]
    assert not window.flow.busy


def test_cancel_stops_an_import_and_keeps_the_window_usable(
    make_window, filled_archive, tmp_path: Path, qtbot, monkeypatch
):
    real_import = Archive.import_paths
    waiting = threading.Event()

    def import_until_cancelled(self, sources, *, cancel, **kwargs):
        waiting.set()
        cancel.wait(timeout=10)  # an import long enough to be cancelled
        return real_import(self, sources, cancel=cancel, **kwargs)

    monkeypatch.setattr(Archive, "import_paths", import_until_cancelled)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "note.txt").write_text("A note about ports.\n", encoding="utf-8")
    window = started_window(make_window, qtbot)
    window.flow.import_folder(folder)
    qtbot.waitUntil(waiting.is_set)
    assert not window.banner.add_folder.isEnabled() and not window.add_folder_action.isEnabled()

    qtbot.mouseClick(window.status.cancel, Qt.MouseButton.LeftButton)
    wait_for_documents(window, qtbot, 3)
    assert "cancelled" in window.status.currentMessage()
    assert not window.status.progress.isVisible()
    assert window.add_folder_action.isEnabled()


def test_a_failed_import_is_reported_not_raised(make_window, filled_archive, tmp_path: Path, qtbot):
    window = started_window(make_window, qtbot)
    window.flow.import_folder(tmp_path / "missing")
    qtbot.waitUntil(lambda: "failed" in window.status.currentMessage())
    assert "no such file or folder" in window.status.currentMessage()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds


@pytest.mark.parametrize("busy_action", ["import_sample", "remove_sample"])
def test_actions_follow_the_archive_state(make_window, archive, fake_sample, qtbot, busy_action):
    archive.import_sample()
    window = started_window(make_window, qtbot)
    assert window.remove_sample_action.isEnabled()
    assert not window.import_sample_action.isEnabled()  # already there
    getattr(window.flow, busy_action)()
    assert not window.add_folder_action.isEnabled()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds
    assert window.add_folder_action.isEnabled()
