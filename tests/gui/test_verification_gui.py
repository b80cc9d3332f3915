"""Quote verification and the drafted source summary in the window: outline states, the block editor,
Verify Quotes, Update Moved Quote Positions, Draft Source Summary, and the export dialog's gate.

The window gets the archive the way the main window wires it: `briefing.use_archive(...)`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing, Excerpt, Paragraph, excerpts
from briefer.core.briefing.summary import summary_section, untouched
from briefer.core.briefing.verify import ArchiveLookups, Verification
from briefer.core.documents import Document
from briefer.core.export.manifest import manifest_path
from briefer.gui import dialogs
from briefer.gui.distribution import export_dialog
from briefer.gui.mainwindow import MainWindow
from tests.conftest import ArchiveTemplate, write_article
from tests.core.briefing_support import ARTICLES, articles_in, part_xml, rich_briefing, texts
from tests.gui.conftest import status_read

PACT = str(ARTICLES["pact"]["body"])


@pytest.fixture
def data_dir(tmp_path: Path, briefing_articles: ArchiveTemplate) -> Path:
    """Here the window's archive holds the three ARTICLES (their files are in `article_files`)."""
    return briefing_articles.copy_to(tmp_path / "data")


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


@pytest.fixture
def saved(docs: dict[str, Document], tmp_path: Path) -> Path:
    path = tmp_path / "rich.briefing"
    storage.save(rich_briefing(docs), path)
    return path


@pytest.fixture
def window(make_window, archive: Archive, qtbot, monkeypatch) -> MainWindow:
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    win = make_window()
    win.briefing.use_archive(ArchiveLookups.of(archive))  # the main window's line
    win.show()
    win.start()
    qtbot.waitUntil(lambda: status_read(win), timeout=30_000)  # a loaded 2-core CI can take seconds
    yield win
    win.briefing.shutdown()


def rewrite(archive: Archive, folder: Path, name: str, body: str) -> None:
    fields = dict(ARTICLES[name])
    fields.pop("body")
    write_article(folder, name, body, **fields)
    archive.import_paths([folder])


def open_checked(window: MainWindow, path: Path, qtbot) -> Verification:
    """Open a briefing and wait for the background check that opening starts."""
    with qtbot.waitSignal(window.briefing.checks.finished, timeout=20000) as done:
        assert window.open_path(path)
    verification = done.args[0]
    assert isinstance(verification, Verification)
    return verification


def quote(window: MainWindow, words: str) -> Excerpt:
    return next(e for e in excerpts(window.session.briefing).values() if words in e.quote)


def row_data(window: MainWindow, excerpt: Excerpt, role: Qt.ItemDataRole) -> object:
    model = window.session.model
    return model.data(model.index_of(excerpt.id), role)


def test_every_excerpt_shows_its_state_once_the_briefing_is_opened(window, saved, qtbot) -> None:
    verification = open_checked(window, saved, qtbot)
    assert verification.summary() == "4 quotes: 4 verified"
    model = window.session.model
    for excerpt in excerpts(window.session.briefing).values():
        check = model.check_of(excerpt)
        assert check is not None and check.status == "ok"
        icon = row_data(window, excerpt, Qt.ItemDataRole.DecorationRole)
        assert icon is not None and not icon.isNull()  # type: ignore[attr-defined]
        assert "Quote verified against the archive" in str(
            row_data(window, excerpt, Qt.ItemDataRole.ToolTipRole)
        )
        assert str(row_data(window, excerpt, Qt.ItemDataRole.AccessibleTextRole)).endswith(
            "Quote verified against the archive"
        )
    window.briefing.select(quote(window, "without delay").id)
    editor = window.briefing.editor
    assert editor.check.isVisibleTo(editor) and "Verified" in editor.check.text()
    assert not editor.check_diff.isVisibleTo(editor)


