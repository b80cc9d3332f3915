"""The Word export, checked by re-opening each .docx: footnotes, links, header/footer, styles, tables."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from lxml import etree

from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import SourceCheck, excerpt_from_span
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.model import Briefing, CuiDesignation, Excerpt, KeyJudgment, Paragraph
from briefer.core.documents import Document
from briefer.core.export import ooxml
from briefer.core.export.docx_export import ExportError, export_docx
from tests.core.briefing_support import NS, W, articles_in, part_xml, rich_briefing, texts, to_pdf_text

REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@pytest.fixture
def archive(briefing_archive: Archive) -> Archive:
    """Here the test's archive holds the three ARTICLES."""
    return briefing_archive


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    return rich_briefing(docs)


@pytest.fixture
def exported(rich: Briefing, tmp_path: Path) -> Path:
    out = tmp_path / "rich.docx"
    export_docx(rich, out)
    return out


def footnotes(path: Path) -> list[etree._Element]:
    root = part_xml(path, "word/footnotes.xml")
    return [n for n in root.findall("w:footnote", NS) if n.get(f"{{{W}}}type") is None]


def docx_text(path: Path) -> str:
    """Every word of the document: body, footnotes, comments."""
    with zipfile.ZipFile(path) as package:
        names = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
    return " ".join(texts(part_xml(path, name)) for name in names)


def body_styles(document: Any) -> set[str]:
    return {p.style.name for p in document.paragraphs}


# -- footnotes and citations -----------------------------------------------------------
def test_footnotes_cite_each_source_once_numbered_by_first_appearance(exported: Path) -> None:
    notes = footnotes(exported)
    assert [n.get(f"{{{W}}}id") for n in notes] == ["1", "2", "3"]
    note_texts = [texts(n) for n in notes]
    assert note_texts[0].startswith(" (U) Strategic Review Institute; Daniel Ortiz; \u201cAnalysts see")
    assert note_texts[1].startswith(" (U) Harbor Wire Service; Mina Park;")
    assert note_texts[2].startswith(" (U) Pacific Ledger; n.a.;")
    assert note_texts[0].endswith("; https://think.example/know-how.")  # no archive id or hash
    body = part_xml(exported, "word/document.xml")
    refs = [r.get(f"{{{W}}}id") for r in body.iter(f"{{{W}}}footnoteReference")]
    assert refs == ["1", "2", "3"]  # a reused source gets no second footnote...
    reused = [
        (h.get(f"{{{W}}}anchor"), texts(h))
        for h in body.iter(f"{{{W}}}hyperlink")
        if h.get(f"{{{W}}}anchor", "").startswith("_BrieferSource")
    ]
    assert reused == [
        ("_BrieferSource2", "2"),
        ("_BrieferSource1", "1"),
        ("_BrieferSource2", "2"),
        ("_BrieferSource2", "2"),
    ]
    marks = {b.get(f"{{{W}}}name") for b in body.iter(f"{{{W}}}bookmarkStart")}
    assert {"_BrieferSource1", "_BrieferSource2", "_BrieferSource3"} <= marks


def test_urls_are_real_hyperlinks_in_footnotes_and_the_source_list(exported: Path) -> None:
    rels = part_xml(exported, "word/_rels/footnotes.xml.rels")
    targets = {r.get("Id"): r.get("Target") for r in rels if r.get("TargetMode") == "External"}
    assert set(targets.values()) == {
        "https://think.example/know-how",
        "https://news.example/harbor/pact",
        "https://ledger.example/trilateral",
    }
    first = footnotes(exported)[0]
    link = first.find(".//w:hyperlink", NS)
    assert link is not None and targets[link.get(f"{REL_NS}id")] == "https://think.example/know-how"
    document = docx.Document(str(exported))
    listed = [p for p in document.paragraphs if p.style.name == "Bibliography"]
    assert [p.text.split("\t")[0] for p in listed] == ["1.", "2.", "3."] * 2  # the list, then the annex
    assert listed[0].text.endswith("; en. Overall source classification: UNCLASSIFIED.")
    assert [h.url for h in listed[0].hyperlinks] == ["https://think.example/know-how"]


