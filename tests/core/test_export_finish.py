"""The finished export: cover, contents, scope note and contact, numbering, reader-facing citations
with a provenance annex, and distribution vs review copies (issue 22), checked by re-opening each
.docx with python-docx and, where LibreOffice is installed, on the rendered pages."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from lxml import etree

from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits
from briefer.core.briefing.citations import format_time
from briefer.core.briefing.model import Briefing, KeyJudgment, Paragraph, excerpts
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export import manifest as mf
from briefer.core.export import toc_pages
from briefer.core.export.docx_export import ExportError, export_docx
from tests.core.briefing_support import NS, W, articles_in, part_xml, rich_briefing, texts, to_pdf_text

HASH_OR_ID = re.compile(r"sha256|SHA-256|Briefer [0-9a-f]{16}|[0-9a-f]{16}")


@pytest.fixture
def archive(briefing_archive: Archive) -> Archive:
    return briefing_archive


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    b = rich_briefing(docs)
    edits.apply(b, edits.SetMetadata("scope_note", "Covers the treaty.\nLeaves out domestic politics."))
    edits.apply(
        b, edits.SetMetadata("contact", "J. Analyst, Office of Regional Assessments\n+1 202 555 0100")
    )
    return b


def footnote_texts(path: Path) -> list[str]:
    root = part_xml(path, "word/footnotes.xml")
    return [texts(n) for n in root.findall("w:footnote", NS) if n.get(f"{{{W}}}type") is None]


def styled(path: Path, style: str) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == style]


def has_part(path: Path, name: str) -> bool:
    with zipfile.ZipFile(path) as package:
        return name in package.namelist()


def png(path: Path, width: int = 8, height: int = 4) -> Path:
    """A small valid PNG (navy pixels), written without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x38\x64" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


# -- cover, contents, scope note and contact -------------------------------------------------
def test_the_cover_comes_first_then_the_contents_scope_note_and_contact(
    rich: Briefing, tmp_path: Path
) -> None:
    out = tmp_path / "finished.docx"
    export_docx(rich, out)
    paragraphs = [p for p in docx.Document(str(out)).paragraphs if p.text.strip()]
    cover = [(p.style.name, p.text) for p in paragraphs[:7]]
    assert cover == [
        ("Cover Product", "BRIEFER ASSESSMENT"),
        ("Cover Title", "(U) Treaty Likely To Accelerate DPRK Missile Advances"),
        ("Cover Subtitle", "Implications of the June 2024 treaty"),
        ("Cover Detail", "24 Jun 2024 1200Z"),
        ("Cover Detail", "BRF-2024-0017 \u00b7 Edition 1"),
        ("Cover Detail", "Office of Regional Assessments"),
        ("Cover Banner", "UNCLASSIFIED"),
    ]
    body = part_xml(out, "word/document.xml")
    breaks = [b for b in body.iter(f"{{{W}}}br") if b.get(f"{{{W}}}type") == "page"]
    assert len(breaks) == 2  # after the cover, after the contents page
    front = [p.text for p in paragraphs if p.style.name == "TOC Heading"]
    assert front == ["Contents", "Scope Note", "Contact"]
    texts_in_order = [p.text for p in paragraphs]
    scope = texts_in_order.index("Scope Note")
    assert texts_in_order[scope + 1 : scope + 3] == ["Covers the treaty.", "Leaves out domestic politics."]
    contact = texts_in_order.index("Contact")
    assert texts_in_order[contact + 1 : contact + 3] == [
        "J. Analyst, Office of Regional Assessments",
        "+1 202 555 0100",
    ]
    assert texts_in_order.index("Contact") < texts_in_order.index("Key Judgments")


