"""GUI state kept between runs (window geometry, splitter sizes), in a QSettings given to us.

Recent briefings live in the same QSettings (see briefing_session.py).

The composition root decides where the settings live; tests hand in an ini
file in a temporary folder, so no test touches the user's real settings.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1280, 800)
DEFAULT_SPLIT = (3, 4, 3)  # results : reader : briefing

_GEOMETRY = "window/geometry"
_STATE = "window/state"
_SPLITTER = "window/splitter"


def user_settings() -> QSettings:
    """The user's settings (organization "Briefer", application "Briefer"), as an ini file."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Briefer", "Briefer")


class WindowSettings:
    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def restore(self, window: QMainWindow, splitter: QSplitter) -> None:
        geometry = self._settings.value(_GEOMETRY)
        if not (isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)):
            window.resize(*DEFAULT_SIZE)
        state = self._settings.value(_STATE)
        if isinstance(state, QByteArray):
            window.restoreState(state)
        sizes = self._settings.value(_SPLITTER)
        if not (isinstance(sizes, QByteArray) and splitter.restoreState(sizes)):
            width = window.width()
            shares = DEFAULT_SPLIT[: splitter.count()]
            splitter.setSizes([width * share // sum(shares) for share in shares])

    def save(self, window: QMainWindow, splitter: QSplitter) -> None:
        self._settings.setValue(_GEOMETRY, window.saveGeometry())
        self._settings.setValue(_STATE, window.saveState())
        self._settings.setValue(_SPLITTER, splitter.saveState())
        self._settings.sync()

    def restore_splitter(self, name: str, splitter: QSplitter) -> bool:
        """Restore another splitter (e.g. the briefing pane's) saved under `name`."""
        state = self._settings.value(f"window/{name}")
        return isinstance(state, QByteArray) and splitter.restoreState(state)

    def save_splitter(self, name: str, splitter: QSplitter) -> None:
        self._settings.setValue(f"window/{name}", splitter.saveState())
