"""Each format's text and metadata, from files the tests make and from the shared corpus."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest

from briefer.core.extract import Part, extract_bytes, extract_parts
from briefer.core.extract.dates import parse_date, parse_free_date, parse_pdf_date
from briefer.core.extract.encoding import declared_html_encoding, decode
from briefer.core.extract.language import detect, normalize_tag
from briefer.core.extract.source_types import classify, parse_table
from tests.conftest import corpus_path
from tests.core.format_fixtures import (
    ARTICLE_HTML,
    make_docx,
    make_email,
    make_feed,
    make_mhtml,
    make_pdf,
)


def parts_of(data: bytes, name: str) -> dict[str, Part]:
    return {p.member: p for p in extract_parts(data, Path(name))}


# -- HTML and saved pages ---------------------------------------------------------------
def test_html_page_text_and_metadata() -> None:
    page = extract_bytes(ARTICLE_HTML.encode(), Path("page.html"))
    assert page.title == "Seoul reacts to the summit" or page.title.startswith("Seoul reacts")
    assert (page.author, page.source, page.language) == ("Min Park", "Harbour Times", "en")
    assert page.published == datetime(2023, 9, 13, 21, 0, tzinfo=UTC)
    assert page.published_raw == "2023-09-14T06:00:00+09:00"
    assert "Home | World" not in page.text
    assert (
        "Security Council resolutions." in page.text.split("\n\n")[0 if "Seoul" not in page.text[:10] else 1]
    )


def test_mhtml_single_file_page_reads_the_page_not_its_images() -> None:
    page = extract_bytes(make_mhtml(ARTICLE_HTML), Path("saved.mhtml"))
    assert page.author == "Min Park"
    assert page.url == "https://harbour.example/seoul-reacts"
    assert "cosmodrome meeting" in page.text
    assert "iVBOR" not in page.text


def test_declared_charset_is_honoured() -> None:
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "<title>Заявление</title></head><body><article><p>Министр иностранных дел заявил, что "
        "переговоры продолжатся на следующей неделе в Москве.</p></article></body></html>"
    ).encode("cp1251")
    page = extract_bytes(markup, Path("ru.html"))
    assert "Министр иностранных дел заявил" in page.text
    assert page.language == "ru"


def test_page_mislabelled_as_utf8_is_decoded_correctly() -> None:
    text = "Le ministre a déclaré à Genève que la société française était prête à négocier."
    markup = f'<html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'.encode("cp1252")
    assert text in decode(markup, declared_html_encoding(markup))
    page = extract_bytes(markup, Path("fr.html"))
    assert "société française" in page.text and "\ufffd" not in page.text


def test_bytes_invalid_in_the_declared_charset_never_crash() -> None:
    assert decode(b"caf\xc3\xa9 \xff ok", "utf-8") == "café \ufffd ok"
    assert decode(b"\xef\xbb\xbfBOM wins", "cp1251") == "BOM wins"


def test_encodings_corpus_decodes_without_replacement_characters() -> None:
    folder = corpus_path("awkward", "encodings", "charset_normalizer", "data")
    for path in sorted(folder.glob("*.txt")):
        part = parts_of(path.read_bytes(), path.name)[""]
        assert part.extracted is not None, path.name
        assert part.extracted.text.count("\ufffd") < 3, path.name


# -- PDF ----------------------------------------------------------------------------------
def test_pdf_pages_metadata_and_offsets() -> None:
    data = make_pdf(
        ["Rail convoys crossed the border at night.", "", "Page three names the Tumangang terminal."],
        title="Border Report",
        author="A. Writer",
        created="D:20230913100000+02'00'",
    )
    doc = extract_bytes(data, Path("report.pdf"))
    assert (doc.title, doc.author, doc.format) == ("Border Report", "A. Writer", "pdf")
    assert doc.published == datetime(2023, 9, 13, 8, 0, tzinfo=UTC)
    assert len(doc.pages) == 3
    where = doc.text.index("Tumangang")
    assert doc.pages[2] <= where and doc.text[doc.pages[0] :].startswith("Rail convoys")
    from briefer.core.documents import Document

    cited = Document(id="d", title="", text=doc.text, text_hash="", pages=doc.pages)
    assert cited.page_at(where) == 3 and cited.page_at(0) == 1


def test_scanned_pdf_is_reported_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFER_OCR", "0")
    part = parts_of(make_pdf(["", ""]), "scan.pdf")[""]
    assert (part.status, part.reason) == ("failed", "no text layer (scanned)")


def test_encrypted_pdf_is_reported_as_password_protected() -> None:
    path = corpus_path("awkward", "pdf", "pypdf", "resources", "encryption", "r6-user-password.pdf")
    part = parts_of(path.read_bytes(), path.name)[""]
    assert (part.status, part.reason) == ("failed", "password-protected")
    open_one = corpus_path("awkward", "pdf", "pypdf", "resources", "encryption", "r6-empty-password.pdf")
    assert parts_of(open_one.read_bytes(), open_one.name)[""].extracted is not None


def test_real_report_pdf_keeps_page_numbers() -> None:
    folder = corpus_path("news-archive", "pdf")
    path = sorted(folder.glob("*.pdf"))[0]
    doc = extract_bytes(path.read_bytes(), path)
    assert len(doc.pages) >= 2 and doc.pages == tuple(sorted(doc.pages))
    assert doc.title and doc.title != path.stem
    assert doc.published is not None and doc.language == "en"


@pytest.mark.skipif(
    __import__("shutil").which("tesseract") is None, reason="tesseract is not installed (OCR is optional)"
)
@pytest.mark.slow  # tesseract renders a page
def test_scanned_pdf_is_read_by_ocr_when_tesseract_is_installed(tmp_path: Path) -> None:
    scanned = scan_of_first_page(corpus_path("news-archive", "pdf", "IF10753.6.pdf"), tmp_path / "scan.pdf")
    assert pdfium.PdfDocument(scanned)[0].get_textpage().get_text_range() == ""  # an image only
    doc = extract_bytes(scanned.read_bytes(), scanned)
    assert "ocr" in doc.flags
    assert "ENERGY STAR Program" in doc.text
    assert doc.pages == (0,)  # one page, numbered, so excerpts can cite "p. 1"


@pytest.mark.skipif(
    __import__("shutil").which("tesseract") is None, reason="tesseract is not installed (OCR is optional)"
)
def test_ocr_that_runs_out_of_time_says_so_before_the_parse_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page tesseract cannot finish (noise found by make stress took 20 s) ends OCR within its
    budget, so the file is reported as given up rather than killed by the parse time limit."""
    from briefer.core.extract import pdf

    scanned = scan_of_first_page(corpus_path("news-archive", "pdf", "IF10753.6.pdf"), tmp_path / "scan.pdf")
    monkeypatch.setattr(pdf, "OCR_BUDGET_S", 0.05)  # far less than this page needs
    part = parts_of(scanned.read_bytes(), scanned.name)[""]
    assert (part.status, part.reason) == ("failed", "no text layer (scanned); OCR gave up after 0.05 s")


