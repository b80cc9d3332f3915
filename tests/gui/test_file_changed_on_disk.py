"""The open briefing's file changed by another program: the window merges, reloads or asks, and
never overwrites silently.  The other program is a real `briefer` process writing the real file.

No test meets a modal dialog: each question's `ask` is replaced by the answer of the case, and
a question no case expects fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Paragraph, find_section
from briefer.gui import dialogs
from briefer.gui.dialogs import ConflictChoice, DiskChoice, OverwriteChoice
from briefer.gui.mainwindow import MainWindow
from tests.concurrency_support import REPO, paragraph_texts
from tests.gui.conftest import status_read

MINE = "Written in the window."
FROM_CLI = "Added by the command line."


def briefer(data: Path, *args: str) -> None:
    """Run `briefer` as its own process, as another terminal would."""
    done = subprocess.run(
        [sys.executable, "-m", "briefer", "--data-dir", str(data), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


class Questions:
    """The answers the dialogs give, and what they were asked; an unexpected question fails."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[tuple[str, Any]] = []
        self.answers: dict[str, Any] = {}
        for name in ("ChangedOnDisk", "MergeConflicts", "UnmergeableChange"):
            monkeypatch.setattr(getattr(dialogs, name), "ask", classmethod(self._answer(name)))
        # Closing a window with unsaved work at the end of a test: discard it.
        monkeypatch.setattr(
            dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD)
        )

    def _answer(self, name: str) -> Any:
        def ask(cls: Any, parent: Any, file_name: str, *details: Any) -> Any:
            self.asked.append((name, details[0] if details else file_name))
            assert name in self.answers, f"unexpected question {name}: {details}"
            return self.answers[name]

        return ask


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    return Questions(monkeypatch)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    path = tmp_path / "shared.briefing"
    storage.save(templates.new_briefing(templates.load("assessment"), title="Shared briefing"), path)
    return path


def open_window(make_window: Any, qtbot: Any, path: Path) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window))
    assert window.open_path(path)
    return window


def window_texts(window: MainWindow) -> list[str]:
    section = find_section(window.session.briefing, "analysis")
    return [b.text for b in section.blocks if isinstance(b, Paragraph)]


def write_in_window(window: MainWindow, text: str = MINE) -> None:
    window.session.model.do(edits.AddBlock("analysis", -1, Paragraph(text)))
    assert window.isWindowModified()


def close_problem_boxes(window: MainWindow) -> list[str]:
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    for box in boxes:
        box.close()
    return [b.text() for b in boxes]


# -- saving over a file another program changed ------------------------------------------------
def test_a_window_save_after_a_cli_edit_keeps_the_cli_paragraph(
    make_window: Any, qtbot: Any, shared: Path, data_dir: Path, questions: Questions
) -> None:
    window = open_window(make_window, qtbot, shared)
    write_in_window(window)
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", FROM_CLI)
    assert window.save_briefing()  # merged, nothing asked: the two changed different blocks
    assert paragraph_texts(shared) == [MINE, FROM_CLI]
    assert window_texts(window) == [MINE, FROM_CLI] and not window.isWindowModified()
    assert "1 change another program made merged in" in window.status.currentMessage()
    qtbot.wait(600)  # the file watcher saw the window's own save: no question about it
    assert questions.asked == []
    window.session.undo_stack.undo()  # the merge is one undo step; then the window's own edit
    assert window_texts(window) == [MINE] and window.isWindowModified()


@pytest.mark.parametrize("answer", ["mine", "theirs", "copy", "cancel"])
def test_the_same_property_changed_in_both_places_asks_which_to_keep(
    make_window: Any,
    qtbot: Any,
    shared: Path,
    data_dir: Path,
    questions: Questions,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
) -> None:
    window = open_window(make_window, qtbot, shared)
    window.session.model.do(edits.SetMetadata("title", "The window's title"))
    write_in_window(window)
    briefer(data_dir, "brief", "set", str(shared), "--title", "The command's title")
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", FROM_CLI)
    from_cli = shared.read_bytes()
    copy = shared.with_name("copy.briefing")
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(lambda cls, parent, suggested: copy))
    questions.answers["MergeConflicts"] = ConflictChoice(answer)

    saved = window.save_briefing()

    assert questions.asked == [("MergeConflicts", ["the title: changed here, changed in the file"])]
    if answer in ("mine", "theirs"):
        assert saved and not window.isWindowModified()
        title = "The window's title" if answer == "mine" else "The command's title"
        assert storage.load(shared).metadata.title == title
        assert paragraph_texts(shared) == [MINE, FROM_CLI]  # the rest merged either way
    else:
        assert shared.read_bytes() == from_cli  # left as the command made it
        assert saved == (answer == "copy")
        if answer == "copy":
            assert window.session.path == copy and storage.load(copy).metadata.title == "The window's title"
            assert paragraph_texts(copy) == [MINE]
        else:
            assert window.isWindowModified() and window_texts(window) == [MINE]


