"""Tags added while the index is busy (an import or a rebuild holds it) are never lost from `tag:` searches.

The busy index is real: the import runs in this process and holds Whoosh's write lock, and the tag
asks for a second writer, which waits (0.3 s here instead of 5 s) and gives up.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from briefer import cli
from briefer.core.archive import Archive, TagChange
from briefer.core.archive.catalog import SCHEMA_VERSION
from briefer.core.archive.importer import FileOutcome
from tests.fault_support import make_import_folder


def test_a_change_after_an_indexer_read_the_document_keeps_it_waiting(
    archive: Archive, tmp_path: Path
) -> None:
    make_import_folder(tmp_path / "docs", 3)
    archive.import_paths([tmp_path / "docs"])
    catalog = archive.catalog
    doc_id = catalog.all_ids()[0]
    docs, revisions = catalog.indexable([doc_id])  # an indexer read it (no tags yet)...
    catalog.add_tags(doc_id, ["checked"])  # ...another process tags it...
    catalog.mark_indexed(revisions)  # ...and the indexer commits what it read
    assert catalog.unindexed_ids() == [doc_id] and docs[0].tags == ()
    docs, revisions = catalog.indexable([doc_id])
    catalog.mark_indexed(revisions)
    assert catalog.unindexed_ids() == [] and docs[0].tags == ("checked",)


def test_a_tagged_document_updated_by_an_import_keeps_its_tags_in_the_index(
    archive: Archive, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Title: Convoy\n\nShells went north by rail.\n", encoding="utf-8")
    archive.import_paths([folder])
    doc_id = archive.search("shells").hits[0].document.id
    assert archive.tag(doc_id, ["checked"]).indexed
    (folder / "a.txt").write_text("Title: Convoy\n\nShells went north by rail and sea.\n", encoding="utf-8")
    assert archive.import_paths([folder]).counts["updated"] == 1
    assert [h.document.id for h in archive.search("tag:checked").hits] == [doc_id]
    assert [h.document.id for h in archive.search("sea").hits] == [doc_id]  # the new version
    assert archive.stats().unindexed == 0


def test_a_schema_3_catalog_gains_revisions_and_keeps_its_index(tmp_path: Path) -> None:
    make_import_folder(tmp_path / "docs", 3)
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "docs"])
    db = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    db.execute("ALTER TABLE documents DROP COLUMN revision")
    db.execute("UPDATE meta SET value='3' WHERE key='schema_version'")
    db.commit()
    db.close()
    with Archive(tmp_path / "data") as archive:
        version = archive.catalog._db.execute("SELECT value FROM meta WHERE key='schema_version'")
        assert version.fetchone()[0] == str(SCHEMA_VERSION) == "4"
        assert archive.stats().unindexed == 0 and archive.search("marker1").total == 1
        doc_id = archive.catalog.all_ids()[0]
        assert archive.tag(doc_id, ["checked"]).indexed
        assert [h.document.id for h in archive.search("tag:checked").hits] == [doc_id]
        assert archive.stats().unindexed == 0


@pytest.mark.timeout(60)
def test_a_tag_deferred_during_an_import_is_searchable_when_that_import_finishes(
    archive: Archive, tmp_path: Path, short_index_wait: None
) -> None:
    folder = tmp_path / "docs"
    make_import_folder(folder, 30)
    changes: list[TagChange] = []

    def tag_the_first(outcome: FileOutcome) -> None:  # in the catalog, the index still writing it
        if not changes and outcome.doc_id:
            changes.append(archive.tag(outcome.doc_id, ["checked"]))

    summary = archive.import_paths([folder], on_outcome=tag_the_first)
    assert changes and not changes[0].indexed  # the import held the index
    assert archive.search("tag:checked").total == 1  # no second import needed
    assert archive.stats().unindexed == 0
    assert summary.indexed == 31  # every document, and the tagged one once more


@pytest.mark.timeout(60)
def test_a_tag_deferred_during_a_rebuild_is_searchable_when_it_finishes(
    archive: Archive, tmp_path: Path, short_index_wait: None
) -> None:
    make_import_folder(tmp_path / "docs", 30)
    archive.import_paths([tmp_path / "docs"])
    doc_id = archive.catalog.all_ids()[-1]
    changes: list[TagChange] = []

    def tag_once(done: int, total: int) -> None:
        if not changes:
            changes.append(archive.tag(doc_id, ["checked"]))

    archive.reindex(progress=tag_once)
    assert changes and not changes[0].indexed
    assert [h.document.id for h in archive.search("tag:checked").hits] == [doc_id]
    assert archive.stats().unindexed == 0


@pytest.mark.timeout(60)
def test_briefer_tag_during_an_import_says_when_the_tag_becomes_searchable(
    archive: Archive, tmp_path: Path, short_index_wait: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    make_import_folder(folder, 30)
    said: list[tuple[int, str]] = []

    def tag_from_the_cli(outcome: FileOutcome) -> None:  # a second Briefer, while this one imports
        if not said and outcome.doc_id:
            capsys.readouterr()
            status = cli.main(["--data-dir", str(archive.data_dir), "tag", outcome.doc_id, "checked"])
            said.append((status, capsys.readouterr().err))

    archive.import_paths([folder], on_outcome=tag_from_the_cli)
    ((status, err),) = said
    assert status == 0 and "tag: searches see this after its import finishes" in err
    assert archive.search("tag:checked").total == 1
