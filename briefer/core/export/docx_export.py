"""Briefing -> Word document that reads like a professional assessment.

Page 1: masthead, title, key judgments.  Excerpts become quotations with real
footnotes (ICD 206-style, numbered by first appearance, a reused source keeps
its number), the implications matrix a table, the estimative-language key a
small box, and the end a "Source Reference Citations" list.  The banner,
computed from the portion marks, heads and foots every page with "Page X of Y".

The export refuses briefings whose markings do not validate, sanitizes every
string, and writes to a temporary file it renames, so a failed export leaves
no half-written document.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.document import Document as DocxDocument

from briefer import __version__
from briefer.core import paths
from briefer.core.briefing import markings, storage
from briefer.core.briefing.citations import format_time
from briefer.core.briefing.excerpts import SourceCheck
from briefer.core.briefing.model import Briefing, BriefingError, Citation, Excerpt, excerpts, walk_blocks
from briefer.core.export import layout
from briefer.core.export import styles as st
from briefer.core.export.body import BodyWriter
from briefer.core.export.ooxml import clean, renumber_comments, set_custom_properties

COMMENT_MODES = ("margin", "inline", "omit")


class ExportError(BriefingError):
    """The document could not be written (bad reference document, unwritable folder ...)."""


def default_reference() -> Path:
    return paths.RESOURCES / "templates" / "reference.docx"


@dataclass
class ExportReport:
    path: Path
    seconds: float
    footnotes: int
    sources: int
    missing: list[tuple[int, Citation]] = field(default_factory=list)  # (number, citation)
    warnings: list[str] = field(default_factory=list)


def export_docx(
    briefing: Briefing,
    out: Path,
    *,
    reference: Path | None = None,
    checks: Mapping[str, SourceCheck] | None = None,
    comments: str = "margin",
    now: datetime | None = None,
) -> ExportReport:
    """Write `briefing` to `out` (.docx).  `checks` (from excerpts.check_sources) marks missing sources.

    Raises markings.MarkingError when the markings do not validate, ExportError
    when the reference document is unusable; `out` is untouched in both cases.
    """
    started = time.perf_counter()
    if comments not in COMMENT_MODES:
        raise ExportError(f"comments must be one of {', '.join(COMMENT_MODES)}")
    markings.ensure_exportable(briefing)
    document = open_reference(reference or default_reference())
    style_ids = st.ensure_styles(document)
    banner = markings.banner(briefing)
    layout.clear_story(document.element.body)
    meta = briefing.metadata
    cui_block = cui_designation_lines(briefing)
    layout.header_and_footer(document, banner, meta.tlp, meta.product_number, style_ids, cui_block)
    missing_ids = {doc_id for doc_id, check in (checks or {}).items() if check.missing}
    writer = BodyWriter(briefing, document, style_ids, missing_ids, comments)
    writer.write()
    renumber_comments(document)
    _properties(briefing, document, banner, now or datetime.now(UTC))
    _save_atomically(document, out)
    missing = [(n, c) for n, c in writer.numbers.ordered() if c.doc_id in missing_ids]
    warnings = list(writer.warnings) + _dangling_cites(briefing)
    warnings += [
        f"{c.doc_id}: {c.detail}" for c in (checks or {}).values() if c.status not in ("ok", "missing")
    ]
    return ExportReport(
        path=out,
        seconds=time.perf_counter() - started,
        footnotes=writer.footnotes.count,
        sources=len(writer.numbers),
        missing=missing,
        warnings=warnings,
    )


def _dangling_cites(briefing: Briefing) -> list[str]:
    """Blocks that cite an excerpt no longer in the briefing (the citation is silently lost otherwise)."""
    known = excerpts(briefing)
    return [
        f"{block.kind.replace('_', ' ')} {block.id} cites excerpt {cited}, which is not in the briefing"
        for _, block in walk_blocks(briefing)
        if not isinstance(block, Excerpt)
        for cited in block.cites
        if cited not in known
    ]


def cui_designation_lines(briefing: Briefing) -> list[str]:
    """The CUI designation indicator block, when any portion is CUI (else no lines)."""
    if markings.overall(markings.all_portions(briefing)) != "CUI":
        return []
    cui = briefing.metadata.cui
    return [
        f"Controlled by: {cui.controlled_by}",
        f"Controlled by: {cui.office}",
        f"CUI Category: {', '.join(cui.categories)}",
        f"Distribution/Dissemination Control: {cui.dissemination or 'None'}",
        f"POC: {cui.poc}",
    ]


def open_reference(path: Path) -> DocxDocument:
    """The reference document whose styles, page setup and parts the export starts from."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read the reference document {path}: {exc.strerror or exc}") from None
    try:
        return docx.Document(io.BytesIO(_as_document(data)))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExportError(f"{path} is not a usable Word .docx reference document ({exc})") from None


def _as_document(data: bytes) -> bytes:
    """A .dotx template is a .docx with another main content type; python-docx only opens the latter."""
    template_ct = b"wordprocessingml.template.main+xml"
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml")
        if template_ct not in types:
            return data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    content = content.replace(template_ct, b"wordprocessingml.document.main+xml")
                target.writestr(item, content)
        return buffer.getvalue()


def _properties(briefing: Briefing, document: DocxDocument, banner: str, now: datetime) -> None:
    meta = briefing.metadata
    core = document.core_properties
    # Core properties are capped at 255 characters.
    core.title = clean(meta.title)[:255]
    core.subject = clean(f"{meta.product_line} {meta.product_number}".strip())[:255]
    core.author = clean(meta.author or meta.office)[:255]
    core.keywords = clean("; ".join(meta.keywords))[:255]
    core.category = clean(meta.product_line)[:255]
    core.comments = f"Generated by Briefer {__version__}"
    core.content_status = banner[:255]
    core.last_modified_by = "Briefer"
    core.revision = max(1, meta.edition)
    core.created = (meta.date or now).astimezone(UTC).replace(tzinfo=None)
    core.modified = now.astimezone(UTC).replace(tzinfo=None)
    digest = hashlib.sha256(storage.dumps(briefing).encode("utf-8", "surrogatepass")).hexdigest()
    values: dict[str, str | int] = {
        "BrieferProductNo": meta.product_number,
        "Edition": meta.edition,
        "InfoCutoffUTC": format_time(meta.info_cutoff) if meta.info_cutoff else "",
        "OverallMarking": banner,
        "MarkingProfile": meta.marking_profile,
        "BriefingId": briefing.id,
        "BriefingSHA256": digest,
    }
    if meta.tlp:
        values["TLP"] = f"TLP:{meta.tlp}"
    set_custom_properties(document, values)


def _save_atomically(document: DocxDocument, out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            document.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