def test_sources_deleted_from_the_archive_are_cited_from_the_snapshot(rich: Briefing, tmp_path: Path) -> None:
    pact = next(b for b in rich.sections[2].blocks if isinstance(b, Excerpt))
    checks = {pact.doc_id: SourceCheck(pact.doc_id, "missing")}
    out = tmp_path / "gone.docx"
    report = export_docx(rich, out, checks=checks, copy="review")
    assert [(n, c.doc_id) for n, c in report.missing] == [(2, pact.doc_id)]
    note = texts(footnotes(out)[1])
    assert "Harbor Wire Service" in note and note.endswith("(source no longer in archive)")
    assert "(source no longer in archive)" not in texts(footnotes(out)[0])
    distributed = tmp_path / "distributed.docx"  # readers are not told about our archive
    assert export_docx(rich, distributed, checks=checks).missing == report.missing
    assert "Harbor Wire Service" in texts(footnotes(distributed)[1])
    assert "no longer in archive" not in docx_text(distributed)


def test_citing_an_excerpt_that_left_the_briefing_is_reported(rich: Briefing, tmp_path: Path) -> None:
    edits.add_block(rich, "analysis", Paragraph("Orphan.", cites=["gone"]))
    report = export_docx(rich, tmp_path / "orphan.docx")
    assert report.warnings == [
        f"paragraph {rich.sections[3].blocks[-1].id} cites excerpt gone, which is not in the briefing"
    ]


# -- page furniture, styles, tables, properties -----------------------------------------
def test_header_and_footer_carry_the_banner_and_page_x_of_y(exported: Path) -> None:
    document = docx.Document(str(exported))
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "UNCLASSIFIED"
    assert section.header.paragraphs[0].style.name == "Banner"
    footer = section.footer
    assert footer.paragraphs[0].text == "UNCLASSIFIED"
    assert re.fullmatch(r"BRF-2024-0017\tPage 1 of 1", footer.paragraphs[1].text)
    instructions = [t.text.strip() for t in footer._element.iter(f"{{{W}}}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert not section.different_first_page_header_footer


def test_built_in_styles_carry_the_structure(exported: Path) -> None:
    document = docx.Document(str(exported))
    assert {
        "Title",
        "Subtitle",
        "Heading 1",
        "Heading 2",
        "Quote",
        "List Bullet",
        "Caption",
        "Bibliography",
    } <= (body_styles(document))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Key Judgments",
        "Source Summary",
        "Background",
        "Analysis",
        "Implications for the United States and Allies",
        "Estimative Language",
        "Source Reference Citations",
        "Source Verification",
    ]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == [
        "Japan",
        "Republic of Korea",
    ]
    note_styles = {
        p.get(f"{{{W}}}val") for p in part_xml(exported, "word/footnotes.xml").iter(f"{{{W}}}pStyle")
    }
    assert note_styles == {document.styles["Footnote Text"].style_id}


def test_first_page_masthead_title_and_key_judgments_with_portion_marks(exported: Path) -> None:
    document = docx.Document(str(exported))
    masthead = document.tables[0]
    assert [row.cells[0].text for row in masthead.rows] == [
        "PRODUCT",
        "NUMBER",
        "DATE",
        "INFORMATION CUTOFF",
        "PREPARED BY",
        "AUDIENCE",
    ]
    assert (
        masthead.rows[3].cells[1].text
        == "This assessment uses information available as of 23 Jun 2024 1800Z."
    )
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == ["(U) Treaty Likely To Accelerate DPRK Missile Advances"]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    # footnote marks have no text of their own: "technology.¹,²" reads "technology.," here
    assert bullets[0] == (
        "(U) Likely (55\u201380%) \u00b7 Moderate confidence: "
        "We assess Russia is likely to transfer missile technology.,"
    )
    assert (
        bullets[1]
        == "(U) Almost certain (95\u201399%) \u00b7 High confidence: Allies will deepen cooperation."
    )
    assert all(
        p.text.startswith("(U) ") for p in document.paragraphs if p.style.name in ("Quote", "List Bullet")
    )


def test_the_implications_matrix_and_estimative_key_are_tables(exported: Path) -> None:
    document = docx.Document(str(exported))
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Actor")
    assert [c.text for c in matrix.rows[0].cells] == [
        "Actor",
        "Military/security",
        "Deterrence and nonproliferation",
        "Sanctions/economic",
        "Diplomatic/alliance cohesion",
    ]
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in matrix.rows[1:]}
    assert list(rows) == [
        "United States",
        "NATO and European allies",
        "Japan",
        "Republic of Korea",
        "Ukraine",
    ]
    assert rows["United States"][0] == "(U) Homeland defence demands rise. (Impact H; likely)"
    assert rows["Japan"][3] == "(U) Closer trilateral ties. (Impact M)"
    assert rows["Ukraine"] == ["(U) No significant near-term implication identified."] * 4
    key = next(t for t in document.tables if t.rows[0].cells[0].text == "Almost no chance")
    assert [c.text for c in key.rows[1].cells] == [
        "01\u201305%",
        "05\u201320%",
        "20\u201345%",
        "45\u201355%",
        "55\u201380%",
        "80\u201395%",
        "95\u201399%",
    ]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("(U) Table 1. Implications") and captions[1].startswith(
        "(U) Table 2. Estimative"
    )


