"""Reviewers' comments in the window (issue 22): *Briefing → Import Review Comments…* reads a
reviewed review copy, the Review Comments dock lists what came back, choosing an entry selects its
block, and Accept / Dismiss / Reply are undo commands.  Real archive, real export, real .docx."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing, get_block
from briefer.gui import dialogs
from briefer.gui.briefing.review_panel import REVIEW_ROLE, ReviewPanel
from briefer.gui.mainwindow import MainWindow
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import articles_in, rich_briefing
from tests.core.review_support import MOSCOW, SIGNED, block_of, reviewed_copy
from tests.gui.conftest import status_read


@pytest.fixture
def data_dir(tmp_path: Path, briefing_articles: ArchiveTemplate) -> Path:
    return briefing_articles.copy_to(tmp_path / "data")


@pytest.fixture
def rich(archive: Archive) -> Briefing:
    return rich_briefing(articles_in(archive))


@pytest.fixture
def window(make_window, qtbot, monkeypatch) -> MainWindow:
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    win = make_window()
    win.show()
    win.start()
    qtbot.waitUntil(lambda: status_read(win), timeout=30_000)
    yield win
    win.release_check.wait()
    win.briefing.shutdown()


def choose(qtbot, panel: ReviewPanel, text: str) -> None:
    """Click the entry whose review says `text`, as the analyst would."""
    row = next(i for i, r in enumerate(panel.model.briefing.reviews) if r.text == text)
    item = panel.list.item(row)
    assert item.data(REVIEW_ROLE) == panel.model.briefing.reviews[row].id
    panel.list.scrollToItem(item)
    qtbot.mouseClick(
        panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center()
    )


def imported(window: MainWindow, rich: Briefing, qtbot, tmp_path: Path, monkeypatch) -> ReviewPanel:
    reviewed = reviewed_copy(rich, tmp_path)
    storage.save(rich, tmp_path / "rich.briefing")
    assert window.open_path(tmp_path / "rich.briefing")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(reviewed), ""))
    return import_again(window, qtbot)


def import_again(window: MainWindow, qtbot) -> ReviewPanel:
    """*Briefing → Import Review Comments…*; the file is read in the background."""
    panel = window.review_dock.panel
    window.review_dock.panel.import_action.trigger()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30_000)
    return panel


def test_import_from_the_menu_lists_the_comments_and_choosing_one_selects_its_block(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path, monkeypatch
) -> None:
    assert window.review_dock.panel.import_action in window.briefing_menu.actions()
    assert not window.review_dock.isVisible()
    panel = imported(window, rich, qtbot, tmp_path, monkeypatch)
    assert window.review_dock.isVisible()
    assert panel.list.count() == 5
    assert "4 placed, 1 not placed" in window.statusBar().currentMessage()
    assert any("not placed on a block" in panel.list.item(i).text() for i in range(panel.list.count()))
    choose(qtbot, panel, "Say what technology.")
    current = window.briefing.current_node()
    assert current is not None and current.id == block_of(rich, MOSCOW)
    stack = window.session.undo_stack
    steps = stack.count()
    import_again(window, qtbot)  # the same file again: nothing new
    assert stack.count() == steps and panel.list.count() == 5
    assert "5 already imported" in window.statusBar().currentMessage()


def test_accept_dismiss_and_reply_are_undoable(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path, monkeypatch
) -> None:
    panel = imported(window, rich, qtbot, tmp_path, monkeypatch)
    briefing = window.session.model.briefing
    signed = block_of(briefing, SIGNED)
    stack = window.session.undo_stack
    choose(qtbot, panel, " in Pyongyang")
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert get_block(briefing, signed).text == "The treaty was signed in Pyongyang on 19 June 2024."
    assert "accepted" in panel.list.currentItem().text()
    assert not panel.accept_button.isEnabled() and panel.reply_button.isEnabled()  # answered once
    stack.undo()
    assert get_block(briefing, signed).text == SIGNED
    assert "accepted" not in panel.list.currentItem().text()
    choose(qtbot, panel, "These two overlap.")
    qtbot.mouseClick(panel.dismiss_button, Qt.MouseButton.LeftButton)
    assert "dismissed" in panel.list.currentItem().text()
    stack.undo()
    assert "dismissed" not in panel.list.currentItem().text()
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Merged them.", True))
    qtbot.mouseClick(panel.reply_button, Qt.MouseButton.LeftButton)
    assert "Merged them." in panel.list.currentItem().text()
    assert stack.undoText() == "Reply to review comment"
    stack.undo()
    assert "Merged them." not in panel.list.currentItem().text()


def test_a_file_that_is_no_word_document_is_refused_in_the_status_bar(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path, monkeypatch
) -> None:
    storage.save(rich, tmp_path / "rich.briefing")
    assert window.open_path(tmp_path / "rich.briefing")
    junk = tmp_path / "reviewed.docx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    steps = window.session.undo_stack.count()
    import_again(window, qtbot)
    qtbot.waitUntil(lambda: "not imported" in window.statusBar().currentMessage())
    assert "is not a Word document" in window.statusBar().currentMessage()
    assert window.session.undo_stack.count() == steps and not window.review_dock.isVisible()
