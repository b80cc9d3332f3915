"""Removing the sample keeps what briefings quote unless told otherwise, and never takes your own files.

Real archives on disk with a small stand-in sample; real briefing files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.archive.removal import RemovalPlan, quoted_documents, quoted_in_files
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from tests.conftest import write_article

SAMPLE = {
    "summit": "Sample text: the Vostochny summit ended without a joint statement.",
    "ports": "Sample text: grain ports on the Black Sea reopened.",
    "train": "Sample text: the armoured train crossed the border at Khasan.",
    "launch": "Sample text: the satellite launch failed in its second stage.",
}


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sample-archive"
    for name, body in SAMPLE.items():
        write_article(folder, name, body, title=f"Sample: {name}")
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", folder)
    return folder


@pytest.fixture
def archive(tmp_path: Path, sample: Path) -> Archive:
    with Archive(tmp_path / "data") as opened:
        opened.import_sample()
        yield opened


def docs_by_name(archive: Archive) -> dict[str, Document]:
    docs = archive.catalog.documents(archive.catalog.all_ids())
    return {doc.title.removeprefix("Sample: "): doc for doc in docs}


def quoting(*docs: Document) -> Briefing:
    briefing = templates.new_briefing(templates.load("spot"), title="Quotes")
    section = briefing.sections[0].id
    for doc in docs:
        edits.add_block(briefing, section, excerpt_from_quote(doc, "Sample text"))
    return briefing


def test_quoted_documents_are_read_from_briefings_and_files(archive: Archive, tmp_path: Path) -> None:
    docs = docs_by_name(archive)
    assert quoted_documents([quoting(docs["summit"]), quoting(docs["ports"], docs["summit"])]) == {
        docs["summit"].id,
        docs["ports"].id,
    }
    saved, corrupt, gone = tmp_path / "a.briefing", tmp_path / "b.briefing", tmp_path / "c.briefing"
    storage.save(quoting(docs["train"]), saved)
    corrupt.write_text("{ not json", encoding="utf-8")
    assert quoted_in_files([saved, corrupt, gone]) == (frozenset({docs["train"].id}), (corrupt,))


def test_a_plan_counts_the_quoted_documents_once(archive: Archive) -> None:
    docs = docs_by_name(archive)
    ids = {name: doc.id for name, doc in docs.items()}
    plan = RemovalPlan.of(
        archive.sample_documents(),
        open_briefing={ids["summit"], "doc-not-in-the-sample"},
        recent={ids["summit"], ids["ports"]},
    )
    assert len(plan.documents) == 4
    assert plan.quoted_by_open == {ids["summit"]}
    assert plan.quoted_by_recent == {ids["ports"]}  # the summit is counted for the open briefing
    assert plan.quoted == {ids["summit"], ids["ports"]} and plan.unquoted == 2


def test_removing_the_sample_can_keep_the_quoted_documents(archive: Archive, tmp_path: Path) -> None:
    docs = docs_by_name(archive)
    briefing = quoting(docs["summit"], docs["ports"])
    quoted = quoted_documents([briefing])

    assert archive.remove_sample(keep=quoted) == 2

    assert archive.sample_documents() == quoted  # still sample, still removable later
    assert archive.has_sample()
    checks = ArchiveLookups.of(archive).export_checks(briefing)[0]
    assert checks.ok and not checks.of("missing")  # the export cites them from the archive
    assert {h.document.id for h in archive.search("Sample").hits} == quoted
    assert archive.remove_sample() == 2
    assert archive.is_empty() and not archive.has_sample()
    assert {c.status for c in ArchiveLookups.of(archive).export_checks(briefing)[0].checks.values()} == {
        "missing"
    }


def test_a_sample_article_that_is_also_your_own_file_stays(archive: Archive, tmp_path: Path) -> None:
    """Your folder holds a copy of a sample article: removing the sample must not take your document."""
    mine = tmp_path / "mine"
    write_article(mine, "summit", SAMPLE["summit"], title="Sample: summit")  # byte for byte the same
    archive.import_paths([mine])
    summit = docs_by_name(archive)["summit"].id
    assert summit not in archive.sample_documents()

    assert archive.remove_sample() == 3

    assert not archive.has_sample()
    assert archive.document(summit) is not None
    assert archive.catalog.paths_of(summit) == [str((mine / "summit.txt").resolve())]
    assert [h.document.id for h in archive.search("Vostochny").hits] == [summit]
