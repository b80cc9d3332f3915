"""The Help menu: its windows open from the menu bar and close with Escape and Ctrl+W."""

from __future__ import annotations

import platform

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu

from briefer import __version__
from briefer.gui.help_windows import ToolWindow
from briefer.gui.mainwindow import MainWindow


@pytest.fixture
def window(qtbot, archive, settings, tmp_path) -> MainWindow:
    made = MainWindow(archive=archive, settings=settings, log_dir=tmp_path / "logs")
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()


def help_menu(window: MainWindow) -> QMenu:
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    assert menus[-1].title() == "&Help"
    return menus[-1]


def test_the_help_menu_is_last_and_holds_its_items(window):
    texts = [a.text() for a in help_menu(window).actions() if not a.isSeparator()]
    assert texts == ["&Query Language", "&Keyboard Shortcuts", "Open &Log Folder", "&About Briefer"]


@pytest.mark.parametrize("keys", ["Escape", "Ctrl+W"])
@pytest.mark.parametrize("opener", ["show_query_language", "show_shortcuts", "show_about"])
def test_help_windows_close_with_escape_and_ctrl_w(window, qtbot, opener, keys):
    shown: ToolWindow = getattr(window.help, opener)()
    qtbot.waitActive(shown)  # a window of its own, in front: its keys go to it
    assert shown.isVisible() and not shown.isModal()
    if keys == "Escape":
        qtbot.keyClick(shown.browser, Qt.Key.Key_Escape)
    else:
        qtbot.keyClick(shown.browser, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not shown.isVisible())


def test_query_language_is_the_search_panes_sheet(window):
    shown = window.help.show_query_language()
    assert "published:" in shown.browser.toPlainText()


def test_shortcuts_list_the_windows_actions(window):
    window.help.shortcuts_action.trigger()
    shown = window.help.shortcuts_window
    rows = dict(shown.rows)
    assert rows["Add Selection to Section"] == "Ctrl+E"
    assert rows["Add Key Judgment"] == "Ctrl+Shift+K"
    assert rows["Find"] == "Ctrl+F" and rows["Add Folder"] == "Ctrl+O"
    assert "Ctrl+Shift+K" in shown.browser.toPlainText()


def test_shortcuts_are_read_from_the_actions_when_shown(window):
    window.find_action.setShortcut("Ctrl+Alt+J")
    shown = window.help.show_shortcuts()
    assert dict(shown.rows)["Find"] == "Ctrl+Alt+J"


def test_open_log_folder_opens_the_log_folder(window, monkeypatch, tmp_path):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window.help.log_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(tmp_path / "logs")]
    assert (tmp_path / "logs").is_dir()


def test_about_names_version_data_folder_versions_and_licences(window, archive):
    window.help.about_action.trigger()
    text = window.help.about_window.browser.toPlainText()
    assert f"Briefer {__version__}" in text
    assert str(archive.data_dir) in text
    assert platform.python_version() in text
    assert "PySide6" in text and "LGPL-3.0" in text
    assert "whoosh-reloaded" in text and "python-docx" in text and "Apache-2.0" in text