def test_core_and_custom_properties(exported: Path) -> None:
    core = docx.Document(str(exported)).core_properties
    assert (core.title, core.author, core.keywords) == (
        "Treaty Likely To Accelerate DPRK Missile Advances",
        "J. Analyst",
        "Russia; DPRK",
    )
    props = {p.get("name"): texts(p) for p in part_xml(exported, "docProps/custom.xml")}
    assert props["BrieferProductNo"] == "BRF-2024-0017"
    assert props["Edition"] == "1" and props["OverallMarking"] == "UNCLASSIFIED"
    assert props["InfoCutoffUTC"] == "23 Jun 2024 1800Z"
    assert re.fullmatch(r"[0-9a-f]{64}", props["BriefingSHA256"])


def test_analyst_comments_become_word_comments_with_ids_apart_from_footnotes(
    rich: Briefing, tmp_path: Path
) -> None:
    exported = tmp_path / "review.docx"
    export_docx(rich, exported, copy="review")
    comments = part_xml(exported, "word/comments.xml")
    ids = [int(c.get(f"{{{W}}}id")) for c in comments.findall("w:comment", NS)]
    assert ids == [ooxml.COMMENT_ID_BASE] and texts(comments) == "Check the Korean text."
    body = part_xml(exported, "word/document.xml")
    assert {int(r.get(f"{{{W}}}id")) for r in body.iter(f"{{{W}}}commentReference")} == set(ids)
    inline = tmp_path / "inline.docx"
    export_docx(rich, inline, comments="inline")
    assert "(U) Analyst comment: Check the Korean text." in [
        p.text for p in docx.Document(str(inline)).paragraphs
    ]


# -- markings ---------------------------------------------------------------------------------
def _cui(b: Briefing, profile: str) -> Briefing:
    edits.add_block(b, "analysis", Paragraph("Controlled detail.", portion="CUI"))
    b.metadata.marking_profile = profile
    b.metadata.cui = CuiDesignation("Dept of Examples", "Regional Office", ("SP-PRVCY",), "FEDCON", "J. Doe")
    return b


@pytest.mark.parametrize(("profile", "banner"), [("nara", "CUI//SP-PRVCY//FEDCON"), ("dod", "CUI")])
def test_cui_banner_and_designation_block_on_page_one(
    rich: Briefing, tmp_path: Path, profile: str, banner: str
) -> None:
    out = tmp_path / "cui.docx"
    export_docx(_cui(rich, profile), out)
    section = docx.Document(str(out)).sections[0]
    assert section.header.paragraphs[0].text == banner == section.footer.paragraphs[0].text
    assert section.different_first_page_header_footer
    block = section.first_page_footer.tables[0].cell(0, 0).text
    assert "Controlled by: Dept of Examples" in block and "CUI Category: SP-PRVCY" in block
    assert "POC: J. Doe" in block and section.first_page_header.paragraphs[0].text == banner


def test_tlp_label_in_header_and_defined_on_page_one(rich: Briefing, tmp_path: Path) -> None:
    rich.metadata.tlp = "AMBER+STRICT"
    out = tmp_path / "tlp.docx"
    export_docx(rich, out)
    document = docx.Document(str(out))
    assert document.sections[0].header.paragraphs[0].text == "UNCLASSIFIED   TLP:AMBER+STRICT"
    sharing = document.tables[0].rows[-1].cells
    assert sharing[0].text == "SHARING" and sharing[1].text.startswith("TLP:AMBER+STRICT Limited disclosure")


