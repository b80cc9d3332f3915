"""Archive identity: every archive has an id, and every excerpt records the archive it was quoted
from.  Real archives on disk, the real `briefer` command in-process."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import main
from briefer.core.archive import CATALOG_FILE, Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import BriefingError, excerpts
from briefer.core.documents import Document
from tests.core.briefing_support import import_articles, rich_briefing


class Run:
    """`run(DATA, "export", ...)` runs `briefer --data-dir DATA ...`; `out`/`err` keep what it printed."""

    def __init__(self, capsys: Any) -> None:
        self.capsys = capsys
        self.out = self.err = ""

    def __call__(self, data: Path, *args: str) -> int:
        status = main(["--data-dir", str(data), *args])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return status


@pytest.fixture
def run(capsys: Any) -> Run:
    return Run(capsys)


@pytest.fixture
def docs(archive: Archive, tmp_path: Path) -> dict[str, Document]:
    return import_articles(archive, tmp_path / "articles")


@pytest.fixture
def saved(docs: dict[str, Document], tmp_path: Path) -> Path:
    """A briefing of four excerpts quoting three documents of `archive` (tmp_path/data)."""
    path = tmp_path / "rich.briefing"
    storage.save(rich_briefing(docs), path)
    return path


def citations(data: Any) -> list[dict[str, Any]]:
    """The citation objects in a .briefing file's JSON, in file order."""
    if isinstance(data, list):
        return [c for value in data for c in citations(value)]
    if not isinstance(data, dict):
        return []
    own = [data["citation"]] if isinstance(data.get("citation"), dict) else []
    return own + [c for value in data.values() for c in citations(value)]


# -- the id ----------------------------------------------------------------------------------
def test_every_archive_has_its_own_id_which_reopening_and_copying_keep(tmp_path: Path, run: Run) -> None:
    with Archive(tmp_path / "a") as first:
        identity = first.identity
    assert len(identity.id) == 32 and identity.path == str((tmp_path / "a").resolve())
    with Archive(tmp_path / "a") as again:
        assert again.identity == identity
    shutil.copytree(tmp_path / "a", tmp_path / "copy")
    with Archive(tmp_path / "copy") as copy:  # a moved or restored data folder is the same archive
        assert copy.identity.id == identity.id and copy.identity.path == str((tmp_path / "copy").resolve())
    with Archive(tmp_path / "b") as second:
        assert second.identity.id != identity.id

    with sqlite3.connect(tmp_path / "a" / CATALOG_FILE) as db:  # a catalog from before archive ids
        db.execute("DELETE FROM meta WHERE key='archive_id'")
    with Archive(tmp_path / "a") as old:
        given = old.identity.id
    with Archive(tmp_path / "a") as reopened:
        assert reopened.identity.id == given != identity.id

    assert run(tmp_path / "a", "stats", "--json") == 0
    assert json.loads(run.out)["archive_id"] == given
    assert run(tmp_path / "a", "stats") == 0 and f"(id {given})" in run.out


def test_an_excerpt_records_the_archive_it_was_quoted_from(
    archive: Archive, docs: dict[str, Document], saved: Path, run: Run, tmp_path: Path
) -> None:
    assert docs["pact"].archive == archive.identity
    excerpt = excerpt_from_quote(docs["pact"], "without delay")
    assert excerpt.citation.archive == archive.identity

    loaded = storage.load(saved)  # kept by the file
    assert {e.citation.archive for e in excerpts(loaded).values()} == {archive.identity}
    recorded = {"id": archive.identity.id, "path": str(tmp_path / "data")}
    assert [c.get("archive") for c in citations(json.loads(saved.read_text("utf-8")))] == [recorded] * 4

    some_id = next(iter(excerpts(loaded)))
    with pytest.raises(BriefingError, match="provenance"):  # which archive is a fact, not an opinion
        edits.citation_edits(loaded, some_id, {"archive": None})

    path = tmp_path / "cli.briefing"
    assert run(archive.data_dir, "brief", "new", "-o", str(path)) == 0
    status = run(
        archive.data_dir, "brief", "add-excerpt", str(path), "--section", "Background",
        "--doc", docs["knowhow"].id, "--quote", "re-entry vehicles",
    )  # fmt: skip
    assert status == 0 and "warning" not in run.err
    [added] = excerpts(storage.load(path)).values()
    assert added.citation.archive == archive.identity
