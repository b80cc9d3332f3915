"""Nothing the analyst does is lost when the open briefing is replaced or closed.

Every path that replaces or closes the open briefing, crossed with every answer
to "Save the changes?" and every state the briefing can be in.  Each case checks
what the analyst would check: the briefing on screen, the `*` of the window
title, the file on disk, and the recovery copy that protects unsaved work.

No test meets a modal dialog: each dialog's `ask` is replaced by the answer of the case.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Briefing
from briefer.gui import dialogs
from briefer.gui.briefing.session import RECENT_KEY, BriefingSession
from briefer.gui.dialogs import Choice
from briefer.gui.mainwindow import MainWindow
from tests.gui.conftest import status_read

BASE, EDITED, OTHER = "Base analysis", "Edited analysis", "Other briefing"
GARBAGE = b"not a briefing\n"


# -- the table ---------------------------------------------------------------------------------
# States: what is open when the path is taken.
#   clean      a saved briefing, unchanged
#   edited     a saved briefing with an edit (already autosaved to a recovery copy)
#   untitled   a briefing never saved, with an edit (autosaved)
#   recovered  a briefing recovered after a crash, not saved since (its recovery copy is on disk)
STATES = ["clean", "edited", "untitled", "recovered"]

# Answers to "Save the changes?" (clean briefings are not asked):
#   save               saved (an untitled one under the name the Save As dialog returns)
#   save fails         the file is one Briefer refuses to overwrite: the save fails and says so
#   save-as cancelled  an untitled briefing: Save, then Cancel in the Save As dialog
#   discard, cancel
ANSWERS = ["save", "save fails", "save-as cancelled", "discard", "cancel"]

# Paths, and how choosing the replacement can end:
#   ok         the template or file is chosen and the replacement opens (the window closes, for close/quit)
#   cancelled  the template chooser or the file dialog is cancelled
#   fails      the chosen file cannot be read (a corrupt briefing)
PATHS = {
    "new": ["ok", "cancelled"],
    "open": ["ok", "cancelled", "fails"],
    "open recent": ["ok", "fails"],
    "file manager": ["ok", "fails"],  # a .briefing dropped on the window
    "close": ["ok"],  # the window's close button
    "quit": ["ok"],  # File -> Quit (Ctrl+Q)
}

# What an answer leaves behind before the replacement is chosen:
# (go on to the replacement, the file holds the edit, still modified, recovery copy kept)
AFTER_ANSWER = {
    "save": (True, True, False, False),
    "discard": (True, False, True, True),  # nothing happens yet: only the replacement discards
    "cancel": (False, False, True, True),
    "save fails": (False, False, True, True),
    "save-as cancelled": (False, False, True, True),
}


def answers_for(state: str) -> list[str]:
    if state == "clean":
        return ["none"]  # nothing to ask
    if state == "untitled":
        return ANSWERS
    return [a for a in ANSWERS if a != "save-as cancelled"]  # Save goes straight to the file


def outcomes_for(answer: str, path: str) -> list[str]:
    go_on = answer == "none" or AFTER_ANSWER[answer][0]
    return PATHS[path] if go_on else ["never chosen"]


CASES = [
    pytest.param(path, state, answer, outcome, id=f"{path}-{state}-{answer}-{outcome}".replace(" ", "_"))
    for path, state in itertools.product(PATHS, STATES)
    for answer in answers_for(state)
    for outcome in outcomes_for(answer, path)
]


@dataclass(frozen=True)
class Expected:
    replaced: bool  # the replacement is on screen (or the window closed)
    modified: bool  # the window title's `*`
    file_has_edit: bool  # the briefing's file (the Save As target when untitled) holds the edit
    recovery_kept: bool  # the recovery copy of the unsaved edit is still on disk


def expected(state: str, answer: str, outcome: str) -> Expected:
    if state == "clean":
        return Expected(outcome == "ok", False, False, False)
    go_on, saved, modified, kept = AFTER_ANSWER[answer]
    if go_on and outcome == "ok":
        return Expected(True, False, saved, False)
    return Expected(False, modified, saved, kept)


# -- the set-up ------------------------------------------------------------------------------
@dataclass
class Case:
    window: MainWindow
    state: str
    briefing_id: str
    file: Path  # the briefing's file, or the Save As target of an untitled one
    other: Path  # a good briefing to open
    broken: Path  # a corrupt briefing
    recovery_dir: Path
    settings: QSettings
    asked: list[str]


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The dialogs' answers, set by each case; in place until the windows are gone."""
    given: dict[str, Any] = {"unsaved": Choice.CANCEL, "template": None, "open": None, "save_as": None}
    asked: list[str] = []
    given["asked"] = asked

    def unsaved(cls: Any, parent: Any, title: str) -> Choice:
        asked.append("unsaved")
        return given["unsaved"]

    def save_as(cls: Any, parent: Any, suggested: Path) -> Path | None:
        asked.append("save as")
        return given["save_as"]

    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(unsaved))
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(save_as))
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_open", classmethod(lambda cls, p, f: given["open"]))
    monkeypatch.setattr(dialogs.TemplateChooser, "ask", classmethod(lambda cls, p, t: given["template"]))
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: given.get("recover")))
    empty = tmp_path / "no-sample"
    empty.mkdir()
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", empty)  # no sample import on the first start
    yield given


