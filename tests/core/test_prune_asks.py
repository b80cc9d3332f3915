"""`briefer index --prune` asks before it deletes documents, and keeps what named briefings quote.

A real archive on disk, real briefing files, the real command line.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import resolve_section
from tests.conftest import write_article

BODIES = {
    "summit": "The Vostochny summit ended without a joint statement.",
    "ports": "Grain ports on the Black Sea reopened after the storm.",
    "train": "The armoured train crossed the border at Khasan at dawn.",
}


@pytest.fixture
def gone(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """An archive of three articles whose files were then deleted, and a briefing quoting one."""
    folder = tmp_path / "articles"
    for name, body in BODIES.items():
        write_article(folder, name, body, title=name.title())
    data = tmp_path / "data"
    with Archive(data) as archive:
        archive.import_paths([folder])
        ids = {
            name: archive.search(word).hits[0].id
            for name, word in [("summit", "Vostochny"), ("ports", "grain"), ("train", "Khasan")]
        }
        briefing = templates.new_briefing(templates.load("assessment"), title="Pruning")
        quoted = excerpt_from_quote(archive.document(ids["summit"]), "without a joint statement")
        edits.add_block(briefing, resolve_section(briefing, "Background").id, quoted)
        storage.save(briefing, tmp_path / "kept.briefing")
    for file in folder.iterdir():
        file.unlink()
    return data, folder, ids


def documents(data: Path) -> int:
    with Archive(data) as archive:
        return archive.stats().documents


def test_prune_without_a_terminal_or_yes_deletes_nothing_and_says_how_many(
    gone: tuple[Path, Path, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, folder, _ = gone
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--data-dir", str(data), "index", str(folder), "--prune"]) == 2
    err = capsys.readouterr().err
    assert "deletes 3 document(s) whose files are gone" in err and "--yes" in err
    assert documents(data) == 3


def test_prune_asks_on_a_terminal_and_no_keeps_everything(
    gone: tuple[Path, Path, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, folder, _ = gone
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["--data-dir", str(data), "index", str(folder), "--prune"]) == 2
    assert documents(data) == 3
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["--data-dir", str(data), "index", str(folder), "--prune"]) == 0
    assert documents(data) == 0


def test_documents_quoted_by_a_named_briefing_are_kept_unless_told(
    gone: tuple[Path, Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, folder, ids = gone
    kept = tmp_path / "kept.briefing"
    status = main(
        ["--data-dir", str(data), "index", str(folder), "--prune", "--yes", "--keep-quoted", str(kept)]
    )
    assert status == 0
    assert "deletes 2 document(s)" in capsys.readouterr().err
    with Archive(data) as archive:
        assert archive.document(ids["summit"]) is not None  # the briefing still cites its source
        assert archive.document(ids["ports"]) is None and archive.document(ids["train"]) is None
    args = ["index", str(folder), "--prune", "--yes", "--keep-quoted", str(kept), "--prune-quoted"]
    assert main(["--data-dir", str(data), *args]) == 0
    assert documents(data) == 0