def test_ocr_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned = scan_of_first_page(corpus_path("news-archive", "pdf", "IF10753.6.pdf"), tmp_path / "scan.pdf")
    monkeypatch.setenv("BRIEFER_OCR", "0")
    part = parts_of(scanned.read_bytes(), scanned.name)[""]
    assert (part.status, part.reason) == ("failed", "no text layer (scanned)")


def scan_of_first_page(source: Path, target: Path) -> Path:
    """A PDF whose one page is a 200 dpi picture of `source`'s first page: a scan, no text layer."""
    page = pdfium.PdfDocument(source)[0]
    bitmap = page.render(scale=200 / 72, grayscale=True)
    width, height = page.get_size()
    scan = pdfium.PdfDocument.new()
    new_page = scan.new_page(width, height)
    image = pdfium.PdfImage.new(scan)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    new_page.insert_obj(image)
    new_page.gen_content()
    scan.save(str(target))
    return target


# -- Word ---------------------------------------------------------------------------------
def test_docx_paragraphs_tables_footnotes_and_core_properties(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "note.docx")
    doc = extract_bytes(path.read_bytes(), path)
    assert (doc.title, doc.author, doc.format) == ("Rail shipments to the Far East", "Ana Lyst", "docx")
    assert doc.published == datetime(2023, 10, 13, 15, 0, tzinfo=UTC)
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == "Rail shipments"
    assert "Date | Containers" in paragraphs and "2023-10-01 | 300" in paragraphs
    assert paragraphs.index("Date | Containers") < paragraphs.index("The count doubled in a week.")
    assert paragraphs[-1] == "Footnote 1: Imagery dated 1 October 2023."


