"""`briefer --team URL index FOLDER`: parsed on this machine as always, sent to the team archive;
a reader is refused before anything is parsed; two analysts importing the same files at the same
moment get one document per file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.team.conftest import as_user, unique


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("BRIEFER_TEAM_URL", raising=False)
    return Cli(tmp_path / "data", capsys, monkeypatch)


def articles(folder: Path, count: int) -> Path:
    for n in range(count):
        write_article(folder, f"a{n:03}.txt", f"Report {n}: shells went north by rail.", title=f"Report {n}")
    return folder


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(query.encode()).fetchall()


def test_an_import_for_the_team_lands_there_and_not_in_the_personal_archive(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    folder = articles(tmp_path / "articles", 6)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    assert cli("team", "init", team_url) == 0
    assert cli("--team", team_url, "index", str(folder)) == 0
    assert "Sent to postgresql://postgres@/" in cli.out and "6 new documents" in cli.out
    assert rows(team_url, "SELECT count(*) FROM briefer.documents") == [(6,)]
    statuses = dict(rows(team_url, "SELECT path, status FROM briefer.import_files"))
    assert statuses[str(folder / "broken.pdf")] == "failed" and len(statuses) == 7
    assert not (cli.data / "catalog.sqlite3").exists()  # the personal archive is untouched
    assert cli("--team", team_url, "index", str(folder)) == 0
    assert "0 new documents, 6 it already held" in cli.out


def test_a_reader_is_refused_before_anything_is_parsed(cli: Cli, team_url: str, tmp_path: Path) -> None:
    folder = articles(tmp_path / "articles", 2)
    assert cli("team", "init", team_url) == 0
    reader = unique("reader")
    assert cli("--team", team_url, "team", "add-analyst", reader, "--role", "reader") == 0
    assert cli("--team", as_user(team_url, reader), "index", str(folder)) == 2
    assert cli.err.strip() == f"briefer: importing needs the analyst role; {reader} is a reader"
    assert not (cli.data / "team-cache").exists()
    assert rows(team_url, "SELECT count(*) FROM briefer.documents") == [(0,)]


def test_two_analysts_importing_the_same_files_at_once_get_one_document_each(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    folder = articles(tmp_path / "articles", 30)
    assert cli("team", "init", team_url) == 0
    command = [sys.executable, "-m", "briefer", "--team", team_url, "--data-dir"]

    def start(who: str) -> subprocess.Popen[str]:
        where = str(tmp_path / who)
        return subprocess.Popen([*command, where, "index", str(folder)], stdout=subprocess.PIPE, text=True)

    with start("ana") as ana, start("bo") as bo:
        said = [run.communicate(timeout=300)[0] for run in (ana, bo)]
    assert (ana.returncode, bo.returncode) == (0, 0)
    sent = sorted(line.split(": ")[-1] for text in said for line in text.splitlines() if "Sent to" in line)
    assert sent == ["0 new documents, 30 it already held", "30 new documents, 0 it already held"]
    documents = rows(team_url, "SELECT count(*), count(DISTINCT content_sha256) FROM briefer.documents")
    assert documents == [(30, 30)]
    assert rows(team_url, "SELECT count(*) FROM briefer.document_aliases") == [(30,)]
