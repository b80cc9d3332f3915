"""A PDF extracted anew is a new text version: excerpts captured from the old extraction keep
their offsets against the version they quote, and verify against the new one (issue #21)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from briefer.core.archive import Archive
from briefer.core.archive.catalog.store import sha256_hex
from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.verify import ArchiveLookups, verify_briefing
from briefer.core.extract import extract_bytes
from briefer.core.textnorm import normalize
from tests.core.extract.pdf_writer import body_lines, make_layout_pdf
from tests.core.extract.test_pdf_layout import BODY, with_running_lines

QUOTE = "companies that chartered the vessels"


def report(modified: str) -> bytes:
    pages = [with_running_lines(n, body_lines(lines)) for n, lines in enumerate(BODY, start=1)]
    return make_layout_pdf(pages, info={"Title": "Rail Report", "ModDate": modified})


def old_extraction_text() -> str:
    """What Briefer extracted before: each page's running lines inside its text."""
    pages = (
        f"Border Monitor: Weekly Rail Report September {10 + n}, 2023 {' '.join(lines)} CRS-{n} Page {n} of 4"
        for n, lines in enumerate(BODY, start=1)
    )
    return normalize("\n\n".join(pages))


def test_an_excerpt_of_the_old_extraction_verifies_after_the_pdf_is_extracted_anew(
    archive: Archive, tmp_path: Path
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    path = folder / "rail-report.pdf"
    data = report("D:20230913100000Z")
    path.write_bytes(data)
    archive.import_paths([folder])
    doc_id = archive.catalog.document_by_content(sha256_hex(data))
    assert doc_id is not None
    # As an earlier Briefer stored it: the old text as the document's current version.
    old_text = old_extraction_text()
    extracted = extract_bytes(data, path)
    archive.catalog.put_document(doc_id, sha256_hex(data), replace(extracted, text=old_text))
    old = archive.document(doc_id)
    assert old is not None and old.text == old_text
    excerpt = excerpt_from_quote(old, QUOTE)
    briefing = templates.new_briefing(templates.load("assessment"), title="Rail", now=datetime.now(UTC))
    edits.add_block(briefing, "background", excerpt)

    # The file is saved again (same pages, new modification date) and imported with today's extractor.
    path.write_bytes(report("D:20231001100000Z"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    archive.import_paths([folder])
    new = archive.document(doc_id)
    assert new is not None and new.text_hash != old.text_hash
    assert "Page 1 of 4" not in new.text and "Border Monitor" not in new.text

    lookups = ArchiveLookups.of(archive)
    result = verify_briefing(briefing, lookups.document, lookups.text_version)
    check = result.get(excerpt.id)
    assert result.ok and check is not None and check.status == "moved"
    assert new.text[check.start : check.end] == QUOTE
    # The captured span still holds the quote in the version it was captured from.
    assert archive.catalog.text_version(old.text_hash) == old_text
    assert old_text[excerpt.start : excerpt.end] == QUOTE != new.text[excerpt.start : excerpt.end]
