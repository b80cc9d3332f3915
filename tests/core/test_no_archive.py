"""Commands that only read the archive, pointed at a folder without one: they say so and create nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.cli import main
from briefer.core.archive import Archive, ArchiveMissing

READING = [
    ["stats"],
    ["stats", "--json"],
    ["search", "shells"],
    ["tags"],
    ["cluster"],
    ["verify"],
    ["export"],
]


@pytest.fixture
def briefing(tmp_path: Path) -> Path:
    path = tmp_path / "summit.briefing"
    unused = tmp_path / "unused"
    assert main(["--data-dir", str(unused), "brief", "new", "-o", str(path), "--title", "T"]) == 0
    assert not unused.exists()
    return path


def command(args: list[str], briefing: Path) -> list[str]:
    if args == ["export"]:
        return ["export", str(briefing), "-o", str(briefing.with_suffix(".docx"))]
    return [*args, str(briefing)] if args == ["verify"] else args


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_a_reading_command_on_a_missing_folder_says_so_with_status_2_and_creates_nothing(
    args: list[str], tmp_path: Path, briefing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "data"
    capsys.readouterr()
    assert main(["--data-dir", str(missing), *command(args, briefing)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"briefer: there is no archive in {missing} (the folder does not exist); ")
    assert "--data-dir DIR or $BRIEFER_DATA_DIR" in err and "briefer index FOLDER" in err
    assert not (tmp_path / "nowhere").exists()


def test_the_folder_named_by_the_environment_is_named_and_an_empty_folder_stays_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "index"  # like a fresh checkout's index/ folder
    empty.mkdir()
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(empty))
    assert main(["stats"]) == 2
    assert f"there is no archive in {empty} (it holds no catalog.sqlite3)" in capsys.readouterr().err
    assert list(empty.iterdir()) == []
    with pytest.raises(ArchiveMissing):
        Archive(empty, create=False)
    assert list(empty.iterdir()) == []


def test_importing_creates_the_archive_the_reading_commands_then_read(
    tmp_path: Path, articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "new" / "data"
    assert main(["--data-dir", str(data), "index", str(articles)]) == 0
    assert main(["--data-dir", str(data), "stats"]) == 0
    assert "Documents:    4" in capsys.readouterr().out
