"""Shared briefings in the window, on a real PostgreSQL server: open a team briefing, edit it, save
it back while a colleague saved in between (merged block by block, one undo step, asked only when
both changed the same block), publish a personal one, move the review state (released: editors
only), and a lost connection that never loses an edit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import QSettings

from briefer.core import team
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Briefing, KeyJudgment, Paragraph, get_block
from briefer.core.team import briefings as shared
from briefer.gui.mainwindow import MainWindow
from briefer.gui.team import briefings as team_gui
from briefer.gui.team.connect import TeamAccess
from tests.team.conftest import as_user, team_url, unique  # noqa: F401 (a fixture)

THEIRS = "Exports rose by a third."


def connect(url: str, user: str) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(as_user(url, user)), autocommit=True)


@pytest.fixture
def people(team_url: str) -> dict[str, str]:  # noqa: F811
    names = {
        "min": unique("min_park"),
        "ola": unique("ola"),
        "reader": unique("reader"),
        "kim": unique("kim"),
    }
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        team.add_analyst(admin, names["min"], "analyst")
        team.add_analyst(admin, names["kim"], "analyst")
        team.add_analyst(admin, names["ola"], "editor")
        team.add_analyst(admin, names["reader"], "reader")
    return names


def assessment() -> Briefing:
    briefing = templates.new_briefing(templates.load("assessment"))
    briefing.metadata.title = "Grain exports"
    edits.add_block(briefing, "key-judgments", KeyJudgment("We assess exports will grow.", id="kj"))
    edits.add_block(briefing, "analysis", Paragraph("Exports rose.", id="para"))
    return briefing


def text_of(briefing: Briefing, block_id: str) -> str:
    return get_block(briefing, block_id).text  # type: ignore[union-attr]


@pytest.fixture
def window_for(
    qtbot: Any,
    archive: Archive,
    settings: QSettings,
    team_url: str,  # noqa: F811
) -> Iterator[Callable[[str, str], MainWindow]]:
    windows: list[MainWindow] = []

    def make(user: str, role: str) -> MainWindow:
        access = TeamAccess(team.TeamLocation.parse(as_user(team_url, user)), user, role)
        window = MainWindow(archive=archive, settings=settings, team=access)
        qtbot.addWidget(window)
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def use_session(window: MainWindow, session: team.TeamSession) -> None:
    previous = window.team_briefings.team_session
    if previous is not None:
        previous.close()
    window.team_briefings.team_session = session


def idle(qtbot: Any, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.team_briefings._runner.busy, timeout=20_000)


def open_team_briefing(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch, briefing_id: str
) -> None:
    listed: list[list[str]] = []

    def choose(cls: object, parent: object, items: list[team.SharedBriefing]) -> str:
        listed.append([item.id for item in items])
        return briefing_id

    monkeypatch.setattr(team_gui.OpenTeamBriefing, "ask", classmethod(choose))
    window.team_briefings.open_action.trigger()
    idle(qtbot, window)
    assert listed and briefing_id in listed[0]


def test_a_save_after_a_colleagues_save_is_merged_and_asks_only_about_the_same_block(
    qtbot: Any,
    window_for: Callable[[str, str], MainWindow],
    people: dict[str, str],
    team_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = assessment()
    with connect(team_url, people["min"]) as min_park:
        shared.publish(min_park, mine)
    window = window_for(people["min"], "analyst")
    assert not window.team_briefings.save_action.isEnabled()  # nothing shared is open yet
    open_team_briefing(qtbot, window, monkeypatch, mine.id)
    assert window.session.briefing.id == mine.id and window.team_briefings.save_action.isEnabled()
    asked: list[list[str]] = []

    def keep(cls: object, parent: object, conflict: team.SaveConflict) -> str:
        asked.append([c.what for c in conflict.conflicts])
        return "ours"

    monkeypatch.setattr(team_gui.TeamConflicts, "ask", classmethod(keep))

    window.session.model.do(edits.EditText("kj", "We assess exports will grow sharply."))
    with connect(team_url, people["ola"]) as ola:  # meanwhile a colleague saves another block
        theirs, base = shared.fetch(ola, mine.id)
        edits.edit_text(theirs, "para", "Exports rose by a third.")
        shared.save(ola, theirs, base)
    window.team_briefings.save_action.trigger()
    idle(qtbot, window)
    assert asked == []  # different blocks: merged without a question
    shown = window.session.briefing
    assert text_of(shown, "kj") == "We assess exports will grow sharply."
    assert text_of(shown, "para") == "Exports rose by a third."  # the colleague's edit, in the window
    assert not window.session.modified and window.session.undo_stack.undoText() == "Merge Team Version 2"
    path = window.session.path
    assert path is not None and text_of(storage.load(path), "para") == "Exports rose by a third."
    with connect(team_url, people["ola"]) as ola:
        latest, version = shared.fetch(ola, mine.id)
        assert version == 3 and text_of(latest, "kj") == "We assess exports will grow sharply."
        edits.edit_text(latest, "kj", "We assess exports will stall.")  # now the same block
        shared.save(ola, latest, version)

    window.session.model.do(edits.EditText("kj", "We assess exports will double."))
    window.team_briefings.save_action.trigger()
    idle(qtbot, window)  # the conflict is asked about, then saved again with the answer
    idle(qtbot, window)
    assert len(asked) == 1 and len(asked[0]) == 1 and "key judgment" in asked[0][0]
    with connect(team_url, people["ola"]) as ola:
        latest, version = shared.fetch(ola, mine.id)
    assert version == 5 and text_of(latest, "kj") == "We assess exports will double."


def test_publishing_and_the_review_state_with_only_editors_releasing(
    qtbot: Any,
    window_for: Callable[[str, str], MainWindow],
    people: dict[str, str],
    team_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "mine.briefing"
    storage.save(assessment(), path)
    window = window_for(people["min"], "analyst")
    assert window.open_path(path)
    actions = window.team_briefings
    assert actions.publish_action.isEnabled() and not actions.save_action.isEnabled()
    release = actions.state_actions["released"]
    assert not release.isEnabled() and "Only editors release" in release.toolTip()

    actions.publish_action.trigger()
    idle(qtbot, window)
    assert actions.save_action.isEnabled() and not actions.publish_action.isEnabled()
    assert actions.state_actions["draft"].isChecked()
    actions.state_actions["in_review"].trigger()
    idle(qtbot, window)
    briefing_id = window.session.briefing.id
    with connect(team_url, people["min"]) as min_park:
        assert shared.shared(min_park, briefing_id).state == "in_review"
    assert actions.state_actions["in_review"].isChecked() and not actions.state_actions["draft"].isChecked()

    editor = window_for(people["ola"], "editor")
    assert editor.team_briefings.state_actions["released"].isEnabled()
    monkeypatch.setattr(team_gui.OpenTeamBriefing, "ask", classmethod(lambda cls, parent, items: briefing_id))
    kim = window_for(people["kim"], "analyst")  # another analyst: may read Min Park's briefing, not save it
    kim.team_briefings.open_action.trigger()
    idle(qtbot, kim)
    assert kim.session.briefing.id == briefing_id and "in review" in kim.status.currentMessage()
    save = kim.team_briefings.save_action
    assert not save.isEnabled() and f"Only its owner ({people['min']})" in save.toolTip()


def test_a_lost_connection_says_so_and_keeps_the_edit(
    qtbot: Any,
    window_for: Callable[[str, str], MainWindow],
    people: dict[str, str],
    team_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = assessment()
    with connect(team_url, people["min"]) as min_park:
        shared.publish(min_park, mine)
    window = window_for(people["min"], "analyst")
    open_team_briefing(qtbot, window, monkeypatch, mine.id)
    shown: list[str] = []
    monkeypatch.setattr(window, "_show_problem", shown.append)
    window.team_briefings.failed.disconnect()
    window.team_briefings.failed.connect(shown.append)
    window.session.model.do(edits.EditText("kj", "We assess exports will fall."))
    gone = team_url.split("?host=")[0] + "?host=/nonexistent-socket-folder"
    use_session(  # the server went away
        window,
        team.TeamSession(
            team.TeamLocation.parse(as_user(gone, people["min"])), attempts=2, first_wait_s=0.01
        ),
    )
    window.team_briefings.save_action.trigger()
    idle(qtbot, window)
    assert len(shown) == 1 and "cannot reach" in shown[0] and "kept in your copy" in shown[0]
    path = window.session.path
    assert path is not None and text_of(storage.load(path), "kj") == "We assess exports will fall."

    use_session(window, team.TeamSession(team.TeamLocation.parse(as_user(team_url, people["min"]))))
    window.team_briefings.save_action.trigger()  # the server answers again: saved
    idle(qtbot, window)
    with connect(team_url, people["min"]) as min_park:
        latest, version = shared.fetch(min_park, mine.id)
    assert version == 2 and text_of(latest, "kj") == "We assess exports will fall."


def test_a_merge_the_copy_cannot_take_is_never_recorded_as_taken(
    qtbot: Any,
    window_for: Callable[[str, str], MainWindow],
    people: dict[str, str],
    team_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another program rewrites the copy while the team save waits on a colleague's: the merge
    cannot go into the copy, so the copy keeps its old version, and the next Save to Team brings
    the colleague's change in (recording the new version would have undone it)."""
    mine = assessment()
    with connect(team_url, people["min"]) as min_park:
        shared.publish(min_park, mine)
    window = window_for(people["min"], "analyst")
    open_team_briefing(qtbot, window, monkeypatch, mine.id)
    shown: list[str] = []
    window.team_briefings.failed.disconnect()
    window.team_briefings.failed.connect(shown.append)
    path = window.session.path
    assert path is not None
    window.session.model.do(edits.EditText("kj", "We assess exports will fall."))
    with connect(team_url, people["ola"]) as ola:
        theirs, base = shared.fetch(ola, mine.id)
        edits.edit_text(theirs, "para", THEIRS)
        shared.save(ola, theirs, base)
    with connect(team_url, people["ola"]) as ola:  # holds the briefing's row: the save waits
        ola.autocommit = False
        ola.execute("SELECT 1 FROM briefings WHERE id = %s FOR UPDATE", (mine.id,))
        window.team_briefings.save_action.trigger()
        qtbot.waitUntil(lambda: not window.session.modified, timeout=10_000)  # the copy is saved first
        other = storage.load(path)  # meanwhile another program saves the copy
        other.metadata.title = "Grain exports (edited elsewhere)"
        storage.save(other, path)
        ola.rollback()
    idle(qtbot, window)
    checkout = window.team_briefings.checkout()
    assert checkout is not None and checkout.version == 1  # still the version the copy holds
    assert len(shown) == 1 and "could not be updated" in shown[0] and "Save to Team again" in shown[0]

    with connect(team_url, people["min"]) as min_park:
        latest, version = shared.fetch(min_park, mine.id)
    assert (
        version == 3
        and text_of(latest, "para") == THEIRS
        and text_of(latest, "kj") == "We assess exports will fall."
    )
