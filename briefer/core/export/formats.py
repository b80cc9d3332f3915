"""Export a briefing as Word, PDF or HTML: the .docx is always made first, the others from it.

PDF and HTML are renditions of that one document (pdf_export.py, html_export.py),
so they say what it says, and the release gate runs once, in the Word export.
Their .docx and manifest stay in a private temporary folder; only `out` is written.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from briefer.core import atomic_write
from briefer.core.briefing.model import Briefing
from briefer.core.export import html_export, pdf_export
from briefer.core.export.docx_export import NO_PAGE_NUMBERS, ExportError, ExportReport, export_docx

FORMATS = ("docx", "pdf", "html")
SUFFIXES = {"docx": ".docx", "pdf": ".pdf", "html": ".html"}


@dataclass
class FormatReport:
    path: Path  # the file written
    format: str
    docx: ExportReport  # the Word export it was made from: sources, warnings, the gate's findings
    convert_seconds: float = 0.0  # making the PDF or HTML from the .docx

    @property
    def seconds(self) -> float:
        return self.docx.seconds + self.convert_seconds


def format_of(out: Path, default: str = "docx") -> str:
    """The format an output name asks for by its suffix, else `default`."""
    suffix = {".htm": ".html"}.get(out.suffix.lower(), out.suffix.lower())
    return next((name for name, known in SUFFIXES.items() if known == suffix), default)


def export_as(fmt: str, briefing: Briefing, out: Path, **options: Any) -> FormatReport:
    """Write `briefing` to `out` as `fmt` (one of FORMATS); `options` are export_docx's.

    Raises what export_docx raises, LibreOfficeMissing (before any work) and
    ConversionFailed for a PDF; `out` is untouched in every failure.
    """
    if fmt not in FORMATS:
        raise ExportError(f"the format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "docx":
        return FormatReport(out, fmt, export_docx(briefing, out, **options))
    if fmt == "pdf":
        pdf_export.soffice()  # fail before the work when LibreOffice is missing
    if fmt == "html":
        options = {**options, "toc_pages": False}  # the page links its own contents: no pages to number
    with tempfile.TemporaryDirectory(prefix="briefer-export-") as scratch:
        docx = Path(scratch) / (out.stem + ".docx")
        report = export_docx(briefing, docx, **options)
        # Word's "update the fields on open" is no help to a PDF or a page: say nothing of it.
        report = replace(report, notices=[n for n in report.notices if not n.startswith(NO_PAGE_NUMBERS)])
        started = time.perf_counter()
        try:
            if fmt == "pdf":
                pdf_export.convert_to_pdf(docx, out)
            else:
                atomic_write.write_text(out, html_export.render(docx.read_bytes()))
        except OSError as exc:  # worded as the Word export words it, not by the temporary file's name
            raise ExportError(f"cannot write in {out.parent}: {exc.strerror or exc}") from None
        return FormatReport(out, fmt, report, time.perf_counter() - started)
