"""PDF: the text of each page via pypdfium2, page starts kept for "p. 7" citations.

Each page is read as lines with their height on the page and their font, which `pdf_layout`
turns into paragraphs without running headers and footers, and `pdf_metadata` reads for the
outlet, title and date the document info lacks.

pypdfium2 is fast but not thread-safe; the importer runs extractors in worker
processes, one file at a time each, and a module lock guards in-process use.
Encrypted files and files without a text layer are reported as such.  When
`tesseract` is installed, pages without text are read by OCR and the document
is flagged "ocr"; it is never required.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from briefer.core.documents import Extracted
from briefer.core.extract import pdf_metadata
from briefer.core.extract.dates import parse_free_date, parse_pdf_date
from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.pdf_layout import SOFT_HYPHEN, Line, Page, layout
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
_DATE_WORD = re.compile(r"^(updated|revised|published|posted|dated?)\b:?", re.IGNORECASE)
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


_LINE = re.compile(r"[^\r\n]*(\r\n|\r|\n|$)")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts
BOLD_WEIGHT = 600
RUN_IN_MAX = 120  # characters: a bold lead longer than this is no run-in heading


def _read_page(page: Any, bold_names: dict[bytes, bool]) -> Page:
    """A page's lines, each with its baseline height and font (see `pdf_layout`)."""
    textpage = page.get_textpage()
    try:
        text = str(textpage.get_text_range())
        # Positions come by character index: only when the text has one character per index
        # (a character outside the BMP takes two), else the lines go without them.
        chars = _Chars(textpage.raw, bold_names) if textpage.count_chars() == len(text) else None
        lines = [
            _line(chars, match.start(), match.group().rstrip("\r\n"))
            for match in _LINE.finditer(text)
            if match.group()
        ]
        _, bottom, _, top = page.get_bbox()
        return Page(lines, height=float(top - bottom), bottom=float(bottom))
    finally:
        textpage.close()


FONT_NAME_BYTES = 128  # a longer font name is not read (it says nothing about boldness then)


class _Chars:
    """The position and font of a text page's characters, by index.

    Asked for a few characters of every line: each question is one call into PDFium, with the
    buffers made once per page and a font name's boldness worked out once per document.
    """

    def __init__(self, textpage: Any, bold_names: dict[bytes, bool]) -> None:
        raw = _pdfium().raw
        self._page = textpage
        self._origin, self._size, self._weight = (
            raw.FPDFText_GetCharOrigin, raw.FPDFText_GetFontSize, raw.FPDFText_GetFontWeight,
        )  # fmt: skip
        self._font_info = raw.FPDFText_GetFontInfo
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._name, self._flags = ctypes.create_string_buffer(FONT_NAME_BYTES), ctypes.c_int()
        self._bold_names = bold_names  # font name -> bold, shared by a document's pages

    def baseline(self, index: int) -> float | None:
        return float(self._y.value) if self._origin(self._page, index, self._x, self._y) else None

    def size(self, index: int) -> float:
        return float(self._size(self._page, index))

    def bold(self, index: int) -> bool:
        weight = int(self._weight(self._page, index))
        return weight >= BOLD_WEIGHT if weight > 0 else self._bold_name(index)

    def _bold_name(self, index: int) -> bool:
        """For a font without a stated weight (the standard "Helvetica-Bold" often has none)."""
        length = self._font_info(self._page, index, self._name, FONT_NAME_BYTES, self._flags)
        # PDFium leaves the buffer alone when the name does not fit (it would hold the last one).
        name = self._name.raw[: length - 1] if 0 < length <= FONT_NAME_BYTES else b""
        bold = self._bold_names.get(name)
        if bold is None:
            bold = self._bold_names[name] = "bold" in name.decode("utf-8", "replace").casefold()
        return bold


def _line(chars: _Chars | None, start: int, text: str) -> Line:
    if chars is None or not text.strip():
        return Line(text)
    first = start + len(text) - len(text.lstrip())
    last = start + len(text.rstrip()) - 1
    bold_lead = chars.bold(first)
    bold = bold_lead and chars.bold(last)
    run_in = 0
    if bold_lead and not bold:  # where does the bold lead end (within a heading's length)?
        lead = range(first, min(last, first + RUN_IN_MAX))
        run_in = next((i - start for i in lead if not chars.bold(i)), 0)
    baseline = chars.baseline(first)
    found = _ALNUM.search(text, 0, 12)
    letter = start + found.start() if found else first  # a letter's or digit's size, not a bullet's
    return Line(
        text,
        baseline=baseline,
        # Lower than the first when PDFium joined a line ending in a hyphen to the next one.
        last_baseline=chars.baseline(last) if SOFT_HYPHEN in text else baseline,
        size=chars.size(letter),
        bold=bold,
        run_in=run_in,
    )


def _extract(data: bytes, path: Path) -> Extracted:
    pdfium = _pdfium()
    pdf = _open(data)
    bold_names: dict[bytes, bool] = {}
    try:
        pages: list[Page] = []
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError:  # a damaged page: the others are still worth reading
                pages.append(Page(()))
                continue
            try:
                pages.append(_read_page(page, bold_names))
            finally:
                page.close()
        laid_out = layout(pages)
        texts = [normalize(text) for text in laid_out.texts]
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
    text, starts = _join_pages(texts)
    first_page = next((page for page in pages if page.lines), Page(()))
    title = meta.get("Title", "")
    if _placeholder_title(title, path):
        title = pdf_metadata.title_from_layout(first_page, laid_out.body_size)
    first_lines = pdf_metadata.first_lines(first_page)
    title = title or _title_from_lines(first_lines) or path.stem
    published, published_raw = _published(meta, first_lines)
    return Extracted(
        text=text,
        title=title,
        author=meta.get("Author", ""),
        source=pdf_metadata.outlet(meta.get("Creator", ""), first_page, laid_out.running, text, title),
        published=published,
        published_raw=published_raw,
        format="pdf",
        pages=starts,
        flags=flags,
    )


def _published(meta: dict[str, str], first_lines: list[str]) -> tuple[datetime | None, str]:
    """The date the metadata gives, else a date line on page 1 ("Updated April 20, 2026")."""
    raw = meta.get("CreationDate", "") or meta.get("ModDate", "")
    if raw:
        return parse_pdf_date(raw), raw
    for line in first_lines:
        if _DATE_LINE.match(line):
            found = parse_free_date(_DATE_WORD.sub("", line))
            if found is not None:
                return found, line
    return None, ""


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
                found.texts.append(normalize(_ocr_paragraphs(done.stdout.decode("utf-8", "replace"))))
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


def _ocr_paragraphs(raw: str) -> str:
    """OCR output in paragraphs, by the layout rules that need no positions."""
    return layout([Page([Line(line) for line in raw.splitlines()])]).texts[0]


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