def test_docx_without_core_properties_gets_no_invented_date() -> None:
    path = corpus_path("awkward", "docx", "features_test_files", "doc-no-coreprops.docx")
    part = parts_of(path.read_bytes(), path.name)[""]
    assert part.extracted is None or part.extracted.published is None


# -- e-mail -------------------------------------------------------------------------------
def test_email_message_and_its_attachments() -> None:
    data = make_email(
        subject="Seoul reacts",
        body="See the attached report and page.\n\nMin",
        attachments=[
            ("report.pdf", "application/pdf", make_pdf(["Rail convoys crossed the border."])),
            ("page.html", "text/html", ARTICLE_HTML.encode()),
            ("logo.png", "image/png", b"\x89PNG\r\n"),
        ],
    )
    parts = parts_of(data, "message.eml")
    message = parts[""].extracted
    assert message is not None
    assert (message.title, message.author, message.format) == ("Seoul reacts", "Min Park", "email")
    assert message.published == datetime(2023, 9, 13, 21, 0, tzinfo=UTC)
    assert message.text.startswith("See the attached report")
    assert parts[""].content_hash and not parts[""].key  # known by what it says, not by its Message-ID
    assert parts["report.pdf"].parent == "" and parts["report.pdf"].extracted is not None
    assert "Rail convoys" in parts["report.pdf"].extracted.text
    assert parts["page.html"].extracted is not None and parts["page.html"].extracted.author == "Min Park"
    assert (parts["logo.png"].status, parts["logo.png"].reason) == ("skipped", "unsupported format .png")


def test_html_only_email_is_converted_to_text() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Briefing"
    message["From"] = "desk@example.org"
    message.set_content("<p>First point.</p><p>Second <b>point</b>.</p>", subtype="html")
    part = parts_of(message.as_bytes(), "m.eml")[""]
    assert part.extracted is not None and part.extracted.text == "First point.\n\nSecond point."


def test_mbox_messages_are_members() -> None:
    one = make_email(subject="First", body="Artillery shells moved by rail.")
    two = make_email(subject="Second", body="From here the convoy went north.")
    mbox = b"From a@b Thu Sep 14 00:00:00 2023\n" + one + b"\nFrom c@d Thu Sep 14 00:00:00 2023\n" + two
    parts = parts_of(mbox, "box.mbox")
    assert sorted(parts) == ["1", "2"]
    assert parts["1"].extracted is not None and parts["1"].extracted.title == "First"
    assert parts["2"].extracted is not None and parts["2"].extracted.title == "Second"


def test_cpython_email_corpus_never_crashes() -> None:
    folder = corpus_path("awkward", "eml", "cpython_test_email")
    for path in sorted(folder.glob("*.eml")):
        parts = list(extract_parts(path.read_bytes(), path))
        assert parts and all(p.extracted is not None or p.reason for p in parts), path.name


# -- feeds ----------------------------------------------------------------------------------
def test_feed_entries_become_documents() -> None:
    parts = parts_of(
        make_feed([("e1", "Kim arrives", "Kim arrived by train."), ("e2", "Talks", "Talks began.")]),
        "wire.rss",
    )
    assert sorted(parts) == ["e1", "e2"]
    entry = parts["e1"].extracted
    assert entry is not None
    assert (entry.title, entry.text, entry.source, entry.author) == (
        "Kim arrives",
        "Kim arrived by train.",
        "Northern Wire Service",
        "desk@northernwire.example (Oskar Brandt)",
    )
    assert entry.url == "https://northernwire.example/e1"
    assert entry.published == datetime(2023, 9, 13, 8, 0, tzinfo=UTC)
    assert entry.source_type == "wire service"
    assert parts["e1"].key == "feed-entry:e1"


