"""Render the main window's states offscreen into docs/screenshots/*.png.

    python scripts/screenshots.py [--out docs/screenshots]

Everything happens in a temporary data folder with temporary settings: the
sample archive is imported as on a first start, then the script searches,
reads a hit, types a malformed query, and repeats a search on a dark palette.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from briefer.core.archive import Archive
from briefer.gui.app import create_application
from briefer.gui.mainwindow import MainWindow

REPO = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    """Let layouts, debounce timers and repaints finish."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def idle(window: MainWindow) -> bool:
    return window.flow.status is not None and not window.flow.busy and not window.search.searching


def search(app: QApplication, window: MainWindow, query: str) -> None:
    window.search.query.setText(query)
    window.search.search_now()
    wait_until(app, lambda: not window.search.searching)
    settle(app)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#333333",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.Mid: "#555555",
        QPalette.ColorRole.PlaceholderText: "#8c8c8c",
        QPalette.ColorRole.ToolTipBase: "#333333",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    return palette


def render(out: Path) -> list[Path]:
    app = create_application(["screenshots"])
    app.setStyle("Fusion")  # the same look on every machine that renders these
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def grab(window: MainWindow, name: str) -> None:
        settle(app)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        shots.append(path)

    with tempfile.TemporaryDirectory(prefix="briefer-shots-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        archive = Archive(Path(tmp) / "data")
        window = MainWindow(archive=archive, settings=settings)
        try:
            window.resize(*SIZE)
            window.show()

            # First start: the sample is imported in the background; catch it in progress.
            def first_progress(done: int, total: int) -> None:
                if not shots:
                    grab(window, "1-first-start")

            window.flow.progressed.connect(first_progress)
            window.start()
            wait_until(
                app, lambda: idle(window) and bool(window.flow.status and window.flow.status.has_sample)
            )
            grab(window, "2-sample-archive")

            search(app, window, "vostochny summit")
            grab(window, "3-search-results")

            window.search.results.setCurrentIndex(window.search.model.index(2))
            wait_until(app, lambda: window.reader.current_document is not None)
            window.search.results.setFocus()
            grab(window, "4-reader-highlights")

            search(app, window, '"shells from Pyongyang')
            grab(window, "5-malformed-query")

            app.setPalette(dark_palette())
            search(app, window, "artillery shells")
            grab(window, "6-dark-palette")
        finally:
            window.close()
            archive.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    for path in render(args.out):
        print(path)


if __name__ == "__main__":
    main()
