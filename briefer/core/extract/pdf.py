"""PDF: the text of each page via pypdfium2, page starts kept for "p. 7" citations.

pypdfium2 is fast but not thread-safe; the importer runs extractors in worker
processes, one file at a time each, and a module lock guards in-process use.
Encrypted files and files without a text layer are reported as such.  When
`tesseract` is installed, pages without text are read by OCR and the document
is flagged "ocr"; it is never required.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefer.core.documents import Extracted
from briefer.core.extract.dates import parse_pdf_date
from briefer.core.extract.errors import ExtractionError
from briefer.core.textnorm import normalize

_LOCK = threading.Lock()  # PDFium is not thread-safe
MIN_TEXT_CHARS = 5  # fewer characters than this in the whole file: no text layer
OCR_TIMEOUT_S = 20.0  # one page
# All pages together: well under the per-file parse time limit (30 s, 20 s in make stress), so a
# page tesseract cannot read (noise, a damaged image) ends as "OCR gave up", not as a killed parser.
OCR_BUDGET_S = 12.0
OCR_MAX_PAGES = 30
OCR_DPI = 200
OCR_MAX_PIXELS = 100_000_000  # a page larger than this at OCR_DPI (about 35 x 35 inches) is not read
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_LINE = re.compile(
    rf"^((updated|revised|published|posted|dated?)\b|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}$|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}$)",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "?", "!", ":", '"', "\u201d")
OCR_ENV = "BRIEFER_OCR"  # "0" turns OCR off even when tesseract is installed


def _pdfium() -> Any:
    import pypdfium2  # type: ignore[import-untyped]  # loaded on first use: only PDFs need it

    return pypdfium2


def extract(data: bytes, path: Path) -> Extracted:
    pdfium = _pdfium()
    with _LOCK:
        try:
            return _extract(data, path)
        except pdfium.PdfiumError as exc:  # a damaged file PDFium opened but cannot read through
            raise ExtractionError(f"not a readable PDF ({exc})") from exc


def _open(data: bytes) -> Any:
    pdfium = _pdfium()
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise ExtractionError("password-protected") from exc
        raise ExtractionError(f"not a readable PDF ({exc})") from exc


def _page_raw_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_range())
    finally:
        textpage.close()


def _paragraphs(raw: str) -> str:
    """Page text in paragraphs: a blank line, or a short line that ends a sentence, ends one."""
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lengths = sorted(len(line) for line in lines if line)
    typical = lengths[len(lengths) * 3 // 4] if lengths else 0
    # Each block is a list of lines, each line a list of pieces: a word hyphenated across lines
    # joins the next line's piece to it (joined once at the end: adding to a string, line after
    # line, copied it each time).
    blocks: list[list[list[str]]] = [[]]
    for line in lines:
        current = blocks[-1]
        if not line:
            if current:
                blocks.append([])
            continue
        if current and current[-1][-1].endswith("-") and line[:1].islower():
            current[-1][-1] = current[-1][-1][:-1]  # a word hyphenated across lines
            current[-1].append(line)
            continue
        current.append([line])
        if line.endswith(_SENTENCE_END) and len(line) < 0.8 * typical:
            blocks.append([])
    return "\n\n".join(" ".join("".join(pieces) for pieces in block) for block in blocks if block)


def _extract(data: bytes, path: Path) -> Extracted:
    pdfium = _pdfium()
    pdf = _open(data)
    try:
        texts: list[str] = []
        first_lines: list[str] = []
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError:  # a damaged page: the others are still worth reading
                texts.append("")
                continue
            try:
                raw = _page_raw_text(page)
            finally:
                page.close()
            if not first_lines:
                first_lines = [line.strip() for line in raw.splitlines()[:12] if line.strip()]
            texts.append(normalize(_paragraphs(raw)))
        meta = {k: str(v).replace("\x00", "").strip() for k, v in pdf.get_metadata_dict().items() if v}
        flags: tuple[str, ...] = ()
        if sum(len(t) for t in texts) < MIN_TEXT_CHARS:
            ocr = _ocr_pages(pdf) if _ocr_available() else None
            if ocr is None or sum(len(t) for t in ocr.texts) < MIN_TEXT_CHARS:
                raise ExtractionError(
                    "no text layer (scanned)" + ("" if ocr is None else f"; {ocr.why_not()}")
                )
            texts, flags = ocr.texts, ("ocr",)
    finally:
        pdf.close()
    text, pages = _join_pages(texts)
    raw_date = meta.get("CreationDate", "") or meta.get("ModDate", "")
    title = meta.get("Title", "")
    if _placeholder_title(title, path):
        title = ""
    return Extracted(
        text=text,
        title=title or _title_from_lines(first_lines) or path.stem,
        author=meta.get("Author", ""),
        published=parse_pdf_date(raw_date) if raw_date else None,
        published_raw=raw_date,
        format="pdf",
        pages=pages,
        flags=flags,
    )


def _join_pages(texts: list[str]) -> tuple[str, tuple[int, ...]]:
    """One normalized text and the offset where each page starts.

    An empty page starts where the next one does.
    """
    starts = []
    offset = 0
    kept: list[str] = []
    for page_text in texts:
        if kept and page_text:
            offset += 2  # the paragraph break between pages
        starts.append(offset)
        if page_text:
            kept.append(page_text)
            offset += len(page_text)
    return "\n\n".join(kept), tuple(starts)


def _placeholder_title(title: str, path: Path) -> bool:
    """Titles that name a tool or a file, not the document ("Microsoft Word - draft.docx", "untitled")."""
    lowered = title.lower()
    return (
        not title
        or lowered in {"untitled", "untitled document", "title", "model", path.stem.lower()}
        or lowered.startswith("microsoft word - ")
        or lowered.endswith((".pdf", ".doc", ".docx"))
    )


def _title_from_lines(lines: list[str]) -> str:
    """The first line of page 1 that reads like a title: not an address, a date line or a number."""
    for line in lines:
        if "://" in line or line.lower().startswith("www.") or _DATE_LINE.match(line):
            continue
        if len(line.split()) >= 2 and any(ch.isalpha() for ch in line):
            return " ".join(line.split())[:200]
    return ""


def _ocr_available() -> bool:
    return os.environ.get(OCR_ENV, "1") != "0" and shutil.which("tesseract") is not None


@dataclass
class _Ocr:
    """What OCR read: the text of each page ("" for a page it could not read), and why not."""

    texts: list[str] = field(default_factory=list)
    gave_up: bool = False  # the time budget ran out
    too_large: list[int] = field(default_factory=list)  # pages (from 1) too large to render

    def why_not(self) -> str:
        if self.gave_up:
            return f"OCR gave up after {OCR_BUDGET_S:g} s"
        if self.too_large:
            pages = ", ".join(map(str, self.too_large[:5])) + (", ..." if len(self.too_large) > 5 else "")
            return f"page{'s' if len(self.too_large) > 1 else ''} {pages} too large to OCR"
        return "OCR found no text"


def _ocr_pages(pdf: Any) -> _Ocr:
    """Text of each page by tesseract on a 200 dpi rendering, within the time budget (the pages
    after it ran out are ""); a page whose rendering would exceed OCR_MAX_PIXELS is not rendered."""
    found = _Ocr()
    deadline = time.monotonic() + OCR_BUDGET_S
    with tempfile.TemporaryDirectory(prefix="briefer-ocr-") as tmp:
        for index in range(min(len(pdf), OCR_MAX_PAGES)):
            left = deadline - time.monotonic()
            if left <= 0:
                found.gave_up = True
                break
            image = _render_page(pdf, index, Path(tmp, f"page-{index}.pgm"))
            if image is None:
                found.too_large.append(index + 1)
                found.texts.append("")
                continue
            try:
                done = subprocess.run(
                    ["tesseract", str(image), "-", "--psm", "3"],
                    capture_output=True,
                    timeout=min(OCR_TIMEOUT_S, left),
                    check=False,
                    # One thread: the parse workers already use every core, and tesseract's
                    # OpenMP threads spin against them (a page took 20 s instead of 3).
                    env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                )
                found.texts.append(normalize(_paragraphs(done.stdout.decode("utf-8", "replace"))))
            except subprocess.TimeoutExpired:
                found.texts.append("")
                found.gave_up = True
                break
            except OSError:
                found.texts.append("")
            finally:
                image.unlink(missing_ok=True)
    found.texts += [""] * (len(pdf) - len(found.texts))
    return found


def _render_page(pdf: Any, index: int, target: Path) -> Path | None:
    """Page `index` rendered to a greyscale PGM at OCR_DPI, or None when that would be more than
    OCR_MAX_PIXELS (a 474-byte PDF with a huge page needed 6.3 GB for it)."""
    page = pdf[index]
    try:
        width, height = page.get_size()  # points
        scale = OCR_DPI / 72
        if abs(width * scale) * abs(height * scale) > OCR_MAX_PIXELS:
            return None
        bitmap = page.render(scale=scale, grayscale=True)
        _write_pgm(bitmap, target)
        return target
    finally:
        page.close()


def _write_pgm(bitmap: Any, target: Path) -> None:
    """A greyscale bitmap as a binary PGM, which tesseract reads without any image library.

    Written row by row from PDFium's buffer: copies of the whole image (a bytes of the buffer,
    the rows joined, the header added) made a large page cost four times its size.
    """
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    pixels = memoryview(bitmap.buffer).cast("B")
    with target.open("wb") as out:
        out.write(b"P5\n%d %d\n255\n" % (width, height))
        if stride == width:
            out.write(pixels[: width * height])
            return
        for y in range(height):
            out.write(pixels[y * stride : y * stride + width])