def test_banner_only_profile_prints_no_portion_marks(rich: Briefing, tmp_path: Path) -> None:
    rich.metadata.marking_profile = "banner-only"
    out = tmp_path / "plain.docx"
    export_docx(rich, out)
    document = docx.Document(str(out))
    assert not [p.text for p in document.paragraphs if p.text.startswith("(U)")]
    assert document.sections[0].header.paragraphs[0].text == "UNCLASSIFIED"


def test_invalid_markings_refuse_the_export_and_write_nothing(rich: Briefing, tmp_path: Path) -> None:
    edits.add_block(rich, "analysis", Paragraph("secret sauce", portion="CUI"))  # no designation block
    out = tmp_path / "refused.docx"
    with pytest.raises(ReleaseBlocked, match="missing POC") as refused:
        export_docx(rich, out)
    assert {f.code for f in refused.value.findings} == {"invalid-marking"}
    assert list(tmp_path.glob("*.docx")) == [] and not list(tmp_path.glob(".*.tmp"))


# -- hostile input --------------------------------------------------------------------------
def test_huge_rtl_emoji_and_broken_text_with_missing_metadata_still_export(tmp_path: Path) -> None:
    b = templates.new_briefing(templates.load("assessment"), title="\x00\ud800 Title \U0001f680")
    b.metadata.date = b.metadata.info_cutoff = None
    b.metadata.product_number = ""
    huge = Document(id="big", title="", text=("word " * 20_000).strip(), text_hash="")
    arabic = Document(
        id="ar",
        title="\u0628\u064a\u0627\u0646",
        text="\u0642\u0627\u0644 \u0645\u0633\u0624\u0648\u0644\u0648\u0646 \U0001f680 ok",
        text_hash="",
    )
    edits.add_block(b, "analysis", excerpt_from_span(huge, 0, 100_000 - 1))
    edits.add_block(b, "analysis", excerpt_from_span(arabic, 0, len(arabic.text)))
    edits.add_block(b, "analysis", Paragraph("bad \x0b\x1f\ufffe chars \udc80 and \U0001f600"))
    edits.add_block(b, "key-judgments", KeyJudgment("\u05e9\u05dc\u05d5\u05dd judgment", "unlikely"))
    out = tmp_path / "hostile.docx"
    export_docx(b, out)
    document = docx.Document(str(out))
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert len(quotes[0]) > 99_000
    rtl = [p for p in document.paragraphs if p.style.name == "Quote"][1]
    assert rtl._p.pPr.find(f"{{{W}}}bidi") is not None
    assert any(p.text == "(U) bad  chars \ufffd and \U0001f600" for p in document.paragraphs)
    assert document.core_properties.title == "\ufffd Title \U0001f680"
    note = texts(footnotes(out)[0])
    assert "[outlet unknown]; n.a.; \u201cuntitled\u201d; n.d.; source type not recorded." in note


@settings(max_examples=200, deadline=None)
@given(hs.text(alphabet=hs.characters(codec=None, exclude_categories=())))
def test_sanitized_text_is_always_valid_xml_and_stable(text: str) -> None:
    cleaned = ooxml.clean(text)
    element = etree.Element("t")
    element.text = cleaned  # raises on anything XML 1.0 forbids
    cleaned.encode("utf-8")  # no lone surrogates left
    assert ooxml.clean(cleaned) == cleaned
    assert all(c in cleaned for c in text if c.isalnum() and not 0xD800 <= ord(c) <= 0xDFFF)


@settings(max_examples=15, deadline=None)
@given(hs.text(max_size=300), hs.text(max_size=60))
def test_any_text_exports_to_a_readable_document(text: str, title: str) -> None:
    b = templates.new_briefing(templates.load("spot"), title=title)
    edits.add_block(b, "assessment", Paragraph(text))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "any.docx"
        export_docx(b, out)
        document = docx.Document(str(out))
    expected = "(U) " + ooxml.clean(text).replace("\r", "\n")
    assert expected in [p.text for p in document.paragraphs]


def test_a_failed_export_leaves_no_half_file(rich: Briefing, tmp_path: Path, monkeypatch: Any) -> None:
    out = tmp_path / "out.docx"
    out.write_bytes(b"previous export")

    def broken_save(self: Any, target: Any) -> None:
        target.write(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(docx.document.Document, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        export_docx(rich, out)
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".tmp", ".docx")) == ["out.docx"]