@pytest.fixture
def window_on(answers: dict[str, Any], qtbot: Any, archive: Archive, settings: QSettings) -> Iterator[Any]:
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(archive=archive, settings=settings)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        return window

    yield make
    for window in windows:
        window.shutdown()  # whatever the case left unsaved goes to a recovery copy, unasked
        window.close()


def saved_briefing(path: Path, *, title: str, analysis: str) -> Briefing:
    briefing = templates.new_briefing(templates.load("assessment"), title=title)
    edits.apply(briefing, edits.RenameSection("analysis", analysis))
    storage.save(briefing, path)
    return briefing


@contextlib.contextmanager
def scratch_session(settings: QSettings, recovery_dir: Path) -> Iterator[BriefingSession]:
    """A session outside any window, deleted here on the GUI thread (left to Python's garbage
    collector, its Qt objects could be destroyed on a worker thread of a later test)."""
    session = BriefingSession(settings=settings, recovery_dir=recovery_dir)
    try:
        yield session
    finally:
        session.stop_autosave()
        shiboken6.delete(session)


def crash_copy(recovery_dir: Path, original: Path | None, settings: QSettings) -> None:
    """What a session killed with an unsaved edit leaves: a recovery copy whose writer is dead."""
    with scratch_session(settings, recovery_dir) as session:
        if original is not None:
            session.open(original)
        else:
            session.new()
        session.model.do(edits.RenameSection("analysis", EDITED))
        copy = session.autosave()
    assert copy is not None
    note = copy.with_suffix(".json")
    info = json.loads(note.read_text(encoding="utf-8"))
    info["pid"] = 999_999_999
    note.write_text(json.dumps(info), encoding="utf-8")


def prepare(
    state: str, tmp_path: Path, window_on: Any, answers: dict[str, Any], settings: Any, qtbot: Any
) -> Case:
    folder = tmp_path / "briefings"
    folder.mkdir()
    base, other, broken = folder / "base.briefing", folder / "other.briefing", folder / "broken.briefing"
    saved_briefing(other, title=OTHER, analysis="Their analysis")
    broken.write_bytes(GARBAGE)
    recovery_dir = Path(str(tmp_path / "data" / "recovery"))
    if state != "untitled":
        saved_briefing(base, title="Base", analysis=BASE)
        settings.setValue(RECENT_KEY, [str(base.resolve())])  # the start reopens it
    if state == "recovered":
        crash_copy(recovery_dir, base, settings)
        answers["recover"] = True
    window = window_on()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    session = window.session
    if state == "recovered":
        assert session.recovered and session.modified
    elif state in ("edited", "untitled"):
        session.model.do(edits.RenameSection("analysis", EDITED))
        assert session.autosave() is not None
    assert not answers["asked"]
    return Case(
        window=window,
        state=state,
        briefing_id=session.briefing.id,
        file=base if state != "untitled" else folder / "untitled.briefing",
        other=other,
        broken=broken,
        recovery_dir=recovery_dir,
        settings=settings,
        asked=answers["asked"],
    )


