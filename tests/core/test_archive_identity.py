"""Archive identity: every archive has an id, every excerpt records the archive it was quoted from,
and export, send and verify refuse (exit status 2) an archive that holds none of a briefing's
documents, naming both archives.  Real archives on disk, the real `briefer` command in-process."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import main
from briefer.core.archive import CATALOG_FILE, Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.model import BriefingError, excerpts
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from briefer.core.export.manifest import manifest_path
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import articles_in, rich_briefing, write_articles


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
def archive(briefing_archive: Archive) -> Archive:
    """Here the test's archive holds the three ARTICLES."""
    return briefing_archive


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


@pytest.fixture
def saved(docs: dict[str, Document], tmp_path: Path) -> Path:
    """A briefing of four excerpts quoting three documents of `archive` (tmp_path/data)."""
    path = tmp_path / "rich.briefing"
    storage.save(rich_briefing(docs), path)
    return path


@pytest.fixture(scope="session")
def other_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The very same articles, imported on their own: another archive id, other document ids."""
    folder = tmp_path_factory.mktemp("other")
    return ArchiveTemplate.imported(folder, [write_articles(folder / "same-articles")])


@pytest.fixture
def other(tmp_path: Path, other_template: ArchiveTemplate) -> Iterator[Archive]:
    """Another archive than `archive`, holding the very same articles (a copy of `other_template`)."""
    with Archive(other_template.copy_to(tmp_path / "other")) as opened:
        yield opened


def citations(data: Any) -> list[dict[str, Any]]:
    """The citation objects in a .briefing file's JSON, in file order."""
    if isinstance(data, list):
        return [c for value in data for c in citations(value)]
    if not isinstance(data, dict):
        return []
    own = [data["citation"]] if isinstance(data.get("citation"), dict) else []
    return own + [c for value in data.values() for c in citations(value)]


