"""`briefer team ...` on a real PostgreSQL server, as an administrator and analysts type it."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from briefer.core.archive import Archive
from briefer.core.team.schema import SCHEMA_VERSION
from tests.core.cli_support import Cli
from tests.team.conftest import as_user, unique


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("BRIEFER_TEAM_URL", raising=False)
    return Cli(tmp_path / "data", capsys, monkeypatch)


def test_init_then_status_then_analysts(cli: Cli, team_url: str) -> None:
    assert cli("team", "init", team_url) == 0
    assert f"schema version {SCHEMA_VERSION}; applied 1 (documents" in cli.out
    assert cli("team", "init", team_url) == 0
    assert "already current" in cli.out
    reader = unique("reader")
    assert cli("--team", team_url, "team", "add-analyst", reader, "--role", "reader") == 0
    assert f"Added analyst {reader} (reader)" in cli.out
    assert cli("--team", team_url, "team", "status") == 0
    assert f"Schema version: {SCHEMA_VERSION} (this Briefer: {SCHEMA_VERSION})" in cli.out
    assert f"  {reader} (reader)" in cli.out
    assert "You: postgres (editor)" in cli.out  # the superuser acts as an editor
    assert cli("--team", team_url, "team", "status", "--json") == 0
    status = json.loads(cli.out)
    assert status["schema_version"] == SCHEMA_VERSION and status["documents"] == 0
    assert [reader, "reader"] in status["analysts"]


def test_the_environment_names_the_team_archive_and_a_password_is_never_printed(
    cli: Cli, team_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("team", "init", team_url) == 0
    with_password = team_url.replace("postgres@", "postgres:hunter2@")  # trust auth ignores it
    monkeypatch.setenv("BRIEFER_TEAM_URL", with_password)
    assert cli("team", "status") == 0
    assert "Team archive: postgresql://postgres@/" in cli.out
    assert "hunter2" not in "".join(cli.printed)


def test_an_archive_command_on_a_database_with_no_team_archive_is_refused_and_writes_nothing(
    cli: Cli, team_url: str
) -> None:
    assert cli("--team", team_url, "reindex") == 1
    assert cli.err.count("\n") == 1 and "an administrator runs `briefer team init URL`" in cli.err
    assert not cli.data.exists()  # not quietly rebuilt in the personal archive instead


def test_removing_an_analyst_asks_first(cli: Cli, team_url: str) -> None:
    assert cli("team", "init", team_url) == 0
    name = unique("ana")
    assert cli("--team", team_url, "team", "add-analyst", name) == 0
    assert cli("--team", team_url, "team", "remove-analyst", name) == 1  # no terminal, no --yes
    assert "Not removed" in cli.err
    assert cli("--team", team_url, "team", "remove-analyst", name, "--yes") == 0
    assert f"Analyst {name} removed" in cli.out
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(as_user(team_url, name)).close()


def test_a_password_kept_in_the_keychain_logs_the_analyst_in(
    cli: Cli, team_url: str, memory_keyring: object
) -> None:
    assert cli("team", "init", team_url) == 0
    name = unique("ana")
    added = cli("--team", team_url, "team", "add-analyst", name, "--password-stdin", stdin="correct horse\n")
    assert added == 0
    with psycopg.connect(team_url, autocommit=True) as admin:
        admin.execute(f"GRANT password_users TO {name}".encode())  # pg_hba: a password is required
    mine = as_user(team_url, name)
    assert cli("--team", mine, "team", "status") == 1
    assert "password" in cli.err and "briefer team login" in cli.err
    assert cli("--team", mine, "team", "login", "--password-stdin", stdin="wrong\n") == 1
    assert "password authentication failed" in cli.err
    assert cli("--team", mine, "team", "login", "--password-stdin", stdin="correct horse\n") == 0
    assert cli("--team", mine, "team", "status") == 0
    assert f"You: {name} (analyst)" in cli.out
    assert "correct horse" not in "".join(cli.printed)


def test_a_newer_schema_and_a_location_that_is_no_location_are_refused_with_reasons(
    cli: Cli, team_url: str
) -> None:
    assert cli("team", "init", team_url) == 0
    with psycopg.connect(team_url, autocommit=True) as admin:
        admin.execute("INSERT INTO briefer.schema_migrations (version, description) VALUES (7, 'future')")
    assert cli("team", "init", team_url) == 1
    assert f"schema is version 7, newer than this Briefer knows ({SCHEMA_VERSION})" in cli.err
    assert cli("--team", "not a location", "team", "status") == 1
    assert "is not a team archive location" in cli.err
    assert cli("team", "status") == 1
    assert "no team archive given" in cli.err
    with psycopg.connect(team_url, autocommit=True) as admin:
        admin.execute("DROP SCHEMA briefer CASCADE")
    assert cli("--team", team_url, "team", "add-analyst", unique("ana")) == 1
    assert "holds no team archive yet: an administrator runs `briefer team init URL` to create it" in cli.err


def test_shared_briefings_from_the_command_line(cli: Cli, team_url: str, tmp_path: Path) -> None:
    from briefer.core.briefing import edits, storage, templates
    from briefer.core.briefing.model import KeyJudgment, get_block

    assert cli("team", "init", team_url) == 0
    names = {role: unique(role) for role in ("reader", "analyst", "editor")}
    for role, name in names.items():
        assert cli("--team", team_url, "team", "add-analyst", name, "--role", role) == 0
    mine = tmp_path / "mine.briefing"
    draft = templates.new_briefing(templates.load("assessment"))
    draft.metadata.title = "Grain exports"
    edits.add_block(draft, "key-judgments", KeyJudgment("Exports will grow.", id="kj"))
    storage.save(draft, mine)

    as_reader, as_analyst, as_editor = (as_user(team_url, names[r]) for r in ("reader", "analyst", "editor"))
    assert cli("--team", as_reader, "team", "publish", str(mine)) == 2
    assert "publishing a briefing needs the analyst role" in cli.err and cli.err.count("\n") == 1
    assert cli("--team", as_analyst, "team", "publish", str(mine)) == 0
    assert f"as {draft.id}, version 1" in cli.out
    assert cli("--team", as_reader, "team", "briefings") == 0
    assert f"{draft.id}  v1  draft" in cli.out

    theirs = tmp_path / "theirs.briefing"
    assert cli("--team", as_editor, "team", "checkout", draft.id, str(theirs)) == 0
    edited = storage.load(theirs)
    edits.edit_text(edited, "kj", "Exports will grow fast.")
    storage.save(edited, theirs)
    assert cli("--team", as_editor, "team", "save", str(theirs)) == 0
    assert "Saved version 2" in cli.out

    local = storage.load(mine)  # the analyst, still at version 1, edits the same judgment
    edits.edit_text(local, "kj", "Exports may fall.")
    storage.save(local, mine)
    assert cli("--team", as_analyst, "team", "save", str(mine)) == 1
    assert "not saved" in cli.err and "--keep mine" in cli.err
    assert cli("--team", as_analyst, "team", "save", str(mine), "--keep", "mine") == 0
    assert "Saved version 3 (merged with version 2)" in cli.out
    assert get_block(storage.load(mine), "kj").text == "Exports may fall."  # type: ignore[union-attr]

    assert cli("--team", as_analyst, "team", "state", draft.id, "released") == 2
    assert "needs the editor role" in cli.err
    assert cli("--team", as_editor, "team", "state", draft.id, "released") == 0
    assert cli("--team", as_reader, "team", "history", draft.id) == 0
    assert [line.split()[0] for line in cli.out.splitlines()] == ["v1", "v2", "v3"]


def test_an_export_of_a_shared_briefing_names_its_team_version(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    from briefer.core.briefing import edits, storage, templates
    from briefer.core.briefing.model import KeyJudgment

    assert cli("team", "init", team_url) == 0
    mine = tmp_path / "mine.briefing"
    draft = templates.new_briefing(templates.load("assessment"))
    edits.add_block(draft, "key-judgments", KeyJudgment("Exports will grow.", id="kj"))
    storage.save(draft, mine)
    assert cli("--team", team_url, "team", "publish", str(mine)) == 0
    Archive(cli.data).close()  # verify reads the personal archive (empty here: the briefing quotes nothing)
    out = tmp_path / "mine.docx"
    assert cli("export", str(mine), "-o", str(out), "--no-archive-check") == 0
    manifest = json.loads(out.with_name("mine.manifest.json").read_text(encoding="utf-8"))
    origin = manifest["briefing"]["team"]
    assert (origin["id"], origin["version"], origin["local_changes"]) == (draft.id, 1, False)
    assert cli("verify", str(out), "--no-archive-check") == 0
    assert "exported from version 1 of the team briefing in postgresql://postgres@/" in cli.out

    edited = storage.load(mine)
    edits.edit_text(edited, "kj", "Exports will grow fast.")
    storage.save(edited, mine)
    assert cli("export", str(mine), "-o", str(out), "--no-archive-check") == 0
    assert cli("verify", str(out), "--no-archive-check") == 0
    assert "exported from version 1 with local changes of the team briefing" in cli.out