def set_answers(case: Case, answers: dict[str, Any], answer: str) -> None:
    answers["unsaved"] = {"discard": Choice.DISCARD, "cancel": Choice.CANCEL}.get(answer, Choice.SAVE)
    answers["save_as"] = case.file if case.state == "untitled" else None
    if answer == "save fails":  # a file Briefer will not overwrite takes the briefing's place
        case.file.write_bytes(GARBAGE)
    if answer == "save-as cancelled":
        answers["save_as"] = None


def take_path(case: Case, answers: dict[str, Any], path: str, outcome: str) -> None:
    window = case.window
    target = case.broken if outcome == "fails" else case.other
    if path == "new":
        available = window.session.available_templates()
        answers["template"] = next(t for t in available if t.id == "spot") if outcome == "ok" else None
        window.new_action.trigger()
    elif path == "open":
        answers["open"] = None if outcome == "cancelled" else target
        window.open_action.trigger()
    elif path == "open recent":
        recent = [str(target.resolve())] + [str(p) for p in window.session.recent()]
        case.settings.setValue(RECENT_KEY, recent)
        window.recent_menu.aboutToShow.emit()  # what opening the menu does
        entry = next(a for a in window.recent_menu.actions() if a.data() == str(target.resolve()))
        entry.trigger()
    elif path == "file manager":
        window.drop_paths([target])
    elif path == "close":
        window.close()
    elif path == "quit":
        window.quit_action.trigger()


# -- what the analyst sees ---------------------------------------------------------------------
def on_screen(case: Case) -> str:
    """Which briefing the outline shows: ours (with or without the edit) or a replacement."""
    session = case.window.session
    model = session.model
    if session.briefing.id != case.briefing_id:
        return "replacement"
    shown = model.data(model.index_of("analysis"))
    return "ours, edited" if shown == EDITED else "ours, unedited" if shown == BASE else f"ours? {shown}"


def analysis_on_disk(path: Path) -> str | None:
    if not path.exists():
        return None
    if path.read_bytes() == GARBAGE:
        return "garbage"
    section = next(s for s in storage.load(path).sections if s.id == "analysis")
    return section.title


def recovery_copies(recovery_dir: Path, briefing_id: str) -> list[Path]:
    """The recovery copies of a briefing holding the unsaved edit (whichever session wrote them)."""
    copies = recovery_dir.glob(f"{briefing_id}*.briefing")
    return [copy for copy in copies if analysis_on_disk(copy) == EDITED]


def recovery_kept(case: Case) -> bool:
    return bool(recovery_copies(case.recovery_dir, case.briefing_id))


