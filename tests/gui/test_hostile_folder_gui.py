"""A folder holding a named pipe and a link to /dev/zero, added in the window (issue #18).

The window imports in its own process: a pipe opened for reading blocked the import thread for ever
(Cancel did nothing, closing the window never returned), and /dev/zero filled its memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefer.gui.mainwindow import MainWindow
from tests.conftest import write_article
from tests.gui.conftest import status_read


@pytest.mark.timeout(120)
def test_a_folder_with_a_pipe_and_a_link_to_dev_zero_imports_and_the_window_closes(
    make_window, filled_archive, tmp_path: Path, qtbot
) -> None:
    folder = tmp_path / "hostile"
    write_article(folder, "ports", "Grain ports reopened after the zeppelinword talks.")
    os.mkfifo(folder / "pipe.txt")
    os.symlink("/dev/zero", folder / "zero.html")
    window: MainWindow = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    before = window.flow.status.documents if window.flow.status else 0

    window.flow.import_folder(folder)
    qtbot.waitUntil(lambda: "hostile:" in window.status.currentMessage(), timeout=60_000)
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    assert "hostile: 1 imported, 2 skipped" in window.status.currentMessage()
    assert window.flow.status is not None and window.flow.status.documents == before + 1
    window.close()  # returns: nothing is left blocked on the pipe
    assert not window.flow.busy
