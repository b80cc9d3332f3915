"""`briefer team push`: the personal archive's documents, their text versions, tags and clusters
into a real PostgreSQL team archive; resumable after a kill; the same file pushed twice is one
document."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import psycopg
import pytest

from briefer.core import team
from briefer.core.archive import Archive
from tests.conftest import write_article
from tests.core.cli_support import Cli


def make_archive(data: Path, folder: Path, count: int) -> None:
    for n in range(count):
        write_article(folder, f"a{n:03}.txt", f"Report {n}: shells went north by rail.", title=f"Report {n}")
    with Archive(data) as archive:
        archive.import_paths([folder])
        first = archive.search("shells", limit=1).hits[0].document.id
        archive.tag(first, ["rail"])


def admin(url: str) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(url), autocommit=True)


def counts(url: str) -> tuple[int, int, int, int]:
    with admin(url) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM texts),"
            " (SELECT count(*) FROM tags), (SELECT count(*) FROM document_aliases)"
        ).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)  # type: ignore[return-value]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("BRIEFER_TEAM_URL", raising=False)
    return Cli(tmp_path / "data", capsys, monkeypatch)


def test_push_copies_documents_tags_and_clusters_and_a_second_push_copies_nothing(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    make_archive(cli.data, tmp_path / "articles", 12)
    assert cli("team", "init", team_url) == 0
    assert cli("--team", team_url, "team", "push") == 0
    assert "12 documents copied" in cli.out and "0 already there" in cli.out
    assert counts(team_url) == (12, 12, 1, 0)
    with Archive(cli.data) as archive, admin(team_url) as connection:
        doc = archive.search("Report 3", limit=1).hits[0].document
        assert doc is not None
        row = connection.execute(
            "SELECT d.title, t.body, t.sha256 FROM documents d JOIN texts t ON t.sha256 = d.text_sha256"
            " WHERE d.id = %s",
            (doc.id,),
        ).fetchone()
        assert row == (doc.title, doc.text, doc.text_hash)  # the quoted text, byte for byte
        clustered = connection.execute("SELECT count(*) FROM clusters").fetchone()
        assert clustered == (12,)
    assert cli("--team", team_url, "team", "push") == 0
    assert "0 documents copied" in cli.out and "12 already there" in cli.out
    assert counts(team_url) == (12, 12, 1, 0)


def test_the_same_file_from_a_second_analyst_is_one_document_with_an_alias(
    team_url: str, tmp_path: Path
) -> None:
    with admin(team_url) as connection:
        team.migrate(connection)
    folder = tmp_path / "articles"
    make_archive(tmp_path / "one", folder, 3)
    with Archive(tmp_path / "two") as other:  # the same files, imported on another machine
        other.import_paths([folder])
    for data in ("one", "two"):
        with admin(team_url) as connection, Archive(tmp_path / data) as archive:
            team.push(connection, archive)
    assert counts(team_url) == (3, 3, 1, 3)  # the second analyst's ids are aliases


def test_a_killed_push_resumes_where_it_stopped(team_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_archive(data, tmp_path / "articles", 20)
    with admin(team_url) as connection:
        team.migrate(connection)
    killed_after_two_batches = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from briefer.core import team
        from briefer.core.archive import Archive
        def progress(done, total):
            if done >= 10:
                os.kill(os.getpid(), signal.SIGKILL)
        with team.connect(team.TeamLocation.parse({team_url!r}), autocommit=True) as connection:
            with Archive(Path({str(data)!r})) as archive:
                team.push(connection, archive, progress=progress, batch=5)
        """
    )
    run = subprocess.run([sys.executable, "-c", killed_after_two_batches], capture_output=True, timeout=120)
    assert run.returncode == -9, run.stderr
    assert counts(team_url)[0] == 10  # two whole batches, nothing half-written
    with admin(team_url) as connection, Archive(data) as archive:
        summary = team.push(connection, archive, batch=5)
    assert (summary.copied, summary.present) == (10, 10)
    assert counts(team_url) == (20, 20, 1, 0)


def test_a_reader_may_not_push(cli: Cli, team_url: str, tmp_path: Path) -> None:
    make_archive(cli.data, tmp_path / "articles", 2)
    assert cli("team", "init", team_url) == 0
    assert cli("--team", team_url, "team", "add-analyst", "pushy_reader", "--role", "reader") == 0
    reader_url = team_url.replace("postgres@", "pushy_reader@", 1)
    assert cli("--team", reader_url, "team", "push") == 2
    assert "pushing documents needs the analyst role" in cli.err
    assert counts(team_url)[0] == 0