def test_a_changed_source_shows_the_difference_and_verify_quotes_goes_to_it(
    window, saved, archive, article_files, qtbot
) -> None:
    rewrite(archive, article_files, "pact", PACT.replace('respond "firmly"', 'respond "decisively"'))
    verification = open_checked(window, saved, qtbot)
    firmly = quote(window, "firmly")
    assert [c.excerpt_id for c in verification.failures] == [firmly.id]
    assert "Source changed since the quote was captured" in str(
        row_data(window, firmly, Qt.ItemDataRole.ToolTipRole)
    )
    messages: list[str] = []
    window.briefing.message.connect(messages.append)
    window.briefing.select(quote(window, "without delay").id)
    with qtbot.waitSignal(window.briefing.checks.finished, timeout=20000):
        window.briefing.verify_quotes_action.trigger()
    assert messages[-1] == "Quotes checked: 4 quotes: 3 verified, 1 source changed"
    assert window.briefing.current_node() is firmly  # the first problem is selected
    editor = window.briefing.editor
    assert "Source changed" in editor.check.text() and "(unverified)" in editor.check.text()
    assert editor.check_diff.isVisibleTo(editor)
    diff = editor.check_diff.toPlainText()
    assert '-Officials in Seoul said they would respond "firmly"' in diff
    assert '+Officials in Seoul said they would respond "decisively"' in diff


def test_moved_quotes_are_updated_in_one_undoable_step(window, saved, archive, article_files, qtbot) -> None:
    rewrite(archive, article_files, "pact", "A new first paragraph.\n\n" + PACT)
    open_checked(window, saved, qtbot)
    pane, model = window.briefing, window.session.model
    firmly = quote(window, "firmly")
    check = model.check_of(firmly)
    assert check is not None and check.status == "moved"
    pane.select(firmly.id)
    assert "Moved in the source" in pane.editor.check.text() and "Update Moved Quote Positions" in (
        pane.editor.check.text()
    )
    assert pane.update_spans_action.isEnabled()
    old = (firmly.start, firmly.end)
    with qtbot.waitSignal(pane.checks.finished, timeout=20000):  # the updated excerpts are re-checked
        pane.update_spans_action.trigger()
    assert (firmly.start, firmly.end) == (check.start, check.end)
    assert window.session.undo_stack.undoText() == "Update quote positions"
    assert all(model.check_of(e).status == "ok" for e in excerpts(window.session.briefing).values())  # type: ignore[union-attr]
    assert not pane.update_spans_action.isEnabled()
    with qtbot.waitSignal(pane.checks.finished, timeout=20000):
        window.session.undo_stack.undo()
    assert (firmly.start, firmly.end) == old
    assert model.check_of(firmly).status == "moved"  # type: ignore[union-attr]


def test_a_deleted_source_is_shown_as_missing(window, saved, archive, article_files, qtbot) -> None:
    (article_files / "trilateral.txt").unlink()
    archive.import_paths([article_files], prune=True)
    verification = open_checked(window, saved, qtbot)
    assert verification.ok
    warning = quote(window, "missile warning")
    assert window.session.model.check_of(warning).status == "missing"  # type: ignore[union-attr]
    assert "Source no longer in the archive" in str(row_data(window, warning, Qt.ItemDataRole.ToolTipRole))


def test_a_pasted_excerpt_is_checked_without_asking(window, saved, qtbot) -> None:
    open_checked(window, saved, qtbot)
    pane = window.briefing
    pane.select(quote(window, "without delay").id)
    pane.copy()
    pane.select("analysis")
    with qtbot.waitSignal(pane.checks.finished, timeout=20000):
        assert pane.paste_mime(QGuiApplication.clipboard().mimeData())
    assert window.session.model.unchecked() == []


