"""Hostile input: random and adversarial text through the query parser, the importers, the briefing
file and the Word export; mutated real files through the import's parser workers; no network, no
scripts, no entity expansion.

Small versions of the fuzzing in tests/stress/run.py (`make stress`).
"""

from __future__ import annotations

import contextlib
import copy
import http.server
import io
import os
import random
import socketserver
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import docx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as hs

from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import BriefingError, BulletList, KeyJudgment, Paragraph
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from briefer.core.extract import extract_parts
from briefer.core.search.query import QueryError
from tests.conftest import CORPUS, corpus_path
from tests.fault_support import STRESS_ONLY, fuzz_importers, fuzz_seeds

SEED = int(os.environ.get("BRIEFER_FAULT_SEED", "0")) or random.randrange(1 << 30)
SCALE = int(os.environ.get("BRIEFER_FUZZ_SCALE", "1"))  # make stress runs every property 20 times longer


def examples(count: int) -> Any:
    return settings(max_examples=count * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


FEW = examples(40)

# Any Unicode, control characters, lone surrogates and private use included.
ANY_TEXT = hs.text(alphabet=hs.characters(codec=None, exclude_categories=()), max_size=200)
NASTY = hs.sampled_from(
    [
        "", "\x00", "\ufeff", "\u202e", "\ud800", "\udfff", "&amp;", "&#0;", "&#x110000;", "&nbsp;",
        "]]>", "<![CDATA[", "-->", "<!--", "\r\n", "\u2028", "%", "%s", "{0}", "\\", "'", '"', "`",
        "\U0001f680" * 50, "a" * 5000, "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "Ω≈ç√∫", "\t\v\f",
    ]
)  # fmt: skip
TEXT = hs.one_of(ANY_TEXT, NASTY, hs.lists(NASTY, max_size=6).map("".join))


def check_parts(data: bytes, name: str) -> None:
    """Whatever the file holds: no exception, and every part is a document or says why not."""
    parts = list(extract_parts(data, Path(name)))
    assert parts
    for part in parts:
        if part.extracted is None:
            assert part.status in ("failed", "skipped") and part.reason, part
            continue
        for value in (part.extracted.text, part.extracted.title, part.extracted.author, part.extracted.url):
            value.encode("utf-8")  # the catalog stores it as UTF-8: no lone surrogates


# -- the query parser ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("desk")
    for n, words in enumerate(["artillery shells by rail", "satellite launch", "sanctions on brokers"]):
        (folder / f"a{n}.txt").write_text(f"Title: Report {n}\n\n{words} in 2023.\n", encoding="utf-8")
    with Archive(tmp_path_factory.mktemp("data")) as archive:
        archive.import_paths([folder])
        yield archive


QUERY_PIECES = hs.sampled_from(
    ["(", ")", '"', "*", "?", "~", "~2", "^", ":", "title:", "published:", "[", "]", "{", "}", "to",
     "AND", "OR", "NOT", "-", "+", "\\", "/", "tag:", ">", "<", "2023-", "..", "*a*", "\x00", "\u3000"]
)  # fmt: skip


@examples(100)
@given(hs.one_of(ANY_TEXT, hs.lists(hs.one_of(QUERY_PIECES, ANY_TEXT), max_size=10).map("".join)))
def test_any_text_as_a_query_gives_results_or_an_explanation(desk: Archive, text: str) -> None:
    try:
        results = desk.search(text)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert results.total >= len(results.hits)


# -- the importers, file by file ----------------------------------------------------------------------
def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


@hs.composite
def html_pages(draw: hs.DrawFn) -> str:
    tags = [
        "p",
        "div",
        "script",
        "style",
        "iframe",
        "table",
        "td",
        "a",
        "img",
        "meta",
        "title",
        "svg",
        "math",
    ]
    pieces = []
    for _ in range(draw(hs.integers(0, 12))):
        tag = draw(hs.sampled_from(tags))
        attrs = draw(
            hs.sampled_from(
                [
                    "",
                    ' charset="x-unknown"',
                    " src=x onerror=alert(1)",
                    ' href="javascript:1"',
                    ' content="2023-99-99"',
                    ' lang="\u202e"',
                    " property=og:title content",
                ]
            )
        )
        inner = draw(TEXT)
        closing = draw(hs.sampled_from([f"</{tag}>", "", "</p></div></body>"]))
        pieces.append(f"<{tag}{attrs}>{draw(hs.sampled_from([inner, _escape(inner)]))}{closing}")
    head = draw(hs.sampled_from(["", "<!DOCTYPE html>", "\ufeff", '<?xml version="1.0" encoding="x"?>']))
    return head + "<html><head>" + "".join(pieces[:3]) + "</head><body>" + "".join(pieces[3:])


@FEW
@given(html_pages(), hs.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_any_html_page_is_read_or_refused_with_a_reason(page: str, encoding: str) -> None:
    check_parts(
        page.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace"), "page.html"
    )


@hs.composite
def feeds(draw: hs.DrawFn) -> str:
    atom = draw(hs.booleans())
    fields = {
        name: draw(hs.sampled_from([draw(TEXT), _escape(draw(TEXT))])) for name in ("t", "d", "l", "p", "i")
    }
    doctype = draw(
        hs.sampled_from(["", '<!DOCTYPE rss [<!ENTITY e "entity text">]>', "<!DOCTYPE x SYSTEM 'x.dtd'>"])
    )
    entries = draw(hs.integers(0, 3))
    if atom:
        entry = (
            f'<entry><title>{fields["t"]}</title><id>{fields["i"]}</id><link href="{fields["l"]}"/>'
            f'<updated>{fields["p"]}</updated><content type="html">{fields["d"]}</content></entry>'
        )
        body = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{fields["t"]}</title>{entry * entries}</feed>'
        )
    else:
        item = (
            f"<item><title>{fields['t']}</title><guid>{fields['i']}</guid><link>{fields['l']}</link>"
            f"<pubDate>{fields['p']}</pubDate><description>{fields['d']}</description></item>"
        )
        body = f"<rss><channel><title>{fields['t']}</title>{item * entries}</channel></rss>"
    cut = draw(hs.integers(0, len(body)))
    return '<?xml version="1.0"?>' + doctype + (body if draw(hs.booleans()) else body[:cut])


@FEW
@given(feeds(), hs.sampled_from(["feed.rss", "feed.atom", "feed.xml"]))
def test_any_feed_is_read_or_refused_with_a_reason(feed: str, name: str) -> None:
    check_parts(feed.encode("utf-8", "surrogatepass"), name)


@hs.composite
def emails(draw: hs.DrawFn) -> bytes:
    headers = [
        f"{name}: {draw(TEXT)}".replace("\n", " ") for name in ("Subject", "From", "Date", "Message-ID")
    ]
    charset = draw(hs.sampled_from(["utf-8", "x-unknown", "iso-2022-jp", "", "utf-7"]))
    encoding = draw(hs.sampled_from(["7bit", "base64", "quoted-printable", "x-uuencode", "8bit"]))
    kind = draw(
        hs.sampled_from(["text/plain", "text/html", "multipart/mixed", "message/rfc822", "application/pdf"])
    )
    body = draw(TEXT)
    if kind == "multipart/mixed":
        attachment = draw(
            hs.sampled_from(["report.pdf", "page.html", "x.docx", "inner.eml", "../../etc/passwd", ""])
        )
        body = (
            f"--B\nContent-Type: text/plain; charset={charset}\n\n{body}\n--B\n"
            "Content-Type: application/octet-stream\n"
            f'Content-Disposition: attachment; filename="{attachment}"\n'
            f"Content-Transfer-Encoding: {encoding}\n\n{draw(TEXT)}\n--B--"
            + draw(hs.sampled_from(["", "\n--B"]))
        )
        kind = "multipart/mixed; boundary=B"
    message = (
        "\n".join(headers)
        + f"\nContent-Type: {kind}; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n{body}"
    )
    return message.encode("utf-8", "surrogatepass")


@FEW
@given(emails(), hs.sampled_from(["m.eml", "box.mbox"]))
def test_any_email_is_read_or_refused_with_a_reason(message: bytes, name: str) -> None:
    check_parts(
        (b"From a@b Sat Jan  1 00:00:00 2000\n" + message) if name.endswith(".mbox") else message, name
    )


def _blank_docx() -> dict[str, bytes]:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


_DOCX = _blank_docx()
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_file(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, content in {**_DOCX, **parts}.items():
            package.writestr(name, content)
    return buffer.getvalue()


@FEW
@given(hs.lists(TEXT, max_size=5), hs.sampled_from(["escaped", "raw", "core"]))
def test_any_word_file_is_read_or_refused_with_a_reason(texts: list[str], how: str) -> None:
    runs = "".join(f"<w:p><w:r><w:t>{_escape(t) if how != 'raw' else t}</w:t></w:r></w:p>" for t in texts)
    document = f'<?xml version="1.0"?><w:document {_W}><w:body>{runs}</w:body></w:document>'
    parts = {"word/document.xml": document.encode("utf-8", "surrogatepass")}
    if how == "core":  # hostile core properties instead
        title = _escape("".join(texts))
        parts["docProps/core.xml"] = (
            '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
            f'"http://purl.org/dc/terms/"><dc:title>{title}</dc:title><dcterms:created>{title}</dcterms:created>'
            "</cp:coreProperties>"
        ).encode("utf-8", "surrogatepass")
    check_parts(word_file(parts), "file.docx")


# -- the briefing file and the Word export ---------------------------------------------------------
def _valid_briefing_dict() -> dict[str, Any]:
    briefing = templates.new_briefing(templates.load("assessment"), title="Fuzzed")
    doc = Document(id="d1", title="Source", text="Some quoted text from a source.", text_hash="")
    edits.add_block(briefing, "analysis", excerpt_from_span(doc, 0, 10))
    edits.add_block(briefing, "analysis", BulletList(["one", "two"]))
    return codec.to_dict(briefing)


JSON_VALUES = hs.recursive(
    hs.none() | hs.booleans() | hs.integers() | hs.floats(allow_nan=True) | TEXT,
    lambda inner: hs.lists(inner, max_size=3) | hs.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    )
    for key, child in children:
        yield from _paths(child, (*here, key))


@examples(100)
@given(hs.data())
def test_a_damaged_briefing_file_is_refused_with_a_reason_never_a_crash(data: hs.DataObject) -> None:
    briefing = copy.deepcopy(_VALID)
    for _ in range(data.draw(hs.integers(1, 4))):
        where = data.draw(hs.sampled_from(sorted(_paths(briefing), key=repr)))
        if not where:
            continue
        parent = briefing
        for key in where[:-1]:
            parent = parent[key]
        if data.draw(hs.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)
    try:
        loaded = codec.from_dict(briefing)
    except BriefingError as exc:
        assert str(exc)
        return
    storage.dumps(loaded)  # what loads can be saved again


_VALID = _valid_briefing_dict()


@hs.composite
def briefings(draw: hs.DrawFn) -> Any:
    briefing = templates.new_briefing(templates.load(draw(hs.sampled_from(["assessment", "spot", "policy"]))))
    meta = briefing.metadata
    meta.title, meta.author, meta.product_number = draw(TEXT), draw(TEXT), draw(TEXT)
    meta.keywords = draw(hs.lists(TEXT, max_size=3))
    meta.tlp = draw(hs.sampled_from(["", "CLEAR", "GREEN", "AMBER", "RED"]))
    sections = [s.id for s in briefing.sections]
    for _ in range(draw(hs.integers(0, 6))):
        section = draw(hs.sampled_from(sections))
        kind = draw(hs.sampled_from(["paragraph", "judgment", "bullets", "excerpt"]))
        text = draw(TEXT) or "x"
        if kind == "paragraph":
            block: Any = Paragraph(text)
        elif kind == "judgment":
            block = KeyJudgment(text, draw(hs.sampled_from([None, "likely", "almost certain"])))
        elif kind == "bullets":
            block = BulletList(draw(hs.lists(TEXT, max_size=4)))
        else:
            url = draw(hs.sampled_from(["", "javascript:alert(1)", "http://x/\u202e", draw(TEXT)]))
            when = draw(
                hs.sampled_from([None, datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)])
            )
            doc = Document(
                id=draw(hs.sampled_from(["d1", "d2", "d\x00"])), title=draw(TEXT), text=text, text_hash="",
                source=draw(TEXT), url=url, published=when,
            )  # fmt: skip
            block = doc
        with contextlib.suppress(BriefingError):  # a blank quote, a block this section does not take
            if isinstance(block, Document):
                block = excerpt_from_span(block, 0, len(block.text))
            edits.add_block(briefing, section, block)
    return briefing


@examples(12)
@given(briefings())
def test_any_briefing_exports_a_document_python_docx_opens(briefing: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "b.docx"
        try:
            export_docx(briefing, out)
        except BriefingError as exc:  # refused (markings), with a reason, and nothing written
            assert str(exc) and not out.exists()
            event("refused")
            return
        event("exported")
        document = docx.Document(str(out))
        assert document.paragraphs
        path = Path(folder) / "b.briefing"  # and the briefing itself survives its own file
        storage.save(briefing, path)
        assert codec.to_dict(storage.load(path)) == codec.to_dict(briefing)


def test_lone_surrogates_side_by_side_survive_the_briefing_file(tmp_path: Path) -> None:
    briefing = templates.new_briefing(templates.load("spot"))
    edits.add_block(briefing, "assessment", Paragraph("\ud800\udc00"))
    storage.save(briefing, tmp_path / "b.briefing")
    assert codec.to_dict(storage.load(tmp_path / "b.briefing")) == codec.to_dict(briefing)


# -- mutated real files through the import's workers -----------------------------------------------------
@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_mutated_real_files_never_crash_or_hang_a_parser(tmp_path: Path) -> None:
    corpus_path("awkward")
    rng = random.Random(SEED)
    print(f"random seed: BRIEFER_FAULT_SEED={SEED}")
    report = fuzz_importers(fuzz_seeds(CORPUS), 100, rng, budget=90, time_limit=20, keep=tmp_path)
    print(f"{report.cases} cases in {report.seconds:.0f} s: {report.outcomes}")
    assert report.cases >= 50, "too slow: the time budget ran out"
    assert report.findings == []


# -- no network, no scripts, no entity expansion -------------------------------------------------------
class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = b'<!ENTITY e "FETCHED-ENTITY">' if self.path.endswith(".dtd") else b"FETCHED-CONTENT"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A loopback HTTP server that records every request: even libxml2's own fetches would show."""
    _Recorder.requests = []
    with socketserver.TCPServer(("127.0.0.1", 0), _Recorder) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)


def hostile_files(url: str, secret: Path) -> dict[str, bytes]:
    """Files that try to read a local file, fetch from `url`, run a script or expand entities."""
    outside = f'<!ENTITY x SYSTEM "file://{secret}"><!ENTITY y SYSTEM "{url}/entity">'
    item = "<item><title>i &x; &y; &lol9;</title><description>body &x; &y; &lol9; words</description></item>"
    rss = f"<rss><channel><title>t</title>{item}</channel></rss>"
    paragraph = "<w:p><w:r><w:t>a &x; b &y; c</w:t></w:r></w:p>"
    w_body = f"<w:document {_W}><w:body>{paragraph}</w:body></w:document>"
    xml = '<?xml version="1.0"?>'
    page = (
        f'<html><head><title>T</title><link rel="stylesheet" href="{url}/css">'
        f'<script src="{url}/js"></script><script>document.write("INJECTED")</script>'
        f'<meta http-equiv="refresh" content="0;url={url}/refresh"></head><body>'
        f'<img src="{url}/img" onerror="document.write(\'INJECTED\')"><iframe src="{url}/frame">'
        f'</iframe><object data="{url}/object"></object><p>The page itself says enough words to be an '
        "article worth keeping, with a second sentence for good measure.</p></body></html>"
    )
    image = (
        '<Relationship Id="rX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'image" Target="{url}/image" TargetMode="External"/></Relationships>'
    )
    rels = "word/_rels/document.xml.rels"
    remote = f'<!DOCTYPE rss SYSTEM "{url}/feed.dtd"><?xml-stylesheet href="{url}/x.xsl"?>'
    xhtml = "<html><body><p>&x; &y; &lol9;</p></body></html>"
    laughs = w_body.replace("&x;", "&lol9;")
    return {
        "xxe.rss": f"{xml}<!DOCTYPE rss [{outside}{LAUGHS}]>{rss}".encode(),
        "dtd.rss": f"{xml}{remote}{rss}".encode(),
        "xxe.xhtml": f"{xml}<!DOCTYPE html [{outside}{LAUGHS}]>{xhtml}".encode(),
        "page.html": page.encode(),
        "mail.eml": f"Subject: s\nContent-Type: text/html\n\n{page}".encode(),
        "xxe.docx": word_file(
            {"word/document.xml": f"{xml}<!DOCTYPE w:document [{outside}]>{w_body}".encode()}
        ),
        "laughs.docx": word_file(
            {"word/document.xml": f"{xml}<!DOCTYPE w:document [{LAUGHS}]>{laughs}".encode()}
        ),
        "remote.docx": word_file({rels: _DOCX[rels].replace(b"</Relationships>", image.encode())}),
    }


def test_importers_fetch_nothing_run_no_script_and_expand_no_entity(server: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-FILE-CONTENT", encoding="utf-8")
    for name, data in hostile_files(server, secret).items():
        started = time.monotonic()
        parts = list(extract_parts(data, Path(name)))
        assert time.monotonic() - started < 10, f"{name}: entity expansion took too long"
        for part in parts:
            if part.extracted is None:
                continue
            seen = part.extracted.text + part.extracted.title
            for leak in ("SECRET-FILE-CONTENT", "FETCHED", "INJECTED", "lollollol"):
                assert leak not in seen, f"{name}: {leak} in {seen[:200]!r}"
            assert len(seen) < 10_000, f"{name}: {len(seen)} characters: an entity was expanded"
    assert _Recorder.requests == [], "an importer fetched something"


@STRESS_ONLY
def test_a_whole_import_of_hostile_files_fetches_nothing(server: str, tmp_path: Path) -> None:
    """The same files through a real import: parser workers, catalog, index."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-FILE-CONTENT", encoding="utf-8")
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, data in hostile_files(server, secret).items():
        (folder / name).write_bytes(data)
    with Archive(tmp_path / "data") as archive:
        summary = archive.import_paths([folder], time_limit=20)
        assert summary.counts["imported"] >= 4
        assert not [o for o in summary.outcomes if "time limit" in o.reason or "crashed" in o.reason]
        for leak in ("SECRET", "FETCHED", "INJECTED"):
            assert archive.search(leak).total == 0
    assert _Recorder.requests == []


def test_a_pdf_page_pdfium_cannot_load_costs_that_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the fuzzing: a damaged page raised PdfiumError out of the extractor."""
    import pypdfium2

    from tests.core.format_fixtures import make_pdf

    data = make_pdf(["First page text about the convoy.", "Second page text about the launch."])
    real = pypdfium2.PdfDocument.__getitem__

    def second_page_broken(self: Any, index: int) -> Any:
        if index == 1:
            raise pypdfium2.PdfiumError("Failed to load page.")
        return real(self, index)

    monkeypatch.setattr(pypdfium2.PdfDocument, "__getitem__", second_page_broken)
    (part,) = extract_parts(data, Path("report.pdf"))
    assert part.extracted is not None and "convoy" in part.extracted.text
    assert len(part.extracted.pages) == 2  # page numbers stay right for citations
    monkeypatch.setattr(
        pypdfium2.PdfDocument, "__len__", lambda self: (_ for _ in ()).throw(pypdfium2.PdfiumError("x"))
    )
    (part,) = extract_parts(data, Path("report.pdf"))
    assert part.status == "failed" and part.reason.startswith("not a readable PDF")


def test_a_word_file_with_a_damaged_compressed_part_is_refused_with_a_reason() -> None:
    """Found by make stress: zlib's error escaped the Word extractor."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in _DOCX.items():
            package.writestr(name, content)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8  # not a deflate stream any more
    (part,) = extract_parts(bytes(data), Path("damaged.docx"))
    assert part.status == "failed" and part.reason.startswith("not a readable Word file")


@pytest.mark.parametrize(
    "query", ['@published:"0000"', '/published:"000:"', 'x.published:""', "0\ud800*", "artil\ud800lery"]
)
def test_queries_found_by_make_stress_are_explained_not_crashed(desk: Archive, query: str) -> None:
    """A date field glued to a symbol reached Whoosh's own date parser unchecked (ValueError, bare
    Exception); a lone surrogate broke the encoding of wildcard terms (UnicodeEncodeError)."""
    try:
        desk.search(query)
    except QueryError as exc:
        assert "published" in str(exc) or "no words" in str(exc)
