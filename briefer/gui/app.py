"""GUI entry point: the one place that builds and wires the application.

`main` sets up logging (a rotating file in the log folder), routes Qt's own
messages and uncaught exceptions there, opens the archive, and hands it to
the main window.  Nothing else in the GUI creates a long-lived service.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QDir,
    QEvent,
    QMessageLogContext,
    QObject,
    QSettings,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from briefer import __version__
from briefer.core import paths
from briefer.core.archive import Archive, CatalogError
from briefer.core.errors import log_failure
from briefer.core.escaping import EscapingFormatter
from briefer.gui.settings import user_settings
from briefer.gui.team.host import ArchiveHost

log = logging.getLogger(__name__)

LOG_FILE = "briefer.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), message)


def show_error_dialog(title: str, text: str) -> None:
    """A modal error message; tests replace this function."""
    QMessageBox.critical(None, title, text)


def configure_logging(directory: Path) -> tuple[logging.Handler | None, Path | None]:
    """Log to a rotating file in `directory`; returns the handler and the file (None if unwritable)."""
    logging.getLogger().setLevel(logging.INFO)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / LOG_FILE
        handler: logging.Handler = RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:  # a read-only home must not stop the program: stderr still works
        stderr = logging.StreamHandler()
        stderr.setFormatter(EscapingFormatter(LOG_FORMAT))
        logging.basicConfig(handlers=[stderr])
        log.warning("cannot write the log file in %s: %s", directory, exc)
        return None, None
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))  # a file name cannot forge a line
    logging.getLogger().addHandler(handler)
    return handler, path


class ErrorReporter:
    """The excepthook: log the traceback, then show one dialog with the message and the log's path.

    Errors raised while that dialog is open are only logged, so a failing
    repaint cannot stack dialogs on top of each other.
    """

    def __init__(self, log_file: Path | None, show: Callable[[str, str], None] | None = None) -> None:
        self._log_file = log_file
        self._show = show
        self._showing = False

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("Unhandled exception", exc_info=(exc_type, exc, tb))
        if self._showing:
            return
        self._showing = True
        try:
            (self._show or show_error_dialog)("Unexpected error", self.message(exc_type, exc))
        finally:
            self._showing = False

    def message(self, exc_type: type[BaseException], exc: BaseException) -> str:
        where = f"The details are in {self._log_file}." if self._log_file else "The details are in the log."
        what = "".join(traceback.format_exception_only(exc_type, exc)).strip()
        return f"Briefer ran into an unexpected error:\n\n{what}\n\n{where}"


class _StyleSheetFollowsPalette(QObject):
    """Re-applies the stylesheet when the palette changes (e.g. the desktop turns dark).

    Widgets styled by a stylesheet keep the palette they were polished with;
    setting the sheet again re-polishes them with the new one.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange and isinstance(watched, QApplication):
            watched.setStyleSheet(watched.styleSheet())
        return False


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (the running one, if any) with Briefer's names, icons and stylesheet."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    app.setOrganizationName("Briefer")
    app.setApplicationName("Briefer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.briefer.Briefer")  # Wayland matches the window to its .desktop entry
    QDir.addSearchPath("icons", str(paths.RESOURCES / "icons"))
    app.setWindowIcon(QIcon("icons:briefer.svg"))
    style_sheet = paths.RESOURCES / "styles" / "app.qss"
    if style_sheet.is_file():
        app.setStyleSheet(style_sheet.read_text(encoding="utf-8"))
        if app.findChild(_StyleSheetFollowsPalette) is None:
            app.installEventFilter(_StyleSheetFollowsPalette(app))
    return app


def main(
    data_dir: Path,
    *,
    briefing: Path | None = None,
    argv: Sequence[str] | None = None,
    log_dir: Path | None = None,
    settings: QSettings | None = None,
    team: str = "",
) -> int:
    """Open the main window on the archive in `data_dir` (and on the `briefing` file, when given:
    `briefer FILE.briefing`), or connect it to the `team` archive (`briefer --team URL`); returns
    the exit status."""
    handler, log_file = configure_logging(log_dir or paths.log_dir())
    previous_qt_handler = qInstallMessageHandler(_qt_message)
    previous_hook = sys.excepthook
    try:
        app = create_application(argv)
        sys.excepthook = ErrorReporter(log_file)
        log.info("Briefer %s starting on %s", __version__, data_dir)
        return _run(app, data_dir, settings or user_settings(), log_file, briefing, team)
    finally:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_qt_handler)
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()


def _run(
    app: QApplication,
    data_dir: Path,
    settings: QSettings,
    log_file: Path | None,
    briefing: Path | None,
    team: str = "",
) -> int:
    try:
        archive = Archive(data_dir)
    # RuntimeError covers ArchiveBusy, IndexBusy and a folder that holds a foreign index.
    except (CatalogError, OSError, RuntimeError) as exc:
        log_failure(log, f"cannot open the archive in {data_dir}", exc)
        where = f"\n\nThe details are in {log_file}." if log_file else ""
        show_error_dialog("Briefer cannot open the archive", f"{data_dir}\n\n{exc}{where}")
        return 1
    # Help → Open Log Folder opens the folder the log is really written in.
    log_dir = log_file.parent if log_file else None
    host = ArchiveHost(personal_dir=data_dir, settings=settings, log_dir=log_dir)
    try:
        host.start(archive, briefing, team=team)  # Archive → Connect to Team Archive… replaces both
        status = app.exec()
        return status
    finally:
        # The window is destroyed there, on this thread: left to Python's cyclic garbage collector
        # (its wrapper is in reference cycles), it would be destroyed whenever that next runs,
        # possibly on a worker thread (a crash), e.g. when main() runs again in the same process.
        # The loop can also end without a close event (e.g. the session ends).
        host.shutdown()