def test_the_export_dialog_refuses_changed_quotes_then_marks_them(
    window, saved, archive, tmp_path, article_files, qtbot
) -> None:
    rewrite(archive, article_files, "pact", PACT.replace('respond "firmly"', 'respond "decisively"'))
    open_checked(window, saved, qtbot)
    dialog = export_dialog.ExportDialog(
        window.session.model,
        settings=window._settings,
        lookups=ArchiveLookups.of(archive),
        parent=window,
    )
    out = tmp_path / "out.docx"
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.export_failed, timeout=30000) as failed:
        dialog.export_button.click()
    message = failed.args[0]
    assert message.startswith("1 problem must be fixed first")
    assert dialog.findings.findings()[0].code == "unverified-quote"  # listed first, to choose
    assert 'respond "firmly"' in message and "Export even if quotes no longer match" in message
    assert "Not exported" in dialog.outcome.text()
    assert not out.exists() and not manifest_path(out).exists()
    qtbot.waitUntil(lambda: not dialog.running)

    dialog.allow_unverified.setChecked(True)
    dialog.copy.setCurrentIndex(dialog.copy.findData("review"))  # a review copy marks them
    with qtbot.waitSignal(dialog.exported, timeout=30000) as exported:
        dialog.export_button.click()
    report = exported.args[0]
    assert [c.excerpt_id for c in report.unverified] == [quote(window, "firmly").id]
    assert "marked \u201c(unverified)\u201d" in dialog.outcome.text()
    assert "out.manifest.json" in dialog.outcome.text()
    assert texts(part_xml(out, "word/footnotes.xml")).count("(unverified)") == 1
    data = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert data["verification"]["unverified_exported"] == 1
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.done(0)


def test_draft_source_summary_is_an_undoable_edit_that_keeps_the_analysts_text(window, saved, qtbot) -> None:
    open_checked(window, saved, qtbot)
    pane, stack = window.briefing, window.session.undo_stack
    briefing: Briefing = window.session.briefing
    section = summary_section(briefing)
    assert not section.blocks
    messages: list[str] = []
    pane.message.connect(messages.append)
    pane.draft_summary_action.trigger()
    qtbot.waitUntil(lambda: bool(section.blocks), timeout=20000)
    (draft,) = section.blocks
    assert isinstance(draft, Paragraph) and untouched(draft)
    assert draft.text.startswith("This assessment cites 3 sources from 3 outlets (4 quoted excerpts)")
    assert stack.undoText() == "Draft source summary" and messages[-1].startswith(
        "Drafted the source summary"
    )
    assert pane.current_node() is draft
    assert "Drafted by Briefer from the citations. Not edited" in pane.editor.draft_note.text()
    model = window.session.model
    assert str(model.data(model.index_of(draft.id), Qt.ItemDataRole.AccessibleTextRole)).startswith(
        "Drafted paragraph:"
    )

    pane.editor.text.setPlainText(draft.text + " We add our own view.")  # typing: an edit
    assert not untouched(draft) and "You edited it" in pane.editor.draft_note.text()
    pane.draft_summary_action.trigger()
    qtbot.waitUntil(lambda: len(section.blocks) == 2, timeout=20000)
    assert section.blocks[0] is draft and draft.text.endswith(" We add our own view.")
    assert "Your edited source summary was kept" in messages[-1]
    stack.undo()  # the second draft goes; the analyst's text stays
    assert section.blocks == [draft] and draft.text.endswith(" We add our own view.")


def test_a_recheck_after_an_import_announces_only_new_problems_and_keeps_the_selection(
    window, saved, archive, article_files, qtbot
) -> None:
    open_checked(window, saved, qtbot)
    pane = window.briefing
    pane.select("analysis")
    messages: list[str] = []
    pane.message.connect(messages.append)
    rewrite(archive, article_files, "pact", PACT.replace('respond "firmly"', 'respond "decisively"'))
    with qtbot.waitSignal(pane.checks.finished, timeout=20000):
        assert pane.recheck_quotes()  # what the window does when an import finishes
    assert messages == ["1 quote no longer matches its source: see the marked excerpts in the outline"]
    assert pane.current_node() is window.session.model.node_by_id("analysis")
    with qtbot.waitSignal(pane.checks.finished, timeout=20000):
        pane.recheck_quotes()
    assert len(messages) == 1  # nothing new to say
