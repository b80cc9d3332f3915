"""The Help menu's windows: the query language, keyboard shortcuts, About Briefer.

Each is a normal window (not modal, closable) that Escape and Ctrl+W close;
`ToolWindow` gives the Archive menu's windows the same behaviour.
"""

from __future__ import annotations

import contextlib
import html
import platform
from collections.abc import Iterable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, QUrl, Slot, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTextBrowser, QVBoxLayout, QWidget

from briefer import __version__
from briefer.gui.search.filters import query_help_html

# The libraries a Briefer installation bundles, and their licences (as their packages declare them).
LICENCES = (
    ("PySide6 (Qt for Python)", "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"),
    ("whoosh-reloaded", "BSD-2-Clause"),
    ("python-docx", "MIT"),
    ("keyring", "MIT"),
    ("keyrings.cryptfile", "MIT"),
    ("platformdirs", "MIT"),
    ("trafilatura", "Apache-2.0"),
    ("htmldate", "Apache-2.0"),
    ("jusText", "BSD-2-Clause"),
    ("lxml, lxml_html_clean", "BSD-3-Clause"),
    ("charset-normalizer", "MIT"),
    ("pypdfium2 (PDFium)", "Apache-2.0 OR BSD-3-Clause"),
    ("feedparser", "BSD-2-Clause"),
    ("py3langid", "BSD-3-Clause"),
    ("dateparser", "BSD-3-Clause"),
    ("NumPy", "BSD-3-Clause"),
)


class ToolWindow(QWidget):
    """A top-level window of the main window's: Escape and Ctrl+W close it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"{title} \u2014 Briefer")
        self.setAccessibleName(title)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape and Ctrl+W (whatever the platform's Close key is) close the window; the keys
        reach it from any child that does not use them."""
        closing = event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Close)
        ctrl_w = event.key() == Qt.Key.Key_W and event.modifiers() == Qt.KeyboardModifier.ControlModifier
        if closing or ctrl_w:
            event.accept()
            self.close()
            return
        super().keyPressEvent(event)

    def present(self) -> None:
        """Show the window in front, wherever it was."""
        self.show()
        self.raise_()
        self.activateWindow()


def _browser(name: str, text: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setAccessibleName(name)
    browser.setOpenExternalLinks(True)
    browser.setHtml(text)
    return browser


class QueryLanguageWindow(ToolWindow):
    """The query-language sheet (the search pane's "?" shows the same)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Query Language", parent)
        self.browser = _browser("Query language", query_help_html())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.resize(620, 640)


def action_label(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("\u2026")


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(action, its shortcuts as the platform writes them) of every action that has one, by name."""
    rows = {}
    for action in actions:
        keys = [
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()
        ]
        if keys and action_label(action):
            rows[action_label(action)] = ", ".join(keys)
    return sorted(rows.items(), key=lambda row: row[0].casefold())


class ShortcutsWindow(ToolWindow):
    """Every action of the window that has a shortcut, read from the actions when shown."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__("Keyboard Shortcuts", parent)
        self.rows = shortcut_rows(actions)
        lines = "".join(
            f"<tr><td>{html.escape(name)}</td><td><b>{html.escape(keys)}</b></td></tr>"
            for name, keys in self.rows
        )
        self.browser = _browser(
            "Keyboard shortcuts",
            f"<table cellspacing='0' cellpadding='4'><tr><th align='left'>Action</th>"
            f"<th align='left'>Shortcut</th></tr>{lines}</table>",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.resize(520, 620)


def about_html(data_dir: Path, log_dir: Path) -> str:
    licences = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(licence)}</td></tr>" for name, licence in LICENCES
    )
    facts = (
        ("Data folder", str(data_dir)),
        ("Log folder", str(log_dir)),
        ("Python", platform.python_version()),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
    )
    rows = "".join(f"<tr><td>{name}</td><td>{html.escape(value)}</td></tr>" for name, value in facts)
    return (
        f"<h2>Briefer {html.escape(__version__)}</h2>"
        "<p>Turns a private archive of articles into a sourced briefing. MIT License.</p>"
        f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
        "<h3>Bundled libraries</h3>"
        f"<table cellspacing='0' cellpadding='3'><tr><th align='left'>Library</th>"
        f"<th align='left'>Licence</th></tr>{licences}</table>"
    )


class AboutWindow(ToolWindow):
    def __init__(self, data_dir: Path, log_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__("About Briefer", parent)
        self.browser = _browser("About Briefer", about_html(data_dir, log_dir))
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.browser)
        self.resize(560, 620)


def open_folder(folder: Path) -> bool:
    """Open `folder` in the file manager (made first, so a log folder not written yet opens too)."""
    with contextlib.suppress(OSError):  # QDesktopServices says whether it could open it
        folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class HelpActions(QObject):
    """Help → Query Language, Keyboard Shortcuts, Open Log Folder, About Briefer."""

    def __init__(self, window: QMainWindow, *, data_dir: Path, log_dir: Path) -> None:
        super().__init__(window)
        self._window, self._data_dir, self.log_dir = window, data_dir, log_dir
        self.query_window: QueryLanguageWindow | None = None
        self.shortcuts_window: ShortcutsWindow | None = None
        self.about_window: AboutWindow | None = None
        self.query_action = QAction("&Query Language", window)
        self.query_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts_action = QAction("&Keyboard Shortcuts", window)
        self.log_action = QAction("Open &Log Folder", window)
        self.about_action = QAction("&About Briefer", window)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        window.addAction(self.query_action)  # F1 works wherever the focus is
        self.query_action.triggered.connect(self.show_query_language)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.log_action.triggered.connect(self.open_log_folder)
        self.about_action.triggered.connect(self.show_about)

    def install(self, menu: QMenu) -> None:
        menu.addActions([self.query_action, self.shortcuts_action])
        menu.addSeparator()
        menu.addAction(self.log_action)
        menu.addSeparator()
        menu.addAction(self.about_action)

    @Slot()
    def show_query_language(self) -> QueryLanguageWindow:
        if self.query_window is None:
            self.query_window = QueryLanguageWindow(self._window)
        self.query_window.present()
        return self.query_window

    @Slot()
    def show_shortcuts(self) -> ShortcutsWindow:
        """Listed from the window's actions as they are now, so the list never goes stale."""
        if self.shortcuts_window is not None:
            self.shortcuts_window.deleteLater()
        self.shortcuts_window = ShortcutsWindow(self._all_actions(), self._window)
        self.shortcuts_window.present()
        return self.shortcuts_window

    def _all_actions(self) -> list[QAction]:
        """The window's own actions and every menu's, submenus included."""
        actions = list(self._window.actions())
        pending: list[QWidget] = [self._window.menuBar()]
        while pending:
            for action in pending.pop().actions():
                actions.append(action)
                menu = action.menu()
                if isinstance(menu, QMenu):
                    pending.append(menu)
        return list(dict.fromkeys(actions))

    @Slot()
    def open_log_folder(self) -> bool:
        return open_folder(self.log_dir)

    @Slot()
    def show_about(self) -> AboutWindow:
        if self.about_window is None:
            self.about_window = AboutWindow(self._data_dir, self.log_dir, self._window)
        self.about_window.present()
        return self.about_window
