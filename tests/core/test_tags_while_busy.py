"""Tags added while the index is busy (an import or a rebuild holds it) are never lost from `tag:` searches.

The busy index is real: the import runs in this process and holds Whoosh's write lock, and the tag
asks for a second writer, which waits (0.3 s here instead of 5 s) and gives up.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from briefer.core.archive import Archive
from briefer.core.catalog import SCHEMA_VERSION
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