@pytest.mark.parametrize(("path", "state", "answer", "outcome"), CASES)
def test_replacing_or_closing_the_briefing_loses_nothing(
    path: str,
    state: str,
    answer: str,
    outcome: str,
    answers: dict[str, Any],
    window_on: Any,
    settings: QSettings,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    case = prepare(state, tmp_path, window_on, answers, settings, qtbot)
    if answer != "none":
        set_answers(case, answers, answer)
    disk_before = analysis_on_disk(case.file)
    want = expected(state, answer, outcome)

    take_path(case, answers, path, outcome)

    window = case.window
    assert ("unsaved" in case.asked) == (state != "clean")
    closing = path in ("close", "quit")
    if closing:
        assert window.isVisible() == (not want.replaced)
    else:
        edited = "ours, edited" if state != "clean" else "ours, unedited"
        assert on_screen(case) == ("replacement" if want.replaced else edited)
    if not (closing and want.replaced):
        assert window.isWindowModified() == want.modified == window.session.modified
    if want.file_has_edit:
        assert analysis_on_disk(case.file) == EDITED
    else:
        assert analysis_on_disk(case.file) == disk_before  # untouched
    assert recovery_kept(case) == want.recovery_kept


# -- the start: the recovery offer, then the briefing named on the command line ----------------
# A crash left a recovery copy of base.briefing holding an unsaved edit.  The next start offers
# it (Recover, Delete, or Later: Escape), then opens the file named on the command line
# (`briefer FILE.briefing`), asking first about recovered work; without one the last briefing
# (base) reopens.
# (offer answer, file named, answer about the recovered work) ->
#     (on screen, modified, a recovery copy of the edit kept, the analysis in base.briefing)
START_CASES = [
    ("no copy", None, None, "base", False, False, BASE),
    ("no copy", "other", None, "other", False, False, BASE),
    ("no copy", "broken", None, "base", False, False, BASE),  # said, and the last briefing reopens
    ("delete", None, None, "base", False, False, BASE),
    ("delete", "other", None, "other", False, False, BASE),
    ("later", None, None, "base", False, True, BASE),
    ("later", "other", None, "other", False, True, BASE),
    ("recover", None, None, "recovered", True, True, BASE),
    ("recover", "other", "save", "other", False, False, EDITED),
    ("recover", "other", "discard", "other", False, False, BASE),
    ("recover", "other", "cancel", "recovered", True, True, BASE),
    ("recover", "broken", "save", "recovered", False, False, EDITED),
    ("recover", "broken", "discard", "recovered", True, True, BASE),
    ("recover", "broken", "cancel", "recovered", True, True, BASE),
]


def shown_at_start(window: MainWindow) -> str:
    session = window.session
    if session.briefing.metadata.title == OTHER:
        return "other"
    shown = session.model.data(session.model.index_of("analysis"))
    return {EDITED: "recovered", BASE: "base"}.get(shown, f"? {shown}")


@pytest.mark.parametrize(
    ("offer", "named", "answer", "shown", "modified", "kept", "on_disk"),
    [pytest.param(*case, id="-".join(str(c) for c in case[:3])) for case in START_CASES],
)
def test_the_start_offers_recovery_then_opens_the_named_briefing(
    offer: str,
    named: str | None,
    answer: str | None,
    shown: str,
    modified: bool,
    kept: bool,
    on_disk: str,
    answers: dict[str, Any],
    window_on: Any,
    settings: QSettings,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    folder = tmp_path / "briefings"
    folder.mkdir()
    base, other, broken = folder / "base.briefing", folder / "other.briefing", folder / "broken.briefing"
    base_id = saved_briefing(base, title="Base", analysis=BASE).id
    saved_briefing(other, title=OTHER, analysis="Their analysis")
    broken.write_bytes(GARBAGE)
    recovery_dir = tmp_path / "data" / "recovery"
    if offer != "no copy":
        crash_copy(recovery_dir, base, settings)
    settings.setValue(RECENT_KEY, [str(base.resolve())])
    answers["recover"] = {"recover": True, "delete": False, "later": None}.get(offer)
    answers["unsaved"] = {"save": Choice.SAVE, "discard": Choice.DISCARD}.get(answer or "", Choice.CANCEL)

    window = window_on()
    window.start({"other": other, "broken": broken}.get(named or ""))
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)

    assert ("unsaved" in answers["asked"]) == (answer is not None)
    assert shown_at_start(window) == shown
    assert window.isWindowModified() == modified == window.session.modified
    assert bool(recovery_copies(recovery_dir, base_id)) == kept
    assert analysis_on_disk(base) == on_disk
    if named == "broken" and answer != "cancel":
        assert "Cannot open the briefing" in window.status.currentMessage()
    if offer == "later":  # kept for the next start, whatever this session does with the same briefing
        answers["unsaved"] = Choice.DISCARD
        window.close()
        assert not window.isVisible() and recovery_copies(recovery_dir, base_id)
        with scratch_session(settings, recovery_dir) as next_start:
            assert len(next_start.recoveries()) == 1
