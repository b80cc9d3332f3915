"""Importing every format: containers and their members, links, feeds, source types, the report."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from briefer import cli
from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.archive.catalog import SCHEMA_VERSION, Catalog
from tests.core.format_fixtures import ARTICLE_HTML, make_docx, make_email, make_feed, make_mhtml, make_pdf


def by_path(summary) -> dict[str, tuple[str, str]]:
    return {Path(o.path).name if not o.container else o.path[len(o.container) + 1 :]: (o.status, o.reason)
            for o in summary.outcomes}  # fmt: skip


def bump(path: Path) -> None:
    later = time.time_ns() + 2 * 10**9
    os.utime(path, ns=(later, later))


def test_every_format_imports_with_metadata(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(make_pdf(["Rail convoys crossed the border."], title="Border"))
    make_docx(folder / "note.docx")
    (folder / "saved.mhtml").write_bytes(make_mhtml(ARTICLE_HTML))
    (folder / "wire.rss").write_bytes(make_feed([("e1", "Kim arrives", "Kim arrived by armoured train.")]))
    (folder / "mail.eml").write_bytes(make_email(subject="Convoy sighting", body="Seen near Khasan."))
    summary = archive.import_paths([folder])
    assert summary.counts["failed"] == 0
    formats = {archive.document(o.doc_id).format for o in summary.outcomes if o.doc_id}
    assert formats == {"pdf", "docx", "html", "feed", "email"}
    for query, title in (
        ("Tumangang", "Rail shipments to the Far East"),
        ("armoured", "Kim arrives"),
        ("Khasan", "Convoy sighting"),
        ("cosmodrome", None),
        ("border", "Border"),
    ):
        hits = archive.search(query).hits
        assert len(hits) == 1, query
        if title:
            assert hits[0].document.title == title
    pdf_doc = archive.search("border").hits[0].document
    assert pdf_doc.pages == (0,)
    docx_doc = archive.search("Tumangang").hits[0].document
    assert docx_doc.language == "en" and docx_doc.author == "Ana Lyst"


def test_email_attachments_become_linked_documents(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "message.eml").write_bytes(
        make_email(
            subject="Seoul reacts",
            body="Report attached.",
            attachments=[
                ("report.pdf", "application/pdf", make_pdf(["Shells moved by rail to Vladivostok."]))
            ],
        )
    )
    summary = archive.import_paths([folder])
    assert by_path(summary) == {"message.eml": ("imported", ""), "report.pdf": ("imported", "")}
    message = archive.search("attached").hits[0].document
    attachment = archive.search("Vladivostok").hits[0].document
    assert attachment.parent_id == message.id
    assert archive.catalog.attachments_of(message.id) == [attachment.id]
    assert attachment.path == str(folder.resolve() / "message.eml") + "/report.pdf"


def test_feed_reimport_adds_only_new_entries(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    feed = folder / "wire.xml"
    feed.write_bytes(make_feed([("e1", "Kim arrives", "Kim arrived."), ("e2", "Talks", "Talks began.")]))
    first = archive.import_paths([folder])
    assert first.counts["imported"] == 3  # the feed and its two entries
    assert archive.stats().documents == 2
    feed.write_bytes(
        make_feed(
            [
                ("e3", "Kim leaves", "Kim left."),
                ("e2", "Talks", "Talks began."),
                ("e1", "Kim arrives", "Kim arrived."),
            ]
        )
    )
    bump(feed)
    second = archive.import_paths([folder])
    assert by_path(second) == {
        "wire.xml": ("updated", ""),
        "e1": ("unchanged", ""),
        "e2": ("unchanged", ""),
        "e3": ("imported", ""),
    }
    assert archive.stats().documents == 3
    # Another snapshot of the same feed, in another file: its entries are the same documents.
    (folder / "snapshot-2.rss").write_bytes(make_feed([("e1", "Kim arrives", "Kim arrived.")]))
    third = archive.import_paths([folder])
    assert third.counts["imported"] == 1 and third.counts["duplicate"] == 1
    assert archive.stats().documents == 3
    # An unchanged feed reports its entries again, from the catalog.
    assert {o.status for o in archive.import_paths([folder]).outcomes} == {"unchanged"}


def test_zip_members_import_with_their_own_status(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "zips"
    folder.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("pages/page.html", ARTICLE_HTML)
        bundle.writestr("notes.txt", "Title: Notes\n\nShells moved by rail.\n")
        bundle.writestr("inner.zip", b"PK\x05\x06" + b"\0" * 18)
        bundle.writestr("photo.jpg", b"\xff\xd8\xff")
    (folder / "bundle.zip").write_bytes(buffer.getvalue())
    summary = archive.import_paths([folder])
    assert by_path(summary) == {
        "bundle.zip": ("imported", ""),
        "pages/page.html": ("imported", ""),
        "notes.txt": ("imported", ""),
        "inner.zip": ("skipped", "nested archive (not opened)"),
        "photo.jpg": ("skipped", "unsupported format .jpg"),
    }
    assert archive.search("cosmodrome").hits[0].document.path.endswith("bundle.zip/pages/page.html")
    # Members are not files: pruning keeps them while the archive is there, and drops them with it.
    assert archive.import_paths([folder], prune=True).pruned == 0
    assert archive.stats().documents == 2
    (folder / "bundle.zip").unlink()
    assert archive.import_paths([folder], prune=True).pruned == 5
    assert archive.stats().documents == 0


def test_saved_page_folder_indexes_the_page_not_its_assets(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "Seoul reacts_files").mkdir(parents=True)
    (folder / "Seoul reacts.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (folder / "Seoul reacts_files" / "ad.html").write_text("<p>Buy now</p>", encoding="utf-8")
    (folder / "Seoul reacts_files" / "app.js").write_text("var x;", encoding="utf-8")
    summary = archive.import_paths([folder])
    assert [Path(o.path).name for o in summary.outcomes] == ["Seoul reacts.html"]


def test_sample_archive_gets_the_source_types_of_its_manifest(archive: Archive) -> None:
    archive.import_sample()
    manifest = json.loads((paths.SAMPLE_ARCHIVE / "MANIFEST.json").read_text(encoding="utf-8"))
    found = {}
    for path, loc in archive.catalog.locations().items():
        doc = archive.document(loc.doc_id) if loc.doc_id else None
        if doc is not None:
            found[Path(path).name] = doc.source_type
    assert {m["file"]: m["source_type"] for m in manifest} == found


def test_language_is_detected_for_undeclared_text(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "lang"
    folder.mkdir()
    (folder / "fr.txt").write_text(
        "Le ministre des affaires étrangères a déclaré que les négociations reprendraient la semaine "
        "prochaine à Genève.\n",
        encoding="utf-8",
    )
    doc = archive.document(archive.import_paths([folder]).outcomes[0].doc_id)
    assert doc.language == "fr"


def test_index_report_and_failures_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_OCR", "0")  # the same reasons whether tesseract is installed or not
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "ok.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (folder / "empty.html").write_bytes(b"")
    (folder / "image.png").write_bytes(b"\x89PNG")
    (folder / "scan.pdf").write_bytes(make_pdf([""]))
    data = tmp_path / "data"
    report = tmp_path / "report.json"
    assert cli.main(["--data-dir", str(data), "index", str(folder), "--report", str(report)]) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    rows = {Path(f["path"]).name: (f["status"], f["reason"]) for f in written["files"]}
    assert rows == {
        "empty.html": ("failed", "empty file"),
        "image.png": ("skipped", "unsupported format .png"),
        "ok.html": ("imported", ""),
        "scan.pdf": ("failed", "no text layer (scanned)"),
    }
    assert written["summary"]["files"] == 4 and written["summary"]["failed"] == 2
    capsys.readouterr()
    assert cli.main(["--data-dir", str(data), "stats", "--failures"]) == 0
    out = capsys.readouterr().out
    assert "empty.html: empty file" in out and "scan.pdf: no text layer (scanned)" in out


def test_a_version_1_catalog_opens_and_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog(path).close()
    db = sqlite3.connect(path)
    for index in ("documents_entry_key", "documents_parent", "locations_container"):
        db.execute(f"DROP INDEX {index}")
    for table, column in (
        ("documents", "pages"),
        ("documents", "parent_id"),
        ("documents", "entry_key"),
        ("documents", "flags"),
        ("locations", "container"),
    ):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    db.commit()
    db.close()
    catalog = Catalog(path)
    columns = {r[1] for r in catalog._db.execute("PRAGMA table_info(documents)")}
    assert {"pages", "parent_id", "entry_key", "flags"} <= columns
    version = catalog._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    assert version == str(SCHEMA_VERSION)
    catalog.close()