def test_a_file_deleted_meanwhile_is_saved_again(
    make_window: Any, qtbot: Any, shared: Path, questions: Questions
) -> None:
    window = open_window(make_window, qtbot, shared)
    write_in_window(window)
    shared.unlink()
    assert window.save_briefing()
    assert (
        paragraph_texts(shared) == [MINE]
        and "another program had deleted it" in window.status.currentMessage()
    )


def test_a_file_that_cannot_be_read_any_more_is_not_overwritten(
    make_window: Any, qtbot: Any, shared: Path, questions: Questions
) -> None:
    window = open_window(make_window, qtbot, shared)
    write_in_window(window)
    shared.write_text("[" * 100_000, encoding="utf-8")  # another program wrote a nesting bomb
    assert not window.save_briefing()
    [problem] = close_problem_boxes(window)
    assert "was not saved" in problem and "more than 100 levels deep" in problem and "another name" in problem
    assert shared.read_text(encoding="utf-8") == "[" * 100_000 and window.isWindowModified()


# -- noticing another program's save while open -----------------------------------------------
def test_a_clean_window_reloads_what_a_cli_command_saved(
    make_window: Any, qtbot: Any, shared: Path, data_dir: Path, questions: Questions
) -> None:
    window = open_window(make_window, qtbot, shared)
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", FROM_CLI)
    qtbot.waitUntil(lambda: window_texts(window) == [FROM_CLI], timeout=10_000)  # the file watcher
    assert not window.isWindowModified() and "reloaded" in window.status.currentMessage()
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", "Once more.")
    qtbot.waitUntil(lambda: window_texts(window) == [FROM_CLI, "Once more."], timeout=10_000)
    assert questions.asked == []


@pytest.mark.parametrize("answer", ["merge", "reload", "later"])
def test_a_window_with_unsaved_changes_asks_when_the_file_changes(
    make_window: Any, qtbot: Any, shared: Path, data_dir: Path, questions: Questions, answer: str
) -> None:
    window = open_window(make_window, qtbot, shared)
    write_in_window(window)
    questions.answers["ChangedOnDisk"] = DiskChoice(answer)
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", FROM_CLI)
    qtbot.waitUntil(lambda: len(questions.asked) == 1, timeout=10_000)
    assert questions.asked == [("ChangedOnDisk", "shared.briefing")]
    expected = {"merge": [MINE, FROM_CLI], "reload": [FROM_CLI], "later": [MINE]}[answer]
    assert window_texts(window) == expected
    assert window.isWindowModified() == (answer != "reload")
    if answer == "reload":
        window.session.undo_stack.undo()  # the analyst's work comes back
        assert window_texts(window) == [MINE] and window.isWindowModified()
    window.session.check_disk()  # the window becomes active again: asked once per version only
    qtbot.wait(100)
    assert len(questions.asked) == 1
    assert window.save_briefing()  # whatever the answer, saving keeps the command's paragraph too
    assert paragraph_texts(shared) == [MINE, FROM_CLI]


# -- work recovered after a crash: no base version to merge with ---------------------------------
@pytest.mark.parametrize("answer", ["overwrite", "copy", "cancel"])
def test_recovered_work_over_a_changed_file_asks_before_overwriting(
    make_window: Any,
    qtbot: Any,
    shared: Path,
    data_dir: Path,
    questions: Questions,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
) -> None:
    crashed = open_window(make_window, qtbot, shared)
    write_in_window(crashed, "Recovered work.")
    copy_path = crashed.session.autosave()
    assert copy_path is not None
    note = copy_path.with_suffix(".json")
    note.write_text(json.dumps({**json.loads(note.read_text()), "pid": 999_999_999}), encoding="utf-8")
    crashed.session.stop_autosave()
    briefer(data_dir, "brief", "add-text", str(shared), "--section", "analysis", FROM_CLI)
    from_cli = shared.read_bytes()

    window = make_window()
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, parent, description: True))
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window))
    assert window.session.recovered and window_texts(window) == ["Recovered work."]
    questions.answers["UnmergeableChange"] = OverwriteChoice(answer)
    questions.answers["ChangedOnDisk"] = DiskChoice.LATER
    other = shared.with_name("recovered-copy.briefing")
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(lambda cls, parent, suggested: other))

    saved = window.save_briefing()

    assert ("UnmergeableChange", "shared.briefing") in questions.asked
    assert saved == (answer != "cancel")
    if answer == "overwrite":
        assert paragraph_texts(shared) == ["Recovered work."]
        assert paragraph_texts(storage.backup_path(shared)) == [FROM_CLI]  # the other version, kept once
    else:
        assert shared.read_bytes() == from_cli
    if answer == "copy":
        assert paragraph_texts(other) == ["Recovered work."]
