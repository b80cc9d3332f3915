"""A lost connection to the team archive: connected again and retried, a refused login not retried,
a save whose answer was lost not repeated, and the command line says what happened in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from briefer.core import team
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import KeyJudgment
from briefer.core.team import session as team_session
from tests.core.cli_support import Cli
from tests.team.conftest import as_user


def location(url: str) -> team.TeamLocation:
    return team.TeamLocation.parse(url)


def test_a_connection_ended_by_the_server_is_made_again(team_url: str) -> None:
    waits: list[float] = []
    with team.TeamSession(location(team_url), sleep=waits.append) as session:
        first = session.run(lambda c: c.execute("SELECT pg_backend_pid()").fetchone())
        with psycopg.connect(team_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", first)
        second = session.run(lambda c: c.execute("SELECT pg_backend_pid()").fetchone())
    assert second != first
    assert waits == [1.0]


def test_a_server_that_is_gone_is_tried_three_times_then_reported(tmp_path: Path) -> None:
    waits: list[float] = []
    gone = team.TeamSession(location(f"postgresql://x@/db?host={tmp_path}"), sleep=waits.append)
    with pytest.raises(team.TeamUnreachable, match="tried 3 times") as unreachable:
        gone.run(lambda c: c.execute("SELECT 1"))
    assert waits == [1.0, 2.0]
    assert "No such file or directory" in unreachable.value.reason
    assert not isinstance(unreachable.value, team.TeamConnectionLost)  # never connected: nothing was lost


def test_a_refused_login_is_not_retried(team_url: str) -> None:
    waits: list[float] = []
    stranger = team.TeamSession(location(as_user(team_url, "nobody_here")), sleep=waits.append)
    with pytest.raises(team.TeamUnreachable, match='role "nobody_here" does not exist'):
        stranger.run(lambda c: c.execute("SELECT 1"))
    assert waits == []


def test_a_save_run_again_after_its_answer_was_lost_is_not_repeated(team_url: str) -> None:
    briefing = templates.new_briefing(templates.load("assessment"))
    edits.add_block(briefing, "key-judgments", KeyJudgment("Exports will grow.", id="kj"))
    with psycopg.connect(team_url, autocommit=True) as admin:
        team.migrate(admin)
    with team.TeamSession(location(team_url)) as session:
        session.run(lambda c: team.publish(c, briefing))
        edits.edit_text(briefing, "kj", "Exports will grow fast.")
        first: Any = session.run(lambda c: team.save(c, briefing, 1))
        again: Any = session.run(lambda c: team.save(c, briefing, 1))  # the retry of the same save
        assert first.shared.version == again.shared.version == 2
        assert [v for v, _, _ in session.run(lambda c: team.history(c, briefing.id))] == [1, 2]


def test_the_command_line_reports_a_lost_server_in_one_line_and_keeps_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(team_session, "FIRST_WAIT_S", 0.01)
    monkeypatch.delenv("BRIEFER_TEAM_URL", raising=False)
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    mine = tmp_path / "mine.briefing"
    storage.save(templates.new_briefing(templates.load("assessment")), mine)
    before = mine.read_bytes()
    gone = f"postgresql://x@/db?host={tmp_path}"
    assert cli("--team", gone, "team", "save", str(mine), "--base", "1") == 1
    assert "cannot reach the team archive" in cli.err and "tried 3 times" in cli.err
    assert len(cli.err.strip().splitlines()) == 1 and "Traceback" not in cli.err
    assert mine.read_bytes() == before
