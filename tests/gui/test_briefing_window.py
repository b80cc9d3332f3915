"""The briefing side of the main window: drops, keyboard equivalents, files, autosave, recovery, export.

No test meets a modal dialog: each dialog's `ask` is replaced.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from briefer.core.briefing import edits, storage
from briefer.core.briefing.model import Excerpt, Paragraph
from briefer.gui import dialogs
from briefer.gui.dialogs import Choice
from briefer.gui.distribution import export_dialog
from briefer.gui.mainwindow import MainWindow
from tests.gui.conftest import status_read


@pytest.fixture
def no_dialogs(monkeypatch):
    """Every question gets a harmless answer; tests that care replace the answer."""
    asked: list[str] = []

    def unsaved(parent, title):
        asked.append("unsaved")
        return Choice.DISCARD

    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: unsaved(p, t)))
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    return asked


def open_window(make_window, qtbot) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds
    return window


def read_first_hit(window: MainWindow, qtbot, query: str) -> None:
    window.search.query.setText(query)
    window.search.search_now()
    qtbot.waitUntil(lambda: window.search.model.rowCount() > 0 and not window.search.searching)
    qtbot.waitUntil(lambda: window.reader.current_document is not None)


def select_in_reader(window: MainWindow, words: str) -> None:
    doc = window.reader.document()
    found = doc.find(words)
    cursor = QTextCursor(doc)
    cursor.setPosition(found.selectionStart())
    cursor.setPosition(found.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)


def blocks(window: MainWindow, section_id: str) -> list:
    section = window.session.model.node_by_id(section_id)
    return list(section.blocks)  # type: ignore[union-attr]


def _event(cls, pos: QPoint, data: QMimeData):
    try:
        return cls(
            QPointF(pos),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    except TypeError:  # PySide6 <= 6.11 wants a QPoint for enter/move events
        return cls(
            pos, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )


def simulate_drop(widget, pos: QPoint, data: QMimeData) -> bool:
    """Deliver drag enter, move and drop to `widget` at `pos`; returns whether the drop was accepted."""
    enter = _event(QDragEnterEvent, pos, data)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    move = _event(QDragMoveEvent, pos, data)
    QApplication.sendEvent(widget, move)
    if not move.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction


def test_the_window_opens_a_briefing_with_three_panes(make_window, filled_archive, qtbot, no_dialogs):
    window = open_window(make_window, qtbot)
    assert window.splitter.count() == 3
    assert window.briefing.outline.model().rowCount() > 5  # the assessment template's sections
    assert "[*]" in window.windowTitle() and "Untitled assessment" in window.windowTitle()
    assert not window.isWindowModified()
    window.briefing.outline.setCurrentIndex(window.session.model.index_of("analysis"))
    window.briefing.add_paragraph()
    qtbot.keyClicks(window.briefing.editor.text, "We assess")
    assert window.isWindowModified()
    window.undo_action.trigger()  # the typing is one step
    assert blocks(window, "analysis")[0].text == ""
    window.undo_action.trigger()
    assert blocks(window, "analysis") == [] and not window.isWindowModified()


def test_a_reader_selection_dropped_on_a_section_becomes_an_exact_excerpt(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "artillery")
    select_in_reader(window, "The leaders discussed artillery shells")
    data = window.reader.createMimeDataFromSelection()
    outline = window.briefing.outline
    target = outline.visualRect(window.session.model.index_of("background")).center()
    assert simulate_drop(outline.viewport(), target, data)
    [excerpt] = blocks(window, "background")
    document = window.reader.current_document
    assert isinstance(excerpt, Excerpt) and document is not None
    assert excerpt.quote == "The leaders discussed artillery shells"
    assert document.text[excerpt.start : excerpt.end] == excerpt.quote
    assert excerpt.citation.text_hash == document.text_hash and excerpt.citation.outlet == "Northern Wire"
    window.undo_action.trigger()
    assert blocks(window, "background") == []


def test_a_search_result_dropped_quotes_its_matching_paragraph(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "grain")
    results = window.search.model
    data = results.mimeData([results.index(0)])
    assert results.supportedDragActions() == Qt.DropAction.CopyAction
    model = window.session.model
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("analysis"))
    [excerpt] = blocks(window, "analysis")
    assert excerpt.quote.startswith("Ports on the Black Sea shipped more grain")
    assert data.text().startswith("\u201cPorts on the Black Sea")


def test_add_selection_to_section_is_the_keyboard_way(
    make_window, filled_archive, qtbot, no_dialogs, monkeypatch
):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "vostochny")
    select_in_reader(window, "Vostochny Cosmodrome")
    offered: list[tuple[list, str | None]] = []

    def choose(cls, parent, sections, current):
        offered.append((sections, current))
        return "key-judgments"

    monkeypatch.setattr(dialogs.SectionChooser, "ask", classmethod(choose))
    assert window.add_to_briefing_action.shortcut().toString() == "Ctrl+E"
    window.add_to_briefing_action.trigger()
    [excerpt] = blocks(window, "key-judgments")
    assert excerpt.quote == "Vostochny Cosmodrome"
    sections, _ = offered[0]
    assert ("japan", "Implications for the United States and Allies > Japan") in sections


def test_move_cut_and_paste_are_undoable(make_window, filled_archive, qtbot, no_dialogs):
    window = open_window(make_window, qtbot)
    model, pane = window.session.model, window.briefing
    for text in ("one", "two"):
        model.do(edits.AddBlock("analysis", -1, Paragraph(text)))
    analysis = model.index_of("analysis")
    pane.outline.setCurrentIndex(model.index(1, 0, analysis))
    pane.move_up()
    assert [b.text for b in blocks(window, "analysis")] == ["two", "one"]
    pane.cut()
    assert [b.text for b in blocks(window, "analysis")] == ["one"]
    pane.outline.setCurrentIndex(model.index_of("background"))
    pane.paste()
    assert [b.text for b in blocks(window, "background")] == ["two"]
    for _ in range(3):
        window.undo_action.trigger()
    assert [b.text for b in blocks(window, "analysis")] == ["one", "two"]


def test_files_dropped_on_the_window_are_imported_in_the_background(
    make_window, archive, articles_dir, fake_sample, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)  # the first start imports the (fake) sample
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(articles_dir))])
    assert simulate_drop(window, QPoint(20, 20), data)
    qtbot.waitUntil(lambda: window.status.documents.text() == "5 documents", timeout=20000)


def test_save_open_and_the_unsaved_changes_prompt(
    make_window, filled_archive, qtbot, no_dialogs, monkeypatch, tmp_path
):
    window = open_window(make_window, qtbot)
    path = tmp_path / "treaty.briefing"
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(lambda cls, p, s: path))
    window.session.model.do(edits.RenameSection("analysis", "Our analysis"))
    assert window.isWindowModified()
    assert window.save_briefing()
    assert not window.isWindowModified() and "treaty.briefing" in window.windowTitle()
    assert storage.load(path).sections[3].title == "Our analysis"
    window.session.model.do(edits.RenameSection("analysis", "Changed"))
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_open", classmethod(lambda cls, p, f: path))
    no_dialogs.clear()
    window.open_action.trigger()
    assert no_dialogs == ["unsaved"]  # discarded
    assert window.session.briefing.sections[3].title == "Our analysis"
    assert window.session.recent()[0] == path.resolve()


def test_autosave_and_recovery_after_a_crash(make_window, filled_archive, qtbot, no_dialogs, monkeypatch):
    first = open_window(make_window, qtbot)
    first.session.model.do(edits.RenameSection("analysis", "Unsaved work"))
    copy = first.session.autosave()
    assert copy is not None and copy.is_file()
    note = copy.with_suffix(".json")
    info = json.loads(note.read_text(encoding="utf-8"))
    info["pid"] = 999_999_999  # the crashed process
    note.write_text(json.dumps(info), encoding="utf-8")
    first._shut_down = True  # a crash: nothing is cleaned up

    monkeypatch.setattr(
        dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: "Untitled assessment" in d)
    )
    second = open_window(make_window, qtbot)
    assert second.session.briefing.sections[3].title == "Unsaved work"
    assert second.isWindowModified()
    # The work keeps a recovery copy until it is saved or replaced: this session's own now.
    [own] = copy.parent.glob("*.briefing")
    assert own != copy and not note.exists()
    assert storage.load(own).sections[3].title == "Unsaved work"
    assert json.loads(own.with_suffix(".json").read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert second.session.recoveries() == []  # not offered to another window while this one runs


def test_export_from_the_dialog_runs_in_the_background(
    make_window, filled_archive, qtbot, no_dialogs, monkeypatch, tmp_path
):
    window = open_window(make_window, qtbot)
    opened: list[Path] = []
    monkeypatch.setattr(export_dialog, "open_folder", opened.append)
    dialog = window.show_export_dialog()
    dialog.output.setText(str(tmp_path / "out.docx"))
    dialog.tlp.setCurrentIndex(dialog.tlp.findData("AMBER"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    assert (tmp_path / "out.docx").is_file()
    assert window.session.briefing.metadata.tlp == "AMBER"  # applied as an undoable edit
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.open_folder_button.click()
    assert opened == [tmp_path]

    dialog.reference.setText(str(tmp_path / "missing.docx"))
    with qtbot.waitSignal(dialog.export_failed, timeout=30000) as failed:
        dialog.export_button.click()
    assert "missing.docx" in failed.args[0]
    assert "Not exported" in dialog.outcome.text()
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.done(0)