def without_archive_ids(path: Path) -> None:
    """Make `path` a briefing as Briefer saved it before archives had ids."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for citation in citations(data):
        del citation["archive"]
    path.write_text(json.dumps(data), encoding="utf-8")


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


# -- the refusal -------------------------------------------------------------------------------
def test_the_core_check_names_both_archives(
    archive: Archive, saved: Path, other: Archive, tmp_path: Path
) -> None:
    briefing = storage.load(saved)
    checks, _ = ArchiveLookups.of(other).export_checks(briefing)
    with pytest.raises(ReleaseBlocked) as refused:  # the release gate refuses the wrong archive
        export_docx(briefing, tmp_path / "out.docx", checks=checks)
    [finding] = refused.value.findings
    assert (finding.code, finding.severity, finding.block) == ("wrong-archive", "block", None)
    wrong = refused.value.wrong_archive
    assert wrong is not None
    match = wrong.match
    assert match.open == other.identity and match.built_on == (archive.identity,)
    assert match.quoted == 3 and not match.holds_any
    assert str(tmp_path / "data") in finding.message and str(tmp_path / "other") in finding.message
    assert not (tmp_path / "out.docx").exists()

    checks, _ = ArchiveLookups.of(archive).export_checks(briefing)
    assert checks.archive is not None and checks.archive.same and checks.archive.notice() == ""
    assert checks.counts()["ok"] == 4


def test_export_against_another_archive_refuses_with_status_2_naming_both(
    saved: Path, other: Archive, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "out.docx"
    assert run(other.data_dir, "export", str(saved), "-o", str(out)) == 2
    assert "wrong archive" in run.err
    assert f"is in the archive at {tmp_path / 'other'}" in run.err  # the open one
    assert f"built on the archive at {tmp_path / 'data'}" in run.err  # the briefing's
    assert f"--data-dir {tmp_path / 'data'}" in run.err and "--no-archive-check" in run.err
    assert not out.exists() and not manifest_path(out).exists()

    assert run(other.data_dir, "export", str(saved), "-o", str(out), "--no-archive-check") == 0
    assert out.exists() and manifest_path(out).exists()


def test_send_against_another_archive_refuses_with_status_2_naming_both(
    saved: Path, other: Archive, run: Run, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.eml"
    args = ("send", str(saved), "--to", "desk@example.org", "--eml", str(draft))
    assert run(other.data_dir, *args) == 2
    assert str(tmp_path / "other") in run.err and str(tmp_path / "data") in run.err
    assert "--data-dir" in run.err and not draft.exists()
    assert run(other.data_dir, *args, "--no-archive-check") == 0 and draft.exists()


def test_verify_against_another_archive_refuses_with_status_2(
    archive: Archive, saved: Path, other: Archive, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "out.docx"
    assert run(archive.data_dir, "export", str(saved), "-o", str(out)) == 0
    for checked in (saved, out):
        assert run(other.data_dir, "verify", str(checked)) == 2, checked
        assert str(tmp_path / "other") in run.err and str(tmp_path / "data") in run.err
        assert "--data-dir" in run.err and "verified" not in run.out
        assert run(other.data_dir, "verify", "--no-archive-check", str(checked)) == 0
        assert run.out.count("missing  ") == 4  # checked anyway: every source is absent here
        assert run(archive.data_dir, "verify", str(checked)) == 0 and "4 quotes: 4 verified" in run.out


def test_the_briefings_own_archive_is_not_refused_when_its_documents_are_gone(
    archive: Archive, saved: Path, run: Run, tmp_path: Path
) -> None:
    for doc_id in archive.catalog.all_ids():
        archive.catalog.delete_document(doc_id)
    out = tmp_path / "out.docx"
    assert run(archive.data_dir, "export", str(saved), "-o", str(out)) == 0
    assert "3 source(s) are no longer in the archive" in run.err and out.exists()
    assert run(archive.data_dir, "verify", str(saved)) == 0 and run.out.count("missing  ") == 4


def test_a_briefing_saved_before_archive_ids_is_judged_by_its_documents(
    archive: Archive, saved: Path, other: Archive, run: Run, tmp_path: Path
) -> None:
    without_archive_ids(saved)
    assert all(e.citation.archive is None for e in excerpts(storage.load(saved)).values())
    out = tmp_path / "out.docx"
    assert run(other.data_dir, "export", str(saved), "-o", str(out)) == 2
    assert str(tmp_path / "other") in run.err and "does not record the archive it was built on" in run.err
    assert "--data-dir DIR" in run.err and not out.exists()
    assert run(other.data_dir, "verify", str(saved)) == 2
    assert run(archive.data_dir, "export", str(saved), "-o", str(out)) == 0 and out.exists()
    assert run(archive.data_dir, "verify", str(saved)) == 0


def test_a_briefing_built_across_two_archives_is_possible_and_said(
    archive: Archive, saved: Path, other: Archive, run: Run, tmp_path: Path
) -> None:
    [elsewhere] = [d for d in other.catalog.documents(other.catalog.all_ids()) if "Tokyo" in d.title]
    status = run(
        other.data_dir, "brief", "add-excerpt", str(saved), "--section", "Analysis",
        "--doc", elsewhere.id, "--quote", "missile warning data",
    )  # fmt: skip
    assert status == 0
    assert "now quotes documents from 2 archives" in run.err
    assert str(tmp_path / "data") in run.err and str(tmp_path / "other") in run.err

    out = tmp_path / "out.docx"
    assert run(archive.data_dir, "export", str(saved), "-o", str(out)) == 0 and out.exists()
    warning = next(line for line in run.err.splitlines() if "2 archives" in line)
    assert warning.startswith("briefer: warning: this briefing quotes documents from 2 archives")
    assert str(tmp_path / "data") in warning and str(tmp_path / "other") in warning
    assert "1 source(s) are no longer in the archive" in run.err  # the other archive's, from the snapshot
    assert run(archive.data_dir, "verify", str(saved)) == 0 and "2 archives" in run.err
    assert run(other.data_dir, "verify", str(saved)) == 0 and "2 archives" in run.err