def test_xml_that_is_not_a_feed_is_unsupported() -> None:
    part = parts_of(b"<?xml version='1.0'?><catalog><book/></catalog>", "books.xml")[""]
    assert (part.status, part.reason) == ("skipped", "unsupported format .xml (not an RSS or Atom feed)")


def test_real_state_department_feed() -> None:
    folder = corpus_path("state-dept", "feeds")
    path = sorted(folder.iterdir())[0]
    parts = list(extract_parts(path.read_bytes(), path))
    assert len(parts) >= 5
    first = parts[0].extracted
    assert first is not None and first.source_type == "government" and first.published is not None


# -- zip ----------------------------------------------------------------------------------
def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_members_are_read_in_memory_each_with_its_status() -> None:
    data = make_zip(
        {
            "pages/page.html": ARTICLE_HTML.encode(),
            "notes.txt": b"Title: Notes\n\nShells moved by rail.\n",
            "inner.zip": make_zip({"a.txt": b"hidden"}),
            "bomb.txt": b"\0" * (3 * 1024 * 1024),
            "picture.jpg": b"\xff\xd8\xff",
            "__MACOSX/._page.html": b"junk",
        }
    )
    parts = parts_of(data, "bundle.zip")
    assert "" not in parts  # the archive itself is no document
    assert parts["pages/page.html"].extracted is not None
    assert parts["notes.txt"].extracted is not None and parts["notes.txt"].extracted.title == "Notes"
    assert (parts["inner.zip"].status, parts["inner.zip"].reason) == (
        "skipped",
        "nested archive (not opened)",
    )
    assert parts["bomb.txt"].status == "failed" and "compression ratio" in parts["bomb.txt"].reason
    assert parts["picture.jpg"].status == "skipped"
    assert not any(name.startswith("__MACOSX") for name in parts)


def test_broken_zip_fails_with_a_reason() -> None:
    part = parts_of(b"PK\x03\x04 not really", "broken.zip")[""]
    assert part.status == "failed" and "zip" in part.reason


# -- dates, languages, source types ------------------------------------------------------------
def test_dates_are_utc_and_never_invented() -> None:
    assert parse_date("2023-09-14T06:00:00+09:00") == datetime(2023, 9, 13, 21, 0, tzinfo=UTC)
    assert parse_date("Mon, 21 Mar 2022 23:02:48 +0000") == datetime(2022, 3, 21, 23, 2, 48, tzinfo=UTC)
    assert parse_pdf_date("D:20220414132421+05'24'") == datetime(2022, 4, 14, 8, 0, 21, tzinfo=UTC)
    assert parse_free_date("September 13, 2023") == datetime(2023, 9, 13, tzinfo=UTC)
    for nonsense in ("next week", "2023", "soon", "D:garbage", "99/99/9999", ""):
        assert parse_free_date(nonsense) is None, nonsense
        assert parse_pdf_date(nonsense) is None, nonsense


def test_language_declared_or_detected() -> None:
    assert normalize_tag("en-US") == "en" and normalize_tag("English") == "en" and normalize_tag("zxx") == ""
    assert detect("Le ministre des affaires étrangères a déclaré que les négociations reprendraient.") == "fr"
    assert detect("Der Außenminister sagte, die Verhandlungen würden nächste Woche fortgesetzt.") == "de"
    assert detect("OK 42") == ""  # too short to tell


def test_source_types_from_domains_and_outlet_names() -> None:
    assert classify("https://www.state.gov/briefings/x/", "") == "government"
    assert classify("https://foo.house.gov/news", "") == "government"  # the .gov suffix rule
    assert classify("", "Reuters") == "wire service"
    assert classify("", "KCNA") == "state media"
    assert classify("https://www.csis.org/analysis/x", "") == "think tank"
    assert classify("https://unknown.example/x", "Unknown Gazette") == ""
    table = parse_table("# comment\nmy.example\tnews\nMy Outlet\tthink tank/research\nbad line\n")
    assert table.classify("https://a.my.example/", "") == "news"
    assert table.classify("", "my outlet") == "think tank"
