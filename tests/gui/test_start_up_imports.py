"""The window is usable within 1.5 s of launch (benchmarks/bench_gui.py): it must not load, before
its first event-loop turn, what only importing, exporting or sending needs.  numpy (the near-duplicate
signatures) and python-docx (the Word export) cost about 0.4 s and 0.2 s of a start on the 2-core machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

START_AND_LIST_MODULES = """
import sys, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from briefer.core import paths
from briefer.core.archive import Archive
from briefer.gui.app import create_application
from briefer.gui.mainwindow import MainWindow
tmp = Path(tempfile.mkdtemp(prefix="briefer-start-"))
paths.SAMPLE_ARCHIVE = tmp / "no-sample"
app = create_application(["test"])
settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
window = MainWindow(archive=Archive(tmp / "data"), settings=settings)
window.show()
window.start()
QTimer.singleShot(0, app.quit)  # the first turn of the event loop: the window is usable
app.exec()
print(" ".join(sorted(sys.modules)))
"""


def test_the_window_opens_without_the_importers_numpy_or_the_word_export() -> None:
    result = subprocess.run(
        [sys.executable, "-c", START_AND_LIST_MODULES],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(REPO),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # never the user's keychain
        },
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "briefer.gui.mainwindow" in loaded
    assert not {"numpy", "docx", "briefer.core.archive.importer", "briefer.core.export.docx_export"} & loaded