def test_the_contents_are_a_toc_field_holding_the_headings_linked_to_them(
    rich: Briefing, tmp_path: Path
) -> None:
    out = tmp_path / "toc.docx"
    report = export_docx(rich, out)
    body = part_xml(out, "word/document.xml")
    instructions = [texts(i).strip() for i in body.iter(f"{{{W}}}instrText")]
    assert instructions == ['TOC \\o "1-3" \\h']
    entries = [p for p in body.iter(f"{{{W}}}p") if p.find("w:pPr/w:pStyle", NS) is not None]
    toc = [p for p in entries if p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val", "").startswith("toc")]
    headings = styled(out, "Heading 1") + styled(out, "Heading 2")
    assert [texts(p.find("w:hyperlink", NS)).rstrip("\t") for p in toc] == [
        "Key Judgments",
        "Source Summary",
        "Background",
        "Analysis",
        "Implications for the United States and Allies",
        "Japan",
        "Republic of Korea",
        "Estimative Language",
        "Source Reference Citations",
        "Source Verification",
    ]
    assert sorted(texts(p.find("w:hyperlink", NS)).rstrip("\t") for p in toc) == sorted(headings)
    anchors = [p.find("w:hyperlink", NS).get(f"{{{W}}}anchor") for p in toc]
    marks = {b.get(f"{{{W}}}name") for b in body.iter(f"{{{W}}}bookmarkStart")}
    assert set(anchors) <= marks and len(set(anchors)) == len(toc)
    # No render pass here: the field asks Word to update it, and the export says so.
    settings = part_xml(out, "word/settings.xml")
    assert settings.find("w:updateFields", NS) is not None
    begin = next(f for f in body.iter(f"{{{W}}}fldChar") if f.get(f"{{{W}}}fldCharType") == "begin")
    assert begin.get(f"{{{W}}}dirty") == "true"
    assert report.notices and "no page numbers yet" in report.notices[0]


def test_heading_pages_match_headings_on_lines_of_their_own_not_the_contents_entries() -> None:
    pages = [
        "UNCLASSIFIED\n  BRIEFER ASSESSMENT\n  (U) Title\n",
        "Contents\nKey Judgments ........ \nBackground ........\nImplications for the United\n",
        "UNCLASSIFIED\n   Key Judgments\n(U) We assess the Background is thin.\n",
        "   Background\n text\n   Implications for the United\n   States and Allies\n",
    ]
    found = toc_pages.heading_pages(
        pages, ["Key Judgments", "Background", "Implications for the United States and Allies", "Gone"]
    )
    assert found == [3, 4, 4, None]


# -- key judgments, the estimative key, numbering --------------------------------------------
def test_key_judgments_are_led_one_way_from_their_structured_terms_never_from_their_words(
    rich: Briefing, tmp_path: Path
) -> None:
    # The first judgment's text says "likely": it used to get no lead at all.
    edits.add_block(rich, "key-judgments", KeyJudgment("Sanctions will probably erode.", None, "low"))
    edits.add_block(rich, "key-judgments", KeyJudgment("Talks resume.", None, None))
    out = tmp_path / "kj.docx"
    export_docx(rich, out)
    document = docx.Document(str(out))
    bullets = [p for p in document.paragraphs if p.style.name == "List Bullet"][:4]
    assert [p.text for p in bullets] == [
        "(U) Likely (55\u201380%) \u00b7 Moderate confidence: We assess Russia is likely to transfer missile "
        "technology.,",
        "(U) Almost certain (95\u201399%) \u00b7 High confidence: Allies will deepen cooperation.",
        "(U) Low confidence: Sanctions will probably erode.",
        "(U) Talks resume.",
    ]
    leads = [[r.text for r in p.runs if r.style is not None and r.style.name == "KJ Lead"] for p in bullets]
    assert leads == [["Likely (55\u201380%)"], ["Almost certain (95\u201399%)"], [], []]


def test_the_estimative_key_has_its_own_heading(rich: Briefing, tmp_path: Path) -> None:
    out = tmp_path / "key.docx"
    export_docx(rich, out)
    paragraphs = [(p.style.name, p.text) for p in docx.Document(str(out)).paragraphs if p.text]
    at = paragraphs.index(("Heading 1", "Estimative Language"))
    assert paragraphs[at + 1] == ("Caption", "(U) Table 2. Estimative language (ICD 203)")


def test_numbering_numbers_sections_and_the_analysts_paragraphs(rich: Briefing, tmp_path: Path) -> None:
    out = tmp_path / "numbered.docx"
    export_docx(rich, out, numbering=True)
    assert styled(out, "Heading 1")[:5] == [
        "1\u2002Key Judgments",
        "2\u2002Source Summary",
        "3\u2002Background",
        "4\u2002Analysis",
        "5\u2002Implications for the United States and Allies",
    ]
    assert styled(out, "Heading 2") == ["5.1\u2002Japan", "5.2\u2002Republic of Korea"]
    assert "Source Reference Citations" in styled(out, "Heading 1")  # end matter is not numbered
    numbered = [t for t in styled(out, "Normal") if re.match(r"\d+\.\u2002", t)]
    assert numbered == [
        "1.\u2002(U) The treaty was signed on 19 June 2024.",
        "2.\u2002(U) Moscow will pay in technology.2",  # the reused source's number links to note 2
    ]
    plain = tmp_path / "plain.docx"
    export_docx(rich, plain)
    assert styled(plain, "Heading 1")[0] == "Key Judgments"


def test_a_logo_goes_on_the_cover_and_an_unusable_one_is_refused(rich: Briefing, tmp_path: Path) -> None:
    out = tmp_path / "logo.docx"
    export_docx(rich, out, logo=png(tmp_path / "logo.png"))
    body = part_xml(out, "word/document.xml")
    first_text = next(p for p in body.iter(f"{{{W}}}p") if texts(p).strip())
    drawings = list(body.iter(f"{{{W}}}drawing"))
    assert len(drawings) == 1
    assert list(body.iter(f"{{{W}}}p")).index(drawings[0].getparent().getparent()) < list(
        body.iter(f"{{{W}}}p")
    ).index(first_text)  # above the product line
    junk = tmp_path / "logo.txt"
    junk.write_text("not a picture")
    refused = tmp_path / "refused.docx"
    with pytest.raises(ExportError, match="not an image"):
        export_docx(rich, refused, logo=junk)
    with pytest.raises(ExportError, match="cannot read the logo"):
        export_docx(rich, refused, logo=tmp_path / "missing.png")
    assert not refused.exists()


# -- reader-facing citations and the provenance annex ----------------------------------------
def test_distributed_citations_carry_no_archive_id_or_hash_and_the_annex_does(
    rich: Briefing, docs: dict[str, Document], tmp_path: Path
) -> None:
    out = tmp_path / "distributed.docx"
    export_docx(rich, out)
    notes = footnote_texts(out)
    references = styled(out, "Bibliography")[:3]
    for entry in notes + references:
        assert not HASH_OR_ID.search(entry), entry
        assert "captured" not in entry
    assert notes[1].endswith("; https://news.example/harbor/pact.")
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    annex = paragraphs[paragraphs.index("Source Verification") + 2 :]
    pact = docs["pact"]
    captured = next(e for e in excerpts(rich).values() if e.doc_id == pact.id).citation.captured_at
    assert annex[1] == (
        f"2.\t(U) Harbor Wire Service, \u201cLeaders sign mutual assistance pact in Pyongyang\u201d"
        f"\nArchive id {pact.id}; captured {format_time(captured)}\nSHA-256 {pact.text_hash}"
    )
    assert len(annex) == 3


def test_provenance_footnotes_puts_it_back_in_the_citations_and_none_leaves_it_to_the_manifest(
    rich: Briefing, docs: dict[str, Document], lookups: ArchiveLookups, tmp_path: Path
) -> None:
    pact = docs["pact"]
    inline = tmp_path / "inline.docx"
    export_docx(rich, inline, provenance="footnotes")
    assert f"Briefer {pact.id} sha256:{pact.text_hash[:12]}" in footnote_texts(inline)[1]
    assert "Source Verification" not in styled(inline, "Heading 1")
    bare = tmp_path / "bare.docx"
    export_docx(rich, bare, provenance="none")
    assert "Source Verification" not in styled(bare, "Heading 1")
    everything = " ".join(footnote_texts(bare) + [p.text for p in docx.Document(str(bare)).paragraphs])
    assert pact.id not in everything and pact.text_hash[:12] not in everything
    sources = json.loads(mf.manifest_path(bare).read_text(encoding="utf-8"))["sources"]
    assert any(s["doc_id"] == pact.id and pact.text_hash in json.dumps(s) for s in sources)
    for path in (inline, bare, tmp_path / "annex.docx"):
        if not path.exists():
            export_docx(rich, path)
        assert mf.verify_docx(path, lookups).ok, path


@pytest.fixture
def lookups(archive: Archive) -> ArchiveLookups:
    return ArchiveLookups.of(archive)


# -- distribution and review copies ----------------------------------------------------------
def test_a_distribution_copy_has_no_comments_and_a_review_copy_has_them_in_the_margin(
    rich: Briefing, tmp_path: Path
) -> None:
    distributed = tmp_path / "distributed.docx"
    assert export_docx(rich, distributed).copy == "distribution"
    assert not has_part(distributed, "word/comments.xml") or not docx.Document(str(distributed)).comments
    assert "Check the Korean text." not in " ".join(
        p.text for p in docx.Document(str(distributed)).paragraphs
    )
    review = tmp_path / "review.docx"
    export_docx(rich, review, copy="review")
    assert [c.text for c in docx.Document(str(review)).comments] == ["Check the Korean text."]
    # --comments overrides the copy's default, both ways.
    noted = tmp_path / "noted.docx"
    export_docx(rich, noted, comments="margin")
    assert [c.text for c in docx.Document(str(noted)).comments] == ["Check the Korean text."]
    quiet = tmp_path / "quiet.docx"
    export_docx(rich, quiet, copy="review", comments="omit")
    assert not has_part(quiet, "word/comments.xml") or not docx.Document(str(quiet)).comments
    with pytest.raises(ExportError, match="copy must be one of distribution, review"):
        export_docx(rich, tmp_path / "x.docx", copy="draft")


def test_scope_note_and_contact_round_trip_and_old_files_load_without_them(rich: Briefing) -> None:
    again = codec.from_dict(json.loads(codec.dumps(rich)))
    assert again.metadata.scope_note == "Covers the treaty.\nLeaves out domestic politics."
    assert again.metadata.contact.startswith("J. Analyst")
    old = json.loads(codec.dumps(rich))
    del old["metadata"]["scope_note"], old["metadata"]["contact"]
    loaded = codec.from_dict(old)
    assert (loaded.metadata.scope_note, loaded.metadata.contact) == ("", "")


def test_a_briefing_without_scope_note_or_contact_prints_neither(rich: Briefing, tmp_path: Path) -> None:
    rich.metadata.scope_note = rich.metadata.contact = ""
    edits.add_block(rich, "analysis", Paragraph("More."))
    out = tmp_path / "plain.docx"
    export_docx(rich, out)
    assert styled(out, "TOC Heading") == ["Contents"]


# -- what a reader sees (LibreOffice) ---------------------------------------------------------
@pytest.mark.slow  # LibreOffice renders the document twice (the export's pass, then the check)
def test_rendered_contents_show_the_pages_the_headings_are_on_and_the_cover_is_page_1(
    rich: Briefing, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    if not toc_pages.renderer_available() or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed; the contents keep no page numbers")
    out = tmp_path / "rendered.docx"
    report = export_docx(rich, out, toc_pages=True)
    assert report.notices == [] and report.render_seconds > 0
    assert part_xml(out, "word/settings.xml").find("w:updateFields", NS) is None
    pages = to_pdf_text(out, tmp_path)
    cover = " ".join(pages[0].split())
    assert "BRIEFER ASSESSMENT" in cover and "(U) Treaty Likely To Accelerate DPRK" in cover
    assert "Key Judgments" not in cover and cover.endswith("Page 1 of " + str(len(pages)))
    listed = dict(re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", pages[1], re.MULTILINE))
    assert {
        "Key Judgments",
        "Estimative Language",
        "Source Reference Citations",
        "Source Verification",
    } <= set(listed)
    for heading, page in listed.items():
        lines = [" ".join(line.split()) for line in pages[int(page) - 1].splitlines()]
        assert heading in lines, f"{heading} is not on page {page}"
    everything = " ".join(pages)
    assert "sha256:" not in everything and "Check the Korean text." not in everything
    assert mf.verify_docx(out, lookups).ok  # the numbers were written before the manifest recorded the view


def test_without_libreoffice_the_export_asks_word_to_number_the_contents_and_says_how_to_fix_it(
    rich: Briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, no pdftotext
    out = tmp_path / "unnumbered.docx"
    report = export_docx(rich, out, toc_pages=True)
    assert report.render_seconds == 0.0
    assert report.notices == [
        "the table of contents has no page numbers yet: Word fills them in when it opens the document "
        "(it asks to update fields); install LibreOffice and poppler-utils to number it on export"
    ]
    assert part_xml(out, "word/settings.xml").find("w:updateFields", NS) is not None


def test_the_distributed_document_xml_is_free_of_internal_states(rich: Briefing, tmp_path: Path) -> None:
    """Every part a reader's Word shows: no comment, no archive state."""
    out = tmp_path / "d.docx"
    export_docx(rich, out)
    with zipfile.ZipFile(out) as package:
        words = " ".join(
            "".join(etree.fromstring(package.read(n)).itertext())
            for n in package.namelist()
            if n.startswith("word/") and n.endswith(".xml") and "footnotes" not in n
        )
    assert "Check the Korean text." not in words and "no longer in archive" not in words


# -- the command line --------------------------------------------------------------------------
def test_cli_export_chooses_copy_provenance_numbering_and_logo(
    rich: Briefing, archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from briefer.cli import main
    from briefer.core.briefing import storage

    saved = tmp_path / "r.briefing"
    storage.save(rich, saved)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "brief", "set", str(saved), "--scope-note", "Covers the treaty only."]) == 0
    assert storage.load(saved).metadata.scope_note == "Covers the treaty only."
    capsys.readouterr()

    out = tmp_path / "cli.docx"
    assert main([*data, "export", str(saved), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert f"wrote {out} (distribution copy)" in printed.out
    assert "briefer: note: the table of contents has no page numbers yet" in printed.err
    assert list(docx.Document(str(out)).comments) == []
    assert "Source Verification" in styled(out, "Heading 1")

    review = tmp_path / "review.docx"
    logo = png(tmp_path / "logo.png")
    options = ["--copy", "review", "--provenance", "footnotes", "--numbering", "--logo", str(logo)]
    assert main([*data, "export", str(saved), "-o", str(review), *options]) == 0
    assert "(review copy)" in capsys.readouterr().out
    document = docx.Document(str(review))
    assert [c.text for c in document.comments] == ["Check the Korean text."]
    assert len(document.inline_shapes) == 1
    assert styled(review, "Heading 1")[0] == "1\u2002Key Judgments"
    assert "sha256:" in footnote_texts(review)[0] and "Source Verification" not in styled(review, "Heading 1")

    noted = tmp_path / "noted.docx"  # --comments overrides the distribution copy's default
    assert main([*data, "export", str(saved), "-o", str(noted), "--comments", "margin"]) == 0
    assert [c.text for c in docx.Document(str(noted)).comments] == ["Check the Korean text."]
    capsys.readouterr()

    junk = tmp_path / "logo.txt"
    junk.write_text("not an image")
    assert main([*data, "export", str(saved), "-o", str(tmp_path / "x.docx"), "--logo", str(junk)]) == 1
    err = capsys.readouterr().err
    assert "not an image Word can show" in err and "Traceback" not in err
    assert not (tmp_path / "x.docx").exists()


def test_word_updating_the_contents_does_not_make_verify_fail(
    rich: Briefing, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    """Without LibreOffice the export asks Word to update the contents on open: the page numbers
    Word then writes are not a change to the document (the headings are checked where they stand)."""
    out = tmp_path / "asked.docx"
    export_docx(rich, out)
    document = docx.Document(str(out))
    entries = [p for p in document.paragraphs if p.style.name in ("toc 1", "toc 2", "toc 3")]
    assert len(entries) == len(styled(out, "Heading 1") + styled(out, "Heading 2"))
    for page, entry in enumerate(entries, start=3):  # what Word's update fills in
        runs = entry._p.findall(".//w:hyperlink/w:r", NS)
        runs[-1].text = str(page)
    updated = tmp_path / "updated.docx"
    document.save(str(updated))
    shutil.copyfile(mf.manifest_path(out), mf.manifest_path(updated))
    assert mf.verify_docx(updated, lookups).ok
    # A heading changed after the export is still found.
    heading = next(p for p in document.paragraphs if p.text == "Background")
    heading.runs[0].text = "Backstory"
    document.save(str(updated))
    problems = mf.verify_docx(updated, lookups).problems
    assert any("Background" in p and "Backstory" in p for p in problems), problems
