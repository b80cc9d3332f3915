"""Autosave under real crashes: a session SIGKILLed while it autosaves still offers its latest edits."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from briefer.core.briefing import edits
from briefer.gui.briefing.session import BriefingSession
from tests.fault_support import autosave_check, run_kills

SEED = int(os.environ.get("BRIEFER_FAULT_SEED", "0")) or random.randrange(1 << 30)


@pytest.fixture
def session_in(qapp: Any) -> Iterator[Callable[[Path], BriefingSession]]:
    """Sessions outside a window, deleted on the GUI thread at the end of the test (left to Python's
    garbage collector, their Qt objects could be destroyed on a worker thread of a later test)."""
    made: list[BriefingSession] = []

    def make(folder: Path) -> BriefingSession:
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        made.append(BriefingSession(settings=settings, recovery_dir=folder / "recovery"))
        return made[-1]

    yield make
    for session in made:
        session.stop_autosave()
        shiboken6.delete(session)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_session_killed_while_autosaving_offers_its_latest_autosave(tmp_path: Path, qapp: Any) -> None:
    rng = random.Random(SEED)
    print(f"random seed: BRIEFER_FAULT_SEED={SEED}")
    assert run_kills("autosave_loop", tmp_path, 3, rng, autosave_check(tmp_path), (0.2, 0.7)) == []


def test_a_crash_while_the_recovery_note_is_written_keeps_the_previous_recovery(
    tmp_path: Path, session_in: Callable[[Path], BriefingSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_in(tmp_path)
    session.new()
    session.model.do(edits.RenameSection("analysis", "Edit 1"))
    assert session.autosave() is not None
    session.model.do(edits.RenameSection("analysis", "Edit 2"))
    real_replace = os.replace

    def dies_before_the_notes_rename(source: Any, target: Any) -> None:
        if str(target).endswith(".json"):  # the new note is written in full beside the old one
            raise SystemExit("killed")
        real_replace(source, target)

    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(os, "replace", dies_before_the_notes_rename)
        session.autosave()
    note = next((tmp_path / "recovery").glob("*.json"))
    info = json.loads(note.read_text(encoding="utf-8"))
    info["pid"] = 999_999_999  # the crashed process
    note.write_text(json.dumps(info), encoding="utf-8")
    assert autosave_check(tmp_path)(1, 0) == ""  # one copy offered, holding edit 1 or 2


@pytest.mark.timeout(120)
def test_a_second_window_while_another_briefer_imports_says_so_and_searches(
    tmp_path: Path, qtbot: Any, settings: QSettings
) -> None:
    """A second Briefer window opened on an archive a real import (another process) is filling."""
    from briefer.core.archive import Archive
    from briefer.gui.mainwindow import MainWindow
    from tests.fault_support import make_import_folder, paused_import

    first, other, data = tmp_path / "first", tmp_path / "other", tmp_path / "data"
    make_import_folder(first, 600)
    make_import_folder(other, 3, word="other")
    with paused_import(data, first), Archive(data) as archive:
        window = MainWindow(archive=archive, settings=settings)
        qtbot.addWidget(window)
        problems: list[str] = []
        window.flow.failed.connect(problems.append)
        window.show()
        window.start()  # finds documents waiting for the index: tries to index them, and is told why not
        qtbot.waitUntil(lambda: window.flow.status is not None and not window.flow.busy, timeout=30_000)
        window.flow.import_folder(other)
        qtbot.waitUntil(lambda: not window.flow.busy and len(problems) >= 1, timeout=30_000)
        assert problems and all("another Briefer is importing" in p for p in problems), problems
        assert not any("Lock" in p or "Traceback" in p for p in problems)
        window.search.query.setText("marker1")  # reading goes on
        window.search.search_now()
        qtbot.waitUntil(lambda: not window.search.searching, timeout=30_000)
        window.close()
