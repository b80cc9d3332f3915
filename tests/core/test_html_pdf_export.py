"""The HTML and PDF renditions of an export (`briefer export --format html|pdf`)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import edits
from briefer.core.briefing.model import Briefing, KeyJudgment, Paragraph, excerpts
from briefer.core.documents import Document
from briefer.core.export.formats import FORMATS, export_as
from briefer.core.export.pdf_export import ConversionFailed, LibreOfficeMissing, convert_to_pdf
from tests.core.briefing_support import articles_in, rich_briefing

HOSTILE = 'Kim <script>alert("x")</script> & <img src=http://evil.example/x.png> "Putin"'


@pytest.fixture
def docs(briefing_archive: Archive) -> dict[str, Document]:
    return articles_in(briefing_archive)


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    return rich_briefing(docs)


class Page(HTMLParser):
    """What the tests check in a page: elements, ids, links, text, each heading's text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (id of the link or "", href)
        self.sources: list[str] = []  # src and external hrefs of <link>
        self.text: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.heading_ids: list[str] = []  # of the section headings, in order
        self._heading: str | None = None
        self._in_body = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        self._in_body = self._in_body or tag == "body"
        if "id" in values:
            assert values["id"] not in self.ids, f"duplicate id {values['id']}"
            self.ids.add(values["id"])
        if tag == "a" and "href" in values:
            self.links.append((values.get("id", ""), values["href"]))
        if "src" in values or tag == "link":
            self.sources.append(values.get("src") or values.get("href", ""))
        if tag in ("h1", "h2", "h3"):
            self._heading = ""
            if tag != "h1" and "id" in values:
                self.heading_ids.append(values["id"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, self._heading.strip()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._in_body:
            self.text.append(data)
        if self._heading is not None:
            self._heading += data

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def html_page(briefing: Briefing, tmp_path: Path) -> tuple[str, Page]:
    out = tmp_path / "briefing.html"
    report = export_as("html", briefing, out)
    assert report.path == out and report.format == "html"
    text = out.read_text(encoding="utf-8")
    return text, Page(text)


# -- HTML ---------------------------------------------------------------------------------------
def test_html_has_the_structure_of_the_document(rich: Briefing, tmp_path: Path) -> None:
    text, page = html_page(rich, tmp_path)
    assert text.startswith("<!DOCTYPE html>")
    h2 = [t for tag, t in page.headings if tag == "h2"]
    for title in ("Key Judgments", "Background", "Analysis", "Source Reference Citations", "Notes"):
        assert title in h2
    assert ("h1", "(U) Treaty Likely To Accelerate DPRK Missile Advances") in page.headings
    words = page.all_text
    assert words.startswith("UNCLASSIFIED")  # the banner heads the page ...
    assert words.endswith("UNCLASSIFIED")  # ... and ends it
    # key judgments with their likelihood (ICD 203 band) and confidence
    judgments = words[words.index("Key Judgments", words.index("Key Judgments") + 1) :].lower()
    assert "likely" in judgments and "moderate confidence" in judgments
    assert "almost certain (95\u201399%)" in judgments and "high confidence" in judgments
    # excerpts are blockquotes, the matrix and the estimative key tables, bullets a list
    assert page.tags.count("blockquote") == 4
    assert page.tags.count("table") >= 3 and "th" in page.tags
    assert "Homeland defence demands rise." in words
    assert page.tags.count("li") >= 2 and "Assumption two." in words
    assert "\u201cassistance \u201cwithout delay\u201d\u201d" in words or "without delay" in words


def test_html_footnotes_are_endnotes_linked_both_ways(rich: Briefing, tmp_path: Path) -> None:
    _, page = html_page(rich, tmp_path)
    refs = [(ref_id, href) for ref_id, href in page.links if ref_id.startswith("ref-")]
    assert [href for _, href in refs] == ["#note-1", "#note-2", "#note-3"]
    for ref_id, href in refs:
        assert href[1:] in page.ids  # the reference goes to its note ...
        assert ("", f"#{ref_id}") in page.links  # ... and the note comes back to it
    # a source cited again links to its note, not to a missing anchor
    internal = [href for _, href in page.links if href.startswith("#")]
    assert all(href[1:] in page.ids for href in internal), internal
    assert "#note-2" in [href for ref_id, href in page.links if not ref_id]
    words = page.all_text
    notes = words[words.index("Notes") :]
    assert "Strategic Review Institute" in notes and "Harbor Wire Service" in notes


def contents_links(page: Page) -> list[str]:
    """The ids of the sections the page's links go to, in the order of the links."""
    return [href[1:] for _, href in page.links if href[1:] in page.heading_ids]


def sections(page: Page) -> list[str]:
    return [anchor for anchor in page.heading_ids if anchor != "notes"]


def test_html_contents_link_to_the_sections(rich: Briefing, tmp_path: Path) -> None:
    _, page = html_page(rich, tmp_path)
    assert ("h2", "Contents") in page.headings
    assert contents_links(page) == sections(page)  # every section, in order


def test_html_says_what_the_docx_says(rich: Briefing, tmp_path: Path) -> None:
    """Compute once, render twice: the page's headings and excerpts are the document's."""
    export_as("docx", rich, tmp_path / "b.docx")
    document = docx.Document(str(tmp_path / "b.docx"))
    _, page = html_page(rich, tmp_path)
    headings = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    shown = [text for tag, text in page.headings if tag in ("h2", "h3")]
    assert [h for h in shown if h in headings] == headings
    quotes = ["".join(p.text.split()) for p in document.paragraphs if p.style.name == "Quote"]
    text = "".join(page.all_text.split())
    assert len(quotes) == 4 and all(quote in text for quote in quotes)


def test_html_is_self_contained_without_script(rich: Briefing, tmp_path: Path) -> None:
    text, page = html_page(rich, tmp_path)
    assert "script" not in page.tags and "<script" not in text.lower()
    assert page.sources == []  # no image, stylesheet or frame is fetched
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "style" in page.tags  # the CSS is in the page
    external = [href for _, href in page.links if not href.startswith("#")]
    assert external and all(href.startswith("https://") for href in external)  # the sources' links


def test_html_escapes_a_hostile_title_and_text(rich: Briefing, tmp_path: Path) -> None:
    edits.apply(rich, edits.SetMetadata("title", HOSTILE))
    edits.add_block(rich, "key-judgments", KeyJudgment(f"<b>{HOSTILE}</b> &amp;", "unlikely", "low"))
    text, page = html_page(rich, tmp_path)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert page.sources == []
    assert HOSTILE in page.all_text  # shown as the characters typed
    assert f"<b>{HOSTILE}</b> &amp;" in page.all_text
    assert "<title>" + HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in text


def test_html_links_only_to_web_and_mail_addresses(rich: Briefing, tmp_path: Path) -> None:
    cited = next(iter(excerpts(rich).values()))
    cited.citation = dataclasses.replace(cited.citation, url="javascript:alert(document.cookie)")
    _, page = html_page(rich, tmp_path)
    assert all(href.startswith(("#", "https://", "http://", "mailto:")) for _, href in page.links)
    assert "javascript:alert(document.cookie)" in page.all_text  # shown, not a link


def test_html_keeps_right_to_left_paragraphs_right_to_left(rich: Briefing, tmp_path: Path) -> None:
    edits.add_block(
        rich,
        "analysis",
        Paragraph("\u0642\u0627\u0644 \u0627\u0644\u0645\u0633\u0624\u0648\u0644\u0648\u0646"),
    )
    text, _ = html_page(rich, tmp_path)
    assert re.search(r'<p class="normal" dir="rtl">\(U\) [^<]*\u0642\u0627\u0644', text)


# -- PDF ----------------------------------------------------------------------------------------
def pdf_pages(pdf: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    pages = done.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@pytest.mark.timeout(240)
def test_pdf_has_the_title_and_key_judgments_from_page_one(rich: Briefing, tmp_path: Path) -> None:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler's pdftotext is not installed: no PDF to check")
    out = tmp_path / "briefing.pdf"
    report = export_as("pdf", rich, out)
    assert out.read_bytes().startswith(b"%PDF-")
    assert report.convert_seconds > 0 and report.docx.seconds > 0
    assert not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob("*.manifest*"))  # only the PDF
    pages = pdf_pages(out)
    first = " ".join(pages[0].split())
    assert "UNCLASSIFIED" in first
    words = " ".join(" ".join(pages).split())
    assert "Treaty Likely To Accelerate DPRK Missile Advances" in words
    assert "We assess Russia is likely to transfer missile technology." in words
    assert "Allies will deepen cooperation." in words
    # page 1 of the PDF is the document's page 1, and the count is right
    assert f"Page 1 of {len(pages)}" in first


def test_pdf_without_libreoffice_says_how_to_install_it(
    rich: Briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(LibreOfficeMissing) as caught:
        export_as("pdf", rich, folder / "briefing.pdf")
    assert caught.value.package == "libreoffice-writer-nogui"
    assert "LibreOffice" in str(caught.value)
    assert list(folder.iterdir()) == []  # nothing written


def test_the_formats() -> None:
    assert FORMATS == ("docx", "pdf", "html")


def fake_soffice(folder: Path, script: str) -> None:
    """A `soffice` on PATH that does what `script` says instead of converting."""
    folder.mkdir()
    program = folder / "soffice"
    program.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    program.chmod(0o755)


def test_a_failed_conversion_says_so_and_writes_nothing(
    rich: Briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_soffice(tmp_path / "bin", 'echo "Error: source file could not be loaded" >&2; exit 3')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    out = tmp_path / "out" / "b.pdf"
    out.parent.mkdir()
    with pytest.raises(ConversionFailed, match=r"exit status 3: Error: source file could not be loaded"):
        export_as("pdf", rich, out)
    assert list(out.parent.iterdir()) == []


def test_a_conversion_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc to look for processes left running")
    fake_soffice(tmp_path / "bin", f"echo $$ > {tmp_path / 'pid'}; sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    document = tmp_path / "b.docx"
    document.write_bytes(b"PK")
    with pytest.raises(ConversionFailed, match="did not finish the PDF within 1 s"):
        convert_to_pdf(document, tmp_path / "b.pdf", timeout=1)
    assert not (tmp_path / "b.pdf").exists()
    group = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 5
    while running_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_in_group(group) == []  # nothing it started is left running


def running_in_group(group: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found
