""" "Min Park is editing" in the outline of a shared briefing, on a real PostgreSQL server: others'
leases shown beside their sections (polled off the GUI thread), this analyst's lease taken when
they edit, never a lock, and released when the window closes."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from briefer.core import team
from briefer.core.archive import Archive
from briefer.core.briefing import edits
from briefer.core.team import briefings as shared
from briefer.core.team import leases
from briefer.gui import dialogs
from briefer.gui.mainwindow import MainWindow
from briefer.gui.team import briefings as team_gui
from briefer.gui.team.connect import TeamAccess
from briefer.gui.team.leases import POLL_MS, person
from tests.gui.test_team_briefings import assessment, connect, people, text_of  # noqa: F401 (fixture)
from tests.team.conftest import as_user, team_url  # noqa: F401 (a fixture)


def outline_text(window: MainWindow, section_id: str) -> str:
    model = window.session.model
    return str(model.data(model.index_of(section_id), Qt.ItemDataRole.DisplayRole))


def test_the_outline_says_who_else_edits_a_section_and_editing_is_never_refused(
    qtbot: Any,
    archive: Archive,
    settings: QSettings,
    people: dict[str, str],  # noqa: F811
    team_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    briefing = assessment()
    with connect(team_url, people["min"]) as min_park:
        shared.publish(min_park, briefing)
        leases.hold_lease(min_park, briefing.id, "analysis")  # Min Park is in the Analysis section
    ola = TeamAccess(team.TeamLocation.parse(as_user(team_url, people["ola"])), people["ola"], "editor")
    window = MainWindow(archive=archive, settings=settings, team=ola)
    qtbot.addWidget(window)
    window.start()
    notices = window.team_leases
    assert notices.timer.isActive() and notices.timer.interval() == POLL_MS == 15_000
    monkeypatch.setattr(team_gui.OpenTeamBriefing, "ask", classmethod(lambda cls, parent, items: briefing.id))
    window.team_briefings.open_action.trigger()
    qtbot.waitUntil(lambda: window.session.briefing.id == briefing.id, timeout=20_000)

    qtbot.waitUntil(
        lambda: "is editing" in outline_text(window, "analysis"), timeout=20_000
    )  # polled on open
    assert outline_text(window, "analysis").endswith(f"\u2014 {person(people['min'])} is editing")
    assert "editing" not in outline_text(window, "key-judgments")

    window.briefing.select("para")  # Ola edits the same section: a notice, not a lock
    assert window.session.model.do(edits.EditText("para", "Exports rose by a third."))
    assert text_of(window.session.briefing, "para") == "Exports rose by a third."
    qtbot.waitUntil(lambda: not notices._runner.busy, timeout=20_000)
    with connect(team_url, people["min"]) as min_park:
        seen = [(lease.section_id, lease.analyst) for lease in leases.others_editing(min_park, briefing.id)]
    assert seen == [("analysis", people["ola"])]  # Min Park's window would say "Ola … is editing"

    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    window.close()  # leaving: the lease ends at once, not after a minute
    with connect(team_url, people["min"]) as min_park:
        assert leases.others_editing(min_park, briefing.id) == []


def test_names_read_as_people() -> None:
    assert person("min_park") == "Min Park" and person("Ola.Berg") == "Ola.Berg"


def test_what_others_did_since_opening_reaches_the_window_with_the_next_poll(
    qtbot: Any,
    archive: Archive,
    settings: QSettings,
    people: dict[str, str],  # noqa: F811
    team_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    briefing = assessment()
    with connect(team_url, people["min"]) as min_park:
        shared.publish(min_park, briefing)
    min_park_access = TeamAccess(
        team.TeamLocation.parse(as_user(team_url, people["min"])), people["min"], "analyst"
    )
    window = MainWindow(archive=archive, settings=settings, team=min_park_access)
    qtbot.addWidget(window)
    window.start()
    monkeypatch.setattr(team_gui.OpenTeamBriefing, "ask", classmethod(lambda cls, parent, items: briefing.id))
    window.team_briefings.open_action.trigger()
    qtbot.waitUntil(lambda: window.session.briefing.id == briefing.id, timeout=20_000)
    states = window.team_briefings.state_actions
    assert states["draft"].isChecked()

    with connect(team_url, people["ola"]) as ola:  # the editor saves a version and sends it to review
        edited, version = shared.fetch(ola, briefing.id)
        shared.save(ola, edited, version)
        shared.set_state(ola, briefing.id, "in_review")
    qtbot.waitUntil(lambda: not window.team_leases._runner.busy, timeout=20_000)
    window.team_leases.poll()

    qtbot.waitUntil(lambda: states["in_review"].isChecked(), timeout=20_000)
    assert not states["draft"].isChecked()
    message = window.status.currentMessage()
    assert f"{person(people['ola'])} saved version 2 to the team" in message and "merges" in message
    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    window.close()
