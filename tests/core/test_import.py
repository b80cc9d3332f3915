"""Importing files: statuses, incremental runs, duplicates, pruning, failures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.textnorm import normalize, paragraphs
from tests.conftest import write_article


def statuses(summary) -> dict[str, int]:
    return {k: v for k, v in summary.counts.items() if v}


def test_import_reads_every_format_with_metadata(archive: Archive, articles: Path) -> None:
    summary = archive.import_paths([articles])
    assert statuses(summary) == {"imported": 4}
    by_title = {archive.document(o.doc_id).title: archive.document(o.doc_id) for o in summary.outcomes}
    summit = by_title["Putin and Kim meet at Vostochny"]
    assert summit.source == "Northern Wire"
    assert summit.published is not None and summit.published.isoformat() == "2023-09-13T08:00:00+00:00"
    assert summit.text.split("\n\n")[1] == "The leaders discussed artillery shells and satellite technology."
    notes = by_title["Analyst notes on Japan"]
    assert notes.source == "Tokyo Review" and notes.format == "markdown"
    page = by_title["Seoul reacts to the summit"]
    assert (page.author, page.source, page.url) == (
        "Min Park",
        "Harbour Times",
        "https://harbour.example/seoul-reacts",
    )
    assert page.published is not None and page.published.hour == 21  # 06:00 in Seoul is 21:00 UTC
    assert "Home | World" not in page.text  # navigation is boilerplate


def test_second_run_imports_nothing(archive: Archive, articles: Path) -> None:
    archive.import_paths([articles])
    again = archive.import_paths([articles])
    assert statuses(again) == {"unchanged": 4}
    assert archive.stats().documents == 4


def test_changed_file_is_updated_under_the_same_id(archive: Archive, articles: Path) -> None:
    first = archive.import_paths([articles])
    doc_id = next(o.doc_id for o in first.outcomes if o.path.endswith("sanctions.txt"))
    old_hash = archive.document(doc_id).text_hash
    write_article(articles, "sanctions", "Treasury named three more companies.", title="More sanctions")
    os.utime(articles / "sanctions.txt", ns=(time.time_ns(), time.time_ns() + 10**9))
    second = archive.import_paths([articles])
    assert statuses(second) == {"updated": 1, "unchanged": 3}
    doc = archive.document(doc_id)
    assert doc.title == "More sanctions"
    assert [h.document.id for h in archive.search("Treasury").hits] == [doc_id]
    assert archive.search("brokers").hits == []
    # The captured version stays readable, so older excerpts can still be checked.
    assert "arms brokers" in archive.catalog.text_version(old_hash)


def test_identical_content_is_one_document_with_two_locations(archive: Archive, articles: Path) -> None:
    (articles / "copy").mkdir()
    (articles / "copy" / "summit-again.txt").write_bytes((articles / "summit.txt").read_bytes())
    summary = archive.import_paths([articles])
    assert statuses(summary) == {"imported": 4, "duplicate": 1}
    hits = archive.search("Vostochny").hits
    assert len(hits) == 1
    assert len(hits[0].document.paths) == 2


def test_prune_forgets_deleted_files(archive: Archive, articles: Path) -> None:
    archive.import_paths([articles])
    (articles / "notes.md").unlink()
    kept = archive.import_paths([articles])
    assert archive.stats().documents == 4 and kept.pruned == 0  # without --prune nothing is lost
    pruned = archive.import_paths([articles], prune=True)
    assert pruned.pruned == 1
    assert archive.stats().documents == 3
    assert archive.search("reconnaissance").hits == []


def test_unreadable_file_is_reported_and_the_rest_imports(archive: Archive, articles: Path) -> None:
    bad = articles / "broken.html"
    bad.write_bytes(b"")
    (articles / "picture.jpg").write_bytes(b"\xff\xd8\xff")
    summary = archive.import_paths([articles])
    assert summary.counts["imported"] == 4
    failed = [o for o in summary.outcomes if o.status == "failed"]
    assert [(Path(o.path).name, o.reason) for o in failed] == [("broken.html", "empty file")]
    skipped = [o for o in summary.outcomes if o.status == "skipped"]
    assert skipped[0].reason == "unsupported format .jpg"
    assert archive.stats().failed == 1
    assert [Path(f.path).name for f in archive.catalog.failures()] == ["broken.html"]


def test_failed_update_keeps_the_indexed_version(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    page = folder / "page.html"
    page.write_text(
        "<html><body><article><p>Pyongyang shipped containers by rail.</p></article></body></html>"
    )
    archive.import_paths([folder])
    page.write_bytes(b"")
    summary = archive.import_paths([folder])
    assert summary.counts["failed"] == 1
    assert len(archive.search("containers").hits) == 1  # nothing already indexed is lost


def test_interrupted_run_is_indexed_on_the_next_one(archive: Archive, articles: Path) -> None:
    archive.import_paths([articles])
    archive.catalog.mark_all_unindexed()  # as if killed between catalog and index commits
    archive.index.reset()
    assert archive.search("Vostochny").hits == []
    assert archive.stats().unindexed == 4
    archive.import_paths([articles])
    assert len(archive.search("Vostochny").hits) == 1
    assert archive.stats().unindexed == 0


def test_reopened_archive_rebuilds_a_missing_index(tmp_path: Path, articles: Path) -> None:
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([articles])
    for part in (tmp_path / "data" / "whoosh").iterdir():
        part.unlink()
    with Archive(tmp_path / "data") as archive:
        assert archive.notices
        assert archive.reindex() == 4
        assert len(archive.search("Vostochny").hits) == 1


def test_foreign_folder_is_never_opened_as_an_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "whoosh").mkdir(parents=True)
    (data / "whoosh" / "_MAIN_1.toc").write_bytes(b"not ours")
    try:
        Archive(data)
    except RuntimeError as exc:
        assert "did not create" in str(exc)
    else:
        raise AssertionError("opened an index Briefer did not create")


def test_normalized_text_has_stable_paragraph_offsets() -> None:
    text = normalize("  First  line\r\nwrapped.\r\n\r\n\r\nSecond\tparagraph.\x00\n")
    assert text == "First line wrapped.\n\nSecond paragraph."
    assert [text[a:b] for a, b in paragraphs(text)] == ["First line wrapped.", "Second paragraph."]
    assert normalize(text) == text  # normalizing twice shifts nothing


def test_a_second_import_in_the_same_briefer_is_told_one_is_running_here(tmp_path: Path) -> None:
    from briefer.core.archive import ArchiveBusy

    folder = tmp_path / "articles"
    write_article(folder, "one", "Grain ships sailed from Odesa on Monday.")
    with Archive(tmp_path / "data") as archive:
        # a feed fetch arriving while the window imports
        with archive._import_lock(), pytest.raises(ArchiveBusy, match="already running here"):
            archive.import_paths([folder])
        assert archive.import_paths([folder]).counts["imported"] == 1  # the lock is free again
