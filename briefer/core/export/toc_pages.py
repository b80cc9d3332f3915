"""Real page numbers for the contents: render the document once with LibreOffice, read the pages.

LibreOffice does not compute a TOC field when it converts a document, and
python-docx cannot lay out pages.  So the export converts the finished
document to PDF (`soffice --headless`, its own profile so parallel runs do not
collide), reads each page's text with poppler's `pdftotext -layout`, and looks
for each heading, in order, as a line of its own.  Without both programs, or
when the render fails, the export leaves the field for Word to update.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

RENDER_TIMEOUT = 180.0  # a first start of LibreOffice with a fresh profile takes a few seconds


class RenderFailed(RuntimeError):
    """LibreOffice or pdftotext is missing, failed, or wrote nothing."""


def wanted() -> bool:
    """Whether the front ends number the contents: yes, unless BRIEFER_EXPORT_RENDER=0 (a faster
    export whose contents Word numbers on open; the test suite sets it)."""
    return os.environ.get("BRIEFER_EXPORT_RENDER", "1").strip() != "0"


def renderer_available() -> bool:
    return shutil.which("soffice") is not None and shutil.which("pdftotext") is not None


def page_texts(document: bytes, *, timeout: float = RENDER_TIMEOUT) -> list[str]:
    """The text of each page of a .docx as LibreOffice lays it out."""
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        raise RenderFailed("LibreOffice (soffice) and poppler's pdftotext are needed to count pages")
    with tempfile.TemporaryDirectory(prefix="briefer-pages-") as scratch:
        folder = Path(scratch)
        source = folder / "document.docx"
        source.write_bytes(document)
        command = [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        _run(command, timeout)
        pdf = folder / "document.pdf"
        if not pdf.exists():
            raise RenderFailed("LibreOffice wrote no PDF")
        text = _run([pdftotext, "-layout", "-enc", "UTF-8", str(pdf), "-"], timeout)
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _run(command: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderFailed(f"{Path(command[0]).name} failed: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise RenderFailed(f"{Path(command[0]).name} exited with status {done.returncode}: {detail[0]}")
    return done.stdout.decode("utf-8", "replace")


def heading_pages(pages: Sequence[str], headings: Sequence[str], *, first: int = 1) -> list[int | None]:
    """The page (1-based) each heading starts on, searching in order from page `first` + 1.

    A heading matches a line of its own (or up to three lines, when it wraps),
    so the contents' own entries ("Key Judgments ....... 3") and a word in the
    text never match.  A heading not found gets None and the search goes on
    from where the previous one was found.
    """
    lines = [[" ".join(line.split()) for line in page.splitlines() if line.strip()] for page in pages]
    found: list[int | None] = []
    page = first
    for heading in headings:
        wanted = " ".join(heading.split())
        at = next((i for i in range(page, len(lines)) if _starts_a_line(lines[i], wanted)), None)
        found.append(None if at is None else at + 1)
        if at is not None:
            page = at
    return found


def _starts_a_line(lines: list[str], wanted: str) -> bool:
    for i, line in enumerate(lines):
        if not wanted.startswith(line):
            continue
        joined = line
        for extra in lines[i + 1 : i + 3]:
            if joined == wanted:
                break
            joined = f"{joined} {extra}"
        if joined == wanted:
            return True
    return False
