"""The team journey in the real app on a real X server, driven by X input events: `briefer --team
URL` connects the window to a team archive on a real PostgreSQL server, Ctrl+Alt+O opens a shared
briefing, the analyst adds a key judgment, a colleague saves another block meanwhile, and Save to
Team (Ctrl+Alt+S) merges the two without a question.  Then the team archive and the local copy
are read with the core."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefer.core import team
from briefer.core.briefing import edits, storage
from briefer.core.briefing.model import KeyJudgment, get_block, key_judgments_section
from briefer.core.team import briefings as shared
from briefer.gui.team.jobs import copy_path
from tests.gui.test_journey_xvfb import ROOT, Driver, desktop_env, display, grab_screen, wait_for  # noqa: F401 (fixture)
from tests.gui.test_team_briefings import assessment, connect
from tests.team.conftest import as_user, team_url, unique  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

JUDGMENT = "We assess the corridor stays open"
THEIRS = "Exports rose by a third."


@pytest.fixture
def newsroom(team_url: str) -> dict[str, str]:  # noqa: F811
    names = {"min": unique("min_park"), "ola": unique("ola")}
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        team.add_analyst(admin, names["min"], "analyst")
        team.add_analyst(admin, names["ola"], "editor")
    return names


@pytest.fixture
def app(display: str, tmp_path: Path, team_url: str, newsroom: dict[str, str]) -> Iterator[Driver]:  # noqa: F811
    geometry = tmp_path / "geometry.json"
    env = desktop_env(display, tmp_path / "home", geometry)
    log = (tmp_path / "app.log").open("w")
    mine = as_user(team_url, newsroom["min"])
    process = subprocess.Popen(
        [sys.executable, "-m", "briefer", "--data-dir", str(tmp_path / "data"), "--team", mine],
        env=env,
        stdout=log,
        stderr=log,
        cwd=tmp_path,
    )
    driver = Driver(display, geometry, process)
    try:
        yield driver
    finally:
        grab_screen(display, tmp_path / "last-screen.png")  # what the screen showed, for a failure
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_a_team_briefing_edited_and_saved_while_a_colleague_saved(
    app: Driver,
    tmp_path: Path,
    team_url: str,  # noqa: F811
    newsroom: dict[str, str],
) -> None:
    briefing = assessment()
    with connect(team_url, newsroom["min"]) as min_park:
        shared.publish(min_park, briefing)

    # `briefer --team URL` connects the window: the window on the team archive replaces the first.
    found = wait_for(lambda: _windows(app, "Team archive: "), "the window on the team archive", timeout=90)
    app.window = found[0]
    app.until(lambda g: "Team archive" in g["title"] and g["modal"] is None, "the connect dialog to close")
    app.refocus()  # without a window manager, nobody gives the new window the focus
    app.key("ctrl+alt+o")
    app.until(lambda g: g["modal"] == "Open Team Briefing", "the list of team briefings")
    app.key("Return")
    app.until(lambda g: g["modal"] is None and "Grain exports" in g["title"], "the shared briefing")
    app.refocus()

    outline = app.until(lambda g: "kj" in g["outline"] and g["outline"], "the outline")
    app.click(outline["kj"][0] + 20, outline["kj"][1] + outline["kj"][3] // 2)
    app.key("ctrl+shift+k")
    app.until(lambda g: g["focus"] in ("QPlainTextEdit", "QTextEdit"), "the new judgment's editor")
    app.type(JUDGMENT)

    with connect(team_url, newsroom["ola"]) as ola:  # meanwhile a colleague saves another block
        theirs, base = shared.fetch(ola, briefing.id)
        edits.edit_text(theirs, "para", THEIRS)
        assert shared.save(ola, theirs, base).shared.version == 2

    app.key("ctrl+alt+s")
    with connect(team_url, newsroom["ola"]) as ola:
        wait_for(lambda: shared.shared(ola, briefing.id).version == 3, "version 3 in the team archive")
        latest, _ = shared.fetch(ola, briefing.id)
    assert _judgments(latest)[-1] == JUDGMENT and get_block(latest, "para").text == THEIRS  # type: ignore[union-attr]

    location = team.TeamLocation.parse(as_user(team_url, newsroom["min"]))
    copy = copy_path(tmp_path / "data", location, briefing.id)
    wait_for(lambda: get_block(storage.load(copy), "para").text == THEIRS, "the merge in the local copy")  # type: ignore[union-attr]
    assert _judgments(storage.load(copy))[-1] == JUDGMENT
    assert app.where()["modal"] is None  # different blocks: merged without a question
    grab_screen(app.display, tmp_path / "team-journey-end.png")


def _windows(app: Driver, name: str) -> list[str]:
    env = {**os.environ, "DISPLAY": app.display}
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name], env=env, capture_output=True, text=True
    )
    return done.stdout.split()


def _judgments(briefing: Any) -> list[str]:
    section = key_judgments_section(briefing)
    assert section is not None
    return [b.text for b in section.blocks if isinstance(b, KeyJudgment)]
