"""Documents the team archive's search does not hold yet (sent by a push that did not index them):
searches say so, only an editor rebuilds the shared index (`reindex`), and the next push
indexes them.  A real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core import team
from briefer.core.archive import Archive
from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.team.conftest import as_user, unique


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(team.TEAM_URL_ENV, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return Cli(tmp_path / "data", capsys, monkeypatch)


def test_documents_sent_without_indexing_are_said_to_wait_and_the_next_push_indexes_them(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    for n in range(3):
        write_article(tmp_path / "a", f"r{n}", f"Report {n}: shells went north by rail.", title=f"Report {n}")
    assert cli("index", str(tmp_path / "a")) == 0
    assert cli("team", "init", team_url) == 0
    location = team.TeamLocation.parse(team_url)
    with team.connect(location, autocommit=True) as connection, Archive(cli.data) as personal:
        team.push(connection, personal)  # the documents, not the search's rows (an older Briefer's push)
    reader = unique("reader")
    assert cli("--team", team_url, "team", "add-analyst", reader, "--role", "reader") == 0

    assert cli("--team", as_user(team_url, reader), "search", "shells") == 0  # not emptied, not rebuilt
    assert "No documents match 'shells' in what is searchable now" in cli.out
    assert "note: 3 document(s) are not indexed yet, so results may be incomplete" in cli.err
    assert cli("--team", as_user(team_url, reader), "reindex") == 2  # only an editor rebuilds it

    assert cli("--team", team_url, "team", "push") == 0
    assert "0 documents copied" in cli.out and "3 documents indexed for search" in cli.out
    assert cli("--team", as_user(team_url, reader), "search", "shells", "--ids") == 0
    assert len(cli.out.split()) == 3 and "not indexed" not in cli.err


def test_an_editor_prunes_documents_whose_files_are_gone_and_others_are_refused_first(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "a"
    for n in range(3):
        write_article(folder, f"r{n}", f"Report {n}: shells went north by rail.", title=f"Report {n}")
    assert cli("team", "init", team_url) == 0
    assert cli("--team", team_url, "index", str(folder)) == 0
    with team.open_team_archive(team_url, tmp_path / "local") as shared:
        ids = {d.title: d.id for d in shared.catalog.documents(shared.catalog.all_ids())}
    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "-o", str(brief)) == 0
    quote = ("--doc", ids["Report 1"], "--quote", "shells went north")
    assert cli("--team", team_url, "brief", "add-excerpt", str(brief), "--section", "Background", *quote) == 0
    (folder / "r1.txt").unlink()
    (folder / "r2.txt").unlink()
    analyst = unique("analyst")
    assert cli("--team", team_url, "team", "add-analyst", analyst, "--role", "analyst") == 0

    prune = ("index", "--prune", str(folder), "--keep-quoted", str(brief), "--yes")
    assert cli("--team", as_user(team_url, analyst), *prune) == 2
    refused = "removing documents (--prune) needs the editor role"
    assert cli.err == f"briefer: {refused}; {analyst} is an analyst\n"
    assert cli("--team", team_url, "stats", "--json") == 0 and '"documents": 3' in cli.out

    assert cli("--team", team_url, *prune) == 0
    where = team.TeamLocation.parse(team_url).display
    assert f"Removed 1 documents whose files are gone from {where}" in cli.out
    assert cli("--team", team_url, "search", "shells", "--ids") == 0
    assert sorted(cli.out.split()) == sorted([ids["Report 0"], ids["Report 1"]])  # the quoted one kept
    assert cli("--team", team_url, "verify", str(brief)) == 0
    assert cli("--team", team_url, "index", str(folder)) == 0  # this machine's cache does not send it back
    assert cli("--team", team_url, "stats", "--json") == 0 and '"documents": 2' in cli.out
    with team.connect(team.TeamLocation.parse(team_url)) as admin:  # its text stays, for quotes of it
        assert admin.execute("SELECT count(*) FROM texts").fetchone() == (3,)