# -- reference documents ------------------------------------------------------------------
def test_an_organisation_reference_without_our_styles_works(rich: Briefing, tmp_path: Path) -> None:
    plain = docx.Document()
    plain.add_paragraph("Their body text is dropped.")
    plain.sections[0].header.paragraphs[0].text = "THEIR HEADER"
    reference = tmp_path / "org.docx"
    plain.save(str(reference))
    out = tmp_path / "org-styled.docx"
    export_docx(rich, out, reference=reference)
    document = docx.Document(str(out))
    assert "Their body text is dropped." not in [p.text for p in document.paragraphs]
    assert document.sections[0].header.paragraphs[0].text == "UNCLASSIFIED"
    assert {"Banner", "Box Text", "Footnote Text", "Bibliography"} <= {s.name for s in document.styles}


def test_a_dotx_template_is_accepted_and_junk_is_refused(rich: Briefing, tmp_path: Path) -> None:
    source = io.BytesIO()
    docx.Document().save(source)
    dotx = tmp_path / "org.dotx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dotx, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(item, data)
    export_docx(rich, tmp_path / "from-dotx.docx", reference=dotx)
    junk = tmp_path / "junk.docx"
    junk.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ExportError, match=r"not a usable Word \.docx reference"):
        export_docx(rich, tmp_path / "x.docx", reference=junk)
    with pytest.raises(ExportError, match="cannot read the reference"):
        export_docx(rich, tmp_path / "x.docx", reference=tmp_path / "missing.docx")
    assert not (tmp_path / "x.docx").exists()


def test_the_committed_reference_docx_matches_its_build_script(tmp_path: Path) -> None:
    import importlib.util

    script = paths.RESOURCES.parent / "scripts" / "build_reference_docx.py"
    if not script.exists():
        pytest.skip("installed without the repository's scripts/")
    spec = importlib.util.spec_from_file_location("build_reference_docx", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.build(tmp_path / "reference.docx")
    committed = paths.RESOURCES / "templates" / "reference.docx"
    for name in ("word/styles.xml", "word/document.xml"):
        assert part_xml(fresh, name) is not None
        assert etree.tostring(part_xml(fresh, name)) == etree.tostring(part_xml(committed, name)), name


# -- what a reader sees (LibreOffice) -----------------------------------------------------
@pytest.mark.slow  # LibreOffice renders the document
def test_rendered_pages_read_like_the_briefing(exported: Path, tmp_path: Path) -> None:
    pages = to_pdf_text(exported, tmp_path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == "UNCLASSIFIED", f"page {number} has no top banner"
        assert "UNCLASSIFIED" in lines[-2] and lines[-1].endswith(f"Page {number} of {len(pages)}")
    assert "(U) Treaty Likely To Accelerate" in " ".join(pages[0].split())  # the cover
    first = " ".join(pages[2].split())  # after the cover and the contents
    for expected in (
        "PRODUCT Briefer Assessment",
        "(U) Treaty Likely To Accelerate",
        "Key Judgments",
        "Likely (55\u201380%) \u00b7 Moderate confidence: We assess Russia is likely to transfer missile "
        "technology.1,2",
        "1 (U) Strategic Review Institute; Daniel Ortiz;",
    ):
        assert expected in first, expected
    everything = " ".join(" ".join(pages).split())
    assert "3 (U) Pacific Ledger; n.a.;" in everything
    assert "Source Reference Citations 1. (U) Strategic Review Institute" in everything


def test_the_next_export_removes_what_a_killed_export_left(rich: Briefing, tmp_path: Path) -> None:
    from briefer.core import atomic_write
    from tests.core.test_briefing_file_edges import dead_pid

    dead = dead_pid()
    left = [tmp_path / f".out.docx.{atomic_write._HOST}-{dead}.abcd_123.tmp"]  # killed while writing
    left.append(tmp_path / f".out.manifest.json.{atomic_write._HOST}-{dead}.efgh_456.tmp")
    other = tmp_path / f".other.docx.{atomic_write._HOST}-{dead}.abcd_123.tmp"  # another document's
    for path in (*left, other):
        path.write_bytes(b"half a document")
    export_docx(rich, tmp_path / "out.docx")
    assert not any(path.exists() for path in left)
    assert other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == [other.name]
